"""A child process for the concurrent-ingest tests: ingests files into a data folder with the
hashing embedder and reports what happened through files in a markers folder, so a test can
order several writers without reading a clock.

    python -m tests.support.ingest_child DATA MARKERS NAME FILE... [--hold POINT]

Markers, all in MARKERS:
  NAME.holding      written when the write reaches crash point POINT (retrieval/crashpoints.py,
                    inside the write lock); the write then stays there until NAME.release exists
  NAME.waiting      written when this process found the write lock held and began waiting for it
                    (filelock logs each failed attempt before it sleeps and tries again)
  NAME.report.json  the ingest's outcomes and the index status as this process saw it afterwards
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

HOLD_LIMIT_S = 120.0  # a test that never releases the writer fails, it does not hang


def touch(path: Path) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(str(os.getpid()))
    os.replace(partial, path)


def wait_for(path: Path, limit_s: float = HOLD_LIMIT_S) -> None:
    deadline = time.monotonic() + limit_s
    while not path.exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{path.name} did not appear within {limit_s:g} s")
        time.sleep(0.01)


class _NoteWaiting(logging.Handler):
    def __init__(self, marker: Path) -> None:
        super().__init__(logging.DEBUG)
        self.marker = marker

    def emit(self, record: logging.LogRecord) -> None:
        if "not acquired" in record.getMessage() and not self.marker.exists():
            touch(self.marker)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("data", type=Path)
    ap.add_argument("markers", type=Path)
    ap.add_argument("name")
    ap.add_argument("files", type=Path, nargs="+")
    ap.add_argument("--hold", help="a crash point to stop at until NAME.release exists")
    args = ap.parse_args(argv)
    markers, name = args.markers, args.name

    from core.settings import Settings
    from inspection_qa.service import QAService
    from retrieval import crashpoints

    passed: list[str] = []

    def hook(point: str) -> None:
        passed.append(point)
        if point == args.hold:
            touch(markers / f"{name}.holding")
            wait_for(markers / f"{name}.release")

    crashpoints.hook = hook
    lock_log = logging.getLogger("filelock")
    lock_log.setLevel(logging.DEBUG)
    lock_log.addHandler(_NoteWaiting(markers / f"{name}.waiting"))
    lock_log.propagate = False

    service = QAService(Settings(data_dir=args.data, embedder="hashing"))
    report = service.ingest(args.files)
    result = {
        "outcomes": [[Path(o.path).name, o.status, o.reason] for o in report.outcomes],
        "status": service.status(),
        "points": passed,
    }
    (markers / f"{name}.report.json").write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
