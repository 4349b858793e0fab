"""A which-judgement question is answered with the judgement of the area it names, as the inspection's own
document states it ("The experiences and progress of care leavers: requires improvement to be good"), and
the grade leads the answer."""

from __future__ import annotations

import numpy as np
import pytest

from answering.constraints import answer_type_of
from answering.layout import asked_judgement
from core.records import Judgement
from tests.paths import FIXTURES

AREAS = (
    Judgement("Overall effectiveness", "good", 0, 1),
    Judgement("The impact of leaders on social work practice with children and families", "good", 2, 3),
    Judgement("The experiences and progress of children who need help and protection", "good", 4, 5),
    Judgement("The experiences and progress of children in care", "outstanding", 6, 7),
    Judgement("The experiences and progress of care leavers", "requires improvement to be good", 8, 9),
)


@pytest.mark.parametrize("topic, area", [
    ("What judgement did it get for children in care?", "The experiences and progress of children in care"),
    ("What judgement for the experiences and progress of care leavers?", "The experiences and progress of care leavers"),
    ("How was help and protection judged?", "The experiences and progress of children who need help and protection"),
    ("How were leaders rated?", "The impact of leaders on social work practice with children and families"),
    ("What overall grade did it get?", "Overall effectiveness"),
    ("What judgement did it get?", "Overall effectiveness"),  # no area named: the overall judgement
    ("What judgement did it get for adoption?", None),  # an area the document does not judge
])
def test_asked_judgement_is_the_area_the_question_names(topic, area):
    found = asked_judgement(AREAS, topic)
    assert (found.area if found else None) == area


@pytest.mark.parametrize("question", ["How did Ofsted rate its services for care leavers?",
                                      "How would inspectors rate the front door?",
                                      "How did Ofsted's verdict on Oakvale change?"])
def test_rate_as_a_verb_asks_for_a_judgement(question):
    assert answer_type_of(question) == "judgement"


@pytest.fixture(scope="module")
def service(tmp_path_factory, default_embedder):
    from core.settings import Settings
    from inspection_qa.service import QAService

    svc = QAService(Settings(data_dir=tmp_path_factory.mktemp("judgements") / "data"), embedder=default_embedder)
    assert not svc.ingest([FIXTURES / "judgements"]).failures
    return svc


@pytest.mark.slow
@pytest.mark.parametrize("question, line, grade", [
    ("What judgement did Thornbury get for the experiences and progress of care leavers?",
     "The experiences and progress of care leavers: requires improvement to be good", "Requires improvement"),
    ("What judgement did Thornbury receive for children in care?",
     "The experiences and progress of children in care: outstanding", "Outstanding"),
    ("What overall grade did Thornbury get in 2032?", "Children's services in Thornbury are now good", "Good"),
])
def test_the_judgement_of_the_area_asked_leads_the_answer(service, question, line, grade):
    answer = service.ask(question)
    assert not answer.abstained, answer.reason
    assert answer.citations[0].document == "thornbury-inspection-2032.txt"
    assert line in answer.citations[0].quote
    assert answer.text.startswith(grade)



@pytest.mark.slow
def test_a_follow_up_naming_another_area_asks_for_its_judgement_too(service):
    """"And what about care leavers?" after "What judgement did Thornbury get for children in care?" asks for
    the care leavers' judgement: the follow-up takes the conversation's answer type."""
    conv = service.conversation()
    conv.ask("What judgement did Thornbury receive for children in care?")
    answer = conv.ask("And what about care leavers?")
    assert not answer.abstained, answer.reason
    assert answer.constraints.answer_type == "judgement"
    assert "The experiences and progress of care leavers: requires improvement to be good" in answer.citations[0].quote
    assert answer.text.startswith("Requires improvement")


def test_a_letters_template_is_no_finding_and_a_scope_question_wants_its_scope():
    from answering.features import META, SCOPE, SCOPE_QUESTION

    for template in ("Ofsted will take the findings from this monitoring visit into account when planning your next "
                     "inspection.", "The inspectors were Jo Vane and Sam Reed, Her Majesty's Inspectors.",
                     "This was the third monitoring visit since the local authority was judged inadequate."):
        assert META.search(template), template
    assert SCOPE_QUESTION.search("What did the third monitoring visit to Oakvale look at?")
    assert not SCOPE_QUESTION.search("What did inspectors find about assessments?")
    assert SCOPE.search("Inspectors reviewed the progress made in the local authority's services for care leavers.")


