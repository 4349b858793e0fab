import json

import pytest

from answering.types import ABSTAIN_TEXT
from evaluation.metrics import contains
from tests.paths import EXAMPLE_QUESTIONS

pytestmark = pytest.mark.slow


def _verbatim(service, answer):
    for c in answer.citations:
        text = service.index.docstore.text(c.doc_id)
        assert text[c.start:c.end] == c.quote


def test_every_quote_is_verbatim_and_cited_in_the_text(corpus_service):
    for line in EXAMPLE_QUESTIONS.read_text().splitlines():
        q = json.loads(line)
        conv = corpus_service.conversation()
        for h in q.get("history", []):
            conv.ask(h)
        answer = conv.ask(q["question"])
        _verbatim(corpus_service, answer)
        for c in answer.citations:
            assert f"[{c.marker}]" in answer.text
            assert c.page is not None and c.date


def test_answer_cites_the_evidence(corpus_service):
    answer = corpus_service.ask("How regularly is supervision held?")
    assert not answer.abstained
    assert any(contains(c.quote, "In the majority of cases, supervision is held regularly") for c in answer.citations)
    cit = next(c for c in answer.citations if "supervision is held regularly" in c.quote)
    assert cit.page == 2 and cit.document.endswith(".pdf")


@pytest.mark.parametrize("question", [
    "What is the capital of France?",
    "Which children's rights charity Barnardo's criticised the Trust?",
    "How many inspectors visited Birmingham in October 2011?",
])
def test_out_of_corpus_questions_abstain(corpus_service, question):
    answer = corpus_service.ask(question)
    assert answer.abstained and answer.text == ABSTAIN_TEXT and not answer.citations
    assert answer.retrieved  # the nearest passages are still offered


def test_follow_up_is_searched_with_its_subject(corpus_service):
    conv = corpus_service.conversation()
    conv.ask("What did inspectors say about child protection conferences in 2011?")
    answer = conv.ask("What about the risk assessment in those cases?")
    assert "child protection conferences" in answer.searched_question
    assert any(contains(c.quote, "appropriately addressing risk") for c in answer.citations)


def test_new_topic_starts_fresh(corpus_service):
    conv = corpus_service.conversation()
    conv.ask("What did inspectors say about child protection conferences in 2011?")
    answer = conv.ask("Which university is the council's Social Work Academy run in partnership with?")
    assert answer.searched_question == answer.question


def test_change_question_quotes_both_documents_oldest_first(corpus_service):
    answer = corpus_service.ask("How has reliance on agency staff changed since 2011?")
    dates = [c.date for c in answer.citations]
    assert len({c.doc_id for c in answer.citations}) == 2
    assert dates == sorted(dates)
