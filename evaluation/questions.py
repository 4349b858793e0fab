"""Question sets in JSON Lines (the FORMAT.md form); a malformed file is refused up front."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from inspection_qa.errors import QuestionSetError


@dataclass
class Question:
    id: str
    question: str
    evidence: list[str] = field(default_factory=list)
    answerable: bool = True
    history: list[str] = field(default_factory=list)
    reference_answer: str | None = None

    @property
    def kind(self) -> str:
        """Single document, change over time, follow-up or unanswerable: for breakdowns."""
        if not self.answerable:
            return "unanswerable"
        if self.history:
            return "follow-up"
        if len(self.evidence) > 1:
            return "change over time"
        return "single document"


def load_questions(path: Path) -> list[Question]:
    path = Path(path)
    if not path.exists():
        raise QuestionSetError(f"{path}: no such file")
    out: list[Question] = []
    seen: set[str] = set()
    for lineno, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise QuestionSetError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(obj, dict):
            raise QuestionSetError(f"{path}:{lineno}: each line must be a JSON object")
        out.append(_question(obj, path, lineno, seen))
    if not out:
        raise QuestionSetError(f"{path}: holds no questions")
    return out


def _question(obj: dict, path: Path, lineno: int, seen: set[str]) -> Question:
    def fail(field_name: str, why: str) -> QuestionSetError:
        return QuestionSetError(f"{path}:{lineno}: field {field_name!r} {why}")

    qid = obj.get("id")
    if not isinstance(qid, str) or not qid.strip():
        raise fail("id", "must be a non-empty string")
    if qid in seen:
        raise fail("id", f"{qid!r} is used twice")
    seen.add(qid)
    question = obj.get("question")
    if not isinstance(question, str) or not question.strip():
        raise fail("question", "must be a non-empty string")
    evidence = obj.get("evidence", [])
    if not isinstance(evidence, list) or not all(isinstance(e, str) and e.strip() for e in evidence):
        raise fail("evidence", "must be a list of non-empty strings")
    answerable = obj.get("answerable", True)
    if not isinstance(answerable, bool):
        raise fail("answerable", "must be true or false")
    history = obj.get("history", [])
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise fail("history", "must be a list of strings")
    ref = obj.get("reference_answer")
    if ref is not None and not isinstance(ref, str):
        raise fail("reference_answer", "must be a string")
    return Question(qid, question, evidence, answerable, history, ref)
