"""The audit trail: one whole JSON line per question, from the service, the CLI and concurrent writers."""

from __future__ import annotations

import getpass
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from answering.types import Answer, Citation
from core.settings import Settings
from inspection_qa.audit import AuditLog, AuditLogError, entry_for, format_entry
from inspection_qa.cli import main
from inspection_qa.service import QAService
from retrieval.filters import SearchFilter
from tests.paths import NEWS_TXT, ROOT


def citation(marker=1, doc_id="letter.pdf", quote="Supervision was weak.", start=10) -> Citation:
    return Citation(marker=marker, doc_id=doc_id, document=doc_id, title="A letter", date="2011-11-09",
                    source_kind="inspection_letter", page=2, pages=(2,), section="Findings", quote=quote,
                    start=start, end=start + len(quote), chunk_id=f"{doc_id}#0")


def answer(question="What about supervision?", citations=None, abstained=False) -> Answer:
    cites = [citation()] if citations is None else citations
    return Answer(question=question, searched_question=question + " (searched)", text="Supervision was weak [1].",
                  citations=cites, abstained=abstained)


def test_record_appends_one_json_line_with_the_evidence(tmp_path):
    log = AuditLog(tmp_path / "sub" / "audit.jsonl")  # the folder is made on first write
    f = SearchFilter(kinds=("inspection_letter",), since="2010")
    log.record(answer(), "alice", {"letter.pdf": "ab" * 32}, search_filter=f)
    lines = (tmp_path / "sub" / "audit.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["time"].endswith("Z") and entry["time"][:2] == "20"
    assert entry["user"] == "alice"
    assert entry["question"] == "What about supervision?"
    assert entry["searched_question"] == "What about supervision? (searched)"
    assert entry["answer"] == "Supervision was weak [1]."
    assert entry["abstained"] is False
    assert entry["filter"] == {"doc": [], "kind": ["inspection_letter"], "since": "2010", "until": None}
    (c,) = entry["citations"]
    assert c == {"marker": 1, "document": "letter.pdf", "doc_id": "letter.pdf", "page": 2, "page_index": 2,
                 "quote": "Supervision was weak.", "start": 10, "end": 31, "sha256": "ab" * 32}


def test_entries_are_appended_never_rewritten(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.record(answer("first?"), "a", {})
    first = path.read_bytes()
    log.record(answer("second?", citations=[], abstained=True), "b", {})
    assert path.read_bytes().startswith(first)
    entries = log.entries()
    assert [e["question"] for e in entries] == ["first?", "second?"]
    assert entries[1]["abstained"] is True and entries[1]["citations"] == [] and "filter" not in entries[1]
    assert [e["question"] for e in log.last(1)] == ["second?"]


def test_a_torn_last_line_is_reported_and_the_next_entry_stays_whole(tmp_path):
    path = tmp_path / "audit.jsonl"
    log = AuditLog(path)
    log.record(answer("whole?"), "a", {})
    with open(path, "ab") as f:
        f.write(b'{"time": "2024-01-01T00:00:00Z", "user": "cra')  # a crash mid-write
    log.record(answer("after?"), "a", {})
    bad = []
    assert [e["question"] for e in log.entries(bad)] == ["whole?", "after?"]
    assert len(bad) == 1 and bad[0].number == 2 and "not JSON" in bad[0].reason


def test_an_unwritable_log_is_an_error_not_a_silent_loss(tmp_path):
    with pytest.raises(AuditLogError, match="is a folder"):
        AuditLog(tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(AuditLogError, match="cannot be written"):
        AuditLog(blocker / "audit.jsonl").record(answer(), "a", {})


WRITER = """
import sys
from inspection_qa.audit import AuditLog
log = AuditLog(sys.argv[1])
tag = sys.argv[2]
for i in range(int(sys.argv[3])):
    log.append({"user": tag, "i": i, "question": tag * 20000})
"""


def test_concurrent_processes_never_interleave_lines(tmp_path):
    path = tmp_path / "audit.jsonl"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), tag, "40"], env=env)
             for tag in ("a", "b", "c", "d")]
    assert all(p.wait(timeout=120) == 0 for p in procs)
    lines = path.read_text("utf-8").splitlines()
    assert len(lines) == 160
    entries = [json.loads(line) for line in lines]  # every line whole
    for tag in "abcd":
        mine = [e for e in entries if e["user"] == tag]
        assert [e["i"] for e in mine] == list(range(40))
        assert all(e["question"] == tag * 20000 for e in mine)


