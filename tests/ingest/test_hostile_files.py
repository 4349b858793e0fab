"""Hostile files: each is reported with a reason naming its problem, the good files go in, and
nothing already indexed is lost. Files are made at test time by tests/support/hostile.py."""

import os
import shutil
import signal
from pathlib import Path

import pytest

from core.errors import ConfigError, UnreadableFileError
from core.settings import Settings
from ingest.builder import DocumentBuilder
from ingest.sandbox import SandboxedParser
from inspection_qa.service import QAService
from tests.paths import LETTER_PDF, NEWS_TXT
from tests.support import hostile

BATCH_TIMEOUT_S = 2.0  # good files parse in well under 0.5 s; the slow ones take 20 s and more


def _counts(service):
    st = service.status()
    return st["documents"], st["chunks"], st["dense_chunks"], st["lexical_chunks"]


def _service(tmp_path, **limits):
    return QAService(Settings(data_dir=tmp_path / "data", embedder="hashing", **limits))


@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hostile")
    files = hostile.make_all(folder)
    return folder, files


def test_a_batch_of_hostile_files_is_reported_and_the_rest_goes_in(tmp_path, hostile_dir):
    source, files = hostile_dir
    service = _service(tmp_path, parse_timeout_s=BATCH_TIMEOUT_S)
    assert service.ingest([LETTER_PDF]).count("added") == 1
    before = _counts(service)

    batch = tmp_path / "batch"
    shutil.copytree(source, batch)
    shutil.copy(NEWS_TXT, batch / NEWS_TXT.name)
    report = service.ingest([batch])
    outcome = {o.path.rsplit("/", 1)[-1]: o for o in report.outcomes}
    reason = {name: o.reason.lower() for name, o in outcome.items() if o.failed}

    expected_failures = {
        "truncated.pdf": ["not a readable pdf"],
        "garbled.pdf": ["not a readable pdf"],
        "encrypted.pdf": ["encrypted"],
        "empty.pdf": ["empty"],
        "bomb.pdf": ["decompression bomb", "too large"],
        "slow.pdf": [f"took longer than {BATCH_TIMEOUT_S:g} s"],
        "cyclic-pages.pdf": ["not a readable pdf", "cyclic"],
        "self-kid-pages.pdf": ["not a readable pdf", "cyclic"],
        "binary.txt": ["binary"],
        "controls.txt": ["binary"],
        "one-line.txt": [f"took longer than {BATCH_TIMEOUT_S:g} s"],
    }
    for name, words in expected_failures.items():
        assert name in reason, f"{name} was not reported: {outcome[name]}"
        for word in words:
            assert word in reason[name], (name, reason[name])
    added = {name for name, o in outcome.items() if o.status == "added"}
    assert added == {NEWS_TXT.name, "windows-quotes.txt", "utf16.txt", "cyclic-outline.pdf", "corrupt-xref.pdf"}
    docstore = service.index.docstore
    text = docstore.text("windows-quotes.txt")
    assert "the council\u2019s \u201cfront door\u201d was working well \u2013 referrals" in text
    assert "director\u2019s caf\u00e9 meetings" in text
    assert "the council\u2019s \u201cduty desk\u201d was working well" in docstore.text("utf16.txt")
    assert "supervision of social workers" in docstore.text("cyclic-outline.pdf")
    # pypdf (as pinned) rebuilds a garbled cross-reference table by scanning: the whole letter comes back
    assert docstore.text("corrupt-xref.pdf") == docstore.text(LETTER_PDF.name.lower())

    assert set(outcome) == {p.name for p in files.values()} | {NEWS_TXT.name}
    docs, chunks, dense, lexical = _counts(service)
    assert report.count("added") == 5 and docs == before[0] + 5 == 6
    assert chunks == dense == lexical > before[1]
    assert docstore.meta(LETTER_PDF.name.lower()) is not None


def test_memory_limit_comes_from_the_settings(tmp_path, hostile_dir):
    _, files = hostile_dir
    service = _service(tmp_path, parse_memory_mb=32)
    report = service.ingest([files["one-line"], NEWS_TXT, LETTER_PDF])
    failed = {o.path.rsplit("/", 1)[-1]: o.reason for o in report.failures}
    assert failed == {"one-line.txt": "needed more than 32 MiB to parse; skipped"}
    assert report.count("added") == 2


def test_memory_limit_stops_a_worker_that_allocates():
    with pytest.raises(UnreadableFileError, match="needed more than 64 MiB to parse"):
        SandboxedParser(10, 64, parse=hostile.Hog().run).run(NEWS_TXT)


def _helper_pids() -> set[int]:
    """The pids of the process-wide parser helpers now running."""
    from ingest import sandbox

    return {slot._helper.proc.pid for slot in sandbox._HELPERS._all
            if slot._helper is not None and slot._helper.alive()}


