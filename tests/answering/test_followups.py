"""The follow-up rewriter on its own: what each turn of a conversation is searched as.

The history it is given is what `Conversation.ask` gives it: the searched text of each earlier
turn, oldest first. So a subject carried into one follow-up is carried on into the next.
"""

import pytest

from answering.followups import FollowUpRewriter

TURN_1 = "What did inspectors say about child protection conferences in 2011?"
TURN_2 = "What about the risk assessment in those cases?"  # an opener ("what about")
TURN_3 = "Were they reviewed by managers?"  # a pronoun and only two words of its own
TURN_4 = "Which university runs the council's Social Work Academy?"  # a subject of its own


def _converse(rewriter, questions):
    searched = []
    for q in questions:
        searched.append(rewriter.run(q, list(searched)))
    return searched


def test_three_follow_ups_deep_each_turn_is_searched_with_the_subject_so_far():
    searched = _converse(FollowUpRewriter(), [TURN_1, TURN_2, TURN_3, TURN_4])
    assert searched == [
        TURN_1,
        "What did inspectors say about child protection conferences in 2011? "
        "What about the risk assessment in those cases?",
        "What did inspectors say about child protection conferences in 2011? "
        "What about the risk assessment in those cases? Were they reviewed by managers?",
        TURN_4,  # a new subject starts fresh: nothing of the three turns before it
    ]


def test_after_a_fresh_start_follow_ups_carry_the_new_subject_only():
    searched = _converse(FollowUpRewriter(), [TURN_1, TURN_2, TURN_4, "And when was it launched?"])
    assert searched[3] == "Which university runs the council's Social Work Academy? And when was it launched?"


@pytest.mark.parametrize("question, follows", [
    (TURN_2, True),  # opener
    ("  and how were referrals screened at the duty desk?", True),  # opener (after spaces, lower case) alone
    ("Caseloads?", True),  # one word of its own
    ("Were they reviewed by managers?", True),  # pronoun, two words of its own (fewer than 4)
    ("Were they reviewed by managers within agreed timescales?", False),  # pronoun, but 5 words of its own
    (TURN_1, False),
    (TURN_4, False),
])
def test_what_counts_as_a_follow_up(question, follows):
    assert FollowUpRewriter().is_follow_up(question) is follows


def test_no_history_or_a_question_of_its_own_is_searched_as_asked():
    rewriter = FollowUpRewriter()
    assert rewriter.run("  What about the risk assessment?  ", []) == "What about the risk assessment?"
    assert rewriter.run(f"  {TURN_4} ", [TURN_1, TURN_2]) == TURN_4
    assert rewriter.run(" Caseloads? ", ["  Agency staff in 2011 ", "Which university runs the Academy?"]) == \
        "Which university runs the Academy? Caseloads?"  # only the last turn's searched text is carried


@pytest.mark.parametrize("question, new_subject", [
    ("And what about caseloads there?", True),  # "there" is the conversation's body, which it keeps
    ("And agency staff then?", True),
    ("What about supervision?", True),
    ("Had that been raised before?", False),  # "that" is the previous topic
    ("And what did they say about it?", False),
])
def test_a_follow_up_with_a_topic_of_its_own_searches_that_topic(question, new_subject):
    assert FollowUpRewriter().names_new_subject(question) is new_subject


@pytest.mark.slow
def test_a_follow_up_naming_another_council_takes_that_councils_own_period(tmp_path, default_embedder):
    """"And in Westhill?" after a question about Oakvale's June 2031 visit: the conversation's month is
    Oakvale's, and Westhill's figure (from its 2030 minutes) answers rather than "no document covers Westhill
    in June 2031"."""
    from core.settings import Settings
    from inspection_qa.service import QAService
    from tests.paths import FIXTURES

    service = QAService(Settings(data_dir=tmp_path / "data"), embedder=default_embedder)
    assert not service.ingest([FIXTURES / "neighbours"]).failures
    conv = service.conversation()
    first = conv.ask("How many children were living in unregistered children's homes in Oakvale at the June 2031 "
                     "monitoring visit?")
    assert "seven children" in first.citations[0].quote
    answer = conv.ask("and in westhill?")
    assert not answer.abstained, answer.reason
    assert "three children were living in unregistered children's homes" in answer.citations[0].quote


@pytest.mark.parametrize("question, new_subject", [
    ("And agency staff?", True),
    ("What about supervision?", True),
    ("What about after the re-inspection in 2031?", False),  # a time: the conversation's subject stays
    ("And at the first monitoring visit?", False),
    ("Had that been raised before?", False),  # points back
])
def test_a_follow_up_that_names_only_a_time_keeps_the_subject(question, new_subject):
    assert FollowUpRewriter().names_new_subject(question) is new_subject


def test_a_follow_up_that_names_only_another_council_keeps_the_subject():
    rewriter = FollowUpRewriter()
    assert not rewriter.names_new_subject("and in westhill?", ("Westhill",))
    assert rewriter.names_new_subject("and agency staff in Westhill?", ("Westhill",))