def test_format_entry_shows_time_user_question_then_citations():
    entry = entry_for(answer(), "alice", {"letter.pdf": "0123456789abcdef" * 4}, time="2024-05-01T10:00:00.000Z")
    text = format_entry(entry)
    lines = text.splitlines()
    assert lines[0] == "2024-05-01T10:00:00.000Z  alice"
    assert lines[1] == "  Q: What about supervision?"
    assert "searched as: What about supervision? (searched)" in lines[2]
    assert "[1] letter.pdf, p. 2, characters 10–31 (sha256 0123456789ab…)" in text
    assert "“Supervision was weak.”" in text
    assert "abstained" in format_entry(entry_for(answer(citations=[], abstained=True), "bob", {}))


@pytest.fixture
def audited_service(tmp_path):
    """A fake-embedder index holding the news report, with the audit trail on."""
    docs = tmp_path / "docs"
    docs.mkdir()
    shutil.copy(NEWS_TXT, docs / NEWS_TXT.name)
    log = tmp_path / "audit.jsonl"
    service = QAService(Settings(data_dir=tmp_path / "data", embedder="hashing", audit_log=str(log)))
    assert not service.ingest([docs]).failures
    return service, log, docs


def test_every_ask_is_recorded_with_the_documents_hashes(audited_service):
    service, log, _ = audited_service
    conv = service.conversation(user="carol")
    # the hashing embedder matches words, not meaning: the question shares the news report's own words
    first = conv.ask("Had caseloads and reliance on agency workers both reduced?")
    service.ask("What about agency social workers?")  # no user: the service's default
    assert first.citations, first
    entries = AuditLog(log).entries()
    assert [e["user"] for e in entries] == ["carol", "local"]
    assert entries[0]["question"] == first.question
    assert entries[0]["answer"] == first.text
    assert len(entries[0]["citations"]) == len(first.citations)
    metas = {m.doc_id: m for m in service.index.docstore.documents()}
    for c, rec in zip(first.citations, entries[0]["citations"]):
        assert rec["sha256"] == metas[c.doc_id].sha256
        assert rec["quote"] == service.index.docstore.text(c.doc_id)[rec["start"]:rec["end"]]


def test_no_audit_log_means_no_file(tmp_path, hashing_service):
    assert hashing_service.audit is None


def run_cli(args, data, log, **env):
    full = {"INSPECTION_QA_DATA_DIR": str(data), "INSPECTION_QA_EMBEDDER": "hashing", "INSPECTION_QA_AUDIT_LOG": str(log),
            "HF_HUB_OFFLINE": "1", **env}
    return CliRunner().invoke(main, args, env=full, catch_exceptions=False)


def test_cli_ask_records_the_os_user_and_audit_shows_the_trail(audited_service):
    service, log, _ = audited_service
    data = service.settings.data_dir
    service.index.docstore.close()
    result = run_cli(["ask", "What did Ofsted say about the trust's progress?", "--kind", "news"], data, log)
    assert result.exit_code == 0, result.output
    entries = AuditLog(log).entries()
    assert entries[-1]["user"] == getpass.getuser()
    assert entries[-1]["filter"]["kind"] == ["news"]
    shown = run_cli(["audit", "--last", "1"], data, log)
    assert shown.exit_code == 0, shown.output
    assert shown.output.splitlines()[0].endswith("  " + getpass.getuser())
    assert "Q: What did Ofsted say about the trust's progress?" in shown.output
    assert "filter: kind news" in shown.output
    as_json = run_cli(["audit", "--json"], data, log)
    records = [json.loads(line) for line in as_json.output.splitlines()]
    assert records == entries


def test_cli_audit_when_off_or_empty(tmp_path):
    off = CliRunner().invoke(main, ["audit"], env={"INSPECTION_QA_AUDIT_LOG": "", "INSPECTION_QA_DATA_DIR": str(tmp_path)})
    assert off.exit_code == 2 and "INSPECTION_QA_AUDIT_LOG" in off.output
    missing = CliRunner().invoke(main, ["audit", "--log", str(tmp_path / "none.jsonl")],
                                 env={"INSPECTION_QA_DATA_DIR": str(tmp_path)})
    assert missing.exit_code == 0 and "No audit entries yet" in missing.output
    assert not Path(tmp_path / "none.jsonl").exists()
