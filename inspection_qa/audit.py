"""The audit trail: one JSON line per question asked, with the evidence its answer cited.

Each line records when (UTC), who, the question as asked and as searched, the answer, whether
it abstained, the filter, and every citation with the SHA-256 of the document it quotes, so a
reviewer can later show that a quote stood at those offsets in exactly that file.

The file is append-only: a line is written with one `write` on a file opened for appending,
then flushed and fsync'd, under a lock file beside the log, so two processes (the app and a
CLI) never interleave or tear lines. Turn it on with `INSPECTION_QA_AUDIT_LOG=/path/audit.jsonl`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Mapping

from answering.types import Answer

from .presentation import pages_label
from core.errors import InspectionQAError

LOCK_TIMEOUT_S = 30.0


class AuditLogError(InspectionQAError):
    """The audit trail cannot be written or read; an answer is not shown unless it is recorded."""

    exit_code = 2


@dataclass(frozen=True)
class BadLine:
    """A line of the log that is not a JSON object (a torn write from a crash, or a hand edit)."""

    number: int
    reason: str


def now_utc() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def entry_for(answer: Answer, user: str, document_hashes: Mapping[str, str], search_filter: Any = None,
              time: str | None = None) -> dict[str, Any]:
    """The record of one answered question (what `AuditLog.record` writes)."""
    entry: dict[str, Any] = {
        "time": time or now_utc(),
        "user": user,
        "question": answer.question,
        "searched_question": answer.searched_question,
        "answer": answer.text,
        "abstained": answer.abstained,
        "citations": [
            {
                "marker": c.marker,
                "document": c.document,
                "doc_id": c.doc_id,
                "page": c.shown_page,  # as printed on it
                "page_index": c.page,
                "quote": c.quote,
                "start": c.start,
                "end": c.end,
                "sha256": document_hashes.get(c.doc_id),
            }
            for c in answer.citations
        ],
    }
    if search_filter is not None and not getattr(search_filter, "empty", False):
        entry["filter"] = search_filter.to_dict() if hasattr(search_filter, "to_dict") else str(search_filter)
    if answer.model:  # a language model was asked: which, and every sentence it wrote with its verdict
        entry.update(model=answer.model, generated=answer.generated,
                     sentences=[s.to_record() for s in answer.sentences])
    return entry


class AuditLog:
    """An append-only JSON Lines file of questions and the evidence their answers cited."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        if self.path.is_dir():
            raise AuditLogError(f"audit log {self.path} is a folder; give a file path such as {self.path / 'audit.jsonl'}")
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    def record(self, answer: Answer, user: str, document_hashes: Mapping[str, str], search_filter: Any = None) -> dict:
        """Append one line for `answer`; returns the entry written."""
        entry = entry_for(answer, user, document_hashes, search_filter)
        self.append(entry)
        return entry

    def append(self, entry: Mapping[str, Any]) -> None:
        from filelock import FileLock, Timeout

        line = (json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with FileLock(str(self.lock_path), timeout=LOCK_TIMEOUT_S):
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
                try:
                    self._repair_tail(fd)
                    written = os.write(fd, line)
                    while written < len(line):  # a short write (rare: a full disk or a signal)
                        written += os.write(fd, line[written:])
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except Timeout:
            raise AuditLogError(f"audit log {self.path}: another process held its lock for {LOCK_TIMEOUT_S:.0f} s") from None
        except OSError as exc:
            raise AuditLogError(f"audit log {self.path} cannot be written ({exc.strerror or exc}); "
                                "fix the path or its permissions, or unset INSPECTION_QA_AUDIT_LOG") from exc

    def _repair_tail(self, fd: int) -> None:
        """A crash mid-write can leave a last line without its newline; end it so the next line stays whole."""
        size = os.fstat(fd).st_size
        if size == 0:
            return
        with open(self.path, "rb") as f:
            f.seek(size - 1)
            if f.read(1) != b"\n":
                os.write(fd, b"\n")

    def entries(self, bad: list[BadLine] | None = None) -> list[dict[str, Any]]:
        """Every entry, oldest first; lines that are not JSON objects go to `bad` (if given)."""
        return list(self.iter_entries(bad))

    def iter_entries(self, bad: list[BadLine] | None = None) -> Iterator[dict[str, Any]]:
        if not self.path.exists():
            return
        try:
            with open(self.path, "r", encoding="utf-8", errors="replace") as f:
                for number, line in enumerate(f, start=1):
                    if not line.strip():
                        continue
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError as exc:
                        if bad is not None:
                            bad.append(BadLine(number, f"not JSON ({exc.msg})"))
                        continue
                    if not isinstance(entry, dict):
                        if bad is not None:
                            bad.append(BadLine(number, "not a JSON object"))
                        continue
                    yield entry
        except OSError as exc:
            raise AuditLogError(f"audit log {self.path} cannot be read ({exc.strerror or exc})") from exc

    def last(self, n: int | None = None, bad: list[BadLine] | None = None) -> list[dict[str, Any]]:
        items = self.entries(bad)
        return items if n is None else items[-n:] if n > 0 else []


def format_entry(entry: Mapping[str, Any]) -> str:
    """One readable block: time and user, the question, then each citation with its quote."""
    lines = [f"{entry.get('time', '?')}  {entry.get('user', '?')}"]
    lines.append(f"  Q: {entry.get('question', '')}")
    searched = entry.get("searched_question")
    if searched and searched != entry.get("question"):
        lines.append(f"     searched as: {searched}")
    flt = entry.get("filter")
    if flt:
        if isinstance(flt, Mapping):
            shown = ", ".join(f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}"
                              for k, v in flt.items() if v)
        else:
            shown = str(flt)
        lines.append(f"     filter: {shown}")
    citations = entry.get("citations") or []
    if entry.get("abstained"):
        lines.append("  A: abstained (the documents did not answer)")
    elif not citations:
        lines.append("  A: no citations")
    for c in citations:
        page = pages_label(c.get("page"))
        sha = f"sha256 {c['sha256'][:12]}…" if c.get("sha256") else "sha256 unknown"
        lines.append(f"  [{c.get('marker', '?')}] {c.get('document', '?')}, {page}, "
                     f"characters {c.get('start')}–{c.get('end')} ({sha})")
        quote = " ".join(str(c.get("quote", "")).split())
        lines.append(f"      “{quote}”")
    return "\n".join(lines)
