"""Scanned PDFs: pages with no text layer are read by OCR (rapidocr, its models in the wheel)."""

from __future__ import annotations

import pytest


def make_scan(path, pages):
    """A PDF of page images with no text layer, as a scanner writes one (Pillow draws the words)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=28)
    images = []
    for lines in pages:
        image = Image.new("RGB", (1240, 1754), "white")
        draw = ImageDraw.Draw(image)
        for i, line in enumerate(lines):
            draw.text((90, 120 + 56 * i), line, fill="black", font=font)
        images.append(image)
    images[0].save(str(path), save_all=True, append_images=images[1:], resolution=150)
    return path


SCAN = [
    ["Ofsted", "Dear Director of Children's Services", "Monitoring visit to Wexley children's services",
     "This letter summarises the findings of the monitoring visit.",
     "Inspectors looked at the front door and at children in need."],
    ["Inspectors found that return home interviews are now offered",
     "to every child who goes missing from home or care.", "Managers review the interviews every week.",
     "Yours sincerely", "Sam Oduya", "His Majesty's Inspector"],
]


def test_a_scanned_page_is_read_by_ocr_and_marked_so(tmp_path):
    from ingest.builder import DocumentBuilder

    doc = DocumentBuilder().run(make_scan(tmp_path / "scan.pdf", SCAN))
    start = doc.text.index("return home interviews")
    (span,) = [p for p in doc.pages if p.start <= start < p.end]
    assert span.page == 2 and span.ocr
    assert "Sam Oduya" in doc.text


@pytest.mark.slow
def test_questions_about_a_scanned_letter_are_answered_from_its_page(tmp_path, default_embedder):
    """Through the sandboxed parser and the real model: the finding is quoted from page 2, the citation says it
    was read by OCR, and the letter's signer is found."""
    from core.settings import Settings
    from inspection_qa.service import QAService

    import shutil

    from tests.paths import LETTER_PDF

    folder = tmp_path / "scans"
    folder.mkdir()
    make_scan(folder / "wexley-letter.pdf", SCAN)
    shutil.copy(LETTER_PDF, folder)  # a text PDF letter beside it, signed by someone else
    service = QAService(Settings(data_dir=tmp_path / "data"), embedder=default_embedder)
    report = service.ingest([folder])
    assert report.count("added") == 2 and not report.failures, report.outcomes
    answer = service.ask("What did inspectors find about return home interviews?")
    assert not answer.abstained, answer.reason
    cited = answer.citations[0]
    assert "return home interviews are now offered" in cited.quote
    assert cited.pages == (2,) and cited.ocr and "read by OCR" in answer.text
    assert cited.to_record()["ocr"] is True
    signed = service.ask("Who signed the scanned letter?")
    assert not signed.abstained, signed.reason
    assert "Sam Oduya" in signed.citations[0].quote
    assert {c.document for c in signed.citations} == {"wexley-letter.pdf"}  # the scan's, not the other letter's


def test_words_ocr_read_with_low_confidence_are_located_in_the_clean_text_and_named_by_the_citation():
    """rapidocr scores each word; one under `OCR_DOUBT` is found again, as that occurrence of that word, in the
    page's clean text, and a citation of a quote holding it names it (its text is never changed)."""
    from answering.composition import _citation
    from answering.scoring import Candidate
    from core.records import Chunk, Document, DocumentMeta, PageSpan, Span
    from ingest.builder import doubtful_ranges
    from ingest.loaders import ocr_page_text
    from inspection_qa.presentation import citation_caption_markdown, citation_line

    page = ocr_page_text([("Sam Oduya met Sam", [("Sam", 0.99), ("Oduya", 0.99), ("met", 0.99), ("Sam", 0.41)]),
                          ("Yours sincerely", [("Yours", 0.99), ("sincerely", 0.99)])])
    assert page.text == "Sam Oduya met Sam\nYours sincerely" and page.doubts == [("Sam", 1)]
    text = "Cover page.\n" + page.text.replace("\n", " ")
    span = PageSpan(2, 12, len(text), ocr=True)
    ranges = doubtful_ranges(text, span, page.doubts + [("missing", 0)])
    assert [text[a:b] for a, b in ranges] == ["Sam"] and ranges[0][0] == text.rindex("Sam")
    meta = DocumentMeta("scan.pdf", "scan.pdf", "Scan", None, "letter", None, "0" * 64, "/scan.pdf")
    doc = Document(meta, text, [PageSpan(1, 0, 12), PageSpan(2, 12, len(text), ocr=True, doubtful=ranges)])
    chunk = Chunk(id="c", doc_id="scan.pdf", filename="scan.pdf", title="Scan", date=None, source_kind="letter",
                  start=12, end=len(text), pages=(2,), section="", sentences=(Span(12, len(text)),),
                  text=text[12:], ordinal=0)
    quote = Span(12, 12 + len("Sam Oduya met Sam"))
    cited = _citation(Candidate(chunk=chunk, span=quote, rank=0, text=text[quote.start:quote.end]), 1,
                      lambda _: doc.pages, lambda _: doc.blocks)
    assert cited.ocr and cited.doubtful_words == ("Sam",) and cited.to_record()["doubtful_words"] == ["Sam"]
    assert "OCR unsure of: Sam" in citation_line(cited) and "low confidence" in citation_caption_markdown(cited)


def test_a_scans_quote_is_marked_on_the_lines_ocr_read_on_its_page(tmp_path):
    """A scan has no text layer to box: each OCR line is placed on the page at ingest (the image fills it), and a
    quote marks the part of each line its characters take, in proportion to them."""
    from ingest.builder import DocumentBuilder
    from inspection_qa.page_view import quote_highlights

    pdf = make_scan(tmp_path / "scan.pdf", SCAN)
    doc = DocumentBuilder().run(pdf)
    (span,) = [p for p in doc.pages if p.page == 2]
    assert len(span.ocr_lines) == len(SCAN[1])
    start = doc.text.index("return home interviews")
    end = doc.text.index("care.", start) + len("care.")
    (part,) = quote_highlights(pdf, doc, start, end)
    assert part.page == 2 and len(part.boxes) == 2
    first, second = part.boxes
    # Pillow drew the page's lines at 120 and 176 px from the top of a 1754 px image the page's height tall
    height = 1754 * 72 / 150
    assert first[1] < height - 120 * 72 / 150 < first[3] + 10 and second[3] < first[1]
    assert first[0] > second[0] + 50  # the quote starts mid-line ("Inspectors found that | return home ...")
