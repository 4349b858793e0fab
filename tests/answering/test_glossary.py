"""The field's abbreviations: a question and a document that write one thing two ways still meet, and a
spelling the library already uses is not added (it would only dilute the searched text)."""

from __future__ import annotations

import pytest

from answering.glossary import other_spellings, spelled_out_in, with_other_spellings


@pytest.mark.parametrize("question, library_has, expected", [
    ("Were any young people leaving care living in B&Bs?", set(), ["bed and breakfast"]),
    ("Were NQSWs given protected caseloads?", set(), ["newly qualified social worker"]),
    ("were nqsws protected", set(), ["newly qualified social worker"]),  # four letters or more: any case
    ("Were NQSWs given protected caseloads?", {"NQSW"}, []),  # the library writes it so: nothing to add
    ("How well does the multi-agency safeguarding hub work?", {"MASH"}, ["MASH"]),
    ("How well does the multi-agency safeguarding hub work?", set(), []),
    ("Is the lac review on time?", set(), []),  # three letters: only as written, in capitals
    ("What did the LADO report?", set(), ["local authority designated officer"]),
])
def test_other_spellings(question, library_has, expected):
    assert other_spellings(question, lambda abbreviation: abbreviation in library_has) == expected


def test_the_searched_text_keeps_the_question_and_adds_the_other_spelling():
    assert with_other_spellings("B&Bs in 2031?", lambda a: False) == "B&Bs in 2031? bed and breakfast"
    assert with_other_spellings("caseloads in 2031?", lambda a: False) == "caseloads in 2031?"


def test_an_abbreviation_the_library_spells_out_is_known():
    library = {"independent", "review", "officer"}  # core.text.tokens("independent reviewing officer")
    assert spelled_out_in("IRO", lambda t: t in library)
    assert spelled_out_in("iro", lambda t: t in library)
    assert not spelled_out_in("LADO", lambda t: t in library)  # its words are not all there
    assert not spelled_out_in("Oakvale", lambda t: True)  # no abbreviation
