"""One contract for every document-store backend: SQLite in the data folder, and a Chroma server."""

import uuid

import numpy as np
import pytest

from ingest.builder import DocumentBuilder
from ingest.chunking import Chunker
from retrieval.docstore import DocStore
from retrieval.docstore_chroma import ChromaDocStore
from tests.paths import LETTER_PDF, NEWS_TXT


@pytest.fixture(params=["sqlite", "chroma-server"])
def store(request, tmp_path):
    if request.param == "sqlite":
        return DocStore(tmp_path / "docs.sqlite3")
    import chromadb

    url = request.getfixturevalue("chroma_server")
    host, port = url.removeprefix("http://").split(":")
    client = chromadb.HttpClient(host=host, port=int(port))
    return ChromaDocStore(lambda: client, collection=f"contract-{uuid.uuid4().hex[:8]}")


def _doc(path):
    doc = DocumentBuilder().run(path)
    return doc, Chunker().run(doc)


def test_put_is_invisible_until_complete(store):
    doc, chunks = _doc(LETTER_PDF)
    g0 = store.generation()
    store.put(doc, chunks)
    assert store.meta(doc.meta.doc_id) is None and store.incomplete() == [doc.meta.doc_id]
    assert store.chunks([c.id for c in chunks]) == []
    store.mark_complete(doc.meta.doc_id)
    assert store.generation() > g0
    assert store.meta(doc.meta.doc_id) == doc.meta
    assert store.text(doc.meta.doc_id) == doc.text
    assert store.pages(doc.meta.doc_id) == doc.pages
    got = store.chunks([chunks[3].id, chunks[0].id])
    assert [c.id for c in got] == [chunks[3].id, chunks[0].id] and got[0] == chunks[3]
    assert store.counts() == {"documents": 1, "chunks": len(chunks)}
    assert store.complete_chunk_ids() == {c.id for c in chunks}
    assert store.find_by_sha(doc.meta.sha256) == doc.meta


def test_documents_sorted_by_date_and_delete(store):
    for path in (NEWS_TXT, LETTER_PDF):
        doc, chunks = _doc(path)
        store.put(doc, chunks)
        store.mark_complete(doc.meta.doc_id)
    assert [m.date for m in store.documents()] == ["2011-11-09", "2019-01"]
    assert len(list(store.iter_chunks())) == store.counts()["chunks"]
    g = store.generation()
    store.delete(NEWS_TXT.name.lower())
    assert store.generation() > g
    assert [m.doc_id for m in store.documents()] == [LETTER_PDF.name.lower()]
    assert store.chunk_ids(NEWS_TXT.name.lower()) == []


def test_replacing_a_document(store):
    doc, chunks = _doc(LETTER_PDF)
    store.put(doc, chunks)
    store.mark_complete(doc.meta.doc_id)
    store.put(doc, chunks[:2])  # a new version, not yet complete
    assert store.meta(doc.meta.doc_id) is None
    store.mark_complete(doc.meta.doc_id)
    assert store.counts()["chunks"] == 2


