import shutil

import pytest

from core.errors import UnreadableFileError
from ingest.builder import DocumentBuilder
from ingest.metadata import date_from_text, kind_from_text
from ingest.sidecars import read_sidecar
from tests.paths import LETTER_PDF, NEWS_TXT


def test_sidecar_gives_metadata():
    meta = DocumentBuilder().run(LETTER_PDF).meta
    assert (meta.date, meta.source_kind, meta.publisher, meta.date_source) == ("2011-11-09", "inspection_letter", "Ofsted", "sidecar")
    news = DocumentBuilder().run(NEWS_TXT).meta
    assert (news.date, news.source_kind) == ("2019-01", "news")


def test_without_sidecar_the_date_comes_from_the_text(tmp_path):
    copy = tmp_path / "letter-renamed.pdf"
    shutil.copy(LETTER_PDF, copy)
    meta = DocumentBuilder().run(copy).meta
    assert meta.date == "2011-11-09" and meta.date_source == "text"
    assert meta.source_kind == "inspection_letter"


def test_date_patterns():
    assert date_from_text("Report\nPublished: 17 January 2019\nText") == "2019-01-17"
    assert date_from_text("Inspection dates: 26 November to 7 December 2018\n" + "x " * 50) == "2018-12-07"
    assert date_from_text("No date at all here.") is None


@pytest.mark.parametrize("line, iso", [
    ("Date: 09/11/2011", "2011-11-09"),  # British order: day first
    ("Date: 9.11.11", "2011-11-09"),
    ("Date: 23-04-2019", "2019-04-23"),
    ("Date: 31/02/2019", None),  # no such day
])
def test_numeric_dates_are_read_day_first(line, iso):
    assert date_from_text(line + "\n\nDear Director\n\nText of the letter.") == iso


@pytest.mark.parametrize("text, iso", [
    ("Agenda and minutes\n\nPeople Scrutiny Committee - Tuesday, 7th May, 2013 2.00 pm\n\nVenue: Town Hall\n\n"
     "1. Minutes\nTo approve the minutes of the meeting held on 16 April 2013.\n", "2013-05-07"),
    ("Agenda and minutes\n\nChildren's Scrutiny Panel\nThursday, 3rd November, 2022 10.00 am\n\n"
     "2. Minutes\nTo confirm the minutes of the meeting held on 28 July 2022\n", "2022-11-03"),
])
def test_a_meeting_is_dated_by_its_heading(text, iso):
    assert date_from_text(text) == iso


def test_numbered_paragraphs_and_financial_years_are_not_dates():
    assert date_from_text("In 2015/16 and 2016/17 spending rose.\n1.2.3 Section heading\n") is None


def test_minutes_are_dated_by_their_own_meeting_not_the_one_they_approve():
    head = ("OAKVALE COUNCIL\n\nMinutes of a meeting of the Scrutiny Committee held at the Town Hall, Oakvale, on "
            "Thursday 13 October 2011 at 2.00 pm\n\nPresent: Councillors A, B\n\n")
    approve = "1. MINUTES\nThe minutes of the meeting held on 14 July 2011 were approved.\n"
    assert date_from_text(head + approve) == "2011-10-13"
    assert date_from_text("Present: A\n" + approve + "\nMinutes of the meeting held on 2 May 2012\n") == "2012-05-02"


def test_kind_guesses():
    assert kind_from_text("By Jane Smith-\nThe council said “fine”.", "story.txt") == "news"


def test_bad_sidecar_names_file_and_reason(tmp_path):
    doc = tmp_path / "a.txt"
    doc.write_text("Some text about inspections.")
    (tmp_path / "a.txt.meta.toml").write_text('date = "last year"\n')
    with pytest.raises(UnreadableFileError) as err:
        read_sidecar(doc)
    assert "a.txt.meta.toml" in str(err.value) and "YYYY" in str(err.value)


def test_news_without_sidecar_is_news_bounded_by_its_latest_date(tmp_path):
    copy = tmp_path / "story-0042.txt"
    shutil.copy(NEWS_TXT, copy)
    meta = DocumentBuilder().run(copy).meta
    assert meta.source_kind == "news" and meta.date == "2018-04" and meta.date_source == "latest mentioned"
    assert meta.title.startswith("Birmingham Social Services are enjoying")


def test_letter_without_pdf_title_takes_its_subject_line(tmp_path):
    from ingest.metadata import title_from_text

    text = "Some Street\n\n9 November 2011\n\nDear Ms Brazil\n\nAnnual unannounced inspection of X\n\nThis letter."
    assert title_from_text(text, None, "doc-1.pdf") == "Annual unannounced inspection of X"


NEWS_ABOUT_A_VISIT = """Oakvale's children's services rated 'inadequate' after spot check

A council has been rated "inadequate" after a focused visit found children left at risk.

Inspectors found that social workers were under pressure from high caseloads, the report said.

The council's leader said: "We accept the findings in full." Inspectors found high numbers of
unallocated cases, according to the report.
"""


