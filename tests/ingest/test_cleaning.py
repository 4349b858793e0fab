import re

import pytest

from ingest.cleaning import TextCleaner, remove_running_lines
from ingest.loaders import load_file
from tests.paths import LETTER_PDF, REFERENCE_TXT


def fold_ws(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_pdf_text_equals_reference_text():
    raw = load_file(LETTER_PDF)
    clean = TextCleaner().run(raw.pages)
    reference = REFERENCE_TXT.read_text("utf-8")
    reference = re.sub(r"(?m)^- ", "", reference)  # the reference writes bullets as '- '
    assert fold_ws(clean.text) == fold_ws(reference)


def test_no_header_footer_or_page_number_left():
    clean = TextCleaner().run(load_file(LETTER_PDF).pages)
    assert "Page 1 of 4" not in clean.text
    assert not re.search(r"Page \d+ of \d+", clean.text)
    assert "Ofsted | Unannounced inspection" not in clean.text
    assert "\x7f" not in clean.text


def test_pages_and_bullets_are_kept():
    clean = TextCleaner().run(load_file(LETTER_PDF).pages)
    assert [p.page for p in clean.pages] == [1, 2, 3, 4]
    bullets = [b for b in clean.blocks if b.block_kind == "bullet"]
    assert len(bullets) == 25
    assert clean.text[bullets[0].start:bullets[0].end].startswith("Senior managers demonstrate")
    sections = {b.section for b in clean.blocks}
    assert "Areas for development" in sections


def test_paragraph_crossing_a_page_break_is_joined_and_names_both_pages():
    clean = TextCleaner().run(load_file(LETTER_PDF).pages)
    start = clean.text.index("The support varies though across the council")
    pages = {p.page for p in clean.pages if p.start < start + 50 and start < p.end}
    assert pages == {2, 3}


def test_repeated_header_and_page_numbers_removed_generic():
    bodies = ["Inspectors met leaders.", "Caseloads were high.", "Plans were clear."]
    pages = [["Council report | Confidential", body, f"- {i} -"] for i, body in enumerate(bodies, start=1)]
    out = remove_running_lines(pages)
    assert out == [[b] for b in bodies]


def test_layout_breaks_joined_and_hyphenation_undone():
    page = (
        "Inspectors found that the assess-\nment of risk was weak in most of the cases that were seen by the team of\n"
        "inspectors during the visit. Work is co-\nlocated in schools.\n\n• A bullet that wraps over\nthe next line.\n"
        "• Second bullet."
    )
    clean = TextCleaner(wrapped=True).run([page])
    assert "assessment of risk" in clean.text
    assert "team of inspectors" in clean.text
    assert "co-located" in clean.text
    bullets = [clean.text[b.start:b.end] for b in clean.blocks if b.block_kind == "bullet"]
    assert bullets == ["A bullet that wraps over the next line.", "Second bullet."]


def test_markdown_headings_and_bullets():
    md = "# Monitoring visit\n\nIntro paragraph.\n\n## Findings\n\n- First finding.\n- Second finding.\n"
    clean = TextCleaner(markdown=True).run([md])
    kinds = [(b.block_kind, b.section) for b in clean.blocks]
    assert kinds[0] == ("heading", "Monitoring visit")
    assert ("bullet", "Findings") in kinds
    assert "#" not in clean.text and "- First" not in clean.text


def test_control_characters_removed():
    clean = TextCleaner().run(["Some\x00 text\x07 here.\n\x0cMore text."])
    assert all(ord(ch) >= 32 or ch == "\n" for ch in clean.text)


def test_a_soft_hyphen_at_a_line_end_joins_its_word():
    """Shared field case F04: "assess\u00ad" / "ments" was quoted as "assess ments"."""
    from ingest.cleaning import normalise_chars

    assert normalise_chars("the quality of assess\u00ad\nments completed") == "the quality of assessments completed"
    assert normalise_chars("a safe\u00adguarding lead") == "a safeguarding lead"  # mid-line: dropped


def test_soft_hyphens_in_real_pdfs_leave_whole_words(tmp_path):
    """F04 itself, and a second PDF of the same kind drawn here line by line with soft hyphens at line ends."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from tests.paths import FIXTURES

    pdf = tmp_path / "soft-hyphens.pdf"
    c = canvas.Canvas(str(pdf), pagesize=A4)
    lines = ["Dear Director", "", "Managers have strength\u00ad", "ened their over\u00ad",
             "sight of children in need, and supervi\u00ad", "sion is now regular."]
    for i, line in enumerate(lines):
        c.drawString(60, 780 - 16 * i, line)
    c.save()
    ours = fold_ws(TextCleaner().run(load_file(pdf).pages).text)
    assert "strengthened their oversight" in ours and "supervision is now regular" in ours, ours
    shared = fold_ws(TextCleaner().run(load_file(FIXTURES / "field_cases" / "soft-hyphen-letter.pdf").pages).text)
    assert "the quality of assessments completed in the duty team" in shared
    assert "\u00ad" not in ours + shared


def test_hard_hyphens_at_line_ends_join_words_and_keep_compounds(tmp_path):
    """Shared field case F05 ("re-ferral", "over-sight", "pro-gress" kept after common prefixes), and a second
    PDF of the same kind drawn here: a word the line end broke is joined when the joined form is an English
    word; a compound whose parts join into no word keeps its hyphen."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from tests.paths import FIXTURES

    shared = fold_ws(TextCleaner().run(load_file(FIXTURES / "field_cases" / "hyphenated-letter.pdf").pages).text)
    for word in ("referral", "oversight", "progress", "intervention", "understanding"):
        assert word in shared, (word, shared)
    pdf = tmp_path / "hard-hyphens.pdf"
    c = canvas.Canvas(str(pdf), pagesize=A4)
    lines = ["Dear Director", "", "Social workers are co-", "located with the police, and a multi-",
             "agency panel meets weekly. Since the re-", "inspection, managers have made sub-",
             "stantial improvements, and their under-", "standing of pre-", "birth assessment is strong."]
    for i, line in enumerate(lines):
        c.drawString(60, 780 - 16 * i, line)
    c.save()
    ours = fold_ws(TextCleaner().run(load_file(pdf).pages).text)
    for kept in ("co-located", "multi-agency", "re-inspection", "pre-birth"):
        assert kept in ours, (kept, ours)
    for joined in ("substantial improvements", "their understanding"):
        assert joined in ours, (joined, ours)


def test_a_pdfs_printed_page_numbers_are_its_pages_and_its_numbered_headers_are_dropped(tmp_path):
    """Shared field case F02 (roman front matter: text printed on page 3 is the file's sixth page), and a second
    PDF of the kind made here: a cover, two roman pages, then chapters whose running header carries the page
    number and the chapter's title; the labels come from the PDF's /PageLabels (pypdf)."""
    import pypdf
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from ingest.builder import DocumentBuilder
    from tests.paths import FIXTURES

    doc = DocumentBuilder().run(FIXTURES / "field_cases" / "northshire-inspection-report.pdf")
    start = doc.text.index("Return home interviews for children who go missing")
    (span,) = [p for p in doc.pages if p.start <= start < p.end]
    assert (span.page, span.label) == (6, "3")

    drawn = tmp_path / "drawn.pdf"
    c = canvas.Canvas(str(drawn), pagesize=A4)
    bodies = ["Annual report of the safeguarding partnership", "Foreword by the independent scrutineer.",
              "Contents and summary.", "Partners have met every month since April.",
              "Referrals to the front door rose by a tenth.", "Audits found that plans were up to date."]
    headers = ["", "", "", "1 Chapter 1 Governance", "Chapter 2 Referrals 2", "3 Chapter 3 Audits"]
    for header, body in zip(headers, bodies):
        if header:
            c.drawString(60, 800, header)
        c.drawString(60, 760, body)
        c.showPage()
    c.save()
    writer = pypdf.PdfWriter(clone_from=str(drawn))
    writer.set_page_label(0, 0, prefix="Cover")
    writer.set_page_label(1, 2, style="/r")
    writer.set_page_label(3, 5, style="/D", start=1)
    writer.write(str(drawn))
    doc = DocumentBuilder().run(drawn)
    where = {doc.text[p.start:p.end].strip(): (p.page, p.label) for p in doc.pages}
    assert where["Referrals to the front door rose by a tenth."] == (5, "2")
    assert where["Foreword by the independent scrutineer."] == (2, "i")
    assert "Chapter 2" not in doc.text and "Chapter 3 Audits" not in doc.text


def test_without_page_labels_the_numbers_printed_in_footers_and_headers_are_the_pages(tmp_path):
    """Item 2 where the file defines no /PageLabels: an unnumbered cover and contents, roman front matter,
    then "Page N" footers on some pages and a numbered running header on others; a page that prints no number
    inside the numbered run (a full-page table) still gets its place in the run."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from ingest.builder import DocumentBuilder
    from ingest.page_numbers import printed_page_numbers, roman_value

    drawn = tmp_path / "footers.pdf"
    c = canvas.Canvas(str(drawn), pagesize=A4)
    bodies = ["Report of the review of early help", "Contents and summary of the review.",
              "Foreword by the chair of the partnership.", "Partners have met every month since April.",
              "Referrals to the front door rose by a tenth.", "Audits found that plans were up to date.",
              "The table of referrals by month is shown below.", "Leaders know their services well."]
    footers = ["", "", "ii", "Page 1", "2 Referrals and assessment", "Page 3", "", "Page 5 of 5"]
    for footer, body in zip(footers, bodies):
        c.drawString(60, 760, body)
        if footer:
            c.drawString(60, 40, footer)
        c.showPage()
    c.save()
    doc = DocumentBuilder().run(drawn)
    where = {doc.text[p.start:p.end].strip(): (p.page, p.label) for p in doc.pages}
    assert where["Referrals to the front door rose by a tenth."] == (5, "2")
    assert where["The table of referrals by month is shown below."] == (7, "4")
    assert where["Partners have met every month since April."] == (4, "1")
    assert where["Contents and summary of the review."] == (2, "")  # unnumbered: its index stands
    assert "Referrals and assessment" not in doc.text  # the numbered running header is not text
    # numbers that are the indexes, or too few to be a numbering, are not labels
    assert printed_page_numbers(["one\n1", "two\n2", "three\n3"]) == []
    assert printed_page_numbers(["Cover", "In 2031 there were 7\nchildren", "text"]) == []
    assert [roman_value(t) for t in ("iv", "xii", "I", "ic", "")] == [4, 12, 1, None, None]


@pytest.mark.parametrize("lines, first_sentence", [
    # a title line over the body (shared field cases F03 and F05 begin so)
    (["Letter following the monitoring visit to Westvale children's services",
      "Inspectors found that staff turnover in the referral team had fallen. The findings of audits were"],
     "Inspectors found that staff turnover in the referral team had fallen."),
    # a salutation and the subject line under it
    (["Dear Director of Children's Services", "Monitoring visit to Oakvale children's services",
      "The quality of decision-making when a contact becomes a referral has improved, and thresholds are"],
     "The quality of decision-making when a contact becomes a referral has improved,"),
    # a first line that breaks off mid-sentence runs on
    (["Children's services in", "Oakvale have improved since the last inspection, and leaders know their"],
     "Children's services in Oakvale have improved"),
])
def test_a_title_salutation_or_subject_line_is_never_the_start_of_the_first_sentence(lines, first_sentence):
    clean = TextCleaner(wrapped=True).run(["\n".join(lines)])
    paragraphs = clean.text.split("\n\n")
    assert any(p.startswith(first_sentence) for p in paragraphs), paragraphs
