"""Shared fixtures. The real model and a real-corpus index are built once per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def pytest_configure(config):
    """One ONNX export per session, shared by every data folder the tests make (the CLI and app
    subprocesses read it from the environment): the default backend exports on first use."""
    import tempfile

    if not os.environ.get("INSPECTION_QA_MODELS_DIR"):
        config._models_dir = tempfile.mkdtemp(prefix="inspection-qa-test-models-")
        os.environ["INSPECTION_QA_MODELS_DIR"] = config._models_dir


def pytest_unconfigure(config):
    folder = getattr(config, "_models_dir", None)
    if folder:
        shutil.rmtree(folder, ignore_errors=True)
        os.environ.pop("INSPECTION_QA_MODELS_DIR", None)

from tests.paths import CORPUS  # noqa: E402


@pytest.fixture(scope="session")
def real_embedder():
    from retrieval.embedders import SentenceTransformerEmbedder

    emb = SentenceTransformerEmbedder("all-MiniLM-L6-v2")
    emb.embed_query("warm up")
    return emb


@pytest.fixture(scope="session")
def default_embedder():
    """The backend a user gets by default (onnx-int8), exported once into the session's models folder."""
    from core.settings import Settings
    from retrieval.embedders import make_embedder

    settings = Settings(models_dir=os.environ["INSPECTION_QA_MODELS_DIR"])
    emb = make_embedder(settings)
    assert settings.embedder == "onnx-int8" and emb.name.startswith("onnx-int8/")
    emb.embed_query("warm up")
    return emb


@pytest.fixture(scope="session")
def corpus_service(tmp_path_factory, default_embedder):
    """The real corpus ingested with the real model, as the default backend runs it (onnx-int8),
    into a session-wide data folder (CLI subprocesses on it use the same default)."""
    from core.settings import Settings
    from inspection_qa.service import QAService

    data = tmp_path_factory.mktemp("corpus-index")
    service = QAService(Settings(data_dir=data, models_dir=os.environ["INSPECTION_QA_MODELS_DIR"]),
                        embedder=default_embedder)
    report = service.ingest([CORPUS])
    assert not report.failures, report.failures
    return service


@pytest.fixture
def hashing_service(tmp_path):
    """A fresh index with the deterministic hashing embedder: fast, for pipeline mechanics."""
    from core.settings import Settings
    from inspection_qa.service import QAService

    return QAService(Settings(data_dir=tmp_path / "data", embedder="hashing"))


@pytest.fixture
def corpus_copy(tmp_path) -> Path:
    dest = tmp_path / "corpus"
    shutil.copytree(CORPUS, dest)
    return dest


@pytest.fixture(scope="session")
def bare_corpus_service(tmp_path_factory, default_embedder):
    """The corpus under unseen file names and with no sidecars: dates must come from the text."""
    from core.settings import Settings
    from inspection_qa.service import QAService

    folder = tmp_path_factory.mktemp("bare-corpus")
    for i, f in enumerate(sorted(p for p in CORPUS.iterdir() if not p.name.endswith(".meta.toml"))):
        shutil.copy(f, folder / f"document-{i}{f.suffix}")
    service = QAService(Settings(data_dir=tmp_path_factory.mktemp("bare-index"),
                                 models_dir=os.environ["INSPECTION_QA_MODELS_DIR"]), embedder=default_embedder)
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
