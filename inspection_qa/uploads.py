"""Files uploaded through the app: documents checked, named safely, saved with a sidecar; question sets parsed.

Everything here is plain functions over names and bytes, so the pages (pages/2_Documents.py,
pages/1_Evaluation.py) hold no file-handling logic of their own:

* `check_upload` refuses a file by extension (PDF, text, Markdown only), size
  (`settings.max_upload_mb`) and content (a `.pdf` must start with `%PDF-`; text must not be
  binary), raising `UnreadableFileError` with the reason;
* `sanitize_filename` keeps the last path component only, in `[A-Za-z0-9._-]`, with no leading
  dot, and adds a suffix rather than take a name another document already holds (names are
  compared as the index compares them: by `doc_id_for`, so `Report.pdf` and `report.pdf` clash);
* `write_sidecar` writes `NAME.meta.toml` (title, date, kind) after checking the values;
* `save_upload` / `discard_upload` put a file (and its sidecar) into, or take it out of, the
  uploads folder, `settings.data_dir / "uploads"`;
* `load_question_upload` parses a question set uploaded on the Evaluation page, under the same
  limit: one setting, `settings.max_upload_mb`, stated by `upload_limit_text` and enforced by
  `over_limit` on both pages.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Collection, Iterable

from core.errors import QuestionSetError, UnreadableFileError
from core.files import atomic_write
from core.records import DocumentMeta
from evaluation.questions import Question, load_questions
from ingest.builder import doc_id_for
from ingest.loaders import ACCEPTED_SUFFIXES
from ingest.sidecars import (
    SIDECAR_SUFFIX,
    check_date,
    check_kind,
    sidecar_for,
    write_sidecar,
)

PDF_MAGIC = b"%PDF-"
MB = 1024 * 1024
QUESTION_SUFFIXES = (".csv", ".jsonl")
MAX_STEM_CHARS = 120
UPLOADS_FOLDER = "uploads"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RUNS = re.compile(r"([._-])[._-]+")


def uploads_dir(data_dir: Path) -> Path:
    return Path(data_dir) / UPLOADS_FOLDER


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _suffix_of(name: str) -> str:
    return Path(name.replace("\\", "/").rsplit("/", 1)[-1]).suffix.lower()


def upload_limit_text(max_mb: int) -> str:
    """The app's one upload limit (`settings.max_upload_mb`) as every page states it."""
    return f"up to {max_mb} MB each"


def over_limit(size: int, max_mb: int) -> str | None:
    """Why a file of `size` bytes is refused by the upload limit, or None when it is within it."""
    if size > max_mb * MB:
        return f"the file is {size / MB:.1f} MB, over the {max_mb} MB upload limit"
    return None


def load_question_upload(name: str, data: bytes, max_mb: int) -> list[Question]:
    """A question set uploaded through the Evaluation page, parsed by way of a temporary file.

    Refused (`QuestionSetError`, naming the upload as the user named it, never the temporary path)
    when it is over the upload limit, is not .csv or .jsonl, or has bad lines (every one reported
    up to `evaluation.questions.MAX_BAD_LINES`).
    """
    safe = Path(name.replace("\\", "/")).name or "questions.jsonl"
    too_big = over_limit(len(data), max_mb)
    if too_big:
        raise QuestionSetError(f"{safe}: {too_big}")
    suffix = Path(safe).suffix.lower()
    if suffix not in QUESTION_SUFFIXES:
        raise QuestionSetError(f"{safe}: expected a {' or '.join(QUESTION_SUFFIXES)} file")
    with tempfile.TemporaryDirectory(prefix="inspection-qa-questions-") as tmp:
        path = Path(tmp) / ("questions" + suffix)
        path.write_bytes(data)
        return load_questions(path, name=safe)


def check_upload(name: str, data: bytes, max_mb: int) -> None:
    """Refuse a file the app must not save or ingest; the error names the file and the reason."""
    suffix = _suffix_of(name)
    if suffix not in ACCEPTED_SUFFIXES:
        raise UnreadableFileError(
            name, f"file type {suffix or '(none)'!r} is not accepted; upload {', '.join(ACCEPTED_SUFFIXES)} files"
        )
    size = len(data)
    too_big = over_limit(size, max_mb)
    if too_big:
        raise UnreadableFileError(name, too_big)
    if size == 0:
        raise UnreadableFileError(name, "the file is empty (0 bytes)")
    if suffix == ".pdf":
        if not data.startswith(PDF_MAGIC):
            raise UnreadableFileError(name, "not a PDF: the file does not start with %PDF-")
    elif suffix == ".docx":
        if not data.startswith(b"PK\x03\x04"):
            raise UnreadableFileError(name, "not a Word file: a .docx is a zip archive, and this one is not")
    elif b"\x00" in data[:65536] or data.startswith(PDF_MAGIC):
        raise UnreadableFileError(name, f"binary data, not text; a {suffix} file must hold plain text")


