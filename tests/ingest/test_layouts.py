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


def _two_columns(path, left, right, drawn="by row", heading="Monitoring visit to Oakvale children's services",
                 after=()):
    """A page set in two columns under a full-width heading, the columns drawn row by row across the page (as
    some templates write them) or one column after the other; `after`: full-width lines under the columns."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawString(60, 800, heading)
    rows = list(zip(left, right))
    if drawn == "by row":
        for i, (a, b) in enumerate(rows):
            c.drawString(60, 760 - 14 * i, a)
            c.drawString(320, 760 - 14 * i, b)
    else:
        for i, a in enumerate(left):
            c.drawString(60, 760 - 14 * i, a)
        for i, b in enumerate(right):
            c.drawString(320, 760 - 14 * i, b)
    for i, line in enumerate(after):
        c.drawString(60, 740 - 14 * len(rows) - 14 * i, line)
    c.save()
    return path


LEFT = ["Inspectors found that the front door", "responds quickly to contacts, and", "thresholds are applied consistently.",
        "Managers review every referral."]
RIGHT = ["Children in care see their social", "workers regularly, and their plans", "are reviewed on time. Care leavers",
         "have good support from advisers."]


@pytest.mark.parametrize("drawn", ["by row", "by column"])
def test_a_page_in_two_columns_reads_one_column_then_the_other(tmp_path, drawn):
    """Item 4: columns one after the other, however the file drew them; a full-width line stays in its place."""
    pdf = _two_columns(tmp_path / "columns.pdf", LEFT, RIGHT, drawn,
                       after=["Leaders have an accurate understanding of the quality of practice across the service."])
    text = fold_ws(DocumentBuilder().run(pdf).text)
    left, right = fold_ws(" ".join(LEFT)), fold_ws(" ".join(RIGHT))
    assert left in text and right in text, text
    assert text.index("Monitoring visit") < text.index(left) < text.index(right) < text.index("Leaders have")


def test_a_table_of_long_cells_side_by_side_keeps_its_rows(tmp_path):
    """Cells side by side that do not run on as prose does are a table's rows, not two columns."""
    areas = ["Help and protection of children", "The experiences of children in care", "The experiences of care leavers"]
    grades = ["Requires improvement to be good", "Good in every respect inspected", "Inadequate in several respects"]
    pdf = _two_columns(tmp_path / "table.pdf", areas, grades, "by row", heading="Judgements of the inspection")
    text = fold_ws(DocumentBuilder().run(pdf).text)
    for area, grade in zip(areas, grades):
        assert f"{area} {grade}" in text, text