def test_a_news_report_about_a_visit_is_news_not_the_visit():
    assert kind_from_text(NEWS_ABOUT_A_VISIT, "article.txt") == "news"
    letter = "Dear Director\n\nFocused visit to Oakvale children's services\n\nInspectors found that plans were weak."
    assert kind_from_text(letter, "letter.txt") == "focused_visit"  # the visit's own letter


def test_a_web_page_title_skips_the_cookie_notice():
    from ingest.metadata import title_from_text
    page = ("We use cookies to help provide and enhance our service. By continuing you agree to the use of cookies.\n\n"
            "21 OCT 2013\n\nOfsted finds one in seven councils' children's services inadequate\n\nBody text here.")
    assert title_from_text(page, None, "page.txt") == "Ofsted finds one in seven councils' children's services inadequate"


@pytest.mark.parametrize("text", [
    "THE OAKVALE GAZETTE\n\nCouncil's care rated 'good'\n\n28 April 2031\n\nInspectors have praised the council.",
    "Oakvale Evening Post\n\nSocial workers leave\n\nThe council said \"we are recruiting\" this week.",
])
def test_a_newspaper_name_or_straight_quotes_make_news(text):
    assert kind_from_text(text, "item.txt") == "news"


def test_a_report_that_names_a_newspaper_in_passing_is_not_news():
    text = "Inspection of Oakvale children's services\n\nInspection dates: 3 to 14 March 2031\n\nOverall effectiveness: Good\n"
    assert kind_from_text(text, "report.txt") == "inspection_report"


@pytest.mark.parametrize("text, expected", [
    # a labelled date line wins over an agenda item naming the last meeting's date
    ("OAKVALE COUNCIL\nSCRUTINY PANEL\n\nDate of meeting: 21 March 2031\n\nCFS/43 Minutes of the meeting held on "
     "18 January 2031\nThe minutes were accepted.", "2031-03-21"),
    ("MINUTES\nCFS/43 Minutes of the meeting held on 18 January 2031\nThey were accepted.\n", None),
    ("Minutes of the meeting held on 18 January 2031\nPresent: Councillor Ada Brook\n", "2031-01-18"),
    ("Oakvale Council\nDate: 09/11/2031\n\nDear Director\n\nAt the last inspection in March 2029 ...", "2031-11-09"),
])
def test_a_documents_own_date_line(text, expected):
    assert date_from_text(text) == expected


def test_a_date_whose_space_before_the_year_ocr_lost_is_still_read():
    """A scanned letter's OCR read "2 October 2031" as "2 October2031"."""
    from ingest.metadata import find_dates

    assert find_dates("Piccadilly Gate, Manchester M1 2WD 2 October2031") == [(35, "2031-10-02")]


@pytest.mark.parametrize("text, expected", [
    # ordinals, "w/c" and ranges: the date line's own day
    ("Oakvale Council\nDate: 3rd June 2031\n\nDear Director\n\nIn the w/c 12 May 2031 ...", "2031-06-03"),
    ("Inspection dates: 26 November to 7 December 2031\n" + "x " * 40, "2031-12-07"),
    # a file that writes only month-first dates (11/25/2031) reads its date line month-first
    ("Date: 04/03/2031\n\nDear Director\n\nThe visit on 11/25/2030 found ...", "2031-04-03"),
    # one that writes dates both ways leaves a date such as 04/03/2031 unset ...
    ("Date: 04/03/2031\n\nDear Director\n\nVisits on 11/25/2030 and 25/11/2030 found ...", None),
    # ... but not a date that reads one way only
    ("Date: 04/04/2031\n\nDear Director\n\nVisits on 11/25/2030 and 25/11/2030 found ...", "2031-04-04"),
])
def test_numeric_dates_follow_the_files_own_convention_and_an_ambiguous_one_is_not_guessed(text, expected):
    from ingest.metadata import ambiguous_date_line

    assert date_from_text(text) == expected
    assert (ambiguous_date_line(text) is not None) == (expected is None)


def test_an_ambiguous_date_is_reported_at_ingest_and_in_status(tmp_path):
    """Item 6: the document is added without a date, with a warning naming the file and the fix."""
    from ingest.builder import DocumentBuilder
    from ingest.pipeline import document_warning

    letter = tmp_path / "letter.txt"
    letter.write_text("Oakvale Council\nDate: 04/03/2031\n\nDear Director\n\n"
                      "Visits on 11/25/2030 and 25/11/2030 found that plans were up to date.\n")
    meta = DocumentBuilder().run(letter).meta
    assert (meta.date, meta.date_source, meta.shown_date) == (None, "ambiguous", "date ambiguous")
    warning = document_warning(meta)
    assert "two different days" in warning and "letter.txt.meta.toml" in warning
