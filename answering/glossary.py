"""The field's abbreviations, so that a question and a document that write one thing two ways still meet.

Staff type "NQSWs", "B&Bs" or "the MASH"; a report writes "newly qualified social workers", "bed and
breakfast accommodation", "multi-agency safeguarding hub" (and, once defined, often the abbreviation alone).
A search engine's synonym filter does this at query time (Elasticsearch's `synonym_graph`, Solr's
`SynonymGraphFilter`); here the searched text gains the other spelling of each abbreviation the question
uses, either way round. The list holds the standard abbreviations of children's social care in England, as
Ofsted's inspection frameworks and the Department for Education's "Working Together to Safeguard Children"
glossary spell them out; none is a council's, a person's or a document's own word.
"""

from __future__ import annotations

import re
from functools import lru_cache

from core.text import tokens

# abbreviation -> its expansion, as the frameworks write them
ABBREVIATIONS: dict[str, str] = {
    "ASYE": "assessed and supported year in employment",
    "B&B": "bed and breakfast",
    "CAMHS": "child and adolescent mental health services",
    "CIN": "child in need",
    "CLA": "children looked after",
    "CSE": "child sexual exploitation",
    "DCS": "director of children's services",
    "DfE": "Department for Education",
    "EDT": "emergency duty team",
    "EHCP": "education, health and care plan",
    "HMI": "Her Majesty's Inspector",
    "ILACS": "inspection of local authority children's services",
    "IRO": "independent reviewing officer",
    "JTAI": "joint targeted area inspection",
    "LAC": "looked after children",
    "LADO": "local authority designated officer",
    "LSCB": "local safeguarding children board",
    "MASH": "multi-agency safeguarding hub",
    "NQSW": "newly qualified social worker",
    "PLO": "public law outline",
    "SGO": "special guardianship order",
    "SIF": "single inspection framework",
    "UASC": "unaccompanied asylum-seeking children",
    "YOT": "youth offending team",
}


@lru_cache(maxsize=1)
def _patterns() -> list[tuple[re.Pattern, re.Pattern, str, str]]:
    out = []
    for short, long in ABBREVIATIONS.items():
        # an abbreviation as written (capitals; "NQSWs", "B&Bs"); four letters or more in any case ("nqsw")
        flags = re.I if len(short) >= 4 else 0
        abbreviated = re.compile(rf"(?<![\w&]){re.escape(short)}s?(?![\w&])", flags)
        words = r"[\s-]+".join(re.escape(w) for w in re.split(r"[\s-]+", long))
        spelled = re.compile(rf"(?i)\b{words}s?\b")
        out.append((abbreviated, spelled, short, long))
    return out


def other_spellings(text: str, in_library=lambda abbreviation: True) -> list[str]:
    """The other spelling of each abbreviation `text` uses, where it helps: "Were NQSWs protected?" ->
    ["newly qualified social worker"] when the library never writes "NQSW" (`in_library(abbreviation)`
    False); "the multi-agency safeguarding hub" -> ["MASH"] when it does. Each once, in the glossary's order;
    [] when none helps. (Adding a spelling the library already matches only dilutes the searched text.)"""
    out = []
    for abbreviated, spelled, short, long in _patterns():
        if abbreviated.search(text) and not spelled.search(text) and not in_library(short):
            out.append(long)
        elif spelled.search(text) and not abbreviated.search(text) and in_library(short):
            out.append(short)
    return out


def with_other_spellings(text: str, in_library=lambda abbreviation: True) -> str:
    """`text` followed by `other_spellings(text, in_library)`: what to search for."""
    extra = other_spellings(text, in_library)
    return f"{text} {' '.join(extra)}" if extra else text


def spelled_out_in(term: str, known) -> bool:
    """Whether `term` is an abbreviation ("iro", any case) whose every word, spelled out, `known` (a token ->
    bool) finds: an abbreviation the library never uses is still known when it writes it out in full."""
    long = next((v for k, v in ABBREVIATIONS.items() if k.lower() == term.lower()), None)
    return bool(long) and all(known(t) for t in tokens(long))
