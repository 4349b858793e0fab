"""The document store: each document's clean text, pages, blocks and chunk records (SQLite).

It is the source of truth for quotes: a citation is `text[start:end]` of a stored document.
A document counts only once `complete` is set, after every other store holds its parts.

The layout carries a version (`PRAGMA user_version`, `SCHEMA_VERSION`). A store written before
versions existed (0) has today's tables and is stamped on opening; one from a newer version of
inspection-qa is refused with one line saying what to do.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterator

import numpy as np

from core.errors import CorruptIndexError
from core.records import Block, Chunk, Document, DocumentMeta, DocumentProfile, PageSpan, Span

SCHEMA_VERSION = 2  # raise it, with a migration in DocStore._migrate, whenever SCHEMA changes
SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY, filename TEXT NOT NULL, title TEXT NOT NULL, date TEXT, kind TEXT NOT NULL,
    publisher TEXT, sha256 TEXT NOT NULL, source_path TEXT NOT NULL, date_source TEXT NOT NULL,
    text TEXT NOT NULL, pages TEXT NOT NULL, blocks TEXT NOT NULL, n_chunks INTEGER NOT NULL,
    complete INTEGER NOT NULL DEFAULT 0, ingested_at REAL NOT NULL, profile TEXT
);
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, pages TEXT NOT NULL,
    section TEXT NOT NULL, sentences TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc ON chunks(doc_id);
CREATE TABLE IF NOT EXISTS sentence_vectors (
    chunk_id TEXT PRIMARY KEY REFERENCES chunks(id) ON DELETE CASCADE, dim INTEGER NOT NULL, data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

_CHUNK_SELECT = """
SELECT c.id, c.doc_id, d.filename, d.title, d.date, d.kind, c.start, c."end", c.pages, c.section, c.sentences,
       substr(d.text, c.start + 1, c."end" - c.start), c.ordinal
