"""How a question is read: whether it asks about change over time."""

from __future__ import annotations

import pytest

from answering.question_analysis import is_change_question
from core.text import tokens


def test_judgement_area_names_are_not_change_questions():
    assert not is_change_question("What judgement did it get for the experiences and progress of care leavers?")
    assert not is_change_question("Which areas require improvement to be good?")
    assert is_change_question("What progress has the council made since 2031?")


@pytest.mark.parametrize("question", [
    "Trace the proportion of agency social workers in Oakvale from the 2031 focused visit to early 2033.",
    "What happened to Oakvale's use of agency staff between the February 2031 inspection and October 2031?",
    "Oakvale agency social worker rate 2031 vs 2033 vs 2035",
])
def test_a_change_between_two_dated_points_is_a_change_question(question):
    assert is_change_question(question)


def test_between_two_things_is_no_change():
    assert not is_change_question("What is the relationship between social workers and families?")


def test_an_abbreviation_joined_by_an_ampersand_is_no_name():
    from answering.question_analysis import unknown_names

    assert unknown_names("Were any care leavers in Oakvale living in B&Bs?", lambda t: t in tokens("Oakvale")) == []
    assert unknown_names("What did Zorbland say?", lambda t: False) == ["Zorbland"]


@pytest.mark.parametrize("question, asked", [
    ("Which charity criticised the trust?", ["charity"]),
    ("Which organisations are the three statutory safeguarding partners?", []),  # a kind of thing, not a word to find
    ("Which people did inspectors speak to?", []),
])
def test_what_a_which_question_asks_for(question, asked):
    from answering.question_analysis import answer_type_terms

    assert answer_type_terms(question) == [t for a in asked for t in tokens(a)]
