"""Property tests: cleaning, sentence splitting and chunking of arbitrary text, and loading of
arbitrary bytes, never fail in an unplanned way and keep every offset honest.

`make test` runs a quick pass (60 examples per property). For a long run:

    FUZZ_EXAMPLES=5000 HF_HUB_OFFLINE=1 .venv/bin/python -m pytest tests/ingest/test_fuzz.py -q
"""

import os
import random
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import UnreadableFileError
from core.records import Document, DocumentMeta
from ingest.chunking import Chunker
from ingest.cleaning import TextCleaner
from ingest.loaders import load_file
from ingest.sentences import split_sentences
from tests.paths import LETTER_PDF

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "60"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text the cleaner has rules for, mixed with anything at all.
PIECES = st.sampled_from([
    "\n", "\n\n", "\r\n", " ", "\t", "-", "- ", "\u2013 ", "\u2022 ", "\u25aa", "\u00ad", "\u00a0", "\ufb01",
    "\x00", "\x07", "\x7f", "\u200b", "\ufeff", "\ue000", ". ", "! ", "? ", "...", "e.g. ", "Mr. ", "(a) ",
    "1. ", "# ", "## Heading\n", "Page 2 of 9", "12 March 2019", "co-\nordinated", "well-\nbeing",
    "Inspectors found ", "children ", "The Council ", "were safe.", "\u201cquoted\u201d", "A", "z",
])
TEXT = st.lists(st.one_of(PIECES, st.text(max_size=30)), max_size=80).map("".join)
PAGES = st.lists(TEXT, min_size=1, max_size=4)


def _document(clean) -> Document:
    meta = DocumentMeta(doc_id="fuzz.txt", filename="fuzz.txt", title="Fuzz", date=None, source_kind="other",
                        publisher=None, sha256="0" * 64, source_path="/fuzz.txt")
    return Document(meta=meta, text=clean.text, pages=clean.pages, blocks=clean.blocks)


@FUZZ
@given(pages=PAGES, markdown=st.booleans(), wrapped=st.sampled_from([None, True, False]))
def test_cleaning_and_chunking_keep_offsets_honest(pages, markdown, wrapped):
    clean = TextCleaner(markdown=markdown, wrapped=wrapped).run(pages)
    text = clean.text
    for span in clean.pages:
        assert 0 <= span.start <= span.end <= len(text)
        assert 1 <= span.page <= len(pages)
    for block in clean.blocks:
        assert 0 <= block.start <= block.end <= len(text)
    for sentence in split_sentences(text):
        assert 0 <= sentence.start < sentence.end <= len(text)
        assert text[sentence.start:sentence.end].strip() == text[sentence.start:sentence.end]

    doc = _document(clean)
    for chunk in Chunker(target_chars=80, max_chars=160).run(doc):
        assert 0 <= chunk.start <= chunk.end <= len(text)
        assert chunk.text == text[chunk.start:chunk.end]
        for sentence in chunk.sentences:
            assert chunk.start <= sentence.start <= sentence.end <= chunk.end
        assert set(chunk.pages) <= {span.page for span in clean.pages}


@FUZZ
@given(text=TEXT, cut=st.tuples(st.integers(0, 400), st.integers(0, 400)))
def test_sentences_of_a_slice_stay_inside_it(text, cut):
    start, end = sorted(cut)
    start, end = min(start, len(text)), min(end, len(text))
    for sentence in split_sentences(text, start, end):
        assert start <= sentence.start < sentence.end <= end


@pytest.fixture(scope="module")
def scratch():
    with tempfile.TemporaryDirectory(prefix="fuzz-") as tmp:
        yield Path(tmp)


def _load(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    try:
        raw = load_file(path)
    except UnreadableFileError as exc:
        assert exc.reason and exc.path == str(path)
        return
    assert raw.pages and any(page.strip() for page in raw.pages)


@FUZZ
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".pdf", ".txt", ".md"]),
       pdf_header=st.booleans())
def test_random_bytes_load_or_are_refused(scratch, data, suffix, pdf_header):
    if pdf_header:
        data = b"%PDF-1.4\n" + data + b"\n%%EOF\n"
    _load(scratch / f"random{suffix}", data)


@FUZZ
@given(seed=st.integers(0, 2**32 - 1), flips=st.integers(1, 40), cut=st.floats(0.05, 1.0))
def test_damaged_copies_of_a_real_pdf_load_or_are_refused(scratch, seed, flips, cut):
    data = bytearray(LETTER_PDF.read_bytes())
    rng = random.Random(seed)
    for _ in range(flips):
        data[rng.randrange(len(data))] = rng.randrange(256)
    _load(scratch / "damaged.pdf", bytes(data[: max(1, int(len(data) * cut))]))
