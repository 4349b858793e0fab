"""What a question constrains: the body it names, the period, the kind of document, the visit, and the
type of answer it wants; and which documents of the library meet those constraints.

Bodies are recognised against the library's own profiles (the names its documents are about), so no
list of councils lives in the code; periods, kinds and answer types are read from the question's words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace

from core.records import DocumentMeta, DocumentProfile
from core.text import strip_accents

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "tenth": 10, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "5th": 5, "6th": 6, "7th": 7, "8th": 8,
            "latest": -1, "last": -1, "most recent": -1}
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
VISIT_KINDS = {"monitoring_visit": r"monitoring visit", "focused_visit": r"focused visit"}
KIND_WORDS = [
    ("monitoring_visit", r"monitoring visits?"),
    ("focused_visit", r"focused visits?"),
    ("reinspection", r"re-?inspections?"),
    ("council_minutes", r"minutes|(?:scrutiny )?(?:committee|panel|board) meetings?"),
    ("annual_report", r"annual reports?"),
    ("news", r"news(?:papers?)?|press|articles?|reporters?|journalists?|headlines?|media|(?:local|the) paper"),
    ("inspection_letter", r"(?:inspection )?letters?"),
    ("inspection_report", r"inspection reports?|reports? of the inspection"),
    ("guidance", r"guidance|polic(?:y|ies)|procedures?"),
]
# the form a document came in, as users name it: "the scanned letter", "the Word document", "the web page"
FORM_WORDS = [
    ("scan", r"scann(?:ed|ing)|scans?|ocr(?:'d|ed)?"),
    ("word", r"word (?:documents?|files?)|docx(?: files?)?"),
    ("web", r"web ?pages?|websites?|web sites?|online articles?"),
]


def without_forms(question: str) -> str:
    """`question` less the words that name a form of document ("the Word document" is no body named Word)."""
    for _, words in FORM_WORDS:
        question = re.sub(rf"(?i)\b(?:{words})\b", " ", question)
    return question


def document_form(meta: DocumentMeta, profile: DocumentProfile | None) -> str:
    """"scan" (read by OCR), "word" (.docx), "web" (.html, .htm) or "" (a text PDF, plain text, Markdown)."""
    if profile is not None and profile.ocr_pages:
        return "scan"
    suffix = meta.filename.lower().rsplit(".", 1)[-1]
    return {"docx": "word", "html": "web", "htm": "web"}.get(suffix, "")


ANSWER_TYPES = [
    # (a grade of a post is no judgement: "work above their grade", "a higher pay grade")
    ("judgement", re.compile(r"\b(?:judge?ments?|judged|graded|rat(?:ed|ing)|overall effectiveness|verdicts?)\b|"
                             r"(?<!their )(?<!his )(?<!her )(?<!its )(?<!pay )(?<!above )(?<!below )\bgrades?\b|"
                             r"\b(?:did|does|do)\s+(?:[\w’']+\s+){0,3}judge\b|"
                             r"\bwas (?:it|the \w+) (?:outstanding|good|inadequate)\b|"
                             r"\b(?:did|does|do|would)\s+(?:[\w’']+\s+){0,3}rate\b", re.I)),
    ("who", re.compile(r"^\s*(?:who|whom|whose)\b|\b(?:signed|addressed to|written to|sent to|led by|name of the)\b",
                       re.I)),
    ("when", re.compile(r"^\s*(?:when\b|(?:on |in )?what (?:date|year|month|day)\b|by when\b)|"
                        r"\b(?:what dates?|which dates?|how long ago)\b", re.I)),
    ("how_many", re.compile(r"\bwhat (?:did|does|do|will|would) (?:[\w’']+ ){0,5}?(?:spend|pay|cost)\b|"
                            r"\b(?:how many|how much|what (?:number|percentage|proportion|share|figure|amount|"
                            r"rate|total|average)|number of|percentage of|proportion of)\b|"
                            r"\bwhat (?:is|was|were|are) (?:the |its |their )?(?:[\w’'-]+ ){0,3}"
                            r"(?:budget|cost|costs|spend|spending|expenditure|overspend|salary|caseload|rate|total)\b",
                            re.I)),
    ("yes_no", re.compile(r"^\s*(?:is|was|were|are|did|does|do|has|have|had|can|could|will|would|should)\b", re.I)),
]


_EVENT = r"(?:re-?inspect\w*|inspect\w*|visit\w*|report\w*|letter|judge?ment|judged|rated|graded)"
EVENT_YEAR = re.compile(rf"(?i)\b(?:19|20)\d\d(?:[-/]\d\d)?\s+(?:\w+\s+)?{_EVENT}\b|"
                        rf"\b{_EVENT}\s+(?:[\w’']+\s+){{0,3}}?(?:in|of|during)\s+(?:\w+\s+)?(?:19|20)\d\d\b")
SUBORDINATE = re.compile(r"^\s*(?:when|after|before|once|while|since|if)\b[^?,]{3,120},\s*(?=(?:did|does|do|was|were|is|"
                         r"are|has|have|had|what|which|how|who|why|where|could|would|can)\b)", re.I)
# "Which MP did the paper quote after Oakvale was rated inadequate?" asks for a person, whatever follows
WHICH_POST = re.compile(r"^\s*(?:which|what)\s+"
                       r"(?:(?!(?:did|does|do|was|were|is|are|has|have|had|will|would|the|a|an|"
                       r"proportion|share|number|percentage|kind|type|role)\b)"
                       # at most two words before the post: a name or an adjective, not a verb ("What worried ...")
                       r"(?:(?-i:[A-Z])[\w’'-]*|(?-i:[a-z-]+)(?<!ed)(?<!s))\s+){0,2}?"
                       r"(?:person|people|officers?|inspectors?|directors?|councillors?|members? of|mps?|ministers?|"
                       r"chair(?:man|woman|person)?|leaders?|commissioners?|advis[eo]rs?|mayors?|spokes\w+|"
                       r"chief executives?|social workers? (?:was|were) named)\b", re.I)
OPENING_TYPES = [  # the question's first word decides before any keyword inside it
    ("when", re.compile(r"^\s*(?:when\b|(?:on |in )?what (?:date|year|month|day)\b|(?:the )?dates? (?:of|for)\b)",
                        re.I)),
    ("who", re.compile(r"^\s*(?:who|whom|whose)\b", re.I)),
    ("who", WHICH_POST),
    ("how_many", re.compile(r"^\s*how (?:many|much)\b", re.I)),
]


CLOSING_WHEN = re.compile(r"(?i)(?<=\w)\s+when\s+[^?]{3,120}\??\s*$")


def without_closing_when(question: str) -> str:
    """The question without a closing when-clause, which sets the scene ("What did X say when the report came
    out?"); a question that opens with "when" keeps it."""
    return question if re.match(r"(?i)\s*when\b", question) else CLOSING_WHEN.sub("?", question)


def answer_type_of(question: str) -> str:
    """The type of answer a question wants: "When was the visit after it was judged inadequate?" wants a
    date, though it names a judgement; else the first of `ANSWER_TYPES` whose words it uses; else "what"."""
    m = SUBORDINATE.match(question)
    if m:  # "When children came back, did someone talk to them?": the question is the main clause
        question = question[m.end():]
    # "What did X call for when Oakvale was rated inadequate?": a closing when-clause sets the scene, not the type
    # (so does "after it was rated inadequate": "Which council acted as its partner after it was rated inadequate?")
    question = re.sub(r"(?i)(?<=\w)\s+(?:when|after|before|since|once)\s+(?:it|they|the council|services|"
                      r"[\w’']+['’]s\s+\w+)\s+(?:was|were|had been|has been|got|received)\s+[^?]{3,100}\??\s*$",
                      "?", question)
    question = without_closing_when(question)
    if re.match(r"(?i)\s*(?:did|does|do|was|were|is|are|has|have|had)\b[^?]*\b(?:a|any) (?:grade|judgement|rating)\b",
                question):
        return "yes_no"  # "Did the joint inspection give a grade?" asks whether there is one
    for name, pattern in OPENING_TYPES + ANSWER_TYPES:
        if pattern.search(question):
            return name
    return "what"


def _fold(text: str) -> str:
    return re.sub(r"\s+", " ", strip_accents(text.replace("’", "'")).lower()).strip()


@dataclass(frozen=True)
class Constraints:
    """A question's constraints. Empty fields constrain nothing."""

    bodies: tuple[str, ...] = ()  # body names as the library's profiles spell them
    years: tuple[str, ...] = ()  # a year named: documents of that year
    since: str | None = None  # "since YEAR": documents from then on
    until: str | None = None
    month: int | None = None  # "the January inspection" (with or without a year)
    visit_number: int | None = None  # "the third monitoring visit"; -1 for the latest
    kinds: tuple[str, ...] = ()  # source kinds named ("monitoring visit", "minutes", ...)
    forms: tuple[str, ...] = ()  # the form of document named ("the scanned letter": "scan"): `document_form`
    answer_type: str = "what"  # who | when | how_many | judgement | yes_no | what
    # the year names an inspection, visit or report ("at its 2031 inspection"), not the period of a figure
    # ("how many complaints in 2031-32", which a later report may give): only documents of that period answer
    event_period: bool = False
    # ... and the event is an inspection or visit ("the 2031 inspection"), which minutes or plans are not
    inspection_event: bool = False
    inherited: tuple[str, ...] = field(default=(), compare=False)  # which fields came from the conversation

    @property
    def empty(self) -> bool:
        return not (self.bodies or self.years or self.since or self.until or self.month or self.visit_number
                    or self.kinds or self.forms)

    def describe(self) -> str:
        """"Oakvale in 2031", "the third monitoring visit of Oakvale", for messages."""
        parts = []
        if self.visit_number:
            kind = self.kinds[0].replace("_", " ") if self.kinds else "visit"
            nth = "latest" if self.visit_number == -1 else next(k for k, v in ORDINALS.items() if v == self.visit_number)
            parts.append(f"the {nth} {kind}")
        if self.bodies:
            parts.append((" of " if parts else "") + " or ".join(self.bodies))
        when = []
        if self.month:
            when.append(MONTHS[self.month - 1].capitalize())
        if self.years:
            when.append(" or ".join(self.years))
        if when:
            parts.append(" in " + " ".join(when))
        if self.since:
            parts.append(f" since {self.since}")
        if self.until:
            parts.append(f" until {self.until}")
        return "".join(parts).strip() or "the question's subject"

    def to_dict(self) -> dict:
        return {k: v for k, v in {
            "bodies": list(self.bodies), "years": list(self.years), "since": self.since, "until": self.until,
            "month": self.month, "visit_number": self.visit_number, "kinds": list(self.kinds),
            "forms": list(self.forms), "answer_type": self.answer_type, "inherited": list(self.inherited)}.items() if v not in (None, [], ())}

    def to_state(self) -> dict:
        """Every field (JSON-ready), for keeping a conversation: `from_dict` gives back an equal Constraints."""
        return {f.name: list(v) if isinstance(v, tuple) else v for f in fields(self) for v in (getattr(self, f.name),)}

    @classmethod
    def from_dict(cls, data: dict | None) -> "Constraints":
        """From `to_state()` (or `to_dict()`, whose omitted fields take their defaults); unknown keys are ignored."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in (data or {}).items() if k in names})


class BodyNames:
    """Finds which of the library's bodies a sentence names: one compiled pattern over the folded names.

    `names(text)` -> the set of body names (as the profiles spell them) that `text` mentions, compared after
    folding case, accents and curly apostrophes; a name must stand as whole words."""

    def __init__(self, known_bodies: list[str]) -> None:
        self.by_key = {}
        for name in known_bodies:
            key = _fold(name)
            if len(key) >= 3:
                self.by_key.setdefault(key, name)
        keys = sorted(self.by_key, key=len, reverse=True)
        self.pattern = re.compile(rf"(?<![a-z0-9])(?:{'|'.join(map(re.escape, keys))})(?![a-z0-9])") if keys else None

    def names(self, text: str) -> set[str]:
        if self.pattern is None:
            return set()
        return {self.by_key[m.group(0)] for m in self.pattern.finditer(_fold(text))}


def read_constraints(question: str, known_bodies: "list[str] | BodyNames", change: bool = False) -> Constraints:
    """The constraints `question` states. `known_bodies`: the names the library's documents are about (or
    their `BodyNames`, compiled once per library). `change`: a question about change over time, whose years
    bound a range rather than pick a year."""
    folded = _fold(question)
    names = known_bodies if isinstance(known_bodies, BodyNames) else BodyNames(list(known_bodies))
    bodies = []
    for name in sorted(names.names(question), key=len, reverse=True):
        if not any(_fold(name) in _fold(b) for b in bodies):  # "Oakvale" inside "Oakvale Vale" found first
            bodies.append(name)
    years = re.findall(r"\b((?:19|20)\d\d)\b", question)
    for first, second in re.findall(r"\b((?:19|20)\d\d)[-/–](\d\d)\b", question):  # a financial year, "2031-32"
        years.append(first[:2] + second)
    since = until = None
    m = re.search(r"\b(since|from|after|following)\s+((?:its|the|their)\s+)?((?:19|20)\d\d)\b", question, re.I)
    if m:  # "after 2031" leaves 2031 out; "since" and "from" keep it
        # "after its 2031 inspection" keeps 2031: what followed may be of the same year
        since = str(int(m.group(3)) + 1) if m.group(1).lower() == "after" and not m.group(2) else m.group(3)
    m = re.search(r"\b(until|before|up to|by|prior to)\s+((?:its|the|their)\s+)?((?:19|20)\d\d)\b", question, re.I)
    if m and m.group(1).lower() == "by" and m.group(2) and re.match(rf"\s+(?:\w+\s+)?{_EVENT}", question[m.end():]):
        m = None  # "by the 2031 inspection" asks for what that inspection found, not for anything up to it
    if m:  # "before 2031" leaves 2031 out; "before the 2031 inspection" keeps what came earlier that year
        until = str(int(m.group(3)) - 1) if m.group(1).lower() == "before" and not m.group(2) else m.group(3)
    m = re.search(r"\bbetween\s+((?:19|20)\d\d)\s+and\s+((?:19|20)\d\d)\b", question, re.I)
    if m:
        since, until = sorted(m.groups())
    if change and len(set(years)) >= 2 and not (since or until):
        since, until = min(years), max(years)
    exact = [] if (since or until) else years
    month = None
    m = re.search(rf"\b({'|'.join(MONTHS)})\b", folded)
    if m:
        month = MONTHS.index(m.group(1)) + 1
    visit = None
    m = re.search(rf"\b({'|'.join(sorted(ORDINALS, key=len, reverse=True))})\s+(?:ofsted\s+)?(?:monitoring\s+|"
                  r"focused\s+)?(?:visits?|inspections?)\b", folded)
    if m:
        visit = ORDINALS[m.group(1)]
    # "Who was the DCS when the 2031 inspection report came out?": a closing when-clause dates the question; the
    # kind of document it names is no kind asked for
    kinds = [kind for kind, words in KIND_WORDS if re.search(rf"\b(?:{words})\b", without_closing_when(folded))]
    if kinds == ["inspection_letter"]:  # "the letter": monitoring and focused visits are reported by letter too
        kinds += list(VISIT_KINDS)
    forms = [form for form, words in FORM_WORDS if re.search(rf"\b(?:{words})\b", folded)]
    answer_type = answer_type_of(question)
    event = EVENT_YEAR.search(question)
    inspection = bool(event and re.search(r"(?i)inspect|visit", event.group(0)))
    return Constraints(tuple(bodies), tuple(dict.fromkeys(exact)), since, until, month, visit, tuple(kinds),
                       tuple(forms), answer_type, event_period=bool(event), inspection_event=inspection)


def inherit(own: Constraints, previous: Constraints | None) -> Constraints:
    """A follow-up keeps the conversation's body, period and visit unless it states its own. A question that
    names a document by its form ("the scanned letter", "the Word document") asks about that document, whatever
    the conversation was about."""
    if previous is None or own.forms:
        return own
    changes, inherited = {}, []
    if not own.bodies and previous.bodies:
        changes["bodies"], _ = previous.bodies, inherited.append("bodies")
    if not (own.years or own.since or own.until or own.month or own.visit_number):
        for name in ("years", "since", "until", "month", "visit_number"):
            if getattr(previous, name):
                changes[name] = getattr(previous, name)
                inherited.append(name)
        if inherited and inherited[-1] != "bodies":
            changes["event_period"] = previous.event_period
            changes["inspection_event"] = previous.inspection_event
        if own.kinds == () and previous.kinds and previous.visit_number:
            changes["kinds"] = previous.kinds
    return replace(own, **changes, inherited=tuple(inherited)) if changes else own


def topic_words(question: str, c: Constraints) -> str:
    """The question without the words that name its constraints (body, year, month, visit, kind of
    document): once the documents are narrowed to those, such words match every passage alike."""
    text = question
    for body in c.bodies:
        text = re.sub(rf"(?i)\b{re.escape(body)}(?:[’']s)?\b", " ", text)
        text = re.sub(rf"(?i)\b{re.escape(strip_accents(body))}(?:[’']s)?\b", " ", text)
    text = re.sub(r"\b(?:19|20)\d\d(?:[-/]\d\d(?:\d\d)?)?\b", " ", text)
    text = re.sub(rf"(?i)\b(?:{'|'.join(MONTHS)})\b", " ", text)
    text = re.sub(rf"(?i)\b(?:{'|'.join(sorted(ORDINALS, key=len, reverse=True))})\s+(?=\w+\s+visit|visit|inspection)",
                  " ", text)
    text = without_forms(text)
    for _, words in KIND_WORDS:
        text = re.sub(rf"(?i)\b(?:{words})\b", " ", text)
    text = re.sub(r"(?i)\b(?:inspections?|inspectors?|ofsted|council|councils)\b", " ", text)
    text = re.sub(r"\s+", " ", text).strip(" ,.;:")
    return text if len(re.findall(r"[A-Za-z]{3,}", text)) >= 2 else question


# documents that record or plan services, not inspect them: their own date is no inspection's
RECORD_KINDS = ("council_minutes", "council_report", "annual_report", "guidance", "other")


def _in_period(profile: DocumentProfile, c: Constraints, loose: bool = False) -> bool:
    """Whether the document is of the period `c` names: by the dates of what it reports and its publication;
    `loose`, also by the years it mentions (for an inspection or visit named by its year, the years of the
    inspections and visits it speaks of)."""
    own = profile.years()
    if c.inspection_event and c.years and profile.kind in RECORD_KINDS:
        # "the 2031 inspection": minutes of 2031 that report no inspection of 2031 (one "expected during 2031",
        # or only one of an earlier year) are not of it; an inspection's own report or letter, or news of it, is
        own = {f.value[:4] for f in profile.reported}
    mentioned = {d[:4] for d in profile.mentioned_events} if c.event_period else set(profile.mentioned_years)
    years = own | (mentioned if loose else set())
    if c.years and not years & set(c.years):
        return False
    if c.since and not any(y >= c.since for y in years):
        return False
    if c.until and not any(y <= c.until for y in years):
        return False
    if c.month and c.years and c.event_period and not loose:  # "the June 2031 inspection"; not "empty in June 2031"
        dates = profile.event_dates() + ([profile.published] if profile.published else [])
        months = {int(d[5:7]) for d in dates if len(d) >= 7 and d[:4] in c.years}
        if months and c.month not in months:
            return False
    return True


def _names_match(profile: DocumentProfile, bodies: tuple[str, ...], loose: bool = False,
                 named: set[str] | None = None) -> bool:
    keys = {_fold(b.value) for b in profile.bodies}
    if loose or not keys:  # a text whose profile found no body ("the county council") is about those it names
        keys |= {_fold(b) for b in profile.mentioned_bodies} | {_fold(b) for b in named or ()}
    return any(_fold(b) in keys for b in bodies)


def matching_documents(metas: list[DocumentMeta], profiles: dict[str, DocumentProfile], c: Constraints,
                       mentions: Callable[[str], set[str]] | None = None,
                       text_of: Callable[[str], str | None] | None = None) -> tuple[list[str], str]:
    """The ids of the documents that meet `c`, and, when none does, which constraint failed (for the
    message). Kinds narrow only when some document of that kind also meets the rest. `mentions(doc_id)`:
    the library's bodies a document's text names anywhere (BodyNames), for the loose reading; `text_of(doc_id)`:
    a document's text, to read whether a visit the question names is spoken of at all."""
    found, failed = _matching(metas, profiles, c, loose_bodies=False, mentions=mentions, text_of=text_of)
    if not failed and c.bodies and (c.years or c.since or c.until) and not any(
            _in_period(profiles[d], c) for d in found):
        # the body's own documents only speak of the period: a neighbour's document of that period that
        # names the body ("In neighbouring Oakvale, 23 per cent ... are currently from agencies") may say it
        loose, still = _matching(metas, profiles, c, loose_bodies=True, mentions=mentions, text_of=text_of)
        found += [d for d in loose if not still and d not in found and _in_period(profiles[d], c)]
    if failed and c.bodies:  # a document about another council that speaks of this one in passing
        loose, still = _matching(metas, profiles, c, loose_bodies=True, mentions=mentions, text_of=text_of)
        if not still and c.inspection_event and text_of is not None:
            # of an inspection or visit, only where it speaks of one near the body's name
            loose = [d for d in loose if _near_inspection(text_of(d) or "", c.bodies)]
            still = "" if loose else failed
        if not still:
            return loose, ""
    return found, failed


