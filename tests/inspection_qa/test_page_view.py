"""The cited page as an image: the quote's characters, carried by their offsets, highlighted on the page.

Each highlight is checked by reading the PDF's own text back from inside its boxes (PDFium's bounded text):
it must equal the quote after whitespace folding, so the boxes cover the quote and nothing else of substance.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ingest.builder import DocumentBuilder
from inspection_qa.page_view import PageRenderer, quote_highlights, render_page
from tests.paths import FIXTURES, LETTER_PDF, ROOT


def fold(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def read_back(pdf: Path, highlight) -> str:
    """The PDF's text inside the highlight's boxes, line after line."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    try:
        textpage = document[highlight.page - 1].get_textpage()
        return " ".join(fold(textpage.get_text_bounded(*box)) for box in highlight.boxes)
    finally:
        document.close()


@pytest.fixture(scope="module")
def letter():
    return DocumentBuilder().run(LETTER_PDF)


def test_every_sentence_of_the_letter_is_highlighted_exactly(letter):
    sentences = list(re.finditer(r"[A-Z][^.]{20,400}\.", letter.text))
    assert len(sentences) > 40
    for m in sentences:
        parts = quote_highlights(LETTER_PDF, letter, m.start(), m.end())
        assert parts and all(p.boxes for p in parts)
        assert " ".join(read_back(LETTER_PDF, p) for p in parts) == fold(m.group(0)), m.group(0)


def test_a_sentence_printed_twice_on_a_page_is_highlighted_where_the_citation_points(letter):
    """The offsets decide, not a search for the words: each occurrence gets its own boxes."""
    phrase = "This was an area for development at the last unannounced inspection."
    starts = [m.start() for m in re.finditer(re.escape(phrase), letter.text)]
    assert len(starts) == 2
    first, second = (quote_highlights(LETTER_PDF, letter, s, s + len(phrase)) for s in starts)
    assert [p.page for p in first] == [p.page for p in second]
    assert set(first[0].boxes).isdisjoint(second[0].boxes)
    assert read_back(LETTER_PDF, first[0]) == read_back(LETTER_PDF, second[0]) == phrase


def test_a_quote_across_a_page_break_is_highlighted_on_both_pages(letter):
    start = letter.text.index("Yours sincerely")
    end = letter.text.index("Inspector", start) + len("Inspector")
    parts = quote_highlights(LETTER_PDF, letter, start, end)
    assert [p.page for p in parts] == [3, 4]
    assert [read_back(LETTER_PDF, p) for p in parts] == [fold(p.text) for p in parts]
    assert fold(" ".join(p.text for p in parts)) == fold(letter.text[start:end])


def test_the_rendered_page_differs_from_the_plain_page_only_inside_the_boxes(letter, tmp_path):
    from PIL import ImageChops

    start = letter.text.index("However, some unqualified staff")
    end = letter.text.index(".", start) + 1
    (part,) = quote_highlights(LETTER_PDF, letter, start, end)
    assert len(part.boxes) == 2  # the sentence runs over two lines
    marked, plain = render_page(LETTER_PDF, part.page, part.boxes), render_page(LETTER_PDF, part.page, ())
    left, top, right, bottom = ImageChops.difference(marked, plain).getbbox()
    scale, height = 2.0, plain.height / 2.0
    assert left >= min(b[0] for b in part.boxes) * scale - 4 and right <= max(b[2] for b in part.boxes) * scale + 4
    assert top >= (height - max(b[3] for b in part.boxes)) * scale - 4
    assert bottom <= (height - min(b[1] for b in part.boxes)) * scale + 4


def test_pages_are_named_as_printed_and_bad_requests_say_what_to_use(letter, tmp_path):
    from core.errors import InspectionQAError, NotFoundError

    report = FIXTURES / "field_cases" / "northshire-inspection-report.pdf"
    doc = DocumentBuilder().run(report)
    renderer = PageRenderer(tmp_path / "pages")
    start = doc.text.index("Return home interviews for children who go missing")
    end = doc.text.index(".", start) + 1
    assert renderer.page_index(doc, "3") == 6 and renderer.page_index(doc, "ii") == 2
    png = renderer.run(doc, "3", start, end)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.parent == tmp_path / "pages"
    (part,) = renderer.highlights(doc, start, end)
    assert read_back(report, part) == fold(doc.text[start:end])
    with pytest.raises(NotFoundError, match="has no page '9'; its pages are i, ii, iii, 1"):
        renderer.page_index(doc, "9")
    with pytest.raises(NotFoundError, match="not on page 4"):
        renderer.run(doc, "4", start, end)
    with pytest.raises(NotFoundError, match="use the citation's own start and end"):
        renderer.run(doc, "3", 10, 10 ** 7)
    from dataclasses import replace

    with pytest.raises(InspectionQAError, match="no fixed pages"):
        renderer.highlights(replace(doc, pages=[]), start, end)


@pytest.mark.slow
def test_the_page_command_highlights_each_cited_quote_of_the_dev_answers(corpus_service, tmp_path):
    """Done-when of issue 13, item 1: `inspection-qa page` on the citations of the two-document held-out
    answers writes the page, and the text inside its boxes equals the quote (a quote over a page break: on
    each of its pages)."""
    from click.testing import CliRunner

    from inspection_qa.cli import main

    questions = [json.loads(line) for line in (ROOT / "questions" / "dev.jsonl").read_text().splitlines() if line]
    checked = 0
    for q in questions[:12]:
        answer = corpus_service.ask(q["question"])
        for c in answer.citations:
            if not c.document.endswith(".pdf"):
                continue
            rec = c.to_record()
            out = tmp_path / f"{checked}.png"
            result = CliRunner().invoke(main, ["--data-dir", str(corpus_service.settings.data_dir), "page",
                                               rec["document"], str(rec["page"]), "--start", str(rec["start"]),
                                               "--end", str(rec["end"]), "--out", str(out)])
            assert result.exit_code == 0, result.output
            assert out.read_bytes()[:4] == b"\x89PNG"
            parts = corpus_service.quote_highlights(rec["document"], rec["start"], rec["end"])
            assert [p.label for p in parts] == [str(p) for p in rec["page_labels"]]
            assert " ".join(read_back(LETTER_PDF, p) for p in parts) == fold(rec["quote"])
            checked += 1
    assert checked >= 10
