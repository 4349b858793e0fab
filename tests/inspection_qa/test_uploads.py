"""Uploads: checks, safe names, sidecars (pure functions), and the Documents page through AppTest."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.errors import BadQuestionLinesError, QuestionSetError, UnreadableFileError
from core.records import DocumentMeta
from ingest.builder import doc_id_for
from ingest.sidecars import read_sidecar
from inspection_qa.uploads import (
    check_upload,
    discard_upload,
    load_question_upload,
    names_taken,
    sanitize_filename,
    save_upload,
    sidecar_for,
    upload_limit_text,
    write_sidecar,
)
from tests.paths import ROOT

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"


# -- sanitize_filename ---------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("/abs/path/letter.pdf", "letter.pdf"),
    ("..\\..\\Windows\\system.PDF", "system.pdf"),
    ("Ofsted letter (final) 2011.pdf", "Ofsted-letter-final-2011.pdf"),
    ("Größe Bericht é.md", "Groe-Bericht-e.md"),
    ("报告.pdf", "document.pdf"),
    (".hidden.txt", "hidden.txt"),
    ("...", "document"),
    ("..pdf", "document.pdf"),
    ("a\x00b\nc.txt", "abc.txt"),
    ("", "document"),
])
def test_sanitize_keeps_a_safe_basename(name, expected):
    assert sanitize_filename(name, set()) == expected


@pytest.mark.parametrize("name", ["../../etc/passwd.pdf", "x/../../../y.txt", "a b c.md", "ünï cödé.pdf", "-rf .txt"])
def test_sanitized_names_are_plain_and_stay_in_the_folder(name, tmp_path):
    safe = sanitize_filename(name, set())
    assert all(ch.isascii() and (ch.isalnum() or ch in "._-") for ch in safe)
    assert not safe.startswith((".", "-"))
    assert (tmp_path / safe).resolve().parent == tmp_path.resolve()


def test_sanitize_never_takes_another_documents_name():
    assert sanitize_filename("letter.pdf", {"letter.pdf"}) == "letter-2.pdf"
    assert sanitize_filename("letter.pdf", {"letter.pdf", "letter-2.pdf"}) == "letter-3.pdf"
    # names clash as the index compares them (doc_id_for): case and punctuation do not tell them apart
    assert sanitize_filename("Letter.PDF", {"letter.pdf"}) == "Letter-2.pdf"
    assert doc_id_for(Path("Letter-2.pdf")) != doc_id_for(Path("letter.pdf"))
    assert sanitize_filename("other.pdf", {"letter.pdf"}) == "other.pdf"
    long = "x" * 500 + ".txt"
    assert len(sanitize_filename(long, set())) <= 130


def test_names_taken_spares_the_same_document(tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "same.txt").write_bytes(b"same text")
    (folder / "other.txt").write_bytes(b"other text")
    meta = DocumentMeta("corpus.pdf", "corpus.pdf", "t", None, "other", None, "0" * 64, "/x/corpus.pdf")
    taken = names_taken(folder, [meta], b"same text")
    assert taken == {"other.txt", "corpus.pdf"}


# -- check_upload ------------------------------------------------------------------------------

def test_check_upload_accepts_pdf_text_and_markdown():
    check_upload("a.pdf", PDF, 1)
    check_upload("b.TXT", "Inspectors found … caseloads".encode("utf-8"), 1)
    check_upload("c.md", b"# Findings\n\nText", 1)


def test_too_large_is_refused_naming_the_file():
    with pytest.raises(UnreadableFileError) as err:
        check_upload("big letter.pdf", PDF + b"x" * (2 * 1024 * 1024), 2)
    assert err.value.path == "big letter.pdf"
    assert "over the 2 MB upload limit" in err.value.reason
    assert "big letter.pdf" in str(err.value)


# -- question sets: the same limit, the upload's own name in every message ------------------------

def test_a_question_set_over_the_limit_is_refused_like_a_document():
    big = b'{"id": "1", "question": "q?"}\n' + b" " * (2 * 1024 * 1024)
    with pytest.raises(QuestionSetError) as err:
        load_question_upload("my set.jsonl", big, 2)
    with pytest.raises(UnreadableFileError) as doc_err:
        check_upload("my set.txt", big, 2)
    assert str(err.value) == "my set.jsonl: the file is 2.0 MB, over the 2 MB upload limit"
    assert str(err.value).split(": ", 1)[1] == doc_err.value.reason  # worded as the Documents page words it
    assert upload_limit_text(2) == "up to 2 MB each"


def test_a_question_upload_is_parsed_and_named_as_uploaded():
    qs = load_question_upload("../x/set.csv", b"id,question,evidence\nq1,Q?,alpha\n", 1)
    assert [q.id for q in qs] == ["q1"]
    with pytest.raises(QuestionSetError, match=r"^notes.txt: expected a .csv or .jsonl file$"):
        load_question_upload("notes.txt", b"{}", 1)
    bad = b'{"id": "1", "question": ""}\n{"id": "2"}\n{nope\n'
    with pytest.raises(BadQuestionLinesError) as err:
        load_question_upload("dir/bad.jsonl", bad, 1)
    assert err.value.lines == [
        "bad.jsonl:1: field 'question' must be a non-empty string",
        "bad.jsonl:2: field 'question' must be a non-empty string",
        "bad.jsonl:3: not valid JSON (Expecting property name enclosed in double quotes), where one JSON object a line is expected",
    ]
    assert "inspection-qa-questions-" not in str(err.value)


@pytest.mark.parametrize("name, data, reason", [
    ("fake.pdf", b"MZ\x90\x00 this is an exe", "does not start with %PDF-"),
    ("fake.pdf", b"<html>%PDF-1.4</html>", "does not start with %PDF-"),
    ("notes.txt", b"PK\x03\x04\x00\x00zip", "binary data"),
    ("notes.md", PDF, "binary data"),
    ("empty.txt", b"", "empty"),
    ("script.js", b"<script>", "not accepted"),  # a web page (.html) is accepted, a script is not
    ("archive.pdf.exe", b"%PDF-", "not accepted"),
    ("noext", b"text", "not accepted"),
])
def test_wrong_type_or_content_is_refused(name, data, reason):
    with pytest.raises(UnreadableFileError, match=reason):
        check_upload(name, data, 10)


# -- write_sidecar -------------------------------------------------------------------------------

def test_sidecar_round_trips_through_the_ingest_reader(tmp_path):
    doc = tmp_path / "letter.pdf"
    doc.write_bytes(PDF)
    title = 'A "quoted" title \\ with\ttabs\nand a newline \x7f and ünïcode'
    side = write_sidecar(doc, title=title, date="2019-03", kind="news")
    assert side == tmp_path / "letter.pdf.meta.toml"
    read = read_sidecar(doc)
    assert read.title == 'A "quoted" title \\ with tabs and a newline and ünïcode'
    assert read.date == "2019-03" and read.kind == "news"


def test_an_empty_sidecar_leaves_everything_to_the_text(tmp_path):
    doc = tmp_path / "letter.txt"
    write_sidecar(doc, title=" ", date="", kind=None)
    assert tomllib.loads(sidecar_for(doc).read_text("utf-8")) == {}


@pytest.mark.parametrize("date", ["2019-13", "2019-02-30", "19-01-01", "2019/01/01", "soon", "2019-1"])
def test_bad_date_is_refused_before_writing(tmp_path, date):
    doc = tmp_path / "letter.txt"
    with pytest.raises(UnreadableFileError, match="date"):
        write_sidecar(doc, title="t", date=date, kind="news")
    assert not sidecar_for(doc).exists()


def test_unknown_kind_is_refused(tmp_path):
    with pytest.raises(UnreadableFileError, match="kind"):
        write_sidecar(tmp_path / "x.txt", kind="gossip")


# -- save_upload / discard_upload ------------------------------------------------------------------

def test_save_upload_never_overwrites_another_document(tmp_path):
    folder = tmp_path / "uploads"
    first = save_upload(folder, "../letter.txt", b"first text", [], 5, title="First")
    same = save_upload(folder, "letter.txt", b"first text", [], 5, title="Ignored")  # the same document
    assert read_sidecar(same).title == "First"
    second = save_upload(folder, "Letter.txt", b"second text", [], 5, date="2020")
    assert first == same == folder / "letter.txt"
    assert second == folder / "Letter-2.txt"
    assert first.read_bytes() == b"first text" and second.read_bytes() == b"second text"
    assert read_sidecar(second).date == "2020"
    with pytest.raises(UnreadableFileError, match="date"):
        save_upload(folder, "third.txt", b"third", [], 5, date="2020-99")
    assert not (folder / "third.txt").exists()
    assert discard_upload(second, folder)
    assert not second.exists() and not sidecar_for(second).exists()
    outside = tmp_path / "corpus.txt"
    outside.write_text("keep me")
    assert not discard_upload(outside, folder) and outside.exists()


# -- the Documents page ------------------------------------------------------------------------------

PAGE = ROOT / "pages" / "2_Documents.py"


def test_page_shares_the_chat_pages_cached_service():
    text = (ROOT / "pages" / "2_Documents.py").read_text("utf-8")
    assert "from inspection_qa.webapp import start_page" in text and "def get_service(" not in text


def texts(at, kinds=("success", "info", "warning", "error", "markdown", "caption")) -> str:
    return "\n".join(el.value.replace("\\", "") for kind in kinds for el in getattr(at, kind))


@pytest.fixture
def page(tmp_path, monkeypatch):
    monkeypatch.setenv("INSPECTION_QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INSPECTION_QA_EMBEDDER", "hashing")
    monkeypatch.setenv("INSPECTION_QA_MAX_UPLOAD_MB", "1")
    at = AppTest.from_file(str(PAGE), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


LETTER = b"""Inspection of children's services

