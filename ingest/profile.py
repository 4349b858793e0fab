"""A document's profile, found in its own text: the bodies it is about, the dates it carries, its
kind, the visit it reports and the judgements it states. Every fact keeps the span it came from.

Everything here reads the shape of the text (titles, address blocks, "Inspection dates:" lines,
judgement tables, the words that name a kind of body), never a list of known councils or years.
"""

from __future__ import annotations

import re
from collections import Counter

from core.kinds import OWN_RECORD_KINDS, PRIMARY_SOURCE_KINDS
from core.records import DocumentProfile, Fact, Judgement

from .metadata import MONTH_YEAR, MONTHS, find_dates, find_kind

# the four grades of today's frameworks, and "adequate" of the earlier four-point scale
_GRADE_RE = r"(outstanding|good|requires improvement(?: to be good)?|inadequate|adequate)"
_NAME_WORD = r"(?:[A-Z][a-z'’]+|of|upon|on|under|le|the|and|&)"
_NAME = rf"[A-Z][A-Za-z'’]+(?:[ -]{_NAME_WORD}){{0,4}}"
_BODY_SUFFIX = (r"(?:(?:City|County|Borough|District|Metropolitan Borough|Metropolitan District|Metropolitan|"
                r"Town|Unitary)\s+)?Council|Children[’']?s\s+(?:Services\s+)?Trust|"
                r"Safeguarding\s+(?:Children\s+)?(?:Partnership|Board)|Children[’']?s\s+Partnership")
BODY_PATTERNS = [
    # "Oakvale City Council", "Oakvale Children's Trust", "Oakvale Safeguarding Children Partnership"
    re.compile(rf"\b(?P<name>{_NAME})\s+(?P<suffix>{_BODY_SUFFIX})\b"),
    # "London Borough of Oakvale", "Royal Borough of X", "City of X Council"
    re.compile(rf"\b(?:London Borough|Royal Borough|Borough|City|County) of (?P<name>{_NAME})\b"),
    # "Inspection of Oakvale children's services", "Focused visit to X children's services", "X local authority"
    re.compile(rf"\b(?:of|to|in|for|by|at)\s+(?P<name>{_NAME})(?:[’']s)?\s+(?:local authority\s+)?"
               r"(?P<suffix>children[’']?s services|local authority|council)\b"),
    # "Children's services in Oakvale have been rated good", a headline "Oakvale children's services rated good"
    re.compile(rf"\b[Cc]hildren[’']?s (?:social care )?services (?:in|at) (?P<name>{_NAME})\b"),
    re.compile(rf"(?m)^(?P<name>{_NAME})(?:[’']s)?\s+children[’']?s\s+services\b"),
    # "Local authority: Oakvale"
    re.compile(rf"(?im)^\s*(?:local authority|council|authority)\s*[:\-–]\s*(?P<name>{_NAME})\s*$"),
]
_NOT_NAMES = {
    "the", "this", "that", "these", "our", "their", "its", "his", "her", "a", "an", "each", "every", "all", "local",
    "children", "children's", "children’s", "social", "services", "service", "inspection", "inspections", "ofsted",
    "his majesty's", "her majesty's", "majesty", "director", "dear", "monitoring", "focused", "visit", "report",
    "council", "county", "city", "borough", "district", "trust", "partnership", "members", "member", "cabinet",
    "committee", "scrutiny", "panel", "board", "leaders", "senior", "national", "government", "department",
    "secretary", "state", "education", "the council", "annual", "joint", "targeted", "area", "english", "all the",
    # roles: "Leader of the Council", "Chair of the Council"
    "leader", "chair", "chairman", "deputy", "mayor", "chief", "executive", "head", "opposition", "speaker",
}
_NOT_NAMES |= {m.lower() for m in ("January February March April May June July August September October November "
                                   "December Monday Tuesday Wednesday Thursday Friday Saturday Sunday").split()}
_PRONOUNS = {"they", "it", "he", "she", "we", "which", "that", "this", "these", "those", "as", "in", "services", "who",
             "all", "some", "most", "both", "each", "none", "many", "several"}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8}
VISIT_NUMBER = re.compile(
    rf"\b(?P<n>{'|'.join(ORDINALS)})\s+(?:monitoring|focused|assurance)\s+visit\b", re.I)
