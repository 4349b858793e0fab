"""The Evaluation page (pages/1_Evaluation.py) driven through AppTest over the real corpus and model."""

from __future__ import annotations

import json
import shutil

import pytest
from streamlit.testing.v1 import AppTest

from evaluation.metrics import METRICS
from evaluation.report import KIND_CHART_METRICS
from tests.paths import EXAMPLE_QUESTIONS, NEWS_TXT, ROOT

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
    assert result_downloads(at) == []

    at.button(key="run_evaluation").click().run()
    assert_no_exception(at)
    assert not at.error, [e.value for e in at.error]

    metrics = at.dataframe[0].value
    assert "hit@5" in metrics.index
    assert list(metrics.index) == list(METRICS)
    assert metrics.loc["hit@5", "value"] not in ("n/a", "")
    questions = at.dataframe[2].value
    assert len(questions) == n
    assert result_downloads(at) == [
        "Download records (JSONL)", "Download HTML report", "Download summary (Markdown)"]

    # results survive the next rerun (a download click reruns the page)
    at.run()
    assert_no_exception(at)
    assert "hit@5" in at.dataframe[0].value.index
    assert len(result_downloads(at)) == 3


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


# -- fast: a small index with the hashing embedder ---------------------------------------------

GOOD_LINE = {"id": "g1", "question": "Had caseloads and reliance on agency workers both reduced?",
             "evidence": ["agency"]}
THREE_BAD_LINES = "".join(json.dumps(r) + "\n" for r in (
    GOOD_LINE,
    {"id": "g2", "question": ""},                      # line 2
    {"id": "g1", "question": "The same id again?"},    # line 3
)) + '{"id": "g4", "question": "unclosed\n'            # line 4


@pytest.fixture
def small_index(tmp_path, monkeypatch):
    """An index of the news report built with the hashing embedder; the app pointed at it, upload limit 1 MB."""
    from core.settings import Settings
    from inspection_qa.service import QAService

    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(NEWS_TXT, docs / NEWS_TXT.name)
    assert not QAService(Settings(data_dir=tmp_path / "data", embedder="hashing")).ingest([docs]).failures
    monkeypatch.setenv("INSPECTION_QA_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("INSPECTION_QA_EMBEDDER", "hashing")
    monkeypatch.setenv("INSPECTION_QA_MAX_UPLOAD_MB", "1")
    return tmp_path


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="question_file").set_value((name, data, "application/octet-stream"))
    return at.run()


def shown(at: AppTest, kinds=("error", "caption", "markdown", "info", "warning")) -> str:
    return "\n".join(el.value.replace("\\", "") for kind in kinds for el in getattr(at, kind))


FORMAT_DOWNLOADS = ("download_format", "download_example")


def result_downloads(at: AppTest) -> list[str]:
    """Labels of the download buttons of a run's results (the format's own are always there)."""
    return [d.label for d in at.get("download_button") if d.key not in FORMAT_DOWNLOADS]


def test_a_file_with_three_bad_lines_shows_every_one(small_index):
    at = open_page_bytes("three.jsonl", THREE_BAD_LINES.encode())
    assert_no_exception(at)
    assert len(at.error) == 1
    error = at.error[0].value.replace("\\", "")
    assert "three.jsonl: 3 bad lines" in error
    assert "three.jsonl:2: field 'question' must be a non-empty string" in error
    assert "three.jsonl:3: field 'id' 'g1' is used twice" in error
    assert "three.jsonl:4: not valid JSON" in error
    assert not at.button  # nothing to run


def test_bad_lines_beyond_the_cap_are_counted_on_the_page(small_index):
    from evaluation.questions import MAX_BAD_LINES

    bad = "".join(json.dumps({"id": f"b{i}"}) + "\n" for i in range(MAX_BAD_LINES + 5))
    at = open_page_bytes("many.jsonl", bad.encode())
    error = at.error[0].value.replace("\\", "")
    assert f"many.jsonl: {MAX_BAD_LINES + 5} bad lines" in error
    assert f"many.jsonl:{MAX_BAD_LINES}: field 'question'" in error and f"many.jsonl:{MAX_BAD_LINES + 1}:" not in error
    assert "…and 5 more bad line(s)." in error


