"""Word files and saved web pages: read with python-docx and trafilatura, made here by the tests."""

from __future__ import annotations

import pytest

from ingest.builder import DocumentBuilder

PAGE = """<!doctype html><html><head><title>Oakvale children's services rated good | Oakvale Gazette</title>
<meta property="article:published_time" content="2024-05-14T09:00:00Z">
<script>var paywall = "Register now to continue reading";</script></head>
<body><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a> <a href="/jobs">Jobs</a></nav>
<div class="cookie-banner">We use cookies to improve your experience. Accept all cookies</div>
<article><h1>Oakvale children's services rated good</h1>
<p>Ofsted has rated Oakvale Council's children's services good, three years after they were judged inadequate.</p>
<h2>Caseloads</h2>
<p>Inspectors found that social workers now hold an average of 17 children, down from 26 at the last inspection,
and that newly qualified staff are protected from the most complex cases.</p>
<p>The council's director, Jo Vane, said the result was "a tribute to our social workers and foster carers".</p>
</article>
<footer>Copyright Oakvale Gazette. All rights reserved. Privacy policy. Contact us.</footer></body></html>
"""


def make_word_letter(path):
    """A monitoring-visit letter as a council would save it: headings, a bulleted list and a judgement table."""
    import docx

    d = docx.Document()
    d.core_properties.title = "Monitoring visit to Wexley children's services"
    d.add_paragraph("Dear Director of Children's Services")
    d.add_heading("Monitoring visit to Wexley children's services", level=1)
    d.add_paragraph("This letter summarises the findings of the monitoring visit on 4 and 5 March.")
    d.add_heading("Areas for improvement", level=2)
    d.add_paragraph("The timeliness of initial child protection conferences.", style="List Bullet")
    d.add_paragraph("Managers' oversight of children placed in unregistered homes.", style="List Bullet")
    d.add_heading("Findings", level=2)
    d.add_paragraph("Return home interviews are now offered to every child who goes missing, and managers review "
                    "them each week.")
    table = d.add_table(rows=3, cols=2)
    for row, (area, grade) in zip(table.rows, [("Area", "Grade"), ("Help and protection", "Requires improvement"),
                                               ("Children in care", "Good")]):
        row.cells[0].text, row.cells[1].text = area, grade
    d.add_paragraph("Yours sincerely")
    d.add_paragraph("Sam Oduya, His Majesty's Inspector")
    d.save(str(path))
    return path


def test_a_word_letter_keeps_headings_bullets_and_table_rows_with_their_headings(tmp_path):
    doc = DocumentBuilder().run(make_word_letter(tmp_path / "letter.docx"))
    assert doc.meta.title == "Monitoring visit to Wexley children's services"
    assert "| Area: Help and protection | Grade: Requires improvement |" in doc.text
    assert "| Area: Children in care | Grade: Good |" in doc.text
    bullets = [doc.text[b.start:b.end] for b in doc.blocks if b.block_kind == "bullet"]
    assert bullets == ["The timeliness of initial child protection conferences.",
                       "Managers' oversight of children placed in unregistered homes."]
    finding = next(b for b in doc.blocks if doc.text[b.start:b.end].startswith("Return home interviews"))
    assert finding.section == "Findings"
    assert doc.pages == []  # no fixed pages to cite


def test_a_saved_web_page_gives_its_article_date_and_title_without_its_furniture(tmp_path):
    page = tmp_path / "oakvale-gazette.html"
    page.write_text(PAGE, encoding="utf-8")
    doc = DocumentBuilder().run(page)
    assert doc.meta.date == "2024-05-14" and doc.meta.date_source == "embedded"
    assert doc.meta.title.startswith("Oakvale children's services rated good")
    assert "an average of 17 children" in doc.text
    for furniture in ("cookies", "Register now", "Sport", "Copyright", "Privacy policy"):
        assert furniture not in doc.text, furniture


