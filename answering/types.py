"""What an answer is: text with [n] markers, and one citation per marker built from offsets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

from core.kinds import PRIMARY_SOURCE_KINDS, SOURCE_KINDS
from core.records import Chunk, Span
from retrieval.hybrid import Hit

from .constraints import Constraints

ABSTAIN_TEXT = "The ingested documents don't answer this."


@dataclass(frozen=True)
class Citation:
    marker: int
    doc_id: str
    document: str  # file name as ingested
    title: str
    date: str | None
    source_kind: str
    page: int | None
    pages: tuple[int, ...]
    section: str
    quote: str
    start: int
    end: int
    chunk_id: str
    page_labels: tuple[str, ...] = ()  # `pages` as printed on them ("iii", "3"); () where they are the indexes
    ocr: bool = False  # quoted from a page read by OCR (a scan): check its words against the page image
    paragraph: int | None = None  # a Word file's or web page's quote: its paragraph's number within `section`
    doubtful_words: tuple[str, ...] = ()  # words of the quote OCR read with low confidence: check them on the page

    @property
    def primary(self) -> bool:
        return self.source_kind in PRIMARY_SOURCE_KINDS

    @property
    def kind_label(self) -> str:
        return SOURCE_KINDS.get(self.source_kind, self.source_kind)

    @property
    def shown_pages(self) -> tuple[str, ...]:
        """The pages as a reader finds them: printed labels where the file defines them, else the indexes."""
        return self.page_labels or tuple(str(p) for p in self.pages)

    @property
    def shown_page(self) -> int | str | None:
        """The first page as a reader finds it: its printed label where the file defines one, else its index."""
        return self.page_labels[0] if self.page_labels else self.page

    def to_record(self) -> dict[str, Any]:
        """`page`: as shown to the user (a printed label, "3" on the report's third numbered page, else the
        index); `page_index`: the 1-based index in the file; `pages`: indexes, `page_labels`: as printed."""
        return {
            "marker": self.marker, "document": self.document, "title": self.title, "date": self.date,
            "page": self.shown_page, "page_index": self.page,
            "quote": self.quote, "start": self.start, "end": self.end,
            "pages": list(self.pages), "page_labels": list(self.shown_pages), "section": self.section,
            "kind": self.source_kind, "doc_id": self.doc_id, **({"ocr": True} if self.ocr else {}),
            **({"paragraph": self.paragraph} if self.paragraph is not None else {}),
            **({"doubtful_words": list(self.doubtful_words)} if self.doubtful_words else {}),
        }

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready: `Citation.from_dict` gives back an equal citation (a kept conversation)."""
        return {f.name: list(v) if isinstance(v, tuple) else v for f in fields(self) for v in (getattr(self, f.name),)}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Citation":
        names = {f.name for f in fields(cls)}
        return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names})


def hit_to_dict(hit: Hit) -> dict[str, Any]:
    """A retrieved passage with its scores, JSON-ready (`hit_from_dict` reverses it)."""
    out = asdict(hit)
    out["chunk"]["sentences"] = [[s.start, s.end] for s in hit.chunk.sentences]
    out["chunk"]["pages"] = list(hit.chunk.pages)
    return out


def hit_from_dict(data: dict[str, Any]) -> Hit:
    chunk = dict(data["chunk"])
    chunk["pages"] = tuple(chunk.get("pages", ()))
    chunk["sentences"] = tuple(Span(*s) for s in chunk.get("sentences", ()))
    return Hit(**{**data, "chunk": Chunk(**chunk)})


@dataclass(frozen=True)
class WrittenSentence:
    """One sentence of the model's reply, as written (markers included), with the checker's verdict.

    `markers`: the quotation numbers it cites, in order of first mention (`[2][1]` -> (2, 1)).
    `supported`: shown only when True. `reason`: why it was withheld, or what carried it.
    `scores`: the measures the verdict rests on (`words`: share of its content words in the cited
    quotes, 0-1; `similarity`: cosine to the closest cited quote, -1..1), when they were computed.
    """

    text: str
    markers: tuple[int, ...]
    supported: bool
    reason: str
    scores: tuple[tuple[str, float], ...] = ()

    def to_record(self) -> dict[str, Any]:
        return {"text": self.text, "markers": list(self.markers), "supported": self.supported, "reason": self.reason,
                **({"scores": dict(self.scores)} if self.scores else {})}


    @classmethod
    def from_record(cls, data: dict[str, Any]) -> "WrittenSentence":
        """The inverse of `to_record`."""
        return cls(str(data["text"]), tuple(int(m) for m in data.get("markers", ())), bool(data["supported"]),
                   str(data.get("reason", "")), tuple((str(k), float(v)) for k, v in (data.get("scores") or {}).items()))


