import json
import re

import pytest

from tests.paths import ROOT

pytestmark = pytest.mark.slow

QUESTIONS = [json.loads(line) for line in (ROOT / "questions" / "dev.jsonl").read_text().splitlines()
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
    kept_answers, abstained = set(), set()
    for q in QUESTIONS:
        answer = svc.ask(q["question"], search_filter=f)
        assert all(not c.document.endswith(banned_suffix) for c in answer.citations), (q["id"], answer.citations)
        assert all(not h.chunk.filename.endswith(banned_suffix) for h in answer.retrieved), q["id"]
        if answer.abstained:
            abstained.add(q["id"])
        unfiltered = svc.ask(q["question"])
        if unfiltered.citations and all(not c.document.endswith(banned_suffix) for c in unfiltered.citations):
            kept_answers.add(q["id"])  # without the filter, the answer rests on the kept document alone
    assert kept_answers  # so the filter is put to the test on questions it must not silence
    # the filter takes away the other period's document, never an answer the kept document gives
    assert not kept_answers & abstained, sorted(kept_answers & abstained)


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
    # caseloads are spoken of in both periods (2011: "improvements in the numbers on their caseloads";
    # 2019: "caseloads ... had both reduced"), so a forced timeline has two sides and a closing line
    answer = corpus_service.ask("What did inspectors say about caseloads?", timeline=True)
    dates = [c.date for c in answer.citations]
    assert dates == sorted(dates) and set(dates) == {"2011-11-09", "2019-01"}
    paragraphs = answer.text.split("\n\n")
    # one line per source, oldest first, each headed with its date and kind; the news labelled secondary
    assert paragraphs[0].startswith("9 November 2011 (inspection letter): “")
    assert any(p.startswith("January 2019 (news report, a secondary source): “") for p in paragraphs[1:-1])
    closing = paragraphs[-1]
    assert closing.startswith("What changed between 9 November 2011 and January 2019: then, “") and "; later, “" in closing
    assert "Only sources" not in answer.text
    by_marker = {c.marker: c for c in answer.citations}
    then, later = (int(n) for n in re.findall(r"\[(\d+)\]", closing))
    assert (by_marker[then].date, by_marker[later].date) == ("2011-11-09", "2019-01")
    assert "caseloads" in by_marker[then].quote and "caseloads" in by_marker[later].quote
