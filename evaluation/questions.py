"""Question sets in JSON Lines (the docs/FORMAT.md form) or CSV; a malformed file is refused up front,
with every bad line named (up to a cap) so that one pass fixes them all."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from core.errors import BadQuestionLinesError, QuestionSetError


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
MAX_BAD_LINES = 20  # bad lines reported by name; the rest are counted


class _Bad(Exception):
    """What is wrong with one line and how to fix it; the loader adds the file and the line number."""


class _Problems:
    """The bad lines of one file, collected in one pass: the first `cap` kept, all counted."""

    def __init__(self, name: str, cap: int) -> None:
        self.name, self.cap = name, cap
        self.found: list[tuple[int, str]] = []
        self.count = 0

    def add(self, line: int, why: str) -> None:
        self.count += 1
        if len(self.found) < self.cap:
            self.found.append((line, why))

    def raise_any(self) -> None:
        if self.count:
            raise BadQuestionLinesError(self.name, self.found, self.count)


def load_questions(path: Path, name: str | None = None, max_bad_lines: int = MAX_BAD_LINES) -> list[Question]:
    """A question set in JSON Lines (docs/FORMAT.md) or CSV with a header row (by suffix).

    Every line is checked before any is returned: a file with bad lines raises one
    `BadQuestionLinesError` naming each of the first `max_bad_lines` (line number, field, fix) and
    counting the rest. Messages name the file as `name` (default: its path), so an uploaded file is
    named as the user knows it, not by its temporary copy.
    """
    path = Path(path)
    name = str(path) if name is None else name
    if not path.exists():
        raise QuestionSetError(f"{name}: no such file")
    if path.suffix.lower() == ".csv":
        return load_csv(path, name, max_bad_lines)
    out: list[Question] = []
    seen: set[str] = set()
    problems = _Problems(name, max_bad_lines)
    try:
        text = path.read_text("utf-8")
    except UnicodeDecodeError as exc:
        raise QuestionSetError(f"{name}: not UTF-8 text (byte {exc.start}); save the question set as UTF-8 JSON Lines") from None
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise _Bad(f"not valid JSON ({exc.msg}), where one JSON object a line is expected") from None
            if not isinstance(obj, dict):
                raise _Bad("each line must be a JSON object")
            out.append(_question(obj, seen))
        except _Bad as bad:
            problems.add(lineno, str(bad))
    problems.raise_any()
    if not out:
        raise QuestionSetError(f"{name}: holds no questions")
    return out


def _question(obj: dict, seen: set[str]) -> Question:
    def fail(field_name: str, why: str) -> _Bad:
        return _Bad(f"field {field_name!r} {why}")

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


def _decode(path: Path, name: str) -> str:
    data = path.read_bytes()
    for enc in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise QuestionSetError(f"{name}: not UTF-8 or Windows-1252 text; save the sheet as CSV UTF-8")


def _split(cell: str) -> list[str]:
    return [part.strip() for part in cell.split(SEPARATOR) if part.strip()]


def _bool(cell: str) -> bool:
    value = cell.strip().lower()
    if value in ("", "true", "yes", "y", "1"):
        return True
    if value in ("false", "no", "n", "0"):
        return False
    raise _Bad(f"field 'answerable' must be true or false, not {cell!r}")


def load_csv(path: Path, name: str | None = None, max_bad_lines: int = MAX_BAD_LINES) -> list[Question]:
    """Columns id,question,history,evidence,answerable,reference_answer,kind; several evidence strings
    or history turns in one cell are separated by ' || '. Bad rows are reported as `load_questions` says."""
    name = str(path) if name is None else name
    text = _decode(path, name)
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if not header:
        raise QuestionSetError(f"{name}:1: no header row; the first row must name the columns {', '.join(CSV_COLUMNS)}")
    unknown = [h for h in header if h not in CSV_COLUMNS]
    if unknown:
        raise QuestionSetError(f"{name}:1: unknown column(s) {', '.join(unknown)}; use {', '.join(CSV_COLUMNS)}")
    for required in ("id", "question"):
        if required not in header:
            raise QuestionSetError(f"{name}:1: the header lacks the column {required!r}")
    reader.fieldnames = header
    out: list[Question] = []
    seen: set[str] = set()
    problems = _Problems(name, max_bad_lines)
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue
        try:
            out.append(_csv_question(row, seen))
        except _Bad as bad:
            problems.add(line, str(bad))
    problems.raise_any()
    if not out:
        raise QuestionSetError(f"{name}: holds no questions")
    return out


def _csv_question(row: dict, seen: set[str]) -> Question:
    if None in row:
        raise _Bad("more cells than header columns (an unquoted comma?)")
    answerable = _bool(row.get("answerable") or "")
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
        raise _Bad("field 'evidence' is empty for an answerable question "
                   "(give the passage(s) the answer rests on, or set answerable to false)")
    return _question(obj, seen)


# -- the format, as docs/FORMAT.md states it (the app shows and offers it; its words live there only) --

FORMAT_DOC = Path(__file__).resolve().parents[1] / "docs" / "FORMAT.md"
EXAMPLE_SET = FORMAT_DOC.with_name("example-questions.jsonl")
FORMAT_SECTION = "## A question set"


@dataclass(frozen=True)
class FormatGuide:
    """docs/FORMAT.md as the app offers it, read when asked for."""

    text: str  # the whole of FORMAT.md
    fields: list[tuple[str, str, str]]  # (field, type, meaning) of its question-set table, as plain text
    example_line: str  # the first question of example-questions.jsonl ("" when there is none)
    example_text: str  # the whole example file ("" when there is none)


def question_fields(markdown: str) -> list[tuple[str, str, str]]:
    """The rows of the first table under FORMAT.md's question-set heading, backticks dropped."""
    rows: list[tuple[str, str, str]] = []
    lines = markdown.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(FORMAT_SECTION)), None)
    if start is None:
        return rows
    in_table = False
    for line in lines[start + 1:]:
        if not line.lstrip().startswith("|"):
            if in_table or line.startswith("## "):
                break
            continue
        in_table = True
        cells = [c.strip().replace("`", "") for c in line.strip().strip("|").split("|")]
        if len(cells) < 3 or set("".join(cells)) <= set("-: ") or cells[0] == "field":
            continue  # the header row and its rule
        rows.append((cells[0], cells[1], " | ".join(cells[2:])))
    return rows


def format_guide(doc: Path = FORMAT_DOC, example: Path = EXAMPLE_SET) -> FormatGuide | None:
    """FORMAT.md, its question-set fields and one example line; None where FORMAT.md is not beside
    the code (an installed copy without the repository's docs/)."""
    try:
        text = Path(doc).read_text("utf-8")
    except OSError:
        return None
    try:
        example_text = Path(example).read_text("utf-8")
    except OSError:
        example_text = ""
    example_line = next((line.strip() for line in example_text.splitlines() if line.strip()), "")
    return FormatGuide(text, question_fields(text), example_line, example_text)


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