def _sentence_vectors(chunks, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for c in chunks:
        v = rng.normal(size=(len(c.sentences), 8)).astype(np.float32)
        out.append(v / np.linalg.norm(v, axis=1, keepdims=True))
    return out


def test_sentence_vectors_round_trip_and_go_with_their_document(store):
    doc, chunks = _doc(LETTER_PDF)
    vecs = _sentence_vectors(chunks)
    store.put(doc, chunks, vecs)
    store.mark_complete(doc.meta.doc_id)
    got = store.sentence_vectors([chunks[2].id, chunks[0].id, "no-such-chunk"])
    assert set(got) == {chunks[0].id, chunks[2].id}
    for i in (0, 2):
        assert got[chunks[i].id].shape == vecs[i].shape
        assert np.abs(got[chunks[i].id] - vecs[i]).max() < 2e-3  # kept as float16
    new_vecs = _sentence_vectors(chunks[:2], seed=1)
    store.put(doc, chunks[:2], new_vecs)  # a new version replaces the old vectors
    store.mark_complete(doc.meta.doc_id)
    got = store.sentence_vectors([c.id for c in chunks])
    assert set(got) == {chunks[0].id, chunks[1].id}
    assert np.abs(got[chunks[1].id] - new_vecs[1]).max() < 2e-3
    store.delete(doc.meta.doc_id)
    assert store.sentence_vectors([c.id for c in chunks]) == {}


def test_documents_stored_without_sentence_vectors_have_none(store):
    doc, chunks = _doc(NEWS_TXT)
    store.put(doc, chunks)
    store.mark_complete(doc.meta.doc_id)
    assert store.sentence_vectors([c.id for c in chunks]) == {}


def test_every_store_satisfies_the_document_store_protocol(store):
    from core.protocols import DocumentStore

    assert isinstance(store, DocumentStore)


def test_the_other_stores_satisfy_their_protocols(tmp_path):
    from core.protocols import Embedder, IndexWriter, LexicalIndex, VectorStore
    from core.settings import Settings
    from retrieval.dense import ChromaDenseStore
    from retrieval.embedders import HashingEmbedder
    from retrieval.index import Index
    from retrieval.lexical import BM25Index

    assert isinstance(ChromaDenseStore(path=tmp_path / "chroma"), VectorStore)
    assert isinstance(BM25Index(tmp_path / "bm25"), LexicalIndex)
    assert isinstance(HashingEmbedder(), Embedder)
    assert isinstance(Index(Settings(data_dir=tmp_path / "data", embedder="hashing")), IndexWriter)


# -- the SQLite layout's version ---------------------------------------------------------------

def test_a_new_sqlite_store_is_stamped_with_the_layout_version(tmp_path):
    from retrieval.docstore import SCHEMA_VERSION

    assert DocStore(tmp_path / "docs.sqlite3").schema_version() == SCHEMA_VERSION == 2


@pytest.mark.parametrize("old_version", [0, 1])
def test_an_older_store_is_migrated_and_keeps_its_documents(tmp_path, old_version):
    """0: before the stamp; 1: before profiles. Both lack the profile column, which migration adds."""
    import sqlite3

    path = tmp_path / "docs.sqlite3"
    store = DocStore(path)
    doc, chunks = _doc(NEWS_TXT)
    store.put(doc, chunks)
    store.mark_complete(doc.meta.doc_id)
    store.close()
    with sqlite3.connect(path) as conn:  # as the older versions left it
        conn.execute("ALTER TABLE documents DROP COLUMN profile")
        conn.execute(f"PRAGMA user_version = {old_version}")
    reopened = DocStore(path)
    assert reopened.schema_version() == 2
    assert [m.doc_id for m in reopened.documents()] == [doc.meta.doc_id]
    assert reopened.meta(doc.meta.doc_id).profile is None  # computed from the text when the index loads
    assert reopened.text(doc.meta.doc_id) == doc.text


def test_profiles_round_trip_through_every_store(store):
    doc, chunks = _doc(LETTER_PDF)
    assert doc.meta.profile is not None and doc.meta.profile.bodies
    store.put(doc, chunks)
    store.mark_complete(doc.meta.doc_id)
    assert store.meta(doc.meta.doc_id).profile == doc.meta.profile


def test_a_store_from_a_newer_version_is_refused_in_one_line(tmp_path):
    import sqlite3

    from core.errors import CorruptIndexError

    path = tmp_path / "docs.sqlite3"
    DocStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 7")
    with pytest.raises(CorruptIndexError) as err:
        DocStore(path)
    message = str(err.value)
    assert "\n" not in message and "layout 7" in message and "re-ingest" in message and str(path) in message


def test_printed_page_labels_and_damaged_pages_round_trip_through_every_store(store):
    from tests.paths import FIXTURES

    doc, chunks = _doc(FIXTURES / "field_cases" / "northshire-inspection-report.pdf")
    assert any(p.label for p in doc.pages)
    store.put(doc, chunks)
    store.mark_complete(doc.meta.doc_id)
    assert store.pages(doc.meta.doc_id) == doc.pages
    damaged, chunks = _doc(FIXTURES / "field_cases" / "ligatures-nul.pdf")
    store.put(damaged, chunks)
    store.mark_complete(damaged.meta.doc_id)
    assert store.meta(damaged.meta.doc_id).profile.damaged_pages == (1,)
    # a scanned page's OCR flags and low-confidence words
    from dataclasses import replace

    scanned = replace(doc, meta=replace(doc.meta, doc_id="scanned.pdf", sha256="0" * 64),
                      pages=[replace(p, ocr=True, doubtful=((p.start, p.start + 3),),
                                             ocr_lines=((p.start, p.start + 9, 40.5, 700.25, 300.0, 716.0),))
                             for p in doc.pages])
    store.put(scanned, [replace(c, doc_id="scanned.pdf", id=c.id + "-scan") for c in chunks])
    store.mark_complete("scanned.pdf")
    assert store.pages("scanned.pdf") == scanned.pages
    assert store.document("scanned.pdf").pages == scanned.pages
