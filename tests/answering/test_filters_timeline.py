import json

import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.slow

QUESTIONS = [json.loads(line)["question"] for line in (ROOT / "questions" / "dev.jsonl").read_text().splitlines()
             if json.loads(line).get("answerable", True) and not json.loads(line).get("history")]


def test_bare_documents_are_dated_from_their_text(bare_corpus_service):
    docs = {m.filename: m for m in bare_corpus_service.index.docstore.documents()}
    letter = next(m for m in docs.values() if m.filename.endswith(".pdf"))
    news = next(m for m in docs.values() if m.filename.endswith(".txt"))
    assert (letter.date, letter.date_source, letter.source_kind) == ("2011-11-09", "text", "inspection_letter")
    assert (news.date, news.date_source, news.source_kind) == ("2018-04", "latest mentioned", "news")


@pytest.mark.parametrize("since, until, banned_suffix", [("2015", None, ".pdf"), (None, "2012", ".txt")])
def test_date_filters_never_cite_outside_the_range(bare_corpus_service, since, until, banned_suffix):
    svc = bare_corpus_service
    f = svc.make_filter(since=since, until=until)
    answered = 0
    for q in QUESTIONS:
        answer = svc.ask(q, search_filter=f)
        assert all(not c.document.endswith(banned_suffix) for c in answer.citations), (q, answer.citations)
        assert all(not h.chunk.filename.endswith(banned_suffix) for h in answer.retrieved)
        answered += not answer.abstained
    assert answered >= len(QUESTIONS) // 3


def test_filter_matching_nothing_says_so(corpus_service):
    from core.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no ingested document matches the filter"):
        corpus_service.ask("What about caseloads?", search_filter=corpus_service.make_filter(since="2030"))


def test_kind_and_document_filters(corpus_service):
    f = corpus_service.make_filter(kinds=["news"])
    answer = corpus_service.ask("What did inspectors say about caseloads?", search_filter=f)
    assert answer.citations and all(c.source_kind == "news" for c in answer.citations)
    f = corpus_service.make_filter(docs=["ofsted-2011-11-09-birmingham-unannounced-inspection.pdf"])
    answer = corpus_service.ask("What did inspectors say about caseloads?", search_filter=f)
    assert answer.citations and all(c.document.endswith(".pdf") for c in answer.citations)


def test_timeline_answer_oldest_first_with_closing_line(corpus_service):
    answer = corpus_service.ask("How has reliance on agency staff changed since 2011?")
    dates = [c.date for c in answer.citations]
    assert dates == sorted(dates) and len(set(dates)) == 2
    assert "What changed between 9 November 2011 and January 2019" in answer.text
    assert "a secondary source" in answer.text


def test_timeline_with_one_period_says_the_other_is_not_covered(corpus_service):
    f = corpus_service.make_filter(until="2012")
    answer = corpus_service.ask("How has reliance on agency staff changed between 2011 and 2019?", search_filter=f)
    assert "nothing from 2019 covers it" in answer.text


def test_forced_timeline(corpus_service):
    answer = corpus_service.ask("What did inspectors say about caseloads?", timeline=True)
    assert answer.text.count("“") >= 2 and ("What changed" in answer.text or "Only sources" in answer.text)