Inspectors found that caseloads were too high and supervision was irregular in every team.
Managers have since reduced caseloads and supervision now happens monthly.
"""


def test_page_uploads_with_metadata_ingests_and_removes(page, tmp_path):
    at = page
    assert "None yet." in texts(at)
    at.file_uploader[0].set_value([
        ("../../etc/Ofsted letter.txt", LETTER, "text/plain"),
        ("fake.pdf", b"not a pdf at all", "application/pdf"),
        ("huge.txt", b"x" * (1024 * 1024 + 1), "text/plain"),
    ]).run()
    shown = texts(at)
    assert "fake.pdf: not a PDF" in shown
    assert "huge.txt: the file is 1.0 MB, over the 1 MB upload limit" in shown
    at.text_input(key="title_0_0").set_value("Letter on caseloads")
    at.text_input(key="date_0_0").set_value("2020-02-31").run()
    assert "is not a real date" in texts(at)
    assert at.button(key="ingest_uploads").disabled
    at.text_input(key="date_0_0").set_value("2020-02")
    at.selectbox(key="kind_0_0").set_value("inspection_letter").run()
    at.button(key="ingest_uploads").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "saved as Ofsted-letter.txt): added" in texts(at, ("success",))
    folder = tmp_path / "data" / "uploads"
    assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == [
        "Ofsted-letter.txt", "Ofsted-letter.txt.meta.toml"]
    assert "Letter on caseloads" in texts(at, ("markdown",))
    assert "inspection letter · 2020-02 · Ofsted-letter.txt" in texts(at, ("markdown",))

    # the same file again is unchanged; other content under the same name gets its own name
    at.file_uploader(key="uploader_1").set_value([
        ("Ofsted letter.txt", LETTER, "text/plain"),
        ("Ofsted letter.txt", LETTER + b"\nA later note on agency staff and their caseloads.\n", "text/plain"),
    ]).run()
    at.button(key="ingest_uploads").click().run()
    outcome = texts(at, ("success", "info"))
    assert "unchanged" in outcome
    assert "saved as Ofsted-letter-2.txt): added" in outcome

    # remove asks first, then takes the document out of the index and deletes its upload
    at.button(key="remove_ofsted-letter-2.txt").click().run()
    assert "delete its uploaded file?" in texts(at, ("warning",))
    at.button(key="confirm_remove_ofsted-letter-2.txt").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Removed" in texts(at, ("success",))
    assert not (folder / "Ofsted-letter-2.txt").exists() and not (folder / "Ofsted-letter-2.txt.meta.toml").exists()
    assert (folder / "Ofsted-letter.txt").exists()
    assert "Ofsted-letter-2.txt" not in texts(at, ("markdown",))


def test_a_failed_upload_is_reported_and_not_kept(page, tmp_path):
    at = page
    at.file_uploader[0].set_value([("numbers.txt", b"12345 67890\n", "text/plain")]).run()
    at.button(key="ingest_uploads").click().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = texts(at, ("error",))
    assert "numbers.txt: failed (" in errors
    folder = tmp_path / "data" / "uploads"
    assert not [p for p in folder.iterdir() if not p.name.startswith(".")]


@pytest.mark.slow
@pytest.mark.app
def test_an_upload_through_the_page_is_answered_by_the_real_model(tmp_path, monkeypatch, default_embedder):
    """The Documents page with the default backend (onnx-int8, the real model): an uploaded letter is
    ingested and then quoted in an answer."""
    from core.settings import Settings
    from inspection_qa.service import QAService

    data = tmp_path / "data"
    monkeypatch.setenv("INSPECTION_QA_DATA_DIR", str(data))
    monkeypatch.delenv("INSPECTION_QA_EMBEDDER", raising=False)
    at = AppTest.from_file(str(PAGE), default_timeout=300).run()
    assert not at.exception, [e.value for e in at.exception]
    at.file_uploader[0].set_value([("caseloads.txt", LETTER, "text/plain")]).run()
    at.button(key="ingest_uploads").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert "caseloads.txt: added" in texts(at, ("success",))
    service = QAService(Settings(data_dir=data), embedder=default_embedder)
    answer = service.ask("How often does supervision happen now?")
    assert not answer.abstained and answer.citations
    assert {c.document for c in answer.citations} == {"caseloads.txt"}
    assert any("supervision now happens monthly" in c.quote for c in answer.citations)
