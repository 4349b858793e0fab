"""Pipeline mechanics with the fast hashing embedder; the real model is tested elsewhere."""

import shutil
from pathlib import Path

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


def _letters(root, *names_and_texts):
    for rel, text in names_and_texts:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_files_with_one_name_in_two_folders_are_two_documents(hashing_service, tmp_path):
    """Shared field case F06's kind: letters filed by year as 2031/letter.txt and 2033/letter.txt. The second
    never replaces the first; it is stored with its folder, and each answers for itself."""
    _letters(tmp_path, ("2031/letter.txt", "Inspectors found caseloads were high in 2031.\n"),
             ("2033/letter.txt", "Inspectors found caseloads had fallen by 2033.\n"))
    report = hashing_service.ingest([tmp_path / "2031", tmp_path / "2033"])
    assert report.count("added") == 2 and not report.failures
    metas = {m.doc_id: m for m in hashing_service.index.docstore.documents()}
    assert set(metas) == {"letter.txt", "2033/letter.txt"}
    assert "high" in hashing_service.index.docstore.text("letter.txt")
    assert "fallen" in hashing_service.index.docstore.text("2033/letter.txt")
    assert metas["2033/letter.txt"].filename == "2033/letter.txt"  # shown with the folder that tells it apart
    # again: nothing changes; the first alone: unchanged, still two documents
    assert hashing_service.ingest([tmp_path / "2031", tmp_path / "2033"]).count("unchanged") == 2
    assert hashing_service.ingest([tmp_path / "2031" / "letter.txt"]).count("unchanged") == 1
    assert _counts(hashing_service)[0] == 2


def test_a_changed_file_that_shares_its_name_replaces_only_itself(hashing_service, tmp_path):
    _letters(tmp_path, ("2031/letter.txt", "Inspectors found caseloads were high in 2031.\n"),
             ("2033/letter.txt", "Inspectors found caseloads had fallen by 2033.\n"))
    hashing_service.ingest([tmp_path])
    (tmp_path / "2033" / "letter.txt").write_text("Inspectors found caseloads had fallen to 15 by 2033.\n")
    report = hashing_service.ingest([tmp_path])
    assert (report.count("replaced"), report.count("unchanged")) == (1, 1)
    assert _counts(hashing_service)[0] == 2
    assert "high" in hashing_service.index.docstore.text("letter.txt")
    assert "15" in hashing_service.index.docstore.text("2033/letter.txt")


def test_names_shared_by_three_files_are_told_apart_by_as_many_folders_as_it_takes(hashing_service, tmp_path):
    """A second input of F06's kind: minutes/2031.txt under three councils' folders, two of them under one
    name ("minutes"): the folder above tells those apart. The same bytes under a fourth name are one document."""
    _letters(tmp_path, ("oakvale/minutes/2031.txt", "Oakvale's panel heard that caseloads were 20.\n"),
             ("wexley/minutes/2031.txt", "Wexley's panel heard that caseloads were 25.\n"),
             ("wexley/cabinet/minutes/2031.txt", "Wexley's cabinet heard that the overspend was 4 million.\n"),
             ("copies/2031-copy.txt", "Oakvale's panel heard that caseloads were 20.\n"))
    report = hashing_service.ingest([tmp_path / "oakvale", tmp_path / "wexley", tmp_path / "copies"])
    assert (report.count("added"), report.count("duplicate")) == (3, 1)
    ids = {m.doc_id for m in hashing_service.index.docstore.documents()}
    # files are taken in path order: wexley/cabinet/minutes/ before wexley/minutes/
    assert ids == {"2031.txt", "minutes/2031.txt", "wexley/minutes/2031.txt"}


def test_text_lost_in_extraction_is_reported_with_its_pages(hashing_service, tmp_path):
    """Shared field case F03 (a font maps the ligatures ff, fi, fl to nothing: "sta turnover") and a second PDF
    of the kind drawn here (glyphs the font lacks, on page 2 only): added with a warning naming the pages,
    kept in the document's profile for `status` and the Documents page; the clean twin has no warning."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    from tests.paths import FIXTURES

    drawn = tmp_path / "two-pages.pdf"
    pdfmetrics.registerFont(TTFont("Vera", "Vera.ttf"))  # shipped with reportlab
    c = canvas.Canvas(str(drawn), pagesize=A4)
    c.setFont("Vera", 11)
    c.drawString(60, 780, "Inspectors found that caseloads had fallen.")
    c.showPage()
    c.setFont("Vera", 11)
    c.drawString(60, 780, "The e\ufffdectiveness of supervision has improved, and o\ufffdcers attend.")
    c.showPage()
    c.save()
    cases = FIXTURES / "field_cases"
    report = hashing_service.ingest([cases / "ligatures-nul.pdf", cases / "ligatures-ok.pdf", drawn])
    assert report.count("added") == 3
    warned = {Path(o.path).name: o.warning for o in report.outcomes if o.warning}
    assert set(warned) == {"ligatures-nul.pdf", "two-pages.pdf"}
    assert warned["ligatures-nul.pdf"].startswith("page 1 has damaged text")
    assert warned["two-pages.pdf"].startswith("page 2 has damaged text")
    assert "1 with a warning" not in report.summary() and "2 with a warning" in report.summary()
    profiles = {m.doc_id: m.profile for m in hashing_service.index.docstore.documents()}
    assert profiles["two-pages.pdf"].damaged_pages == (2,)
    assert profiles["ligatures-ok.pdf"].damaged_pages == ()


def test_page_ranges_are_written_as_people_write_them():
    from ingest.pipeline import page_range

    assert page_range((4,)) == "page 4"
    assert page_range((2, 3, 5)) == "pages 2-3, 5"
