"""Question sets in JSON Lines (the docs/FORMAT.md form); a malformed file is refused up front."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.errors import QuestionSetError


@dataclass
class Question:
    id: str
    question: str
    evidence: list[str] = field(default_factory=list)
    answerable: bool = True
    history: list[str] = field(default_factory=list)
    reference_answer: str | None = None
    kind: str | None = None  # as the question set names it (docs/FORMAT.md); None: classified for breakdowns

    @property
    def question_kind(self) -> str:
        """The kind its metrics are reported under: its own `kind`, else `metrics.question_kind`'s class."""
        from .metrics import question_kind

        return question_kind(asdict(self))


CSV_COLUMNS = ("id", "question", "history", "evidence", "answerable", "reference_answer", "kind")
SEPARATOR = "||"


def load_questions(path: Path) -> list[Question]:
    """A question set in JSON Lines (docs/FORMAT.md) or CSV with a header row (by suffix)."""
    path = Path(path)
    if not path.exists():
        raise QuestionSetError(f"{path}: no such file")
    if path.suffix.lower() == ".csv":
        return load_csv(path)
    out: list[Question] = []
    seen: set[str] = set()
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise QuestionSetError(f"{path}: not UTF-8 text (byte {exc.start}); save the question set as UTF-8 JSON Lines") from None
    for lineno, line in enumerate(text.splitlines(), start=1):
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
    kind = obj.get("kind")
    if kind is not None and not isinstance(kind, str):
        raise fail("kind", "must be a string")
    return Question(qid, question, evidence, answerable, history, ref, (kind or "").strip() or None)


def _decode(path: Path) -> str:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise QuestionSetError(f"{path}: not UTF-8 or Windows-1252 text; save the sheet as CSV UTF-8")


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(SEPARATOR) if part.strip()]


def _bool(cell: str, path: Path, line: int) -> bool:
    value = cell.strip().lower()
    if value in ("", "true", "yes", "y", "1"):
        return True
    if value in ("false", "no", "n", "0"):
        return False
    raise QuestionSetError(f"{path}:{line}: field 'answerable' must be true or false, not {cell!r}")


def load_csv(path: Path) -> list[Question]:
    """Columns id,question,history,evidence,answerable,reference_answer,kind; several evidence strings
    or history turns in one cell are separated by ' || '."""
    text = _decode(path)
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise QuestionSetError(f"{path}:1: no header row; the first row must name the columns {', '.join(CSV_COLUMNS)}")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise QuestionSetError(f"{path}:1: unknown column(s) {', '.join(unknown)}; use {', '.join(CSV_COLUMNS)}")
    for required in ("id", "question"):
        if required not in header:
            raise QuestionSetError(f"{path}:1: the header lacks the column {required!r}")
    reader.fieldnames = header
    out: list[Question] = []
    seen: set[str] = set()
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        if None in row:
            raise QuestionSetError(f"{path}:{line}: more cells than header columns (an unquoted comma?)")
        answerable = _bool(row.get("answerable") or "", path, line)
        obj = {
            "id": (row.get("id") or "").strip(),
            "question": (row.get("question") or "").strip(),
            "history": _split(row.get("history") or ""),
            "evidence": _split(row.get("evidence") or ""),
            "answerable": answerable,
        }
        if (row.get("reference_answer") or "").strip():
            obj["reference_answer"] = row["reference_answer"].strip()
        if (row.get("kind") or "").strip():
            obj["kind"] = row["kind"].strip()
        if answerable and not obj["evidence"]:
            raise QuestionSetError(f"{path}:{line}: field 'evidence' is empty for an answerable question "
                                   "(give the passage(s) the answer rests on, or set answerable to false)")
        out.append(_question(obj, path, line, seen))
    if not out:
        raise QuestionSetError(f"{path}: holds no questions")
    return out


def unmatched_evidence(questions: list[Question], doc_texts: dict[str, str]) -> list[str]:
    """Evidence strings that stand in no ingested document: the question set is wrong, not the tool."""
    from core.text import fold

    folded = [fold(t) for t in doc_texts.values()]
    out = []
    for q in questions:
        for e in q.evidence:
            if not any(fold(e) in t for t in folded):
                out.append(f"question {q.id}: evidence {e[:80]!r} stands in no ingested document")
    return out
