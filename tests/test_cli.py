"""The CLI end to end, as a user runs it: real model, real Chroma, subprocesses."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from tests.paths import CORPUS, EXAMPLE_QUESTIONS, NEWS_TXT

pytestmark = pytest.mark.slow
CLI = [sys.executable, "-m", "inspection_qa.cli"]


def run(args, data_dir, **env):
    full_env = {**os.environ, "INSPECTION_QA_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1", **env}
    return subprocess.run(CLI + args, capture_output=True, text=True, env=full_env, timeout=300)


@pytest.fixture(scope="module")
def cli_data(tmp_path_factory):
    data = tmp_path_factory.mktemp("cli-data")
    corpus = tmp_path_factory.mktemp("cli-corpus")
    for f in CORPUS.iterdir():
        shutil.copy(f, corpus / f.name)
    first = run(["ingest", str(corpus)], data)
    assert first.returncode == 0, first.stderr
    assert "2 added" in first.stdout
    return data, corpus


def test_reingest_says_nothing_changed(cli_data):
    data, corpus = cli_data
    again = run(["ingest", "--quiet", str(corpus)], data)
    assert again.returncode == 0
    assert "2 unchanged" in again.stdout and "nothing changed" in again.stdout


def test_ask_json_is_an_eval_record(cli_data):
    data, _ = cli_data
    out = run(["ask", "How regularly is supervision held?", "--json"], data)
    assert out.returncode == 0, out.stderr
    rec = json.loads(out.stdout)
    assert {"answer", "abstained", "citations", "retrieved", "latency_ms"} <= rec.keys()
    assert len(rec["retrieved"]) >= 10
    c = rec["citations"][0]
    assert {"marker", "document", "title", "date", "page", "quote", "start", "end"} <= c.keys()


def test_ask_text_and_status(cli_data):
    data, _ = cli_data
    out = run(["ask", "What did inspectors say about morale among workers in 2011?"], data)
    assert out.returncode == 0 and "[1]" in out.stdout and "Sources:" in out.stdout
    st = run(["status", "--json"], data)
    info = json.loads(st.stdout)
    assert info["documents"] == 2 and info["chunks"] == info["dense_chunks"] == info["lexical_chunks"] > 0
    assert info["model"].endswith("all-MiniLM-L6-v2")


def test_eval_writes_records_and_metrics(cli_data, tmp_path):
    data, _ = cli_data
    out_file = tmp_path / "results.jsonl"
    out = run(["eval", str(EXAMPLE_QUESTIONS), "--output", str(out_file)], data)
    assert out.returncode == 0, out.stderr
    assert "hit@5" in out.stdout and "cited" in out.stdout
    records = [json.loads(line) for line in out_file.read_text().splitlines()]
    assert len(records) == len(EXAMPLE_QUESTIONS.read_text().splitlines())
    assert all("searched_question" in r for r in records)


def test_user_errors_are_one_line(cli_data, tmp_path):
    data, _ = cli_data
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    out = run(["eval", str(bad)], data)
    assert out.returncode == 2 and out.stderr.strip().count("\n") == 0 and "bad.jsonl:1" in out.stderr
    out = run(["ask", "anything?"], tmp_path / "empty")
    assert out.returncode != 0 and "Traceback" not in out.stderr and "ingest" in out.stderr
    out = run(["remove", "nope.pdf"], data)
    assert out.returncode == 1 and "no document 'nope.pdf'" in out.stderr
    out = run(["ask", "x?"], data, INSPECTION_QA_TOP_K="many")
    assert out.returncode == 2 and "INSPECTION_QA_TOP_K" in out.stderr


def test_eval_counts_every_bad_line_in_its_one_line(tmp_path):
    """The question set is read before any index or model is opened: every bad line counted, the first named."""
    from click.testing import CliRunner

    from inspection_qa.cli import main

    bad = tmp_path / "bad.jsonl"
    bad.write_text("".join(json.dumps({"id": f"q{i}", "question": "" if i % 2 else "Fine?"}) + "\n" for i in range(10)))
    result = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "data"), "eval", str(bad)])
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert message.count("\n") == 0 and message.startswith(f"Error: {bad}: 5 bad lines")
    assert "line 2: field 'question' must be a non-empty string; line 4: " in message and "; line 6: " in message
    assert "line 8" not in message and message.endswith("; and 2 more")


def test_bad_file_gives_nonzero_exit_and_keeps_the_rest(cli_data, tmp_path):
    data, _ = cli_data
    (tmp_path / "broken.pdf").write_bytes(b"%PDF-1.4 nonsense")
    out = run(["ingest", "--quiet", str(tmp_path / "broken.pdf")], data)
    assert out.returncode == 1 and "broken.pdf" in out.stderr and "1 failed" in out.stdout
    st = json.loads(run(["status", "--json"], data).stdout)
    assert st["documents"] == 2


def test_reader_sees_documents_ingested_by_another_process(tmp_path, default_embedder):
    """The app keeps its index open while the CLI ingests: it must see the new document."""
    from core.settings import Settings
    from inspection_qa.service import QAService

    data = tmp_path / "data"
    letter_only = tmp_path / "letter"
    letter_only.mkdir()
    for f in CORPUS.glob("ofsted-*"):
        shutil.copy(f, letter_only / f.name)
    assert run(["ingest", "--quiet", str(letter_only)], data).returncode == 0
    reader = QAService(Settings(data_dir=data), embedder=default_embedder)
    assert reader.ask("What did the minister Nadhim Zahawi say?").abstained  # the letter never names him
    assert run(["ingest", "--quiet", str(NEWS_TXT)], data).returncode == 0
    answer = reader.ask("What did the minister Nadhim Zahawi say?")
    assert any(c.doc_id == NEWS_TXT.name for c in answer.citations)
    assert reader.status()["documents"] == 2
    removed = run(["remove", NEWS_TXT.name], data)
    assert removed.returncode == 0
    assert reader.ask("What did the minister Nadhim Zahawi say?").abstained


def test_help_has_examples():
    out = subprocess.run(CLI + ["--help"], capture_output=True, text=True)
    assert "Examples:" in out.stdout and "ingest" in out.stdout


# -- in process (click's CliRunner) on the session's real-model index ---------------------------

def _invoke(service, args):
    from click.testing import CliRunner

    from inspection_qa.cli import main

    result = CliRunner().invoke(main, ["--data-dir", str(service.settings.data_dir), *args], catch_exceptions=False)
    return result


def _same_record(record: dict) -> dict:
    return {k: v for k, v in record.items() if k != "latency_ms"}


def test_ask_with_history_searches_the_follow_up_with_its_subject(corpus_service):
    first = "What did inspectors say about child protection conferences in 2011?"
    follow = "What about the risk assessment in those cases?"
    out = _invoke(corpus_service, ["ask", follow, "--history", first, "--json"])
    assert out.exit_code == 0, out.output
    rec = json.loads(out.stdout)
    assert rec["question"] == follow
    assert rec["searched_question"] == f"{first} {follow}"
    assert not rec["abstained"]
    assert any("appropriately addressing risk" in c["quote"] for c in rec["citations"])
    # the same as the library's conversation gives
    conv = corpus_service.conversation()
    conv.ask(first)
    assert _same_record(rec) == _same_record(conv.ask(follow).to_record())

    text = _invoke(corpus_service, ["ask", follow, "--history", first])
    assert text.exit_code == 0
    assert f"(searched as: {first} {follow})" in text.stdout.splitlines()


def test_ask_with_two_history_turns_carries_the_subject_on(corpus_service):
    turns = ["What did inspectors say about child protection conferences in 2011?",
             "What about the risk assessment in those cases?"]
    out = _invoke(corpus_service, ["ask", "Were they reviewed by managers?",
                                   "--history", turns[0], "--history", turns[1], "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["searched_question"] == f"{turns[0]} {turns[1]} Were they reviewed by managers?"


def test_ask_timeline_from_the_cli(corpus_service):
    from inspection_qa.presentation import answer_as_text

    question = "What did inspectors say about caseloads?"
    plain = _invoke(corpus_service, ["ask", question])
    out = _invoke(corpus_service, ["ask", question, "--timeline"])
    assert plain.exit_code == out.exit_code == 0, out.output
    closing = "What changed between 9 November 2011 and January 2019: then, “"
    assert closing not in plain.stdout  # not a question about change: no timeline unless asked for
    assert closing in out.stdout
    assert out.stdout == answer_as_text(corpus_service.ask(question, timeline=True)) + "\n"
    sources = out.stdout.split("\nSources:\n", 1)[1]
    dates = re.findall(r"^\[\d+\] .*\), (\d{4}(?:-\d\d){0,2}), p\. ", sources, re.M)
    assert len(dates) == len(re.findall(r"^\[\d+\] ", sources, re.M))  # one date per citation line
    assert dates == sorted(dates) and set(dates) == {"2011-11-09", "2019-01"}, sources


def test_eval_writes_an_html_report_and_a_markdown_summary(corpus_service, tmp_path):
    questions = tmp_path / "my_questions.jsonl"
    shutil.copy(EXAMPLE_QUESTIONS, questions)
    report, records = tmp_path / "out" / "report.html", tmp_path / "records.jsonl"
    out = _invoke(corpus_service, ["eval", str(questions), "--output", str(records), "--report", str(report)])
    assert out.exit_code == 0, out.output
    summary = tmp_path / "out" / "report.md"
    assert f"Report written to {report} (summary {summary})" in out.stdout.splitlines()
    assert report.is_file() and summary.is_file()
    assert sorted(p.name for p in report.parent.iterdir()) == ["report.html", "report.md"]
    n = len(EXAMPLE_QUESTIONS.read_text().splitlines())
    html, md = report.read_text(encoding="utf-8"), summary.read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html") and str(questions) in html
    assert set(str(questions)) & set("\\`*[]<>|~&$") == set()  # only "_" needs escaping in Markdown
    escaped = str(questions).replace("_", "\\_")
    assert f"**question set**: {escaped} · **questions**: {n}" in md
    assert len(records.read_text().splitlines()) == n
