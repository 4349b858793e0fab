"""Shared fixtures. The real model and a real-corpus index are built once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from tests.paths import CORPUS  # noqa: E402


@pytest.fixture(scope="session")
def real_embedder():
    from retrieval.embedders import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder("all-MiniLM-L6-v2")
    emb.embed_query("warm up")
    return emb


@pytest.fixture(scope="session")
def corpus_service(tmp_path_factory, real_embedder):
    """The real corpus ingested with the real model into a session-wide data folder."""
    from inspection_qa.service import QAService
    from inspection_qa.settings import Settings

    data = tmp_path_factory.mktemp("corpus-index")
    service = QAService(Settings(data_dir=data), embedder=real_embedder)
    report = service.ingest([CORPUS])
    assert not report.failures, report.failures
    return service


@pytest.fixture
def fake_service(tmp_path):
    """A fresh index with the deterministic hashing embedder: fast, for pipeline mechanics."""
    from inspection_qa.service import QAService
    from inspection_qa.settings import Settings

    return QAService(Settings(data_dir=tmp_path / "data", embedder="fake"))


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def bare_corpus_service(tmp_path_factory, real_embedder):
    """The corpus under unseen file names and with no sidecars: dates must come from the text."""
    from inspection_qa.service import QAService
    from inspection_qa.settings import Settings

    folder = tmp_path_factory.mktemp("bare-corpus")
    for i, f in enumerate(sorted(p for p in CORPUS.iterdir() if not p.name.endswith(".meta.toml"))):
        shutil.copy(f, folder / f"document-{i}{f.suffix}")
    service = QAService(Settings(data_dir=tmp_path_factory.mktemp("bare-index")), embedder=real_embedder)
    assert not service.ingest([folder]).failures
    return service


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` on 127.0.0.1, on a free port, for the whole session."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chroma = Path(sys.executable).with_name("chroma")
    path = tmp_path_factory.mktemp("chroma-server")
    log = open(path / "server.log", "w")
    proc = subprocess.Popen([str(chroma), "run", "--path", str(path / "db"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(url + "/api/v2/heartbeat", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        proc.kill()
        raise RuntimeError(f"chroma run did not start; see {path / 'server.log'}")
    yield url
    proc.terminate()
    proc.wait(timeout=30)
    log.close()
