"""The ingest pipeline: files -> documents -> chunks -> every store, one file at a time.

A file that cannot be read is reported with its reason and skipped; the rest go in, and
nothing already indexed is touched unless a file replaces its own earlier version.
"""

from __future__ import annotations

import itertools
import logging
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Iterable

from core.errors import InspectionQAError, UnreadableFileError
from core.protocols import IndexWriter
from core.records import Document, DocumentMeta

from .builder import DocumentBuilder, content_hash, doc_id_for
from .chunking import Chunker
from .loaders import LOADERS
from .sandbox import SandboxedParser
from .sidecars import is_sidecar, read_sidecar

log = logging.getLogger(__name__)


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Files named, and files under folders named (recursively), without sidecars or hidden files."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and not is_sidecar(f) and not any(part.startswith(".") for part in rel):
                    out.append(f)
        else:
            out.append(p)
    seen: set[Path] = set()
    unique = []
    for f in out:
        key = f.resolve() if f.exists() else f
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique


def document_warning(meta) -> str:
    """Everything a user should know about how a document was read, in one line ("" when nothing): damaged
    pages (`damage_warning`) and a date left unset because the text reads it two ways."""
    return "; ".join(p for p in (damage_warning(meta.profile), date_warning(meta)) if p)


def date_warning(meta) -> str:
    """Why a document has no date when its text reads the date two ways; "" otherwise."""
    if meta.date_source != "ambiguous":
        return ""
    return ("its date line reads as two different days (the file writes dates both day-first and month-first), "
            f"so it has no date: give it one in a sidecar, {meta.filename}.meta.toml with date = \"YYYY-MM-DD\"")


def damage_warning(profile) -> str:
    """"pages 2-3 have damaged text ..." for a document whose extraction lost characters; "" otherwise."""
    pages = profile.damaged_pages if profile is not None else ()
    if not pages:
        return ""
    return f"{page_range(pages)} {'has' if len(pages) == 1 else 'have'} damaged text: characters the file's fonts " \
           "map to nothing were lost (quotes from there may miss letters; a copy saved again as PDF may read whole)"


def page_range(pages: tuple[int, ...]) -> str:
    """(2, 3, 5) -> "pages 2-3, 5"; (4,) -> "page 4"."""
    runs: list[list[int]] = []
    for p in sorted(pages):
        if runs and p == runs[-1][-1] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    text = ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)
    return f"page {text}" if len(pages) == 1 else f"pages {text}"


def _where(path: Path) -> str:
    """Where a file is, as the index records it (`DocumentMeta.source_path`)."""
    return str(path.resolve())


def sidecar_changed(path: Path, existing: DocumentMeta) -> bool:
    """True when the sidecar now says something else than what the index holds (or was removed)."""
    side = read_sidecar(path)
    given = {"title": side.title, "date": side.date, "source_kind": side.kind, "publisher": side.publisher}
    if any(v is not None and v != getattr(existing, k) for k, v in given.items()):
        return True
    return existing.date_source == "sidecar" and side.date is None


@dataclass
class FileOutcome:
    path: str
    status: str  # added | replaced | unchanged | duplicate | failed
    doc_id: str | None = None
    chunks: int = 0
    reason: str = ""
    warning: str = ""  # stored, but with something to check: "pages 2-3 have damaged text ..."

    @property
    def failed(self) -> bool:
        return self.status == "failed"


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def failures(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.failed]

    @property
    def changed(self) -> bool:
        return any(o.status in ("added", "replaced") for o in self.outcomes)

    @property
    def warnings(self) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.warning]

    def summary(self) -> str:
        parts = [f"{self.count(s)} {s}" for s in ("added", "replaced", "unchanged", "duplicate", "failed") if self.count(s)]
        if self.warnings:
            parts.append(f"{len(self.warnings)} with a warning")
        return ", ".join(parts) or "nothing to ingest"