REPORTED_CUE = re.compile(
    r"\b(?:inspection dates?|dates? of (?:the )?(?:inspection|visit)|visit dates?|inspected|inspection (?:took place|"
    r"was carried out|was conducted|of [^.\n]{0,60}? (?:on|in|between|from))|(?:visit|inspection)[^.\n]{0,40}?"
    r"(?:took place|carried out|conducted|which was conducted)|(?:visit|inspection)\s+(?:on|in|between|from)|"
    r"(?:visit|inspection) (?:to|of) [^.\n]{0,80}?\b(?:on|in|between|from)|visited|"
    r"(?:was|were) (?:conducted|carried out) (?:on|between|from)|took place (?:on|between|from))\b", re.I)
JUDGEMENT_LINE = re.compile(
    rf"(?im)^\s*\|?\s*(?:\d+(?:\.\d+)*\.?\s*)?(?P<area>[A-Z][^:|\n]{{2,90}}?)(?:\s*(?::|\||–|-)\s*|\s{{2,}}|\t+)"
    rf"(?P<grade>{_GRADE_RE})\b[^\n]{{0,40}}$")
# a table row as the Word, web and Markdown readers write it, each cell after its column's heading:
# "| Area: Help and protection | Grade: Requires improvement to be good |"
JUDGEMENT_ROW = re.compile(
    rf"(?im)^\s*\|\s*[^|:\n]{{1,40}}:\s*(?P<area>[A-Z][^|\n]{{2,90}}?)\s*\|\s*[^|:\n]{{1,40}}:\s*"
    rf"(?P<grade>{_GRADE_RE})\s*\|")
# a judgement table as text extraction leaves it: "Overall effectiveness Good", the grade capitalised and ending the line
JUDGEMENT_CELL = re.compile(
    r"(?m)^[ \t]*(?:\d+(?:\.\d+)*\.?[ \t]+)?(?P<area>[A-Z][^:|\n.]{2,90}?) (?P<grade>Outstanding|Good|Adequate|Requires improvement(?: to be good)?|"
    r"Inadequate)[ \t]*$")
JUDGEMENT_PROSE = re.compile(
    rf"(?i)\b(?P<area>overall effectiveness|[a-z' ]{{3,80}}?)\s+(?:(?:is|was|were|are|has been|have been|remains?|"
    rf"remained)\s+)?(?:judged\s+(?:to\s+be\s+)?|graded\s+(?:as\s+)?|rated\s+(?:as\s+)?)(?P<grade>{_GRADE_RE})\b")

# the overall judgement as a report's headline states it, at the start of a line or sentence: "Children's services
# in Oakvale require improvement to be good", "Overall, services for children in Oakvale are now inadequate"
JUDGEMENT_OVERALL = re.compile(
    r"(?im)(?:^[ \t]*|(?<=[.!?] ))(?:overall,?\s+)?(?:children[’']?s services|services for children(?: and young people)?)(?: in (?:(?-i:[A-Z])[\w'’-]*\s?){1,4}?)?"
    r"\s+(?:(?:are|is|remain|remains|are now|is now|now|now are)\s+)?(?P<grade>outstanding|good|inadequate|"
    r"(?:requires?|need|needs) improvement(?: to be good)?)\b")

# the single inspection framework's own sentence: "The graded judgement about the experiences and progress of care
# leavers is that it is inadequate", "The graded judgement for adoption performance is that it requires improvement"
JUDGEMENT_GRADED = re.compile(
    r"(?im)\bthe graded judgements? (?:about|for|on) (?:the )?(?P<area>[^\n.]{3,100}?) (?:is|are) that (?:it|they) "
    r"(?:is |are )?(?P<grade>outstanding|good|adequate|inadequate|requires? improvement(?: to be good)?)\b")

# a short sentence that is the judgement of a named board or service: "The Local Safeguarding Children Board is good."
JUDGEMENT_STATED = re.compile(
    r"(?m)(?:^[ \t]*|(?<=[.!?] ))The (?P<area>(?-i:[A-Z])[\w'’-]*(?: [\w'’-]+){1,9}?) (?:is|are) "
    r"(?P<grade>outstanding|good|adequate|inadequate|requires? improvement(?: to be good)?)\.")

