import json
import re
from functools import lru_cache

import pypdf
import pytest

from answering.types import ABSTAIN_TEXT
from core.text import fold
from evaluation.metrics import contains
from tests.paths import CORPUS, EXAMPLE_QUESTIONS

pytestmark = pytest.mark.slow


@lru_cache(maxsize=None)
def _source_pages(filename: str) -> tuple[str, ...]:
    """The cited file's text straight from the original file, not from the index: one entry per
    PDF page (pypdf's text), or the whole text of a .txt file as its only entry."""
    path = CORPUS / filename
    assert path.is_file(), f"cited document {filename!r} is not a corpus file"
    if path.suffix.lower() == ".pdf":
        return tuple(page.extract_text() or "" for page in pypdf.PdfReader(path).pages)
    return (path.read_text(encoding="utf-8"),)


def _cited_pages(citation) -> list[str]:
    """The folded source text of each page the citation names (a .txt file is one page)."""
    pages = _source_pages(citation.document)
    if not citation.document.lower().endswith(".pdf"):
        return [fold(pages[0])]
    cited = citation.pages or (citation.page,)
    assert list(cited) == list(range(cited[0], cited[0] + len(cited))), (citation.document, cited)
    assert all(1 <= p <= len(pages) for p in cited), (citation.document, cited)
    return [fold(pages[p - 1]) for p in cited]


def _reads_across(words: list[str], pages: list[str]) -> bool:
    """Whether `words` read in order as one run on each page in turn, every page holding some: a
    quote over a page break has the page's running footer and the next one's header between its
    two parts in pypdf's text, and nothing else."""
    if len(pages) == 1:
        return bool(words) and " ".join(words) in pages[0]
    return any(" ".join(words[:k]) in pages[0] and _reads_across(words[k:], pages[1:])
               for k in range(1, len(words)))


def test_every_quote_is_verbatim_and_cited_in_the_text(corpus_service):
    questions = [json.loads(line) for line in EXAMPLE_QUESTIONS.read_text().splitlines()]
    assert sum(q["answerable"] for q in questions) >= 5
    for q in questions:
        conv = corpus_service.conversation()
        for h in q.get("history", []):
            conv.ask(h)
        answer = conv.ask(q["question"])
        where = (q["id"], answer.text)
        assert answer.abstained is (not q["answerable"]), where
        if answer.abstained:
            # the plain decline, or one that names the constraint no document meets ("No document covers ...")
            assert (answer.text == ABSTAIN_TEXT or answer.text.startswith("No document")) and not answer.citations, where
            continue
        assert answer.citations, where
        # each quote stands in its original file, on the pages it is cited from
        for c in answer.citations:
            assert _reads_across(fold(c.quote).split(" "), _cited_pages(c)), (q["id"], c.document, c.pages, c.quote)
            assert c.page is not None and c.date
        # the markers in the text and the citations match one to one
        in_text = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
        cited = [c.marker for c in answer.citations]
        assert len(cited) == len(set(cited)), where
        assert in_text == set(cited), where


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
