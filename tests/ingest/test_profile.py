"""A document's profile: the judgements it states, each with the span it came from (ingest/profile.py)."""

from __future__ import annotations

import pytest

from ingest.profile import find_judgements, find_reported_dates, profile_of

TABLE = """Oakvale Council

Inspection of children's social care services

Judgement Grade

The impact of leaders on social work practice with children and families Good

The experiences and progress of care leavers Requires improvement to be good

Overall effectiveness Good

Children's services in Oakvale are good. Since the last inspection, when services were judged to be inadequate,
leaders have built a stable workforce.
"""


def test_a_judgement_table_as_text_extraction_leaves_it():
    found = {j.area: j for j in find_judgements(TABLE)}
    overall = found["Overall effectiveness"]
    assert overall.grade == "good"
    # the headline sentence states it in words; the table row sets the grade beside the area
    assert TABLE[overall.start:overall.end] == "Children's services in Oakvale are good"
    assert found["The experiences and progress of care leavers"].grade == "requires improvement to be good"
    assert find_judgements(TABLE)[0].area == "Overall effectiveness"  # overall first


@pytest.mark.parametrize("text, area, grade", [
    ("Overall effectiveness: Inadequate\n", "Overall effectiveness", "inadequate"),
    ("| Leadership | Outstanding |\n", "Leadership", "outstanding"),
    ("The adoption service was judged to be good last year.\n", "The adoption service", "good"),
    # a short sentence that is a named board's judgement (the single inspection framework's LSCB review)
    ("The Local Safeguarding Children Board is good. It provides strong challenge.\n",
     "Local Safeguarding Children Board", "good"),
])
def test_judgement_lines_tables_and_prose(text, area, grade):
    (j,) = find_judgements(text)
    assert (j.area, j.grade) == (area, grade)


@pytest.mark.parametrize("text", [
    "Staff in Oakvale are Good.\n",  # a sentence, not a table row: its grade is not capitalised
    "Staff have a Good understanding of the work\n",  # the grade does not end the line
    "Most children live in Good Homes\n",
    "The council is good at listening to children.\n",  # no named board, and the sentence goes on
])
def test_sentences_are_not_table_rows(text):
    assert find_judgements(text) == []


def test_a_judgement_of_an_earlier_inspection_is_not_the_documents_own():
    text = "Since the last inspection in 2031, when services were judged to be inadequate, leaders have acted.\n"
    assert find_judgements(text) == []
    found = find_judgements(TABLE)
    assert [j.grade for j in found if j.area == "Overall effectiveness"] == ["good"]


def test_a_visit_someone_had_led_before_is_not_the_one_the_document_reports():
    text = ("Inspection dates: 3 to 14 June 2031\n\nThe inspection was led by a senior inspector, who had also led "
            "the third monitoring visit in January 2030.")
    assert [f.value for f in find_reported_dates(text)] == ["2031-06-14"]


@pytest.mark.parametrize("text, grade", [
    ("Children's services in Oakvale are good.\n", "good"),
    ("Services for children in Oakvale are inadequate.\n", "inadequate"),
    ("Children's services in Oakvale require improvement to be good.\n", "requires improvement to be good"),
])
def test_the_headline_states_overall_effectiveness(text, grade):
    (j,) = find_judgements(text)
    assert (j.area, j.grade, j.start) == ("Overall effectiveness", grade, 0)


def test_a_stated_line_is_preferred_to_a_table_row_and_a_sentence_to_a_title():
    text = ("Children's services in Oakvale require improvement to be good\n\n"
            "The experiences and progress of care leavers          Good\n\n"
            "Children's services in Oakvale require improvement to be good. Leaders know their services well.\n\n"
            "The experiences and progress of care leavers: good\n")
    overall, leavers = find_judgements(text)
    assert text[overall.start:].startswith("Children's services in Oakvale require improvement to be good. Leaders")
    assert text[leavers.start:].startswith("The experiences and progress of care leavers: good")


