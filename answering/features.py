"""Features of a candidate sentence for the learned ranker (answering/ranker.py).

Each feature is a number in a small range, computed from the sentence, its passage, its document's
profile and the question's constraints. None names a council, a person or a year: they describe how a
sentence relates to a question (similarity, shared terms, the answer type it carries) and what kind of
sentence it is (a finding, or an opening, a scope statement, a salutation, a title line).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache

from core.kinds import PRIMARY_SOURCE_KINDS
from core.text import is_boilerplate

from .constraints import Constraints
from .scoring import Candidate, has_date, has_quantity

# a grade used as a judgement ("services are now good", "rated 'inadequate'", "Overall effectiveness: Good",
# "requires improvement", a table cell "| Outstanding |"), not the adjective ("a good understanding", "good practice")
_GRADES = r"(?:outstanding|good|adequate|inadequate)"
GRADE = re.compile(rf"\brequires? improvement\b|"
                   rf"\b(?:is|are|was|were|remains?|remained|now|be|been|as|rated|judged|graded)\s+"
                   rf"(?:judged\s+|rated\s+|graded\s+)?(?:to be\s+|as\s+)?[\"'“‘]?{_GRADES}\b|"
                   rf"[\"'“‘]{_GRADES}[\"'”’]|^[^.]{{0,90}}?(?::|\s{{2,}}|\t|–)\s*{_GRADES}\s*$|"
                   rf"\|\s*{_GRADES}\s*\||"
                   r"^(?:\d[\d.]*\s+)?[A-Z][^:]{2,90}?\s(?-i:Outstanding|Good|Adequate|Inadequate)\s*$", re.I)
JUDGED = re.compile(r"\b(?:judge?(?:d|ment)s?|graded?|rated|overall effectiveness)\b", re.I)
_NAMED = (r"\b(?:Mr|Mrs|Ms|Miss|Dr|Cllr|Councillor|Professor)\.?\s+[A-Z]|"
          r"\b[A-Z][a-z]+(?:\s+[A-Z]\.)?\s+[A-Z][a-z'’-]+(?:,|\s+(?:\(|Her|His|Director|Chief|Head|Lead|Chair|HMI\b)|"
          # two people named together ("were Jo Vane and Sam Oduya")
          r"\s+and\s+[A-Z][a-z]+\s+[A-Z][a-z'’-]+)")
NAMED = re.compile(_NAMED)  # a person by name ("Ms Vane", "Jo Vane, the director"), not by post alone
PERSON = re.compile(_NAMED + r"|\b(?:Inspector|Director|Chief Executive|Chair|Leader|Lead member|Cabinet Member|"
                    r"Commissioner)\b")
SIGN_OFF = re.compile(r"^\s*(?:Yours (?:sincerely|faithfully)|Kind regards|Best wishes)\b", re.I)
SALUTATION = re.compile(r"^\s*Dear\b")
# (a letter's "Her Majesty's Inspectors for children's social care services were A and B" names who led the visit)
LEAD_ROLE = re.compile(r"\b(?:lead inspector|led by|chaired by|chair(?:ed)?|signed|inspectors (?:for [^.]{0,60})?were)\b", re.I)
# sentences about the document or the inspection itself, rather than about what was found
META = re.compile(
    # (not a time: "at the time of this visit, four care leavers were in bed and breakfasts" is a finding)
    r"\b(?:(?<!time of )(?<!during )(?<!since )(?<!before )(?<!after )this (?:letter|report|visit|inspection|document)|the (?:inspection|visit) (?:sampled|looked|considered|"
    r"focused|was carried out|took place)|inspectors (?:looked at|considered|spoke|met|sampled|reviewed|evaluated)|"
    r"summaris(?:es|ed)|range of evidence|carried out (?:under|in line with)|in line with the|framework|"
    r"(?:were|was) present|apologies|"
    # a letter's template: "Ofsted will take the findings ... into account", "This letter will be published on the
    # Ofsted website", "I am copying this letter to ...", "The inspectors were ...", "This was the third monitoring visit"
    r"will take the findings|published on the ofsted website|copying this letter|the inspectors were|"
    r"(?:was|is) the (?:first|second|third|fourth|fifth|sixth|seventh|eighth|\w+th) monitoring visit)\b", re.I)
# what a "What did the visit look at?" question asks for: the visit's scope, in the words of its scope statement
SCOPE = re.compile(r"\b(?:inspectors|the visit|this visit|the inspection|the inspectors|we) (?:looked at|reviewed|"
                   r"considered|evaluated|focused on|examined|sampled|assessed)\b", re.I)
SCOPE_QUESTION = re.compile(r"(?:^|[-–—:;,]\s*)\s*what (?:did|does|do|will|would) (?:[\w’']+\s+){0,8}?(?:look at|focus on|review|"
                            r"consider|cover|examine|evaluate)\b", re.I)
CLAUSE = re.compile(r"\b(?:is|are|was|were|has|have|had)\b")  # a finite verb: a statement, not a label
TERMINAL = re.compile(r"[.!?][\"'”’)]*$")

NAMES = (
    "dense", "question_dense", "lexical", "prior", "context", "passage_rank", "period_match", "kind_match",
    "asks_number_has_number", "asks_date_has_date", "asks_judgement_has_grade", "asks_who_has_person",
    "asks_who_sign_off", "sign_off", "salutation", "meta", "title_like", "position", "length", "has_number",
    "previous_document", "primary", "no_type_match", "profile_fact", "previous_passage", "asked_body",
    "other_body", "previous_lead",
    "label_line", "dense_gap", "question_dense_gap", "lexical_gap",
)
RELATIVE = ("dense", "question_dense", "lexical")  # compared with the question's best candidate (`relative`)


def features(cand: Candidate, c: Constraints, strict_docs: set[str], previous_docs: set[str],
             doc_length: int, wants_block: str = "", previous_passages: set[tuple[str, int]] | None = None,
             named: set[str] | None = None, previous_lead: str = "") -> dict[str, float]:
    """The feature values of one candidate (see `NAMES`). `wants_block`: "sign_off" when the question asks
    who signed, "address" when it asks to whom a letter was addressed. `named`: the library's bodies the
    sentence names (constraints.BodyNames), read against the bodies the question asks about. `previous_lead`:
    the document of the previous answer's first quote (a follow-up's "there" is most often that document)."""
    text = cand.text
    kind = c.answer_type
    words, number, date, grade, judged, person, sign_off, salutation, meta, terminal, lead_role = _shape(text)
    typed = {"how_many": number, "when": date, "judgement": grade, "who": person}.get(kind)
    return {
        "dense": cand.dense,
        "question_dense": cand.question_dense,
        "lexical": cand.lexical,
        "prior": cand.prior,
        "context": cand.context,
        "passage_rank": 1.0 / cand.rank,
        "period_match": 1.0 if cand.chunk.doc_id in strict_docs else 0.0,
        "kind_match": 1.0 if c.kinds and cand.chunk.source_kind in c.kinds else 0.0,
        "asks_number_has_number": 1.0 if kind == "how_many" and number else 0.0,
        "asks_date_has_date": 1.0 if kind == "when" and date else 0.0,
        "asks_judgement_has_grade": (1.0 if kind == "judgement" and grade else 0.0)
        + (0.5 if kind == "judgement" and judged else 0.0),
        "asks_who_has_person": 1.0 if kind == "who" and person else 0.0,
        "asks_who_sign_off": 1.0 if kind == "who" and ((wants_block and cand.block == wants_block)
                                                        or (not wants_block and lead_role)) else 0.0,
        "sign_off": 1.0 if sign_off else 0.0,
        "salutation": 1.0 if salutation else 0.0,
        "meta": 1.0 if meta else 0.0,
        "title_like": 1.0 if not terminal and words <= 14 and not number else 0.0,
        # the same shape with a figure or a date in it: a table row, a heading, a date line
        "label_line": 1.0 if not terminal and words <= 14 and number else 0.0,
        "position": min(1.0, cand.span.start / max(doc_length, 1)),
        "length": math.log1p(words) / 4.0,
        "has_number": 1.0 if number else 0.0,
        "previous_document": 1.0 if cand.chunk.doc_id in previous_docs else 0.0,
        "primary": 1.0 if cand.chunk.source_kind in PRIMARY_SOURCE_KINDS else 0.0,
        "no_type_match": 1.0 if typed is False else 0.0,
        "profile_fact": 1.0 if cand.block == "profile" else 0.0,  # where the profile read the date or judgement
        # in the passage the previous answer quoted (1) or next to it (0.5): a follow-up's answer is often there
        "previous_passage": _nearness(cand, previous_passages or set()),
        # a question about one council: a sentence naming it, or naming only others (a news item comparing
        # councils, minutes quoting a neighbour)
        "asked_body": 1.0 if c.bodies and named and named & set(c.bodies) else 0.0,
        "other_body": 1.0 if c.bodies and named and not named & set(c.bodies) else 0.0,
        "previous_lead": 1.0 if previous_lead and cand.chunk.doc_id == previous_lead else 0.0,
    }


@lru_cache(maxsize=16384)
def _shape(text: str) -> tuple:
    """What a sentence is, whatever the question: (words, has a figure, a date, a grade, a judging word, a
    person, a sign-off, a salutation, a scope statement, terminal punctuation, a lead role); cached, as the
    same sentences come back question after question."""
    return (len(text.split()), has_quantity(text), has_date(text), bool(GRADE.search(text)), bool(JUDGED.search(text)),
            bool(PERSON.search(text)), bool(SIGN_OFF.match(text)), bool(SALUTATION.match(text)), bool(META.search(text)),
            bool(TERMINAL.search(text.strip())), bool(LEAD_ROLE.search(text)))


def relative(cands: list[Candidate]) -> None:
    """Per-question normalisation: for each of `RELATIVE`, how far each candidate falls short of the best
    candidate of the same question (0 for the best, negative otherwise), so one model serves questions whose
    similarities run high and questions whose similarities run low."""
    for name in RELATIVE:
        best = max((c.features[name] for c in cands), default=0.0)
        for c in cands:
            c.features[f"{name}_gap"] = c.features[name] - best


def _nearness(cand: Candidate, passages: set[tuple[str, int]]) -> float:
    doc, ordinal = cand.chunk.doc_id, cand.chunk.ordinal
    if (doc, ordinal) in passages:
        return 1.0
    if (doc, ordinal - 1) in passages or (doc, ordinal + 1) in passages:
        return 0.5
    return 0.0


def generic(cand: Candidate, answer_type: str, wants_block: str) -> bool:
    """A sentence that says nothing specific for this question: a salutation, a scope statement about the
    inspection itself, a title or table line with nothing of what is asked, a sign-off or address block
    not asked for. Such sentences are never chosen over a finding."""
    f = cand.features
    if wants_block == "scope" and SCOPE.search(cand.text):
        return False  # "What did the visit look at?": its scope statement is the answer
    if cand.block in ("sign_off", "address"):
        return not (answer_type == "who" and wants_block == cand.block)
    if f.get("salutation") or f.get("sign_off") or is_boilerplate(cand.text):
        return True  # a greeting, a sign-off, or a web page's furniture ("Register now to continue reading")
    typed = {"judgement": f.get("asks_judgement_has_grade"), "when": f.get("asks_date_has_date"),
             "who": f.get("asks_who_has_person"), "how_many": f.get("asks_number_has_number")}.get(answer_type)
    if f.get("title_like") or f.get("meta"):
        if answer_type == "who" and f.get("title_like") and not NAMED.search(cand.text):
            return True  # a post on a line of its own ("Director of Children's Services") names nobody
        # a title line or a scope statement may still carry what a typed question asks ("... which was
        # conducted on 17 and 18 November", "Overall effectiveness: Good"); a scope statement may also be
        # what the question is about (most of its terms: "Under which Act was the inspection carried out?"),
        # a title line never: sharing the question's names is all a title does
        if typed:
            return False
        return bool(f.get("title_like")) or f.get("lexical", 0.0) < 0.5
    # "Inspection dates: 7 - 18 February", "6. BUDGET 2031/32": a label, not a finding, unless it carries
    # what a typed question asks ("Agency social workers: 45", "2.1 Adoption performance Good") or is a
    # clause (a list item: "71% of assessments were completed within 45 working days")
    return bool(f.get("label_line")) and not typed and not CLAUSE.search(cand.text)