@dataclass
class Answer:
    question: str
    searched_question: str
    text: str
    citations: list[Citation]
    abstained: bool
    retrieved: list[Hit] = field(default_factory=list)
    latency_ms: float = 0.0
    reason: str = ""  # why it abstained, or which rule shaped the answer
    scores: dict[str, float] = field(default_factory=dict)
    candidates: list = field(default_factory=list, repr=False)  # scored sentences, best first
    constraints: Any = None  # answering.constraints.Constraints the question was read as (with inherited ones)
    documents: tuple[str, ...] = ()  # the documents the constraints allowed (empty: all)
    question_features: dict = field(default_factory=dict, repr=False)  # what the abstention model saw
    # the optional written answer (generation/): `text` is then the supported sentences, with their markers
    generated: bool = False  # True when `text` is a language model's checked sentences
    model: str = ""  # the language model asked ("provider:model"), "" when none was
    sentences: list = field(default_factory=list)  # WrittenSentence: every sentence the model wrote, judged
    notice: str = ""  # one line for the reader: the model failed, declined, or nothing it wrote was supported
    extractive_text: str = ""  # the extractive answer's text, when a written answer replaced it
    # the printed page labels of the retrieved passages' documents, where they differ from the indexes:
    # doc_id -> {page index: label} (the nearest passages under an abstention are shown by them)
    page_labels: dict[str, dict[int, str]] = field(default_factory=dict)

    @property
    def withheld(self) -> list:
        """The written sentences not shown: the quotations they cite do not carry them."""
        return [s for s in self.sentences if not s.supported]

    @property
    def cited_documents(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.doc_id for c in self.citations))

    def retrieved_records(self) -> list[dict[str, Any]]:
        return [
            {"chunk_id": h.chunk.id, "document": h.chunk.filename, "page": h.chunk.page, "text": h.chunk.text,
             "score": round(h.score, 6), "section": h.chunk.section}
            for h in self.retrieved
        ]

    def to_record(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "searched_question": self.searched_question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [c.to_record() for c in self.citations],
            "retrieved": self.retrieved_records(),
            "latency_ms": round(self.latency_ms, 2),
            "abstain_reason": self.reason,
            "constraints": self.constraints.to_dict() if self.constraints is not None else {},
            "generated": self.generated,
            "model": self.model or None,
            "sentences": [s.to_record() for s in self.sentences],
            **({"notice": self.notice} if self.notice else {}),
            **({"extractive_answer": self.extractive_text} if self.extractive_text else {}),
        }

    def to_dict(self, max_retrieved: int | None = None) -> dict[str, Any]:
        """Everything needed to show this answer again and to ask a follow-up after it (a kept conversation):
        text, citations, the passages retrieved (the first `max_retrieved` of them; all when None),
        scores and the constraints the question was read as. `Answer.from_dict` reverses it; the scored
        candidates and the abstention model's features (working state of one question) are not kept."""
        retrieved = self.retrieved if max_retrieved is None else self.retrieved[:max_retrieved]
        return {
            "question": self.question, "searched_question": self.searched_question, "text": self.text,
            "citations": [c.to_dict() for c in self.citations], "abstained": self.abstained,
            "retrieved": [hit_to_dict(h) for h in retrieved], "latency_ms": self.latency_ms, "reason": self.reason,
            "scores": dict(self.scores),
            "constraints": self.constraints.to_state() if isinstance(self.constraints, Constraints) else None,
            "documents": list(self.documents),
            "generated": self.generated, "model": self.model, "sentences": [s.to_record() for s in self.sentences],
            "notice": self.notice, "extractive_text": self.extractive_text,
            "page_labels": {d: {str(p): label for p, label in labels.items()} for d, labels in self.page_labels.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Answer":
        """An answer from `to_dict()`; raises KeyError, TypeError or ValueError on a malformed record."""
        return cls(
            question=str(data["question"]), searched_question=str(data["searched_question"]), text=str(data["text"]),
            citations=[Citation.from_dict(c) for c in data.get("citations", ())], abstained=bool(data["abstained"]),
            retrieved=[hit_from_dict(h) for h in data.get("retrieved", ())],
            latency_ms=float(data.get("latency_ms", 0.0)), reason=str(data.get("reason", "")),
            scores={str(k): float(v) for k, v in (data.get("scores") or {}).items()},
            constraints=Constraints.from_dict(data["constraints"]) if data.get("constraints") is not None else None,
            documents=tuple(data.get("documents", ())),
            generated=bool(data.get("generated", False)), model=str(data.get("model") or ""),
            sentences=[WrittenSentence.from_record(s) for s in data.get("sentences", ())],
            notice=str(data.get("notice", "")), extractive_text=str(data.get("extractive_text", "")),
            page_labels={str(d): {int(p): str(label) for p, label in labels.items()}
                         for d, labels in (data.get("page_labels") or {}).items()},
        )