@pytest.mark.parametrize("text, area, grade", [
    ("The graded judgement about the experiences and progress of care leavers is that it is inadequate.\n",
     "Experiences and progress of care leavers", "inadequate"),
    ("The graded judgement for adoption performance is that it requires improvement.\n", "Adoption performance",
     "requires improvement"),
])
def test_the_single_inspection_frameworks_graded_judgement_sentence(text, area, grade):
    (j,) = find_judgements(text)
    assert (j.area, j.grade, j.start) == (area, grade, 0)


def test_all_of_which_is_no_area():
    assert find_judgements("The council runs four homes, all of which were judged good.\n") == []


def test_a_grade_before_its_area_and_the_earlier_scale():
    (j,) = find_judgements("This is reflected in the judgement of adequate for leadership and governance.\n")
    assert (j.area, j.grade) == ("Leadership and governance", "adequate")
    (j,) = find_judgements("Safeguarding services          Adequate\n")
    assert (j.area, j.grade) == ("Safeguarding services", "adequate")


@pytest.mark.parametrize("text", [
    "Services for children in Oakvale are no longer inadequate.\n",  # no grade stated
    "The report noted that Brook House had been good.\n",  # recalled, not stated
    "The Director reminded the Board that services had been judged inadequate.\n",
])
def test_a_judgement_recalled_or_denied_is_not_stated(text):
    assert find_judgements(text) == []


def test_the_local_authoritys_services_for_looked_after_children_is_an_area():
    (j,) = find_judgements("The local authority's services for looked after children are judged to be adequate.\n")
    assert j.grade == "adequate"


def test_a_report_with_a_dates_line_reports_that_inspection_and_recalls_others():

    text = ("Inspection of Oakvale children's services\n\nInspection dates: 5 to 16 February 2034\n\n"
            "Leaders have acted on the findings of the focused visit in November 2031.\n")
    profile = profile_of(text, published="2034-03-20", kind="inspection_report")
    assert [f.value for f in profile.reported] == ["2034-02-16"]
    assert "2031-11" in profile.mentioned_events


def test_minutes_report_the_inspection_they_discuss_wherever_they_do():

    text = "Minutes of the scrutiny committee.\n\n" + "Members discussed the budget at length.\n" * 120 + \
        "The Director said the inspection in December 2031 had judged one home good.\n"
    assert [f.value for f in profile_of(text, published="2032-03-01", kind="council_minutes").reported] == ["2031-12"]


MINUTES = """WEXLEY BOROUGH COUNCIL
Children and Families Scrutiny Panel
Minutes of the meeting held on 4 March 2031

1. Performance. Wexley Borough Council's director reported that Wexley's agency rate had fallen.
2. Wexley's overspend was forecast at £2 million.
3. A member asked about the neighbouring council: Oakvale Council had been inspected, and Oakvale's report
was awaited. The director would not comment on another council's inspection.
"""


def test_minutes_are_about_the_council_that_held_the_meeting_not_a_neighbour_it_discussed():
    assert [b.value for b in profile_of(MINUTES, kind="council_minutes").bodies] == ["Wexley"]
    assert "Oakvale" in profile_of(MINUTES, kind="council_minutes").mentioned_bodies
    # the same text as a news item's is about both: a paper's round-up is about each council it covers
    assert [b.value for b in profile_of(MINUTES, kind="news").bodies] == ["Wexley", "Oakvale"]


def test_minutes_are_also_about_a_body_they_discuss_about_as_often_as_their_own():
    text = MINUTES + "4. Oakvale Children's Trust runs Oakvale's services; the Oakvale trust's plan was agreed.\n"
    assert [b.value for b in profile_of(text, kind="council_minutes").bodies] == ["Wexley", "Oakvale"]


def test_a_judgement_table_row_as_the_word_and_web_readers_write_it():
    from ingest.profile import find_judgements

    text = ("Judgements\n\n| Area: Help and protection | Grade: Requires improvement to be good |\n\n"
            "| Area: Children in care | Grade: Good |\n\n| Area: Staffing | Grade: Eleven posts |\n")
    assert [(j.area, j.grade) for j in find_judgements(text)] == [
        ("Help and protection", "requires improvement to be good"), ("Children in care", "good")]