def test_an_error_clears_the_previous_results(small_index):
    at = open_page_bytes("good.jsonl", (json.dumps(GOOD_LINE) + "\n").encode())
    at.button(key="run_evaluation").click().run()
    assert_no_exception(at)
    assert any(sub.value == "Results" for sub in at.subheader)
    assert len(result_downloads(at)) == 3 and at.dataframe
    upload(at, "three.jsonl", THREE_BAD_LINES.encode())
    assert_no_exception(at)
    assert len(at.error) == 1 and "three.jsonl: 3 bad lines" in at.error[0].value.replace("\\", "")
    assert not any(sub.value == "Results" for sub in at.subheader)
    assert not at.dataframe and not result_downloads(at)
    assert "good.jsonl" not in shown(at)


def test_a_chart_with_no_data_says_so(small_index):
    at = open_page_bytes("good.jsonl", (json.dumps(GOOD_LINE) + "\n").encode())
    at.button(key="run_evaluation").click().run()
    assert_no_exception(at)
    no_data = [c.value for c in at.caption if c.value.startswith("No data")]
    assert no_data == ["No data: no unanswerable questions in this set."]  # the abstention chart: none asked
    assert len(at.get("vega_lite_chart")) == len(KIND_CHART_METRICS) - 1  # no empty axes drawn for it


def test_metric_definitions_are_shown_whole(small_index):
    at = open_page_bytes("good.jsonl", (json.dumps(GOOD_LINE) + "\n").encode())
    at.button(key="run_evaluation").click().run()
    definitions = at.table[-1].value
    assert list(definitions.index) == list(METRICS) and definitions["definition"].tolist() == list(METRICS.values())
    assert "definition" not in at.dataframe[0].value.columns  # no longer a cut-off column of the metrics table


def test_the_format_is_shown_and_downloadable(small_index):
    from evaluation.questions import format_guide

    guide = format_guide()
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT).run()
    assert_no_exception(at)
    fields_table = at.table[0].value
    assert list(fields_table.index) == [name for name, _, _ in guide.fields]
    assert "evidence" in fields_table.index and fields_table.loc["answerable", "type"] == "bool, default true"
    assert at.code[0].value == guide.example_line
    assert json.loads(at.code[0].value)["id"]
    labels = {d.proto.label for d in at.get("download_button")}
    assert {"Download FORMAT.md", "Download the example set"} <= labels
    assert "FORMAT.md" not in "\n".join(c.value for c in at.caption if "Upload a question set" in c.value)


def test_the_upload_limit_is_the_documents_pages(small_index):
    from inspection_qa.uploads import upload_limit_text

    evaluation = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT).run()
    documents = AppTest.from_file(str(ROOT / "pages" / "2_Documents.py"), default_timeout=TIMEOUT).run()
    assert_no_exception(evaluation)
    assert_no_exception(documents)
    stated = upload_limit_text(1).replace("\\", "")
    assert stated == "up to 1 MB each"
    assert stated in shown(evaluation) and stated in shown(documents)
    assert "200" not in shown(evaluation)
    assert evaluation.file_uploader[0].proto.max_upload_size_mb == documents.file_uploader[0].proto.max_upload_size_mb == 1
    upload(evaluation, "big.jsonl", (json.dumps(GOOD_LINE) + "\n").encode() + b" " * (1024 * 1024))
    assert len(evaluation.error) == 1
    assert evaluation.error[0].value.replace("\\", "") == "big.jsonl: the file is 1.0 MB, over the 1 MB upload limit"
    assert not evaluation.button


def open_page_bytes(name: str, data: bytes) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=TIMEOUT).run()
    assert_no_exception(at)
    return upload(at, name, data)
