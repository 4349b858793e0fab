"""What kind of sentence or question the ranker's features read: a statement about the visit itself (META),
a question about the visit's scope (SCOPE_QUESTION)."""

from __future__ import annotations

import pytest

from answering.features import META, SCOPE_QUESTION


@pytest.mark.parametrize("sentence, meta", [
    ("This letter summarises the findings of the monitoring visit.", True),
    ("At the time of this visit, four care leavers were living in bed and breakfast accommodation.", False),
    ("During this inspection, inspectors found that plans drift.", False),
])
def test_a_time_named_by_the_visit_is_no_statement_about_the_visit(sentence, meta):
    assert bool(META.search(sentence)) is meta


@pytest.mark.parametrize("question, scope", [
    ("What did the visit look at?", True),
    ("second monitoring visit in Oakvale - what did inspectors look at", True),  # after a dash, as typed
    ("Why did they look at it?", False),
])
def test_a_scope_question_as_typed(question, scope):
    assert bool(SCOPE_QUESTION.search(question)) is scope


@pytest.mark.parametrize("line, generic_", [
    ("Director of Children's Services", True),  # a post on its own line names nobody
    ("Jo Vane, Director of Children's Services", False),
])
def test_a_post_alone_is_no_answer_to_who(line, generic_):
    from answering.features import generic
    from tests.answering.test_constraints import _best

    (cand,) = _best(line)
    cand.features = {"title_like": 1.0, "asks_who_has_person": 1.0}
    assert generic(cand, "who", "") is generic_


@pytest.mark.parametrize("sentence, lead", [
    ("His Majesty's Inspectors for children's social care services were Jo Vane and Sam Oduya.", True),
    ("The visit was led by Jo Vane, His Majesty's Inspector.", True),
    ("Lead inspector: Jo Vane HMI", True),
    ("Inspectors found that plans were reviewed on time.", False),
])
def test_the_line_naming_a_visits_inspectors_names_who_led_it(sentence, lead):
    from answering.features import LEAD_ROLE, PERSON

    assert bool(LEAD_ROLE.search(sentence)) is lead
    assert bool(PERSON.search(sentence)) is lead  # names people; "Inspectors found ..." names nobody


@pytest.mark.parametrize("question, sentence, echoes", [
    ("Who took over from Jo Vane at Oakvale?", "Jo Vane, the director, said the council would hold the line.", True),
    ("Who took over from Jo Vane at Oakvale?", "Ms Vane said: \"We accept the findings.\"", True),
    ("Who took over from Jo Vane at Oakvale?", "Sam Oduya replaced Jo Vane as director in May.", False),
    ("Who will succeed Jo Vane?", "The director, Jo Vane, retires in March.", True),
    ("Who is Jo Vane?", "Jo Vane is Oakvale's director of children's services.", False),  # asks about her
    ("Who works in the Safer Futures team?", "The Safer Futures team includes police officers.", False),
])
def test_a_question_asking_for_somebody_else_is_not_answered_by_the_person_it_names(question, sentence, echoes):
    from answering.abstention import echoes_the_question

    assert echoes_the_question(question, sentence) is echoes


@pytest.mark.parametrize("line, generic_", [
    ("Agency social workers: 45", True),  # a label with its figure
    ("71% of assessments were completed within 45 working days in the quarter", False),  # a list item's finding
])
def test_a_list_item_that_states_a_finding_is_no_label(line, generic_):
    from answering.features import generic
    from tests.answering.test_constraints import _best

    (cand,) = _best(line)
    cand.features = {"label_line": 1.0}
    assert generic(cand, "what", "") is generic_