FROM chunks c JOIN documents d ON d.doc_id = c.doc_id
"""


class DocStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._conn() as conn:
            self._migrate(conn)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring the layout to `SCHEMA_VERSION`, or raise `CorruptIndexError` naming the fix."""
        found = conn.execute("PRAGMA user_version").fetchone()[0]
        if found > SCHEMA_VERSION:
            raise CorruptIndexError(
                f"{self.path}: written by a newer inspection-qa (layout {found}, this one reads up to "
                f"{SCHEMA_VERSION}); upgrade inspection-qa, or re-ingest into an empty --data-dir"
            )
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        conn.executescript(SCHEMA)  # creates what is missing; version 0 differs from 1 only by its stamp
        if "documents" in tables and found < 2:
            # 2 adds each document's profile; documents stored before it get theirs on loading (DocStore._meta)
            columns = {r[1] for r in conn.execute("PRAGMA table_info(documents)")}
            if "profile" not in columns:
                conn.execute("ALTER TABLE documents ADD COLUMN profile TEXT")
        if found < SCHEMA_VERSION:
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def schema_version(self) -> int:
        return self._conn().execute("PRAGMA user_version").fetchone()[0]

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
                conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA foreign_keys=ON")
                conn.execute("PRAGMA synchronous=NORMAL")
            except sqlite3.DatabaseError as exc:
                raise CorruptIndexError(f"{self.path}: not a readable document store ({exc}); move it aside and re-ingest") from exc
            self._local.conn = conn
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- writes --------------------------------------------------------------------------
    def put(self, doc: Document, chunks: list[Chunk], sentence_vectors: list[np.ndarray] | None = None) -> None:
        """Store a document and its chunks, not yet complete; replaces any earlier version.
        `sentence_vectors`: per chunk, one vector per sentence (kept as float16)."""
        m = doc.meta
        conn = self._conn()
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM documents WHERE doc_id = ?", (m.doc_id,))
            conn.execute(
                "INSERT INTO documents (doc_id, filename, title, date, kind, publisher, sha256, source_path, date_source, "
                "text, pages, blocks, n_chunks, complete, ingested_at, profile) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?)",
                (m.doc_id, m.filename, m.title, m.date, m.source_kind, m.publisher, m.sha256, m.source_path, m.date_source,
                 doc.text, json.dumps([p.to_row() for p in doc.pages]),
                 json.dumps([[b.block_kind, b.start, b.end, b.section] for b in doc.blocks]), len(chunks), time.time(),
                 json.dumps(m.profile.to_dict()) if m.profile is not None else None),
            )
            conn.executemany(
                "INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?)",
                [(c.id, c.doc_id, c.ordinal, c.start, c.end, json.dumps(list(c.pages)), c.section,
                  json.dumps([[s.start, s.end] for s in c.sentences])) for c in chunks],
            )
            if sentence_vectors is not None:
                conn.executemany(
                    "INSERT INTO sentence_vectors VALUES (?,?,?)",
                    [(c.id, int(v.shape[1]), encode_vectors(v)) for c, v in zip(chunks, sentence_vectors) if len(v)],
                )

    def mark_complete(self, doc_id: str) -> None:
        """The document becomes visible, and the generation moves on, in one transaction."""
        conn = self._conn()
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE documents SET complete = 1 WHERE doc_id = ?", (doc_id,))
            self._bump(conn)

    def delete(self, doc_id: str) -> None:
        conn = self._conn()
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            self._bump(conn)

    def _bump(self, conn: sqlite3.Connection) -> None:
        row = conn.execute("SELECT value FROM state WHERE key = 'generation'").fetchone()
        conn.execute("INSERT OR REPLACE INTO state VALUES ('generation', ?)", (str(int(row[0] if row else 0) + 1),))

    def bump_generation(self) -> int:
        conn = self._conn()
        with conn:
            conn.execute("BEGIN IMMEDIATE")
            self._bump(conn)
        return self.generation()

    def complete_chunk_ids(self) -> set[str]:
        return {r[0] for r in self._conn().execute(
            "SELECT c.id FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE d.complete = 1")}

    # -- reads ---------------------------------------------------------------------------
    def get_state(self, key: str) -> str | None:
        row = self._conn().execute("SELECT value FROM state WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def generation(self) -> int:
        return int(self.get_state("generation") or 0)

    def meta(self, doc_id: str, include_incomplete: bool = False) -> DocumentMeta | None:
        row = self._conn().execute(
            "SELECT doc_id, filename, title, date, kind, publisher, sha256, source_path, date_source, profile, complete "
            "FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        if row is None or (not row[10] and not include_incomplete):
            return None
        return _meta(row)

    def documents(self, include_incomplete: bool = False) -> list[DocumentMeta]:
        rows = self._conn().execute(
            "SELECT doc_id, filename, title, date, kind, publisher, sha256, source_path, date_source, profile "
            "FROM documents " + ("" if include_incomplete else "WHERE complete = 1 ")
            + "ORDER BY date IS NULL, date, filename"
        ).fetchall()
        return [_meta(r) for r in rows]

    def incomplete(self) -> list[str]:
        return [r[0] for r in self._conn().execute("SELECT doc_id FROM documents WHERE complete = 0")]

    def find_by_sha(self, sha256: str) -> DocumentMeta | None:
        row = self._conn().execute("SELECT doc_id FROM documents WHERE sha256 = ? AND complete = 1", (sha256,)).fetchone()
        return self.meta(row[0]) if row else None

    def document(self, doc_id: str) -> Document | None:
        meta = self.meta(doc_id)
        if meta is None:
            return None
        text, pages, blocks = self._conn().execute(
            "SELECT text, pages, blocks FROM documents WHERE doc_id = ?", (doc_id,)
        ).fetchone()
        return Document(
            meta=meta, text=text,
            pages=[PageSpan.from_row(p) for p in json.loads(pages)],
            blocks=[Block(*b) for b in json.loads(blocks)],
        )

    def text(self, doc_id: str) -> str | None:
        row = self._conn().execute("SELECT text FROM documents WHERE doc_id = ? AND complete = 1", (doc_id,)).fetchone()
        return row[0] if row else None

    def pages(self, doc_id: str) -> list[PageSpan]:
        row = self._conn().execute("SELECT pages FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        return [PageSpan.from_row(p) for p in json.loads(row[0])] if row else []

    def chunks(self, ids: list[str]) -> list[Chunk]:
        """Chunks by id, in the order asked; ids of incomplete or removed documents are dropped."""
        if not ids:
            return []
        found: dict[str, Chunk] = {}
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            rows = self._conn().execute(
                _CHUNK_SELECT + f"WHERE d.complete = 1 AND c.id IN ({','.join('?' * len(part))})", part
            ).fetchall()
            found.update({r[0]: _chunk(r) for r in rows})
        return [found[i] for i in ids if i in found]

    def iter_chunks(self, include_incomplete: bool = False) -> Iterator[Chunk]:
        where = "" if include_incomplete else "WHERE d.complete = 1 "
        for row in self._conn().execute(_CHUNK_SELECT + where + "ORDER BY c.doc_id, c.ordinal"):
            yield _chunk(row)

    def chunk_ids(self, doc_id: str) -> list[str]:
        """The document's chunk ids in reading order."""
        return [r[0] for r in self._conn().execute("SELECT id FROM chunks WHERE doc_id = ? ORDER BY ordinal", (doc_id,))]

    def sentence_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """chunk id -> (sentences, dim) float32; chunks stored without them are absent."""
        out: dict[str, np.ndarray] = {}
        for i in range(0, len(chunk_ids), 500):
            part = chunk_ids[i:i + 500]
            for cid, dim, data in self._conn().execute(
                f"SELECT chunk_id, dim, data FROM sentence_vectors WHERE chunk_id IN ({','.join('?' * len(part))})", part
            ):
                out[cid] = decode_vectors(data, dim)
        return out

    def counts(self) -> dict[str, int]:
        conn = self._conn()
        docs = conn.execute("SELECT count(*) FROM documents WHERE complete = 1").fetchone()[0]
        chunks = conn.execute(
            "SELECT count(*) FROM chunks c JOIN documents d ON d.doc_id = c.doc_id WHERE d.complete = 1"
        ).fetchone()[0]
        return {"documents": docs, "chunks": chunks}


def _meta(row) -> DocumentMeta:
    """A DocumentMeta from (doc_id .. date_source, profile JSON or NULL)."""
    return DocumentMeta(*row[:9], profile=DocumentProfile.from_dict(json.loads(row[9])) if row[9] else None)


def encode_vectors(vectors: np.ndarray) -> bytes:
    """float16: a quarter of the float32 size; cosines move by ~1e-3, far below the scorer's margins."""
    return np.asarray(vectors, dtype="<f2").tobytes()


def decode_vectors(data: bytes, dim: int) -> np.ndarray:
    return np.frombuffer(data, dtype="<f2").reshape(-1, dim).astype(np.float32)


def _chunk(row: tuple) -> Chunk:
    return Chunk(
        id=row[0], doc_id=row[1], filename=row[2], title=row[3], date=row[4], source_kind=row[5], start=row[6], end=row[7],
        pages=tuple(json.loads(row[8])), section=row[9],
        sentences=tuple(Span(s, e) for s, e in json.loads(row[10])), text=row[11], ordinal=row[12],
    )
