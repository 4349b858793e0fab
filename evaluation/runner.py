"""Runs a question set through the service, one conversation per question, into eval records."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Callable

import numpy as np

from inspection_qa.service import QAService

from .questions import Question


def run_question(service: QAService, q: Question, search_filter=None) -> dict:
    """History is asked first, in the same conversation; latency is the final question's."""
    conv = service.conversation(search_filter=search_filter)
    for earlier in q.history:
        conv.ask(earlier)
    answer = conv.ask(q.question)
    record = {"id": q.id, **answer.to_record()}
    record["question"] = q.question
    if search_filter is not None:
        record["settings"] = {"filter": search_filter.to_dict()}
    if q.reference_answer and not answer.abstained:
        emb = service.index.embedder
        quotes = " ".join(c.quote for c in answer.citations) or answer.text
        a, b = emb.embed_documents([quotes, q.reference_answer])
        record["reference_similarity"] = round(float(np.dot(a, b)), 4)
    elif q.reference_answer:
        record["reference_similarity"] = 0.0
    return record


def run_eval(service: QAService, questions: list[Question], output: Path | None = None,
             on_record: Callable[[dict], None] | None = None, search_filter=None) -> list[dict]:
    """Answers every question, appending each record to `output` as it comes: an interrupted run
    (Ctrl-C) keeps what was answered, and KeyboardInterrupt is re-raised for the caller."""
    records: list[dict] = []
    service.warm_up()  # latency is measured with the model loaded, as FORMAT.md says
    if output:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
    handle = open(output, "w", encoding="utf-8") if output else None
    try:
        for q in questions:
            rec = run_question(service, q, search_filter)
            records.append(rec)
            if handle:
                handle.write(json.dumps(rec, ensure_ascii=False) + "\n")
                handle.flush()
            if on_record:
                on_record(rec)
    finally:
        if handle:
            handle.close()
    return records


def load_records(path: Path) -> list[dict]:
    from core.errors import QuestionSetError

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
