"""Example questions for an empty chat come from the library itself: its kinds, years, bodies, judgements
and section headings."""

from __future__ import annotations

from core.records import DocumentMeta, DocumentProfile, Fact, Judgement
from inspection_qa.examples import example_questions, topic_phrase


def meta(doc_id: str, kind: str, date: str | None, title: str = "A document") -> DocumentMeta:
    return DocumentMeta(doc_id=doc_id, filename=doc_id, title=title, date=date, source_kind=kind, publisher=None,
                        sha256="0" * 64, source_path=f"/x/{doc_id}")


def test_topic_phrases_from_headings():
    assert topic_phrase("Areas for development") == "areas for development"
    assert topic_phrase("REGULAR VISITS") == "regular visits"
    assert topic_phrase("Key findings:") == "key findings"
    assert topic_phrase("Summary") is None  # one word: no topic
    assert topic_phrase("Oakvale Borough Council Services") is None  # Title Case mixes names in: left out
    assert topic_phrase("The service meets the requirements of statutory guidance in the following areas") is None
    assert topic_phrase("Section 3 findings") is None


def test_three_kinds_of_question_one_of_each_first():
    docs = [meta("a.pdf", "inspection_letter", "2031-05-04"), meta("b.txt", "news", "2033-01"),
            meta("c.pdf", "inspection_report", "2029-02-01")]
    profiles = {
        "a.pdf": DocumentProfile(bodies=(Fact("Oakvale", 0, 7),)),
        "b.txt": DocumentProfile(bodies=(Fact("Oakvale", 0, 7),)),
        "c.pdf": DocumentProfile(bodies=(Fact("Elmford", 0, 7),),
                                 judgements=(Judgement("Overall effectiveness", "good", 0, 5),)),
    }
    headings = {"a.pdf": ["Areas for development"] * 3 + ["Strengths"], "b.txt": ["REGULAR VISITS"], "c.pdf": [""]}
    got = example_questions(docs, profiles, headings, n=3)
    assert got == [
        "What did the inspection letter say about areas for development?",
        "What did the 2031 inspection letter say about Oakvale?",
        "What judgement did Elmford receive for overall effectiveness?",
    ]
    more = example_questions(docs, profiles, headings, n=6)
    assert more[:3] == got and len(more) == len(set(more)) == 6
    assert "What did the news report say about regular visits?" in more


def test_no_documents_no_examples_and_no_profile_still_gives_topics():
    assert example_questions([], {}, {}) == []
    docs = [meta("a.txt", "other", None)]
    assert example_questions(docs, {}, {"a.txt": ["Next steps for staff"]}) == [
        "What did the document say about next steps for staff?"]
