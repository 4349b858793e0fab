"""What a question names holds its evidence: a person, a team or a paper is answered from documents that mention
them (declined, saying whom it could not find, when none it may draw on does); a council is answered from
sentences about it, never from one that names only a neighbour."""

from __future__ import annotations

import pytest

from answering.question_analysis import named_phrases
from tests.paths import FIXTURES


@pytest.mark.parametrize("question, expected", [
    ("What did Zoë Hartwell tell inspectors?", ["Zoë Hartwell"]),
    ("What did Councillor Jane Smith say about caseloads?", ["Jane Smith"]),
    ("Who works in the Bright Start team in Oakvale?", ["Bright Start"]),
    ("What is Oakvale Children's Trust's budget?", []),  # a body: the constraints' business
    ("What did inspectors say about Oakvale in 2031?", []),  # one capitalised word is not a name here
    ("Kestrel Moor is where?", []),  # the first word may be capitalised for the sentence alone
])
def test_named_phrases(question, expected):
    assert named_phrases(question, lambda name: "Oakvale" in name) == expected


@pytest.fixture(scope="module")
def service(tmp_path_factory, default_embedder):
    from core.settings import Settings
    from inspection_qa.service import QAService

    svc = QAService(Settings(data_dir=tmp_path_factory.mktemp("named") / "data"), embedder=default_embedder)
    assert not svc.ingest([FIXTURES / "named"]).failures
    return svc


@pytest.mark.slow
@pytest.mark.parametrize("question", [
    "What did Amara Quist tell inspectors about caseloads?",
    "What did Amara Quist tell inspectors about caseloads in 2020?",
])
def test_a_named_person_is_answered_from_the_document_that_names_them(service, question):
    answer = service.ask(question)
    assert not answer.abstained, answer.reason
    assert "Amara Quist" in answer.citations[0].quote


@pytest.mark.slow
@pytest.mark.parametrize("question, missing", [
    # she is in 2020 only ("... tell inspectors ... in 2022" is declined sooner: no document of 2022 reports an
    # inspection)
    ("What did Amara Quist say about caseloads in 2022?", "Amara Quist"),
    ("What did Peter Quist tell inspectors about caseloads?", "Peter Quist"),  # each word, never the name
])
def test_a_named_person_no_document_of_the_scope_mentions_is_declined(service, question, missing):
    answer = service.ask(question)
    assert answer.abstained, [c.quote for c in answer.citations]
    assert f"mentions {missing}" in answer.reason


@pytest.mark.slow
def test_a_sentence_about_another_council_is_not_evidence_for_the_one_asked_about(service):
    """The news item's last sentence answers the question for the neighbour, not for the council asked about."""
    answer = service.ask("How many newly qualified social workers did Ravenmoor recruit?")
    assert "Westhill" in " ".join(c.quote for c in service.ask("How many newly qualified social workers did "
                                                                  "Westhill recruit?").citations)
    assert not any("Westhill" in c.quote for c in answer.citations), [c.quote for c in answer.citations]


@pytest.fixture(scope="module")
def report(tmp_path_factory, default_embedder):
    from core.settings import Settings
    from inspection_qa.service import QAService

    svc = QAService(Settings(data_dir=tmp_path_factory.mktemp("holders") / "data"), embedder=default_embedder)
    assert not svc.ingest([FIXTURES / "holders"]).failures
    return svc


@pytest.mark.slow
def test_the_holder_of_a_post_is_found_by_the_posts_own_words(report):
    """"Lead inspector: X" stands in a report's head, far from the findings the question's words resemble."""
    answer = report.ask("Who was the lead inspector for the Quarrydale inspection in 2031?")
    assert not answer.abstained, answer.reason
    assert "Marisol Penhaligon" in answer.citations[0].quote


@pytest.mark.slow
def test_a_post_whose_holder_no_document_names_is_declined(report):
    answer = report.ask("Who was the independent chair of Quarrydale's improvement board?")
    assert answer.abstained, [c.quote for c in answer.citations]
    assert "holder" in answer.reason


@pytest.mark.parametrize("named, doc_bodies, off", [
    ({"Westhill"}, ("Oakvale",), True),  # names only a neighbour
    ({"Westhill", "Oakvale"}, ("Westhill",), False),  # names the council asked about
    ({"Oakvale Children's Trust"}, ("Westhill",), False),  # "Oakvale" inside the trust's name is the same body
    (set(), ("Westhill",), True),  # names nobody, in a neighbour's document: its attendance list, say
    (set(), ("Westhill", "Oakvale"), False),  # names nobody, in a document about both
    (set(), (), False),  # a document whose profile found no body
])
def test_the_wrong_bodys_evidence(named, doc_bodies, off):
    from answering.answerer import off_body

    assert off_body(named, ("Oakvale",), doc_bodies) is off


def test_a_rarely_named_owner_must_be_named_by_the_evidence():
    """"What was Farrowdene's last Ofsted judgement?" where Farrowdene is no document's body and one document
    names it in passing: a judgement of another council does not answer for it."""
    from types import SimpleNamespace

    from answering.answerer import ExtractiveAnswerer
    from tests.answering.test_constraints import _best

    named_by = set()  # the documents that name Farrowdene

    fake = SimpleNamespace(_library=SimpleNamespace(body_names=SimpleNamespace(names=lambda text: set())),
                           index=SimpleNamespace(lexical=SimpleNamespace(document_frequency=lambda t: 1),
                                                 mentions=lambda name, docs: bool(named_by & set(docs))),
                           policy=SimpleNamespace(window=3))
    question = "What was Farrowdene's last Ofsted judgement?"
    best = _best("Services were judged to be good overall.")  # of document "d"
    assert ExtractiveAnswerer._owner_unnamed(fake, question, best)
    named_by.add("d")  # the evidence's document names it: a letter about it, say
    assert not ExtractiveAnswerer._owner_unnamed(fake, question, best)
    named_by.clear()
    fake.index.lexical.document_frequency = lambda t: 12  # a name the library uses often: left to the ranker
    assert not ExtractiveAnswerer._owner_unnamed(fake, question, best)
