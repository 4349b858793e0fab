"""The engine is general: no body named by any of the project's documents, and no year they span, appears
in the code of ingest, retrieval, answering, generation or core (comments and docstrings included)."""

from __future__ import annotations

import re
from pathlib import Path

from ingest.profile import find_bodies

ROOT = Path(__file__).resolve().parents[1]
ENGINE = ["core", "ingest", "retrieval", "answering", "generation"]
DOCUMENTS = [ROOT / "corpus", *sorted((ROOT / "questions").glob("library*/documents"))]


def _sources() -> dict[Path, str]:
    return {p: p.read_text("utf-8") for pkg in ENGINE for p in sorted((ROOT / pkg).rglob("*.py"))}


def test_no_body_of_the_documents_is_named_in_the_engine():
    bodies = set()
    for folder in DOCUMENTS:
        for path in folder.glob("*.txt"):
            bodies |= {b.value for b in find_bodies(path.read_text("utf-8"), main=False)}
    assert len(bodies) >= 20  # the libraries name many councils, trusts and partnerships
    found = [(str(p.relative_to(ROOT)), b) for p, text in _sources().items() for b in bodies
             if re.search(rf"(?i)\b{re.escape(b)}\b", text)]
    assert not found, found


def test_no_year_the_documents_span_is_written_in_the_engine():
    # a year literal, not a pattern that matches years ("(?:19|20)\d\d")
    found = [(str(p.relative_to(ROOT)), m.group(0)) for p, text in _sources().items()
             for m in re.finditer(r"(?<![\d|x])20(?:09|1\d|2[0-5])(?!\d)", text)]
    assert not found, found