@pytest.mark.parametrize("name, data, ok", [
    ("letter.docx", b"PK\x03\x04rest-of-zip", True),
    ("letter.docx", b"%PDF-1.7 not a word file", False),
    ("page.html", b"<html><body><p>Text.</p></body></html>", True),
])
def test_uploads_take_word_files_and_web_pages_as_the_cli_does(name, data, ok):
    from core.errors import UnreadableFileError
    from inspection_qa.uploads import check_upload

    if ok:
        check_upload(name, data, max_mb=5)
    else:
        with pytest.raises(UnreadableFileError, match="not a Word file"):
            check_upload(name, data, max_mb=5)


@pytest.mark.slow
def test_questions_about_a_word_letter_and_a_web_page_are_answered_from_them(tmp_path, default_embedder):
    """Real model: the letter's finding and the page's figure are quoted; the page's furniture never is."""
    from core.settings import Settings
    from inspection_qa.service import QAService

    folder = tmp_path / "files"
    folder.mkdir()
    make_word_letter(folder / "wexley-monitoring-visit.docx")
    (folder / "oakvale-gazette.html").write_text(PAGE, encoding="utf-8")
    service = QAService(Settings(data_dir=tmp_path / "data"), embedder=default_embedder)
    report = service.ingest([folder])
    assert report.count("added") == 2 and not report.failures
    answer = service.ask("What did the monitoring visit find about return home interviews?")
    assert not answer.abstained, answer.reason
    assert answer.citations[0].document == "wexley-monitoring-visit.docx"
    assert "Return home interviews are now offered" in answer.citations[0].quote
    # Word has no fixed pages: the quote is placed by its section and paragraph, never as "p. 1"
    from inspection_qa.presentation import citation_line, place_label

    assert answer.citations[0].pages == ()
    assert place_label(answer.citations[0]) == "section “Findings”, paragraph 1"
    assert "p. " not in citation_line(answer.citations[0])
    assert answer.citations[0].to_record()["paragraph"] == 1
    answer = service.ask("How many children do Oakvale social workers hold on average?")
    assert not answer.abstained, answer.reason
    assert "an average of 17 children" in answer.citations[0].quote
    assert place_label(answer.citations[0]) == "section “Caseloads”, paragraph 1"
    for c in service.ask("Do they use cookies to improve your experience?").citations:
        assert "cookies" not in c.quote


def test_a_quote_without_pages_is_placed_by_its_paragraph_within_its_section():
    from answering.composition import _paragraph
    from core.records import Block

    blocks = [Block("heading", 0, 8, "Findings"), Block("paragraph", 9, 50, "Findings"),
              Block("bullet", 51, 80, "Findings"), Block("heading", 81, 90, "Next steps"),
              Block("paragraph", 91, 120, "Next steps"), Block("paragraph", 121, 160, "Next steps")]
    assert [_paragraph(blocks, offset) for offset in (10, 60, 95, 130, 85, 500)] == [1, 2, 1, 2, None, None]


def test_a_web_pages_byline_stays_with_its_article(tmp_path):
    """"Who wrote the story?": the byline the page's metadata gives is quotable under the heading."""
    page = tmp_path / "byline.html"
    page.write_text(PAGE.replace('<meta property="article:published_time"',
                                 '<meta name="author" content="Priya Lal; Local Democracy Reporter">\n'
                                 '<meta property="article:published_time"'), encoding="utf-8")
    doc = DocumentBuilder().run(page)
    assert "By Priya Lal, Local Democracy Reporter" in doc.text
    assert doc.text.index("By Priya Lal") < doc.text.index("Ofsted has rated")


def test_a_word_file_without_a_title_property_is_titled_by_its_first_heading(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("Dear Director of Children's Services")
    d.add_heading("Monitoring visit to Eastvale children's services", level=1)
    d.add_paragraph("Inspectors found that plans are up to date.")
    d.save(str(tmp_path / "visit.docx"))
    assert DocumentBuilder().run(tmp_path / "visit.docx").meta.title == "Monitoring visit to Eastvale children's services"
