"""Pipeline mechanics with the fast hashing embedder; the real model is tested elsewhere."""

import shutil

import pypdf
import pytest

from tests.paths import LETTER_PDF, NEWS_TXT


def _counts(service):
    st = service.status()
    return st["documents"], st["chunks"], st["dense_chunks"], st["lexical_chunks"]


def test_reingest_changes_nothing(hashing_service, corpus_copy):
    first = hashing_service.ingest([corpus_copy])
    assert first.count("added") == 2 and not first.failures
    before = _counts(hashing_service)
    second = hashing_service.ingest([corpus_copy])
    assert second.count("unchanged") == 2 and not second.changed
    assert _counts(hashing_service) == before
    assert before[1] == before[2] == before[3] > 0


def test_changed_file_replaces_its_chunks(hashing_service, tmp_path):
    doc = tmp_path / "note.txt"
    doc.write_text("Inspectors found caseloads were high. Supervision was irregular.\n")
    hashing_service.ingest([doc])
    doc.write_text("Inspectors found caseloads had fallen. Supervision was regular and recorded.\n")
    report = hashing_service.ingest([doc])
    assert report.count("replaced") == 1
    assert _counts(hashing_service) == (1, 1, 1, 1)
    text = hashing_service.index.docstore.text("note.txt")
    assert "fallen" in text and "high" not in text


def _bad_files(folder):
    bad = {}
    (folder / "empty.pdf").write_bytes(b"")
    bad["empty.pdf"] = "empty"
    (folder / "garbage.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 20)
    bad["garbage.pdf"] = "PDF"
    data = LETTER_PDF.read_bytes()
    (folder / "truncated.pdf").write_bytes(data[: len(data) // 3])
    bad["truncated.pdf"] = "not a readable PDF"  # cut inside the first page's content stream
    writer = pypdf.PdfWriter(clone_from=str(LETTER_PDF))
    writer.encrypt("secret")
    with open(folder / "locked.pdf", "wb") as fh:
        writer.write(fh)
    bad["locked.pdf"] = "encrypted"
    blank = pypdf.PdfWriter()
    blank.add_blank_page(width=595, height=842)
    with open(folder / "scan.pdf", "wb") as fh:
        blank.write(fh)
    bad["scan.pdf"] = "no extractable text"
    (folder / "table.xlsx").write_bytes(b"PK\x03\x04 not really")
    bad["table.xlsx"] = "unsupported file type"
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    bad["binary.txt"] = "binary"
    return bad


def test_unreadable_files_are_reported_and_skipped_and_nothing_is_lost(hashing_service, tmp_path):
    hashing_service.ingest([LETTER_PDF])
    before = _counts(hashing_service)
    batch = tmp_path / "batch"
    batch.mkdir()
    bad = _bad_files(batch)
    shutil.copy(NEWS_TXT, batch / NEWS_TXT.name)
    report = hashing_service.ingest([batch])
    failed = {o.path.split("/")[-1]: o.reason for o in report.failures}
    assert set(failed) == set(bad)
    for name, why in bad.items():
        assert why.lower() in failed[name].lower(), (name, failed[name])
    assert [o.path.split("/")[-1] for o in report.outcomes if o.status == "added"] == [NEWS_TXT.name]
    docs, chunks, dense, lexical = _counts(hashing_service)
    assert docs == before[0] + 1 == 2 and chunks == dense == lexical > before[1]
    assert hashing_service.index.docstore.meta(LETTER_PDF.name.lower()) is not None


def test_remove_deletes_from_every_store(hashing_service, corpus_copy):
    hashing_service.ingest([corpus_copy])
    hashing_service.remove(NEWS_TXT.name)
    docs, chunks, dense, lexical = _counts(hashing_service)
    assert docs == 1 and chunks == dense == lexical
    from core.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no document"):
        hashing_service.remove("nope.pdf")


def test_second_writer_waits_then_is_refused(hashing_service, tmp_path):
    from core.errors import IndexBusyError
    from inspection_qa.service import QAService

    other = QAService(hashing_service.settings.replace(lock_timeout_s=0.2))
    with hashing_service.index.write_lock():
        with pytest.raises(IndexBusyError, match="another process is writing"):
            other.ingest([NEWS_TXT])


def test_half_written_document_is_repaired(hashing_service, corpus_copy):
    hashing_service.ingest([corpus_copy])
    index = hashing_service.index
    from ingest.builder import DocumentBuilder
    from ingest.chunking import Chunker

    extra = corpus_copy / "extra.txt"
    extra.write_text("A monitoring visit found that plans were clear and reviewed.\n")
    doc = DocumentBuilder().run(extra)
    chunks = Chunker().run(doc)
    index.docstore.put(doc, chunks)  # a crash before the document was completed
    index.dense.add(chunks, index.embedder.embed_documents([c.text for c in chunks]), index.embedder.name)
    report = hashing_service.ingest([corpus_copy / NEWS_TXT.name])
    assert report.repaired == ["extra.txt"]
    docs, chunks_n, dense, lexical = _counts(hashing_service)
    assert docs == 2 and chunks_n == dense == lexical


def test_editing_a_sidecar_replaces_the_document(hashing_service, tmp_path):
    doc = tmp_path / "note.txt"
    doc.write_text("Inspectors found caseloads were high. Supervision was irregular.\n")
    side = tmp_path / "note.txt.meta.toml"
    side.write_text('date = "2020"\n')
    hashing_service.ingest([doc])
    side.write_text('date = "2021"\nkind = "monitoring_visit"\n')
    report = hashing_service.ingest([doc])
    assert report.count("replaced") == 1
    meta = hashing_service.index.docstore.meta("note.txt")
    assert (meta.date, meta.source_kind) == ("2021", "monitoring_visit")
