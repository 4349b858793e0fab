"""Two writers on one data folder, and a reader between them.

Each writer is a separate process (tests/support/ingest_child.py) that reports through marker
files: one is stopped inside its write, holding the write lock, until the test lets it go; the
other must then wait for the lock (it says so when it finds the lock held) and go on once it is
free. Nothing here reads a clock: the order is proven by the markers and the stores' contents.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from core.settings import Settings
from inspection_qa.service import QAService
from tests.paths import LETTER_PDF, NEWS_TXT, ROOT

QUESTION = "Who is the chair of Birmingham Children's Trust?"  # answered by the news story alone
NOTE = "A monitoring visit in March 2024 found that the duty desk screened every referral the same day.\n"
MARKER_LIMIT_S = 120.0  # how long the test waits for a child's marker before it fails


def _start(data: Path, markers: Path, name: str, *files: Path, hold: str | None = None) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "tests.support.ingest_child", str(data), str(markers), name, *map(str, files)]
    if hold:
        cmd += ["--hold", hold]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _await_marker(marker: Path, *procs: subprocess.Popen) -> None:
    """Wait until `marker` exists; fail at once if a child exits first, or after MARKER_LIMIT_S."""
    deadline = time.monotonic() + MARKER_LIMIT_S
    while not marker.exists():
        for proc in procs:
            if proc.poll() is not None:
                out, err = proc.communicate()
                pytest.fail(f"{proc.args[4]} exited ({proc.returncode}) before {marker.name}:\n{err[-3000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"{marker.name} did not appear")
        time.sleep(0.01)


def _finish(proc: subprocess.Popen) -> None:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err[-3000:]


def _consistent(status: dict) -> None:
    assert status["chunks"] == status["dense_chunks"] == status["lexical_chunks"] == status["dense_entries"], status


def _seen(answer) -> tuple:
    return (answer.abstained, answer.text, [(c.doc_id, c.start, c.end) for c in answer.citations],
            [h.chunk.id for h in answer.retrieved])


def test_second_ingest_waits_for_the_first_and_a_question_between_sees_only_complete_documents(tmp_path):
    data, markers = tmp_path / "data", tmp_path / "markers"
    markers.mkdir()
    note = tmp_path / "note.txt"
    note.write_text(NOTE)
    reader = QAService(Settings(data_dir=data, embedder="hashing"))  # a long-lived reader, as the app is
    assert reader.ingest([LETTER_PDF]).count("added") == 1
    before = _seen(reader.ask(QUESTION))
    assert before[0] is True  # the letter alone does not answer it
    letter_only = reader.status()

    # A stops inside its write: the news story is in the document store and in Chroma, not yet complete
    first = _start(data, markers, "first", NEWS_TXT, hold="after-dense")
    try:
        _await_marker(markers / "first.holding", first)

        # a question now is answered from the complete documents only, by the old reader and a new one
        for service in (reader, QAService(Settings(data_dir=data, embedder="hashing"))):
            assert _seen(service.ask(QUESTION)) == before
            assert {m.filename for m in service.documents()} == {LETTER_PDF.name.lower()}
            assert {k: service.status()[k] for k in ("documents", "chunks", "lexical_chunks")} == \
                {k: letter_only[k] for k in ("documents", "chunks", "lexical_chunks")}

        # B finds the lock held and waits; it has written nothing
        second = _start(data, markers, "second", note)
        _await_marker(markers / "second.waiting", second, first)
        assert not (markers / "second.report.json").exists()
        assert {m.filename for m in reader.documents()} == {LETTER_PDF.name.lower()}
    finally:
        (markers / "first.release").write_text("go")
    _finish(first)
    _finish(second)

    a = json.loads((markers / "first.report.json").read_text())
    b = json.loads((markers / "second.report.json").read_text())
    assert a["outcomes"] == [[NEWS_TXT.name, "added", ""]]
    assert b["outcomes"] == [["note.txt", "added", ""]]
    assert "after-dense" in a["points"] and "after-dense" in b["points"]
    # B's write began after A's had ended: it saw A's document complete
    assert (a["status"]["documents"], b["status"]["documents"]) == (2, 3)
    _consistent(a["status"])
    _consistent(b["status"])

    final = QAService(Settings(data_dir=data, embedder="hashing"))
    assert {m.filename for m in final.documents()} == {LETTER_PDF.name.lower(), NEWS_TXT.name, "note.txt"}
    status = final.status()
    _consistent(status)
    assert status["documents"] == 3 and status == {**b["status"], "data_dir": status["data_dir"]}
    assert final.index.docstore.incomplete() == []
    # the story the question was blind to is answered now that it is complete (a service opened
    # only now is the next test's concern)
    answer = reader.ask(QUESTION)
    assert not answer.abstained
    assert {c.document for c in answer.citations} == {NEWS_TXT.name}, answer.text
    assert any("Andrew Christie, the chair of Birmingham Children’s Trust" in c.quote for c in answer.citations)


def test_a_service_opened_after_another_process_wrote_sees_what_it_wrote(tmp_path):
    """One process may hold two services on one data folder (the app opens one per settings); the
    second, opened after another process ingested, must search what that process wrote."""
    data, markers = tmp_path / "data", tmp_path / "markers"
    markers.mkdir()
    first = QAService(Settings(data_dir=data, embedder="hashing"))
    first.ingest([LETTER_PDF])
    assert first.ask(QUESTION).abstained  # Chroma is open in this process from here on
    writer = _start(data, markers, "writer", NEWS_TXT)
    _finish(writer)
    later = QAService(Settings(data_dir=data, embedder="hashing"))
    assert later.status()["documents"] == 2
    dense, _ = later.index.search_sides(QUESTION, 5)
    nearest = [c.filename for c in later.index.docstore.chunks([chunk_id for chunk_id, _ in dense])]
    assert NEWS_TXT.name in nearest, f"the 5 nearest vectors are all from {set(nearest)}"
    answer = later.ask(QUESTION)
    assert {c.document for c in answer.citations} == {NEWS_TXT.name}, answer.text