def _is_child_of(pid: int, parent: int) -> bool:
    """Whether `pid` is a process (not yet reaped) whose parent is `parent`."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return int(stat.rsplit(")", 1)[1].split()[1]) == parent


def test_time_limit_kills_a_stalled_worker_and_the_next_file_parses(tmp_path):
    # The helper itself ends the worker at the limit. (Were it not to, the parent would give up on
    # the helper HELPER_GRACE_S later with the same reason, killing the helper: so the same helper
    # must still be there, and its worker gone.)
    path = tmp_path / NEWS_TXT.name
    shutil.copy(NEWS_TXT, path)
    SandboxedParser(10, 256).run(path)
    helpers = _helper_pids()
    assert helpers
    with pytest.raises(UnreadableFileError) as err:
        SandboxedParser(0.2, 256, parse=hostile.Sleeper().run).run(path)
    assert err.value.reason == "took longer than 0.2 s to parse; skipped"
    worker = int(Path(f"{path}.worker").read_text())
    assert not any(_is_child_of(worker, helper) for helper in helpers)
    assert SandboxedParser(10, 256).run(path).meta.filename == NEWS_TXT.name
    assert _helper_pids() == helpers


def test_a_real_slow_file_meets_the_time_limit(hostile_dir):
    _, files = hostile_dir
    SandboxedParser(10, 256).run(NEWS_TXT)
    helpers = _helper_pids()
    with pytest.raises(UnreadableFileError) as err:
        SandboxedParser(0.3, 1024).run(files["slow"])
    assert err.value.reason == "took longer than 0.3 s to parse; skipped"
    assert SandboxedParser(10, 256).run(NEWS_TXT).meta.filename == NEWS_TXT.name
    assert _helper_pids() == helpers  # stopped by its helper, which lives on


@pytest.mark.parametrize("builder, words", [
    ("Segfault", "crashed (SIGSEGV)"),
    ("Recurse", "RecursionError"),
    ("Broken", "ValueError: unexpected structure"),
])
def test_a_crashing_worker_becomes_a_short_reason(builder, words):
    with pytest.raises(UnreadableFileError) as err:
        SandboxedParser(10, 256, parse=getattr(hostile, builder)().run).run(NEWS_TXT)
    assert words in err.value.reason and len(err.value.reason) < 300
    assert err.value.path == str(NEWS_TXT)


def test_the_sandbox_returns_what_the_builder_makes_in_process():
    parser = SandboxedParser(30, 1024)
    for path in (LETTER_PDF, NEWS_TXT):
        assert parser.run(path) == DocumentBuilder().run(path)


def test_a_killed_helper_is_replaced():
    from ingest import sandbox

    parser = SandboxedParser(30, 256)
    parser.run(NEWS_TXT)
    killed = [slot._helper for slot in sandbox._HELPERS._all if slot._helper is not None]
    assert killed
    for helper in killed:
        os.kill(helper.proc.pid, signal.SIGKILL)
        helper.proc.wait()
    assert parser.run(NEWS_TXT).meta.filename == NEWS_TXT.name
    alive = [slot._helper for slot in sandbox._HELPERS._all if slot._helper is not None and slot._helper.alive()]
    assert alive and not any(h is k for h in alive for k in killed)


def test_two_files_parse_at_once_in_separate_helpers(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    files = [tmp_path / "a.txt", tmp_path / "b.txt"]
    for f in files:
        shutil.copy(NEWS_TXT, f)
    # each parse returns only once both have started (or fails after 20 s alone): both succeed
    # only if the second parse did not wait for the first to finish
    parser = SandboxedParser(30, 512, parse=hostile.Rendezvous(["a.txt", "b.txt"], wait_s=20).run)
    with ThreadPoolExecutor(2) as pool:
        docs = list(pool.map(parser.run, files))
    assert [d.meta.filename for d in docs] == ["a.txt", "b.txt"]
    helper_a, helper_b = (int(Path(f"{f}.helper").read_text()) for f in files)
    assert helper_a != helper_b
    assert {helper_a, helper_b} == _helper_pids()  # forked by the two pool helpers, not by this process


@pytest.mark.parametrize("timeout_s, memory_mb", [
    (0, 1024), (-1, 1024), (float("nan"), 1024), (float("inf"), 1024), ("5", 1024), (True, 1024),
    (5, 0), (5, 8), (5, 1.5), (5, True),
])
def test_bad_limits_are_refused(timeout_s, memory_mb):
    with pytest.raises(ConfigError, match="parse_"):
        SandboxedParser(timeout_s, memory_mb)


def test_too_small_memory_setting_is_refused_when_ingesting(tmp_path):
    with pytest.raises(ConfigError, match="parse_memory_mb=8"):
        _service(tmp_path, parse_memory_mb=8).ingest([NEWS_TXT])