def _matching(metas: list[DocumentMeta], profiles: dict[str, DocumentProfile], c: Constraints,
              loose_bodies: bool, mentions: Callable[[str], set[str]] | None = None,
              text_of: Callable[[str], str | None] | None = None) -> tuple[list[str], str]:
    docs = [m for m in metas]
    if c.forms:  # "the scanned letter": of the documents in that form, when the library holds any
        formed = [m for m in docs if document_form(m, profiles.get(m.doc_id)) in c.forms]
        docs = formed or docs
    if c.bodies:
        docs = [m for m in docs if _names_match(
            profiles[m.doc_id], c.bodies, loose_bodies,
            mentions(m.doc_id) if mentions and (loose_bodies or not profiles[m.doc_id].bodies) else None)]
        if not docs:
            return [], "bodies"
    if c.years or c.since or c.until or (c.month and c.years):
        # documents of that period; failing those, documents that speak of it (a spend "for 2031-32", a
        # judgement "in January 2031", given in a later report; for an inspection or visit named by its year,
        # one the document recalls), whose answer must then name the year (AbstentionPolicy.period_unstated)
        if c.inspection_event and c.years and text_of is not None:
            # "the 2031 inspection": news of 2031 that speaks only of an inspection expected, or of the last one
            # ("Its last full inspection, in February 2028, rated the council good"), is not news of it
            docs = [m for m in docs if m.source_kind != "news" or _reports_an_inspection(text_of(m.doc_id) or "")]
        dated = [m for m in docs if _in_period(profiles[m.doc_id], c)]
        if not dated:
            dated = [m for m in docs if _in_period(profiles[m.doc_id], c, loose=True)]
        if not dated:
            return [], "period"
        docs = dated
    if c.visit_number:
        visits = [m for m in docs if m.source_kind in (c.kinds or ("monitoring_visit", "focused_visit"))]
        if c.visit_number == -1 and visits:
            latest = max(visits, key=lambda m: (profiles[m.doc_id].event_dates() or [m.date or ""])[0])
            return [latest.doc_id], ""
        numbered = [m for m in visits if profiles[m.doc_id].visit_number
                    and profiles[m.doc_id].visit_number.value == str(c.visit_number)]
        if not numbered:
            # minutes or news that report the visit by its number ("Ofsted's second monitoring visit")
            speaking = [m.doc_id for m in docs if text_of is not None
                        and _speaks_of_nth_visit(text_of(m.doc_id) or "", c.visit_number, c.kinds)]
            # no visit says its number: count the visits of the body in date order; when some do ("the first",
            # "the third"), a visit missing between them is not the next one in the library
            ordered = sorted(visits, key=lambda m: (profiles[m.doc_id].event_dates() or [m.date or ""])[0])
            if c.bodies and 0 < c.visit_number <= len(ordered) and not any(profiles[m.doc_id].visit_number
                                                                          for m in visits):
                return list(dict.fromkeys([ordered[c.visit_number - 1].doc_id, *speaking])), ""
            return (speaking, "") if speaking else ([], "visit")
        return [m.doc_id for m in numbered], ""
    if c.kinds:
        kinded = [m for m in docs if m.source_kind in c.kinds]
        if kinded:
            docs = kinded
        elif c.bodies and text_of is not None and set(c.kinds) <= set(VISIT_KINDS):
            # "Oakvale's focused visit": a visit no document of the body is, or even speaks of, never happened
            when = "".join(rf"(?=[\s\S]*\b{w}\b)" for w in ([MONTHS[c.month - 1]] if c.month else []) + list(c.years))
            if not any(_speaks_of_visit(text_of(m.doc_id) or "", c.kinds, f"(?i){when}" if when else "")
                       for m in docs):
                return [], "kind"
    return [m.doc_id for m in docs], ""


