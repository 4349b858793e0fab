"""The letter laid out in PDF layouts never seen in development still extracts to its text."""

import re

import pytest

from ingest.builder import DocumentBuilder
from tests.paths import REFERENCE_TXT
from tests.support.pdfs import LAYOUTS, make_pdf, parse_reference


def fold_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("layout", LAYOUTS)
def test_unseen_layout_extracts_to_the_reference_text(tmp_path, layout):
    blocks = parse_reference(REFERENCE_TXT.read_text("utf-8"))
    pdf = make_pdf(blocks, tmp_path / f"letter-{layout}.pdf", layout)
    doc = DocumentBuilder().run(pdf)
    expected = fold_ws(" ".join(text for _, text in blocks))
    got = fold_ws(doc.text)
    assert got == expected
    assert len(doc.pages) >= 3
    assert doc.meta.date == "2011-11-09" and doc.meta.date_source == "text"
    assert doc.meta.source_kind == "inspection_letter"
    bullets = [b for b in doc.blocks if b.block_kind == "bullet"]
    assert len(bullets) == sum(1 for kind, _ in blocks if kind == "bullet")


@pytest.mark.parametrize("layout", LAYOUTS)
def test_unseen_layout_keeps_sections(tmp_path, layout):
    blocks = parse_reference(REFERENCE_TXT.read_text("utf-8"))
    doc = DocumentBuilder().run(make_pdf(blocks, tmp_path / f"l-{layout}.pdf", layout))
    quality = next(b for b in doc.blocks if "quality of analysis in assessments remains" in doc.text[b.start:b.end])
    assert quality.section == "Areas for development"