def _clean(text: str) -> str:
    # é -> e, ß -> ss where a compatibility form exists; everything else outside the set -> "-"
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    ascii_text = _UNSAFE.sub("-", ascii_text)
    return _RUNS.sub(r"\1", ascii_text)


def sanitize_filename(name: str, existing: Collection[str] = ()) -> str:
    """A safe file name for `name`, different (as a document id) from every name in `existing`.

    Directories are dropped (`../../etc/passwd.pdf` -> `passwd.pdf`), characters outside
    `[A-Za-z0-9._-]` become `-`, leading dots and dashes go, the extension is kept in lower
    case; a taken name gets `-2`, `-3`, ... before its extension.
    """
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")  # control characters
    path = Path(base)
    suffix = _clean(path.suffix).lower() if path.suffix else ""
    if suffix and not re.fullmatch(r"\.[a-z0-9]+", suffix):
        suffix = ""
    stem = _clean(path.stem if suffix else base).strip("._-")
    if len(stem) > MAX_STEM_CHARS:
        stem = stem[:MAX_STEM_CHARS].rstrip("._-")
    stem = stem or "document"
    taken = {doc_id_for(Path(n)) for n in existing}
    candidate = stem + suffix
    number = 2
    while doc_id_for(Path(candidate)) in taken or candidate.lower().endswith(SIDECAR_SUFFIX):
        candidate = f"{stem}-{number}{suffix}"
        number += 1
    return candidate


def names_taken(folder: Path, documents: Iterable[DocumentMeta], data: bytes) -> set[str]:
    """Names a new upload with content `data` must not take: those of *other* documents.

    Other documents are the ingested ones (any folder) and the files already in `folder`, whose
    content differs from `data`; the same content under the same name is the same document.
    """
    sha = sha256_of(data)
    taken = {m.filename for m in documents if m.sha256 != sha}
    if folder.is_dir():
        for f in folder.iterdir():
            if f.is_file() and not f.name.endswith(SIDECAR_SUFFIX) and not f.name.startswith("."):
                try:
                    same = f.stat().st_size == len(data) and sha256_of(f.read_bytes()) == sha
                except OSError:
                    same = False
                if not same:
                    taken.add(f.name)
    return taken




def save_upload(folder: Path, name: str, data: bytes, documents: Iterable[DocumentMeta], max_mb: int,
                title: str | None = None, date: str | None = None, kind: str | None = None) -> Path:
    """Check, name, and write one upload (and its sidecar) into `folder`; returns the file's path.

    Takes a lock on the folder so two sessions saving the same name never overwrite each other.
    """
    from filelock import FileLock

    check_upload(name, data, max_mb)
    try:  # refuse bad metadata before anything is written
        check_date(date)
        check_kind(kind)
    except ValueError as exc:
        raise UnreadableFileError(name, str(exc)) from None
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder / ".uploads.lock"), timeout=60):
        safe = sanitize_filename(name, names_taken(folder, documents, data))
        path = folder / safe
        if path.is_file() and path.read_bytes() == data:
            # the same document again: leave file and sidecar as ingested (ingest reports it unchanged;
            # the index would not take new metadata for unchanged bytes anyway)
            return path
        write_sidecar(path, title=title, date=date, kind=kind)
        atomic_write(path, data)
    return path


def in_folder(path: str | Path, folder: Path) -> bool:
    try:
        Path(path).resolve().relative_to(Path(folder).resolve())
        return True
    except ValueError:
        return False


def discard_upload(path: str | Path, folder: Path) -> bool:
    """Delete an uploaded file and its sidecar, if (and only if) it lies in the uploads `folder`."""
    path = Path(path)
    if not in_folder(path, folder):
        return False
    removed = False
    for p in (path, sidecar_for(path)):
        try:
            p.unlink()
            removed = True
        except FileNotFoundError:
            pass
    return removed