def test_a_scope_statement_stands_whatever_its_score():
    from answering.abstention import AbstentionPolicy
    from tests.answering.test_constraints import _best

    best = _best("Inspectors reviewed the progress made in services for care leavers.")
    best[0].score = 0.1
    policy = AbstentionPolicy(threshold=0.35)
    assert policy.decide("What did the visit look at?", best, [], ["visit"]).startswith("best evidence scores")
    assert policy.decide("What did the visit look at?", best, [], ["visit"], shaped=True) == ""


def test_an_abbreviated_area_is_matched_spelled_out():
    """"How was the Oakvale LSCB judged?" asks for "The Local Safeguarding Children Board" judgement."""
    from answering.answerer import ExtractiveAnswerer
    from answering.constraints import read_constraints
    from core.records import DocumentProfile

    areas = AREAS + (Judgement("Local Safeguarding Children Board", "good", 10, 11),)
    profiles = {"r": DocumentProfile(judgements=areas)}
    question = "How was the Oakvale LSCB judged in 2031?"
    found = ExtractiveAnswerer._asked_judgements(["r"], profiles, read_constraints(question, ["Oakvale"]), question)
    assert found["r"].area == "Local Safeguarding Children Board"


@pytest.fixture(scope="module")
def history_service(tmp_path_factory, default_embedder):
    from core.settings import Settings
    from inspection_qa.service import QAService

    svc = QAService(Settings(data_dir=tmp_path_factory.mktemp("judgement-history") / "data"), embedder=default_embedder)
    assert not svc.ingest([FIXTURES / "judgement-history"]).failures
    return svc


@pytest.mark.slow
def test_a_change_in_judgement_quotes_each_inspections_own_judgement_oldest_first(history_service):
    """"How did Ofsted's verdict on X change?" quotes, from each report, the judgement its profile read, not
    the sentence that scores best ("Case audits ... judged most cases to be good")."""
    answer = history_service.ask("How did Ofsted's overall verdict on Wexbury change between 2031 and 2035?")
    assert not answer.abstained, answer.reason
    assert answer.constraints.answer_type == "judgement"
    firsts = {}
    for c in answer.citations:
        firsts.setdefault(c.document, c.quote)
    assert firsts == {"report-a.txt": "Children's services in Wexbury are inadequate",
                      "report-b.txt": "Children's services in Wexbury require improvement to be good",
                      "report-c.txt": "Overall effectiveness: Good"}
    assert [c.document for c in answer.citations][:3] == ["report-a.txt", "report-b.txt", "report-c.txt"]


def test_two_inspections_grades_are_two_findings_however_alike_their_words():
    from dataclasses import replace

    from answering.answerer import ExtractiveAnswerer
    from tests.answering.test_constraints import _best

    a, b = _best("Children's services in Wexbury are inadequate", "Children's services in Wexbury are good")
    a.chunk, b.chunk = replace(a.chunk, date="2031-04-25"), replace(b.chunk, date="2035-10-30", doc_id="later")
    a.vector = b.vector = np.ones(4) / 2.0  # as alike in meaning as two sentences can be
    assert not ExtractiveAnswerer._same(None, a, b)


@pytest.mark.slow
def test_a_follow_up_asking_whether_a_figure_improved_quotes_the_figure_of_the_period_it_names(history_service):
    """"Was it better by the 2035 inspection?" after a question about the 2031 figure: the 2035 report's figure
    of the thing asked about (not its other figures about care leavers), found by the conversation's subject
    (the follow-up's own words only compare)."""
    conv = history_service.conversation()
    conv.ask("How many care leavers in Wexbury were in suitable accommodation at the 2031 inspection?")
    answer = conv.ask("was it better by the 2035 inspection?")
    assert answer.constraints.years == ("2035",) and answer.constraints.until is None
    assert not answer.abstained, answer.reason
    later = [c.quote for c in answer.citations if c.document == "report-c.txt"]
    assert later and "92% of care leavers were living in suitable accommodation" in later[0]