# the grade before its area: "the judgement of adequate for leadership and governance"
JUDGEMENT_OF = re.compile(rf"(?i)\b(?:a |the )?(?:judgement|grade|rating) of {_GRADE_RE} (?:for|on) (?:the )?"
                          rf"(?P<area>[^.\n;]{{3,80}})")


def _fold(name: str) -> str:
    return re.sub(r"\s+", " ", name.replace("’", "'")).strip().lower()


def _clean_name(name: str) -> str:
    words = re.sub(r"'s\b", "", name.replace("’", "'")).split()  # "Oakvale's front door": Oakvale
    while words and words[0].lower() in {"the", "of", "and", "&"}:
        words = words[1:]
    while words and words[-1].lower() in {"of", "and", "&", "the", "on", "upon", "under", "le"}:
        words = words[:-1]
    return " ".join(words)


def _title_case_capitals(text: str) -> str:
    """"OAKVALE CITY COUNCIL" -> "Oakvale City Council", same length, so offsets hold."""
    return re.sub(r"\b[A-Z][A-Z'’]+\b", lambda m: m.group(0).capitalize(), text)


HEAD_CHARS = 200  # a letterhead, masthead or title


def find_bodies(text: str, limit: int = 6, main: bool = True, owned: bool = False) -> list[Fact]:
    """The bodies a text is about, most mentioned first: each a `Fact` whose value is the body's name
    as written (its core name, without "City Council"), spanning its first strong mention. With `main`
    False, every body the text names (a news item about one council may quote another). With `owned`, the
    text is one body's own record (its minutes): of the bodies its head does not name, only one named more
    than half as often as the one it does is also what it is about."""
    text = _title_case_capitals(text)
    counts: Counter[str] = Counter()
    first: dict[str, tuple[int, int, str]] = {}
    for pattern in BODY_PATTERNS:
        for m in pattern.finditer(text):
            raw = _clean_name(m.group("name"))
            # "Inspection of Oakvale City" -> keep the words before a trailing kind-of-body word
            raw = re.sub(r"(?:\s+(?:City|County|Borough|District|Metropolitan|Local|Authority|Unitary|Town))+$", "", raw)
            key = _fold(raw)
            if not raw or key in _NOT_NAMES or key.split()[0] in _NOT_NAMES or len(key) < 3:
                continue
            start = m.start("name") + m.group("name").find(raw.split()[0])
            counts[key] += 1
            if key not in first or start < first[key][0]:
                first[key] = (start, start + len(raw), raw)
    if not counts:
        return []
    # a bare mention of the name elsewhere counts too ("Oakvale has improved")
    for key in list(counts):
        name = first[key][2]
        counts[key] += len(re.findall(rf"\b{re.escape(name)}\b", text)) - 1
        # a common noun that a heading capitalised ("Care", "Health") is written in lower case elsewhere
        if len(re.findall(rf"\b{re.escape(name.lower())}\b", text)) >= counts[key]:
            del counts[key]
    if not counts:
        return []
    for key in sorted(counts, key=len, reverse=True):  # "oakvale metropolitan" is "oakvale"
        shorter = next((k for k in counts if k != key and key.startswith(k + " ")), None)
        if shorter:
            counts[shorter] += counts.pop(key)
    ranked = sorted(counts, key=lambda k: (-counts[k], first[k][0]))
    # the body a letterhead or title names ("OAKVALE BOROUGH COUNCIL / CABINET / MINUTES") is the one the
    # document belongs to, however often a neighbour comes up in it
    head = [k for k in counts if first[k][0] < HEAD_CHARS]
    if main and head:
        owner = min(head, key=lambda k: first[k][0])
        ranked = [owner] + [k for k in ranked if k != owner]
        if owned:  # a neighbour a committee discussed in passing is not what its minutes are about; a
            # body it discussed about as often as itself (the trust that runs its services) is
            ranked = [owner] + [k for k in ranked[1:] if 2 * counts[k] > counts[owner]]
    top = max(counts.values())
    # a body the text is about is named more than once, unless nothing is: one passing mention of a
    # neighbour ("now interim director at Croydon Council") does not make the text about it
    floor = max(1, top // 4, 2 if top >= 3 else 1)
    keep = [k for k in ranked if counts[k] >= (floor if main else 1)][:limit if main else 4 * limit]
    return [Fact(first[k][2], first[k][0], first[k][1]) for k in keep]


def _iso_month(year: str, month_name: str) -> str:
    return f"{year}-{MONTHS[month_name.lower()]:02d}"


DATES_LABEL = re.compile(r"(?i)\b(?:inspection dates?|dates? of (?:the )?(?:inspection|visit)|visit dates?)\s*:?[^\n]*$")


def find_reported_dates(text: str, window: int = 160, head_chars: int = 3000) -> list[Fact]:
    """Dates of the inspection or visit the text reports: full dates, or months, that follow a cue such
    as "Inspection dates:", "the visit on", "inspected in", within its first `head_chars` (further in, a
    report speaks of earlier visits: "leaders have acted on the findings of the visit in November 2031"),
    and only those of its dates line when it has one. Each `Fact` is an ISO date or month."""
    found = find_event_dates(text[:head_chars], window)
    # a document with a dates line ("Inspection dates: ...") reports that inspection; its other cues speak of others
    labelled = [f for f in found if DATES_LABEL.search(text[max(0, f.start - 60):f.start])]
    return labelled or found


def find_event_dates(text: str, window: int = 160, limit: int = 4) -> list[Fact]:
    """The dates of the inspections or visits `text` speaks of anywhere (its own and earlier ones): full
    dates or months after a cue ("the visit on", "inspected in"), not one a "since the last inspection in
    ..." names as past; the first `limit`."""
    out: list[Fact] = []
    seen: set[str] = set()
    for cue in REPORTED_CUE.finditer(text):
        before = text[max(0, cue.start() - 40):cue.start()].lower()
        if re.search(r"\b(?:last|previous|earlier|prior|since|after|before|following|had)\b[^.\n]*$", before):
            continue  # "since the last inspection in September 2031", "who had led the visit in": an earlier one
        start = cue.end()
        chunk = text[start:start + window]
        stop = re.search(r"[.;\n](?:\s|$)", chunk)
        line_end = chunk.find("\n\n")
        chunk = chunk[: stop.start()] if stop and stop.start() > 10 else chunk
        chunk = chunk[:line_end] if 0 < line_end < len(chunk) else chunk  # a paragraph ends the cue's reach
        dates = [(off, iso) for off, iso in find_dates(chunk)]
        if not dates:
            dates = [(m.start(), _iso_month(m.group(2), m.group(1))) for m in MONTH_YEAR.finditer(chunk)]
        # "14 to 25 January": the first day has no month of its own; the last date stands for the range
        for off, iso in dates[-1:] if dates else []:
            if iso not in seen:
                seen.add(iso)
                out.append(Fact(iso, start + off, start + off + len(chunk[off:].split(".")[0][:40])))
        if len(out) >= limit:
            break
    return out


def find_visit_number(text: str, head_chars: int = 3000) -> Fact | None:
    """"the third monitoring visit" near the top -> Fact("3", ...)."""
    for m in VISIT_NUMBER.finditer(text[:head_chars]):
        before = text[max(0, m.start() - 40):m.start()].lower()
        if re.search(r"\b(?:since|after|before|at|previous|last|the last)\s+(?:the\s+)?$", before):
            continue  # "since the second monitoring visit" names an earlier visit
        return Fact(str(ORDINALS[m.group("n").lower()]), m.start(), m.end())
    return None


# prose that reports or recalls a judgement ("the report noted that X had been good", "given that its services had
# been inadequate") rather than states one
REPORTED_AREA = re.compile(r"\b(?:had|given|since|noted|reminded|said|that|which|who|they|its own)\b", re.I)
NOT_AN_AREA = re.compile(r"\b(?:scale|following|are made|is made|grades? (?:are|is)|means?)\b", re.I)


def _grade(raw: str) -> str:
    """A grade as the scale spells it: "require improvement", "needs improvement" -> "requires improvement"."""
    return re.sub(r"^(?:requires?|needs?) ", "requires ", raw.lower())


def _stated(found: dict[str, Judgement], area: str, grade: str, start: int, end: int) -> None:
    """Keep the first statement of an area's judgement (the area capitalised as a heading)."""
    found.setdefault(area.lower(), Judgement(area[:1].upper() + area[1:], _grade(grade), start, end))


def _add_overall(found: dict[str, Judgement], m: re.Match) -> None:
    _stated(found, "Overall effectiveness", m.group("grade"), m.start(), m.end("grade"))


def find_judgements(text: str) -> list[Judgement]:
    """Judgements stated as lines ("Overall effectiveness: Inadequate", a table row as text extraction leaves
    it: "Overall effectiveness Good") or in prose ("... was judged to be good", not "when it was judged ...",
    which speaks of an earlier inspection): the first line and the first sentence of each area, overall
    effectiveness first."""
    found: dict[str, Judgement] = {}
    # the headline as a sentence of the text ("... require improvement to be good.") first, then as a title
    def in_prose(m: re.Match) -> bool:  # the sentence goes on ("... good." or "... good, and ..."), not a title line
        return text[m.end():m.end() + 1] in (".", ",", ";")

    overall = sorted(JUDGEMENT_OVERALL.finditer(text), key=lambda m: (not in_prose(m), m.start()))
    if overall and in_prose(overall[0]):
        _add_overall(found, overall[0])
    for m in JUDGEMENT_GRADED.finditer(text):  # the framework's own words first
        _stated(found, m.group("area").strip(), m.group("grade"), m.start(), m.end("grade"))
    for m in JUDGEMENT_OF.finditer(text):
        _stated(found, m.group("area").strip(), m.group(1), m.start(), m.end())
    # a line that states its judgement ("Care leavers: good") before a table row that only sets it beside the area
    lines = sorted([*JUDGEMENT_LINE.finditer(text), *JUDGEMENT_CELL.finditer(text), *JUDGEMENT_ROW.finditer(text)],
                   key=lambda m: (":" not in text[m.end("area"):m.start("grade")], m.start()))
    for m in lines:
        area = m.group("area").strip(" |*-–:")
        if len(area.split()) > 14 or area.lower() in {"judgement", "grade", "area"} or NOT_AN_AREA.search(area):
            continue
        key = area.lower()
        found.setdefault(key, Judgement(area, m.group("grade").lower(), m.start("area"), m.end("grade")))
    if overall:
        _add_overall(found, overall[0])
    for m in JUDGEMENT_STATED.finditer(text):
        _stated(found, m.group("area").strip(), m.group("grade"), m.start("area"), m.end("grade"))
    for m in JUDGEMENT_PROSE.finditer(text):
        area = m.group("area").strip()
        if re.match(r"when\b", area, re.I):
            continue  # "since the last inspection, when services were judged to be inadequate": an earlier one
        area = re.sub(r"^(?:and|that|where|which|overall,?)\s+", "", area, flags=re.I)
        words = area.lower().split()
        if len(words) < 2 or len(words) > 10 or words[0] in _PRONOUNS or NOT_AN_AREA.search(area) \
                or REPORTED_AREA.search(area):
            continue
        key = f"{area.lower()}, in prose"
        found.setdefault(key, Judgement(area, m.group("grade").lower(), m.start("area"), m.end("grade")))
    # overall effectiveness first, then in order of appearance
    return sorted(found.values(), key=lambda j: ("overall" not in j.area.lower(), j.start))


def profile_of(text: str, published: str | None = None, kind: str | None = None) -> DocumentProfile:
    """The profile of a document's clean text; `published` and `kind` as the metadata found them."""
    found_kind = find_kind(text)
    own_record = (kind or (found_kind.value if found_kind else "")) in OWN_RECORD_KINDS
    return DocumentProfile(
        bodies=tuple(find_bodies(text, owned=own_record)),
        mentioned_bodies=tuple(b.value for b in find_bodies(text, main=False)),
        published=published,
        # an inspection's own report or letter reports that inspection near its top; minutes and news report
        # on the inspections they discuss wherever they do
        reported=tuple(find_reported_dates(text, head_chars=3000 if (kind or "") in PRIMARY_SOURCE_KINDS else len(text))),
        kind=kind or (found_kind.value if found_kind else None),
        kind_span=(found_kind.start, found_kind.end) if found_kind else None,
        visit_number=find_visit_number(text),
        judgements=tuple(find_judgements(text)),
        mentioned_years=tuple(sorted(set(re.findall(r"\b((?:19|20)\d\d)\b", text)))),
        mentioned_events=tuple(f.value for f in find_event_dates(text)),
    )