class Ingestor:
    """Runs the pipeline into an `Index` under its write lock."""

    def __init__(self, index: IndexWriter, chunker: Chunker | None = None, builder: DocumentBuilder | None = None,
                 parser: SandboxedParser | None = None) -> None:
        """Files are parsed by `parser`, by default a `SandboxedParser` with the settings' limits;
        a `builder` given instead parses in this process, unguarded."""
        self.index = index
        s = index.settings
        self.chunker = chunker or Chunker(s.chunk_target_chars, s.chunk_max_chars)
        self.parser = parser or builder or SandboxedParser.from_settings(s)

    EMBED_BATCH = 1024  # chunks embedded together, sorted by length across files (less padding than per file)
    PARSE_AHEAD = 4  # files parsed ahead of the one being chunked
    PARSE_WORKERS = 2  # files parsed at once (each in its own sandboxed worker process)
    # Each chunk is embedded once; its sentences' vectors are pooled from that same pass
    # (retrieval/pooling.py), so answering a question embeds the question alone.

    def run(self, paths: Iterable[Path], on_file: Callable[[FileOutcome], None] | None = None) -> IngestReport:
        """Three stages overlap: the next file is parsed and the previous batch stored while this
        batch embeds. Chunks of several files share a model call; each document is stored on its
        own and in order (so a crash leaves whole documents)."""
        files = collect_files(paths)
        report = IngestReport()
        ids: dict[Path, str] = {}

        def emit(outcome: FileOutcome) -> None:
            report.outcomes.append(outcome)
            if on_file:
                on_file(outcome)

        with self.index.write_lock():
            report.repaired = self.index.repair()
            taken: dict[str, str] = {}  # id -> the file that holds it in this run
            for path in files:
                ids[path] = taken_id = self._identity(path, taken)
                taken[taken_id] = _where(path)
            pending: list[tuple[Path, Document, list, DocumentMeta | None]] = []
            accepted: dict[str, Document] = {}  # sha256 -> document taken in this run (stored or on its way)
            storing: list[Future] = []  # at most one batch being stored

            def collect() -> None:
                while storing:
                    for outcome in storing.pop().result():
                        emit(outcome)

            def flush(store_pool: ThreadPoolExecutor) -> None:
                if not pending:
                    return
                batch = list(pending)
                pending.clear()
                chunks = [c for _, _, cs, _ in batch for c in cs]
                vectors, sentence_vectors = self.index.embedder.embed_with_spans(
                    [c.embedding_text() for c in chunks], [c.embedding_spans() for c in chunks]
                )
                collect()  # the previous batch is stored before this one starts: documents go in in order
                storing.append(store_pool.submit(self._store, batch, vectors, sentence_vectors))

            with ThreadPoolExecutor(max_workers=self.PARSE_WORKERS, thread_name_prefix="parse") as pool, \
                    ThreadPoolExecutor(max_workers=1, thread_name_prefix="store") as store_pool:
                window: deque = deque()
                queue = iter(files)
                for path in itertools.islice(queue, self.PARSE_AHEAD):
                    window.append((path, pool.submit(self._prepare, path, ids[path])))
                while window:
                    path, future = window.popleft()
                    nxt = next(queue, None)
                    if nxt is not None:
                        window.append((nxt, pool.submit(self._prepare, nxt, ids[nxt])))
                    prepared = future.result()
                    if isinstance(prepared, FileOutcome):
                        emit(prepared)
                        continue
                    doc, chunks, existing = prepared
                    twin = accepted.get(doc.meta.sha256)
                    if twin is not None:
                        emit(FileOutcome(str(path), "duplicate", twin.meta.doc_id,
                                         reason=f"same content as {twin.meta.filename}"))
                        continue
                    accepted[doc.meta.sha256] = doc
                    pending.append((path, doc, chunks, existing))
                    if sum(len(c) for _, _, c, _ in pending) >= self.EMBED_BATCH:
                        flush(store_pool)
                flush(store_pool)
                collect()
            if report.changed or report.repaired:
                self.index.crash_point("before-lexical")
                self.index.rebuild_lexical()
        return report

    def _store(self, batch: list, vectors, sentence_vectors: list) -> list[FileOutcome]:
        parts, outcomes, offset = [], [], 0
        for path, doc, chunks, existing in batch:
            end = offset + len(chunks)
            parts.append((doc, chunks, vectors[offset:end], sentence_vectors[offset:end]))
            offset = end
            outcomes.append(FileOutcome(str(path), "replaced" if existing else "added", doc.meta.doc_id, len(chunks),
                                        warning=document_warning(doc.meta)))
        self.index.add_documents(parts)
        return outcomes

    def _identity(self, path: Path, taken: dict[str, str]) -> str:
        """The document id of `path`: its name ("letter.txt"), unless another file holds that id, in the index
        or earlier in this run; then its name with as many of its folders as tell it apart ("2033/letter.txt").
        A file whose earlier version is stored under an id keeps it (so a changed file replaces only itself);
        so does one that moved, its old place gone."""
        where = _where(path)
        parents = len(path.resolve().parent.parts) if path.exists() else len(path.parent.parts)
        for folders in range(parents + 1):
            candidate = doc_id_for(path, folders)
            held = taken.get(candidate)
            if held is not None:
                if held == where:
                    return candidate
                continue
            stored = self.index.document_meta(candidate)
            if stored is None or stored.source_path == where or not Path(stored.source_path).exists():
                return candidate
        return doc_id_for(path.resolve(), parents)

    def _prepare(self, path: Path, doc_id: str | None = None) -> "FileOutcome | tuple[Document, list, DocumentMeta | None]":
        """A final outcome (failed, unchanged, duplicate), or a parsed, chunked document to embed, under
        `doc_id` (`_identity`; by default the file's name)."""
        doc_id = doc_id or doc_id_for(path)
        try:
            if path.suffix.lower() not in LOADERS and path.exists():
                raise UnreadableFileError(path, f"unsupported file type {path.suffix or '(none)'!r}; supported: "
                                          + ", ".join(sorted(LOADERS)))
            existing = self.index.document_meta(doc_id) if path.exists() else None
            if existing is not None and path.is_file() and existing.sha256 == content_hash(path) \
                    and not sidecar_changed(path, existing):
                return FileOutcome(str(path), "unchanged", existing.doc_id, reason="already ingested, unchanged")
            doc = self.parser.run(path)
            if doc.meta.doc_id != doc_id:  # a name another file holds: shown with its folders too
                doc.meta = replace(doc.meta, doc_id=doc_id, filename=doc_id)
            twin = self.index.find_by_sha(doc.meta.sha256)
            if twin is not None and twin.doc_id != doc.meta.doc_id:
                return FileOutcome(str(path), "duplicate", twin.doc_id, reason=f"same content as {twin.filename}")
            chunks = self.chunker.run(doc)
            if not chunks:
                raise UnreadableFileError(path, "no text to index after cleaning")
            return doc, chunks, existing
        except UnreadableFileError as exc:
            return FileOutcome(str(path), "failed", reason=exc.reason)
        except InspectionQAError:
            raise
        except (OSError, MemoryError, RecursionError, ValueError) as exc:
            return FileOutcome(str(path), "failed", reason=f"{type(exc).__name__}: {exc}")
