"""SIGKILL an ingest at every point where the stores could disagree: every document stays wholly
present or wholly absent, dense and lexical sides agree, and re-running the ingest completes it."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from core.settings import Settings
from inspection_qa.service import QAService
from tests.paths import CORPUS, LETTER_PDF, NEWS_TXT, ROOT

POINTS = ["after-docstore", "after-dense", "after-complete", "before-lexical"]

CHILD = """
import sys
from pathlib import Path
import os, signal
from inspection_qa.service import QAService
from core.settings import Settings
from retrieval import crashpoints
data, point, action, target = sys.argv[1:5]
crashpoints.hook = lambda name: os.kill(os.getpid(), signal.SIGKILL) if name == point else None
svc = QAService(Settings(data_dir=Path(data), embedder="hashing"))
if action == "ingest":
    svc.ingest([Path(target)])
else:
    svc.remove(target)
"""


def consistent(data_dir) -> dict:
    svc = QAService(Settings(data_dir=data_dir, embedder="hashing"))
    st = svc.status()
    assert st["chunks"] == st["dense_chunks"] == st["lexical_chunks"], st
    dense_ids = set(svc.index.dense.all_ids())
    for meta in svc.index.docstore.documents():
        ids = set(svc.index.docstore.chunk_ids(meta.doc_id))
        assert ids and ids <= dense_ids and ids <= set(svc.index.lexical.ids), meta.doc_id
    if st["documents"] == 0:
        return st
    # the question path sees the same documents
    answer = svc.ask("What did inspectors say about supervision?")
    docs = {m.doc_id for m in svc.index.docstore.documents()}
    assert {h.chunk.doc_id for h in answer.retrieved} <= docs
    return st


def run_child(data_dir, point, action, target):
    return subprocess.run([sys.executable, "-c", CHILD, str(data_dir), point, action, str(target)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


# documents after the kill: before the completion flags the new one is wholly absent, from them on wholly present
DOCUMENTS_AFTER_KILL = {"after-docstore": 1, "after-dense": 1, "after-complete": 2, "before-lexical": 2}


@pytest.mark.parametrize("point", POINTS)
def test_sigkill_during_ingest(tmp_path, point):
    data = tmp_path / "data"
    QAService(Settings(data_dir=data, embedder="hashing")).ingest([LETTER_PDF])
    child = run_child(data, point, "ingest", NEWS_TXT)
    assert child.returncode == -signal.SIGKILL, child.stderr
    st = consistent(data)
    assert st["documents"] == DOCUMENTS_AFTER_KILL[point]
    report = QAService(Settings(data_dir=data, embedder="hashing")).ingest([NEWS_TXT, LETTER_PDF])
    assert not report.failures
    st = consistent(data)
    assert st["documents"] == 2 and st["dense_entries"] == st["chunks"]


def test_sigkill_during_remove(tmp_path):
    data = tmp_path / "data"
    QAService(Settings(data_dir=data, embedder="hashing")).ingest([CORPUS])
    child = run_child(data, "after-remove-docstore", "remove", NEWS_TXT.name)
    assert child.returncode == -signal.SIGKILL
    assert consistent(data)["documents"] == 1
    QAService(Settings(data_dir=data, embedder="hashing")).ingest([LETTER_PDF])  # any ingest repairs
    st = consistent(data)
    assert st["dense_entries"] == st["chunks"]


def test_sigkill_of_the_cli_at_random_moments(tmp_path):
    data = tmp_path / "data"
    env = {**os.environ, "INSPECTION_QA_DATA_DIR": str(data), "INSPECTION_QA_EMBEDDER": "hashing", "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "inspection_qa.cli", "ingest", "--quiet", str(CORPUS)]
    for delay in (0.5, 1.0, 1.5, 2.0, 3.0):
        proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
        if (data / "documents.sqlite3").exists():
            consistent(data)
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    status = subprocess.run([sys.executable, "-m", "inspection_qa.cli", "status", "--json"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    st = json.loads(status.stdout)
    assert st["documents"] == 2 and st["chunks"] == st["dense_chunks"] == st["lexical_chunks"] == st["dense_entries"]
    assert all(isinstance(st[k], int) for k in ("documents", "chunks", "dense_chunks", "lexical_chunks"))
