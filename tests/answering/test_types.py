"""An answer kept as JSON comes back equal: text, citations, passages, scores and the constraints it was read as."""

from __future__ import annotations

import json

from answering.constraints import Constraints
from answering.types import Answer, Citation, hit_from_dict, hit_to_dict
from core.records import Chunk, Span
from retrieval.hybrid import Hit


def citation(marker: int = 1, **changes) -> Citation:
    base = dict(marker=marker, doc_id="doc-a.pdf", document="doc-a.pdf", title="A letter", date="2031-05-04",
                source_kind="inspection_letter", page=3, pages=(3, 4), section="Findings",
                quote="Supervision was regular.", start=120, end=144, chunk_id="doc-a.pdf::7",
                page_labels=("iii", "iv"), ocr=True, paragraph=None, doubtful_words=("regu1ar",))
    base.update(changes)
    return Citation(**base)


def hit(n: int) -> Hit:
    chunk = Chunk(id=f"doc-a.pdf::{n}", doc_id="doc-a.pdf", filename="doc-a.pdf", title="A letter", date=None,
                  source_kind="inspection_letter", start=10 * n, end=10 * n + 9, pages=(n,), section="S",
                  sentences=(Span(10 * n, 10 * n + 4), Span(10 * n + 5, 10 * n + 9)), text="abcd efgh", ordinal=n)
    return Hit(chunk=chunk, score=0.5 / n, dense=0.7, lexical=None, dense_rank=n, lexical_rank=None)


def answer() -> Answer:
    return Answer(
        question="And for new staff?", searched_question="What did the letter say about supervision? And for new staff?",
        text="“Supervision was regular.” [1] “Also this.” [2]",
        citations=[citation(1), citation(2, doc_id="doc-b.txt", document="doc-b.txt", page=None, pages=(),
                                        page_labels=(), ocr=False, paragraph=2, doubtful_words=())],
        abstained=False, retrieved=[hit(1), hit(2), hit(3)], latency_ms=12.5, reason="rule", scores={"top": 0.9},
        constraints=Constraints(bodies=("Oakvale",), years=("2031",), answer_type="when", event_period=True,
                                inspection_event=True, inherited=("bodies",)),
        documents=("doc-a.pdf",),
    )


def test_an_answer_round_trips_through_json():
    original = answer()
    back = Answer.from_dict(json.loads(json.dumps(original.to_dict())))
    assert back.citations == original.citations
    assert back.retrieved == original.retrieved
    assert back.constraints == original.constraints
    assert back.constraints.inherited == ("bodies",) and back.constraints.event_period is True
    for name in ("question", "searched_question", "text", "abstained", "latency_ms", "reason", "scores", "documents"):
        assert getattr(back, name) == getattr(original, name), name
    assert back.cited_documents == ("doc-a.pdf", "doc-b.txt")
    assert back.to_record() == original.to_record()


def test_retrieved_passages_can_be_cut_and_constraints_may_be_absent():
    original = answer()
    original.constraints = None
    data = original.to_dict(max_retrieved=1)
    assert len(data["retrieved"]) == 1
    back = Answer.from_dict(json.loads(json.dumps(data)))
    assert back.retrieved == original.retrieved[:1] and back.constraints is None


def test_a_citation_and_a_hit_round_trip():
    c = citation()
    assert Citation.from_dict(json.loads(json.dumps(c.to_dict()))) == c
    h = hit(2)
    assert hit_from_dict(json.loads(json.dumps(hit_to_dict(h)))) == h


def test_constraints_from_the_short_record_take_defaults():
    c = Constraints(bodies=("Oakvale",), month=5, visit_number=2, kinds=("monitoring_visit",))
    assert Constraints.from_dict(c.to_dict()) == c
    assert Constraints.from_dict(json.loads(json.dumps(c.to_state()))) == c
    assert Constraints.from_dict({"unknown": 1}) == Constraints()


def test_a_written_answer_round_trips_with_its_sentences():
    """A kept conversation reopens a written answer with its checked and withheld sentences and its notice."""
    from answering.types import Answer, WrittenSentence

    sentences = [WrittenSentence("Caseloads fell to 17 [1].", (1,), True, "carried by [1]", (("words", 0.9),)),
                 WrittenSentence("Staff are happy.", (), False, "cites no quotation")]
    answer = Answer("q", "q", "Caseloads fell to 17 [1].", [], False, generated=True, model="openai:m",
                    sentences=sentences, notice="", extractive_text="“Caseloads fell to 17.” [1]")
    again = Answer.from_dict(answer.to_dict())
    assert (again.generated, again.model, again.sentences, again.extractive_text) == \
        (True, "openai:m", sentences, answer.extractive_text)
    assert [s.text for s in again.withheld] == ["Staff are happy."]


def test_the_printed_page_labels_of_the_nearest_passages_round_trip():
    from answering.types import Answer

    answer = Answer("q", "q", "No.", [], True, page_labels={"r.pdf": {5: "2", 6: "3"}})
    assert Answer.from_dict(answer.to_dict()).page_labels == {"r.pdf": {5: "2", 6: "3"}}
