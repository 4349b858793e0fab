"""The one evaluation loop: a question set through the service, one conversation per question, into
eval records (docs/FORMAT.md), with progress after each question. The CLI and the Evaluation page both
run it (through `QAService.evaluate`).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Protocol

import numpy as np

from core.errors import InspectionQAError, QuestionSetError

from .metrics import evidence_rank
from .questions import Question


class _Conversation(Protocol):
    def ask(self, question: str) -> Any: ...


class AskingService(Protocol):
    """What evaluation needs of the application's service (`inspection_qa.service.QAService` is one)."""

    def conversation(self, search_filter: Any = None) -> _Conversation: ...
    def warm_up(self) -> None: ...
    def embed_texts(self, texts: list[str]) -> np.ndarray:
        """`(len(texts), dim)` float32 unit vectors."""
        ...


@dataclass(frozen=True)
class Progress:
    """After each question: how many are done, of how many, and evidence hit@5 so far (None: no evidence yet)."""

    done: int
    total: int
    hit5: float | None


@dataclass
class EvaluationRun:
    """The records answered, in order; `stopped` says why the run ended early ("" when it did not)."""

    records: list[dict] = field(default_factory=list)
    stopped: str = ""


class EvaluationRunner:
    """Runs a question set through an `AskingService`.

    Latency is measured with the model loaded (`warm_up` first), as docs/FORMAT.md says. A question's
    history is asked first, in the same conversation; its latency is the final question's.
    """

    def __init__(self, service: AskingService, search_filter: Any = None) -> None:
        self.service = service
        self.search_filter = search_filter

    def run(self, questions: list[Question], output: Path | None = None,
            on_progress: Callable[[Progress], None] | None = None) -> EvaluationRun:
        """Answer every question, appending each record to `output` (JSON Lines) as it comes.

        An `InspectionQAError` part-way (the index changed, the model failed) ends the run: the records
        so far are kept and `stopped` says why. KeyboardInterrupt (Ctrl-C) is re-raised after the file
        is closed, so the records answered so far stay in `output`.
        """
        run = EvaluationRun()
        self.service.warm_up()
        if output:
            Path(output).parent.mkdir(parents=True, exist_ok=True)
        handle = open(output, "w", encoding="utf-8") if output else None
        hits = total = 0
        try:
            for i, q in enumerate(questions, start=1):
                try:
                    record = self.run_question(q)
                except InspectionQAError as exc:
                    run.stopped = f"stopped after {i - 1} of {len(questions)} questions: {exc}"
                    break
                run.records.append(record)
                if handle:
                    handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                    handle.flush()
                for e in q.evidence if q.answerable else []:
                    rank = evidence_rank(record, e)
                    hits += rank is not None and rank <= 5
                    total += 1
                if on_progress:
                    on_progress(Progress(i, len(questions), hits / total if total else None))
        finally:
            if handle:
                handle.close()
        return run

    def run_question(self, q: Question) -> dict:
        """One eval record (docs/FORMAT.md) for `q`, with `reference_similarity` when it has a reference answer."""
        conv = self.service.conversation(search_filter=self.search_filter)
        for earlier in q.history:
            conv.ask(earlier)
        answer = conv.ask(q.question)
        record = {"id": q.id, **answer.to_record()}
        record["question"] = q.question
        if self.search_filter is not None:
            record["settings"] = {"filter": self.search_filter.to_dict()}
        if q.reference_answer and not answer.abstained:
            quotes = " ".join(c.quote for c in answer.citations) or answer.text
            a, b = self.service.embed_texts([quotes, q.reference_answer])
            record["reference_similarity"] = round(float(np.dot(a, b)), 4)
        elif q.reference_answer:
            record["reference_similarity"] = 0.0
        return record


def load_records(path: Path) -> list[dict]:
    """Eval records from a JSON Lines file; a malformed line raises `QuestionSetError` naming file and line."""
    records = []
    for lineno, line in enumerate(Path(path).read_text("utf-8").splitlines(), start=1):
        if line.strip():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise QuestionSetError(f"{path}:{lineno}: not a valid eval record ({exc.msg})") from None
    return records


def question_dicts(questions: list[Question]) -> list[dict]:
    return [asdict(q) for q in questions]
