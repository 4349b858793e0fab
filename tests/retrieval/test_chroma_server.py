"""The whole tool against a real `chroma run` server: ingest, ask, remove; two processes share it."""

import json
import os
import subprocess
import sys

import pytest

from core.settings import Settings
from inspection_qa.service import QAService
from tests.paths import CORPUS, NEWS_TXT, ROOT

pytestmark = pytest.mark.slow


def cli(args, data_dir, url):
    env = {**os.environ, "INSPECTION_QA_DATA_DIR": str(data_dir), "INSPECTION_QA_CHROMA_URL": url, "HF_HUB_OFFLINE": "1"}
    return subprocess.run([sys.executable, "-m", "inspection_qa.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_ingest_ask_remove_on_a_server_shared_by_two_processes(chroma_server, tmp_path, default_embedder):
    writer_dir, reader_dir = tmp_path / "writer", tmp_path / "reader"
    out = cli(["ingest", "--quiet", str(CORPUS)], writer_dir, chroma_server)
    assert out.returncode == 0, out.stderr
    assert not (writer_dir / "documents.sqlite3").exists()  # the documents live on the server
    # another app instance, with a data folder of its own, sees the same documents
    reader = QAService(Settings(data_dir=reader_dir, chroma_url=chroma_server), embedder=default_embedder)
    st = reader.status()
    assert st["documents"] == 2 and st["chunks"] == st["dense_chunks"] == st["lexical_chunks"]
    answer = reader.ask("How regularly is supervision held?")
    assert answer.citations and "supervision is held regularly" in answer.citations[0].quote
    asked = cli(["ask", "What did the minister Nadhim Zahawi say?", "--json"], writer_dir, chroma_server)
    assert json.loads(asked.stdout)["citations"][0]["document"] == NEWS_TXT.name
    # a removal by one process is seen by the other, on both search sides
    assert cli(["remove", NEWS_TXT.name], writer_dir, chroma_server).returncode == 0
    st = reader.status()
    assert st["documents"] == 1 and st["chunks"] == st["dense_chunks"] == st["lexical_chunks"]
    assert set(reader.index.lexical.ids) == reader.index.docstore.complete_chunk_ids()
    assert reader.ask("What did the minister Nadhim Zahawi say?").abstained
