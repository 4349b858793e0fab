"""Question analysis: what a question asks for (change over time, a quantity, a date, a named
kind of thing), its content terms, and names the library never uses."""

from __future__ import annotations

import re

from core.text import STOPWORDS, tokens

TITLE = re.compile(r"^(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame|Professor|Prof|Councillor|Cllr)\.?\s+")
NAMED = re.compile(r"\b[A-Z][^\W\d_]*(?:['’][^\W\d_]+)?(?:\s+[A-Z][^\W\d_]*(?:['’][^\W\d_]+)?)+")

YEAR = re.compile(r"(?:19|20)\d\d")  # years are the constraints' business (answering/constraints.py), not terms
GENERIC_TERMS = frozenset(tokens(
    "inspector inspectors inspection inspections ofsted report reports letter letters say said find found finding "
    "findings council children child service services social work workers worker trust city local "
    "authority what how did does do was were is are describe mention note there their about"
))

QUANTITY_QUESTION = re.compile(
    r"\b(how many|how much|what (?:number|percentage|proportion|share|figure|amount)|number of|what (?:was|is) the "
    r"(?:number|percentage|average|total|rate))\b", re.I
)

CHANGE_QUESTION = re.compile(
    r"\b(chang\w*|improv\w*|progress\w*|compar\w*|since|over time|trend\w*|now|still|anymore|any more|then and now|"
    r"differ\w*|develop\w* since|evolv\w*|shift\w*|better|worse|reduc\w*|increas\w*|declin\w*|from 20\d\d|"
    r"between 20\d\d)\b|"
    # "between the inspection and the first monitoring visit", "from the first report to the re-inspection"
    r"\bbetween (?:the|its|their) [^?]{1,80}? and (?:the|its|their) |\bfrom the [^?]{1,60}? to the |"
    # "between the February 2031 inspection and October 2031", "from the 2031 focused visit to early 2033",
    # "Trace the proportion of agency staff ..."
    r"\bbetween\b[^?]{0,60}?(?:(?:19|20)\d\d|inspection|visit|report)[^?]{0,40}?\band\b[^?]{0,30}?(?:19|20)\d\d|"
    r"\bfrom\b[^?]{0,60}?(?:(?:19|20)\d\d|inspection|visit|report)[^?]{0,40}?\bto\b[^?]{0,30}?(?:19|20)\d\d|"
    r"^\s*(?:trace|track|chart)\b|"
    # "agency rate 2031 vs 2033 vs 2035"
    r"\b(?:19|20)\d\d\s*(?:vs\.?|versus|v\.|compared (?:with|to)|against)\s*(?:19|20)\d\d\b", re.I
)


def unknown_names(question: str, known) -> list[str]:
    """Capitalised words after the first that the corpus never uses: a named body it does not cover."""
    # a word joined by "&" or "/" ("B&Bs") is part of an abbreviation, not a name
    words = re.findall(r"(?<![.?!]\s)(?<!^)(?<![&/])\b([A-Z][^\W\d_]+(?:'s|’s)?)(?![&/])", question.strip())
    out = []
    for w in words:
        base = re.sub(r"('s|’s)$", "", w)
        toks = tokens(base)
        if toks and all(not known(t) for t in toks):
            out.append(base)
    return out

def named_phrases(question: str, is_body) -> list[str]:
    """Names of two or more capitalised words after the question's first word ("Amara Quist", "Bright
    Start team" -> "Bright Start"), a trailing possessive and a leading title dropped, that `is_body`
    (a name -> bool) does not find a body in: bodies are the constraints' business."""
    first = re.match(r"\s*\S+", question)
    rest = question[first.end():] if first else question
    out = []
    for m in NAMED.finditer(rest):
        name = TITLE.sub("", re.sub(r"['’]s$", "", m.group(0)))
        if " " in name and not is_body(name):
            out.append(name)
    return out


AUXILIARIES = frozenset(
    "is was are were did does do has have had can could will would should may might must".split()
)

QUANTITY_NOUNS = frozenset(tokens("percentage proportion number share amount figure rate total average"))

WHICH_WHAT = re.compile(r"^\s*(?:which|what)\s+(?:kind|type|sort)?\s*(?:of\s+)?(.*)$", re.I)


# words that name what kind of thing is asked for without naming one a document would use: "Which organisations
# are the partners?" is answered by "the council, the police and the health board"
KINDS_OF_THING = frozenset(tokens("organisation organisations body bodies agency agencies group groups people person "
                                  "one ones thing things kind kinds type types area areas part parts"))


def answer_type_terms(question: str) -> list[str]:
    """The noun phrase a 'which/what X ...' question asks for: 'Which charity criticised' -> charity."""
    m = WHICH_WHAT.match(question)
    if not m:
        return []
    words = []
    for raw in re.findall(r"[A-Za-z’']+", m.group(1))[:5]:
        w = raw.lower()
        if w in AUXILIARIES or w.endswith(("ed", "ing")):
            break  # "What happened to ...", "What worried inspectors ...": a verb, so no kind of thing is named
        words.append(w)
    if not words or words[0] in STOPWORDS or tokens(words[0]) and tokens(words[0])[0] in QUANTITY_NOUNS:
        return []  # 'what about ...', 'what percentage of ...': no named kind of thing asked for
    return [t for t in tokens(" ".join(words)) if t not in GENERIC_TERMS and t not in QUANTITY_NOUNS
            and t not in KINDS_OF_THING]


CHANGE_WORDS = re.compile(
    r"\b(how (?:has|have|did|does|do) |has |have |changed?|changes|changing|improved?|improving|progress(?:ed)?|"
    r"compared? (?:with|to)|comparison|over time|since|between|from|then|now|still|any more|anymore|"
    r"(?:19|20)\d\d|the \d{4} (?:inspection|letter|report)|inspections?|ofsted|letters?|reports?|"
    r"better|worse|differ(?:ent|ence)?|evolved?|developed since|and)\b",
    re.I,
)


def topic_of_change_question(question: str) -> str:
    """'How has reliance on agency staff changed since then?' -> 'reliance on agency staff':
    the words that ask about change and the dates would otherwise match every dated passage."""
    topic = CHANGE_WORDS.sub(" ", question)
    topic = re.sub(r"[?!.,]", " ", topic)
    topic = re.sub(r"\s+", " ", topic).strip()
    return topic if len(tokens(topic)) >= 1 else question

WHEN_QUESTION = re.compile(r"^\s*(?:when\b|(?:on |in )?what (?:date|year|month|day)\b|by when\b)", re.I)


def is_when_question(question: str) -> bool:
    return bool(WHEN_QUESTION.match(question))


# names of judgement areas and grades that use a change word: "the experiences and progress of care leavers",
# "requires improvement to be good"
NOT_CHANGE = re.compile(r"\bexperiences? and progress\b|\brequires? improvement\b", re.I)


def is_change_question(question: str) -> bool:
    return bool(CHANGE_QUESTION.search(NOT_CHANGE.sub(" ", question)))


def is_quantity_question(question: str) -> bool:
    return bool(QUANTITY_QUESTION.search(question))


def query_terms(question: str) -> list[str]:
    """Content terms that carry the question's subject (not generic words of the domain)."""
    return [t for t in dict.fromkeys(tokens(question)) if t not in GENERIC_TERMS and not YEAR.fullmatch(t)]