# words that speak of an inspection or visit still to come ("could expect a focused visit", "the next visit")
_EXPECTING = r"expect\w*|either|next|future|possible|could|would|may|might|will|planned"
EXPECTED = rf"(?i)\b(?:{_EXPECTING}|due|at any (?:point|time))\b"
INSPECTION_WORD = re.compile(r"(?i)\b(?:inspect\w*|re-inspect\w*|visit(?:s|ed)?|ofsted)\b")  # an inspection or visit


def _near_inspection(text: str, bodies: tuple[str, ...], window: int = 200) -> bool:
    """Whether `text` speaks of an inspection or visit within `window` characters of one of `bodies`."""
    for body in bodies:
        for m in re.finditer(rf"(?i)\b{re.escape(body)}\b", text):
            near = text[max(0, m.start() - window): m.end() + window]
            for e in INSPECTION_WORD.finditer(near):
                # not one merely expected: "the council's own inspection could come at any point"
                if not re.search(EXPECTED, near[max(0, e.start() - 40): e.end() + 30]):
                    return True
    return False


_RECALLED = r"(?i)\b(?:last|previous|earlier|prior|since|before|had been|was last)\b"


def _reports_an_inspection(text: str) -> bool:
    """Whether `text` speaks of an inspection or visit other than one merely expected ("Ofsted is expected
    to inspect") or recalled ("Its last full inspection, in February 2028")."""
    for e in INSPECTION_WORD.finditer(text):
        around = text[max(0, e.start() - 40): e.end() + 30]
        if not re.search(EXPECTED, around) and not re.search(_RECALLED, text[max(0, e.start() - 40): e.end()]):
            return True
    return False


