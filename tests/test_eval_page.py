"""The Evaluation page (pages/1_Evaluation.py) driven through AppTest over the real corpus and model."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from evaluation.metrics import METRICS
from tests.paths import EXAMPLE_QUESTIONS, ROOT

PAGE = ROOT / "pages" / "1_Evaluation.py"
TIMEOUT = 180


def test_every_page_starts_through_one_helper():
    """One start-up (offline defaults, login, the one cached service) for every page."""
    for page in (PAGE, ROOT / "app.py", ROOT / "pages" / "2_Documents.py"):
        text = page.read_text("utf-8")
        assert "from inspection_qa.webapp import" in text and "start_page(" in text, page
        assert "def get_service(" not in text and "Settings.from_env" not in text, page
        assert "environ" not in text, page


def test_the_page_reads_no_server_file():
    """Question sets come from the uploader only: no session-state path, no file opened by name."""
    text = PAGE.read_text("utf-8")
    assert "session_state.get(\"questions_path\")" not in text and "questions_path" not in text


@pytest.fixture(scope="module")
def corpus_data_dir(corpus_service):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INSPECTION_QA_DATA_DIR", str(corpus_service.settings.data_dir))
        yield corpus_service.settings.data_dir


def open_page(questions_path) -> AppTest:
    """Open the page and upload the question set through its file uploader, as a user would."""
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT).run()
    assert not at.exception, [e.value for e in at.exception]
    at.file_uploader(key="question_file").set_value(
        (questions_path.name, questions_path.read_bytes(), "application/octet-stream"))
    return at.run()


def assert_no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.slow
@pytest.mark.app
def test_run_evaluation_shows_metrics_and_downloads(corpus_data_dir):
    at = open_page(EXAMPLE_QUESTIONS)
    assert_no_exception(at)
    assert not at.error, [e.value for e in at.error]
    n = sum(1 for line in EXAMPLE_QUESTIONS.read_text("utf-8").splitlines() if line.strip())
    assert any(f"{n} questions" in md.value for md in at.markdown)
    assert len(at.get("download_button")) == 0

    at.button(key="run_evaluation").click().run()
    assert_no_exception(at)
    assert not at.error, [e.value for e in at.error]

    metrics = at.dataframe[0].value
    assert "hit@5" in metrics.index
    assert list(metrics.index) == list(METRICS)
    assert metrics.loc["hit@5", "value"] not in ("n/a", "")
    questions = at.dataframe[2].value
    assert len(questions) == n
    downloads = at.get("download_button")
    assert [d.proto.label for d in downloads] == [
        "Download records (JSONL)", "Download HTML report", "Download summary (Markdown)"]

    # results survive the next rerun (a download click reruns the page)
    at.run()
    assert_no_exception(at)
    assert "hit@5" in at.dataframe[0].value.index
    assert len(at.get("download_button")) == 3


@pytest.mark.slow
@pytest.mark.app
def test_a_malformed_question_set_is_one_error_line(corpus_data_dir, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "question": "ok?"}\n{"id": "1", "question": "again?"}\n', encoding="utf-8")
    at = open_page(bad)
    assert_no_exception(at)
    assert len(at.error) == 1
    assert "bad.jsonl:2: field 'id'" in at.error[0].value.replace("\\", "")
    assert len(at.button) == 0


@pytest.mark.slow
@pytest.mark.app
def test_evidence_in_no_document_is_warned_about(corpus_data_dir, tmp_path):
    qs = tmp_path / "odd.jsonl"
    rows = [
        {"id": "good", "question": "What did inspectors say about morale?",
         "evidence": ["Workers express a sense of improving morale"]},
        {"id": "typo", "question": "Where are the teams based?", "evidence": ["<b>nowhere</b> in these letters"]},
    ]
    qs.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    at = open_page(qs)
    assert_no_exception(at)
    warnings = [w.value for w in at.warning]
    assert len(warnings) == 1
    assert "typo" in warnings[0] and "good" not in warnings[0]
    assert "<b>" not in warnings[0]  # escaped for Markdown


def test_an_empty_index_says_what_to_do_and_offers_no_uploader(tmp_path, monkeypatch):
    monkeypatch.setenv("INSPECTION_QA_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("INSPECTION_QA_EMBEDDER", "hashing")
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT).run()
    assert_no_exception(at)
    assert len(at.info) == 1 and "is empty" in at.info[0].value and "inspection-qa ingest" in at.info[0].value
    assert not at.file_uploader and not at.button


def test_an_unreadable_index_is_one_error_line(tmp_path, monkeypatch):
    data = tmp_path / "data"
    data.mkdir()
    (data / "documents.sqlite3").write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("INSPECTION_QA_DATA_DIR", str(data))
    monkeypatch.setenv("INSPECTION_QA_EMBEDDER", "hashing")
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT).run()
    assert_no_exception(at)
    message = at.error[0].value.replace("\\", "")
    assert len(at.error) == 1 and "documents.sqlite3: not a readable document store" in message and "re-ingest" in message
    assert not at.file_uploader


@pytest.mark.slow
@pytest.mark.app
def test_a_csv_upload_runs_like_json_lines(corpus_data_dir, tmp_path):
    sheet = tmp_path / "sheet.csv"
    sheet.write_text("id,question,evidence,kind\n"
                     "s1,How regularly is supervision held?,\"In the majority of cases, supervision is held regularly\","
                     "factual\n", encoding="utf-8")
    at = open_page(sheet)
    assert_no_exception(at)
    assert any("1 questions" in md.value and "factual" in md.value for md in at.markdown)
    at.button(key="run_evaluation").click().run()
    assert_no_exception(at)
    assert at.dataframe[2].value["id"].tolist() == ["s1"]


@pytest.mark.slow
@pytest.mark.app
def test_a_question_set_that_is_not_text_is_one_error_naming_it(corpus_data_dir, tmp_path):
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(b"\xff\xfe\x00\x81 not text \x00\x9f")
    at = open_page(broken)
    assert_no_exception(at)
    assert len(at.error) == 1 and "broken.jsonl: not UTF-8 text" in at.error[0].value.replace("\\", "")
    assert not at.button
