"""Runs a question set through the service, one conversation per question, into eval records."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Callable

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
    return record


def run_eval(service: QAService, questions: list[Question], output: Path | None = None,
             on_record: Callable[[dict], None] | None = None, search_filter=None) -> list[dict]:
    records = []
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


def question_dicts(questions: list[Question]) -> list[dict]:
    return [asdict(q) for q in questions]