def _speaks_of_nth_visit(text: str, number: int, kinds: tuple[str, ...]) -> bool:
    """Whether `text` names the visit by its number: "the second monitoring visit", "SECOND MONITORING VISIT"."""
    ordinals = "|".join(k for k, v in ORDINALS.items() if v == number)
    said = "|".join(VISIT_KINDS[k] for k in kinds if k in VISIT_KINDS) or "|".join(VISIT_KINDS.values())
    return bool(re.search(rf"(?i)\b(?:{ordinals})\s+(?:ofsted\s+)?(?:{said})\b", text))


def _speaks_of_visit(text: str, kinds: tuple[str, ...], when: str = "") -> bool:
    """Whether `text` speaks of a visit of these kinds that took place: "the focused visit", "Ofsted's focused
    visit", "a focused visit in March 2031", not one merely expected ("could expect a focused visit"); with
    `when` (a month and/or a year the question names, as a pattern), one of that time, said near it."""
    said = "|".join(VISIT_KINDS[k] for k in kinds)
    for m in re.finditer(rf"(?i)\b(?:{said})s?\b", text):
        before = text[max(0, m.start() - 40):m.start()].lower()
        after = text[m.end():m.end() + 40]
        if when and not re.search(when, text[max(0, m.start() - 80):m.end() + 80]):
            continue
        if re.search(rf"\b(?:{_EXPECTING})\b[^.]*$", before):
            continue
        if re.search(r"(?:\bthe|\bits|\bthis|\blast|\brecent|\blatest|\bprevious|\bfirst|\bsecond|\bthird|"
                     r"['’]s)\s+(?:(?!an?\s)\w+\s+)?$", before) or re.search(
                         r"^\s*(?:in|on|of|to|between|from|at)\s+(?:\d|[A-Z])", after):
            return True
    return False


def strict_documents(metas: list[DocumentMeta], profiles: dict[str, DocumentProfile], c: Constraints) -> list[str]:
    """Documents whose own dates (what they report, when published) fall in the question's period:
    the ones a year names, as against those that merely mention it."""
    if not (c.years or c.since or c.until):
        return []
    return [m.doc_id for m in metas if _in_period(profiles[m.doc_id], c)]


def nearest_document(metas: list[DocumentMeta], profiles: dict[str, DocumentProfile], c: Constraints,
                     ) -> DocumentMeta | None:
    """For a decline: the document of the named body closest in time to what was asked (or any of the body)."""
    pool = [m for m in metas if not c.bodies or _names_match(profiles[m.doc_id], c.bodies)]
    if not pool:
        return None
    target = int(c.years[0]) if c.years else int(c.since or c.until or 0)

    def distance(m: DocumentMeta) -> tuple[int, str]:
        years = [int(y) for y in profiles[m.doc_id].years()] or [0]
        return (min(abs(y - target) for y in years) if target else 0, m.date or "")

    return min(pool, key=distance)
