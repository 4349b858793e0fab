"""The lead of a typed answer: the figure, date or judgement the quote states (no model)."""

import pytest

from answering.composition import lead_value


@pytest.mark.parametrize("text, expected", [
    ('Of the 41 councils published up to 20 January, 10 have been rated "good" and seven "inadequate".', "10"),
    ("In 14 of the 40 cases sampled, there was no recorded supervision for over three months.", "14"),
    ("At 31 March 2023, 389 children were in the care of the council.", "389"),  # not the day of the date
    ("Twenty-three families were approved as foster carers in 2019.", "Twenty-three"),
    ("Of the 212 care leavers, all are in touch.", "212"),  # the only figure
    ("Agency spending rose to £7.9 million in 2022-23.", "£7.9 million"),
])
def test_a_how_many_answer_leads_with_the_part_not_the_whole_nor_a_date(text, expected):
    assert lead_value(text, "how_many") == expected


@pytest.mark.parametrize("text, grade", [
    ("Services for children in Oakvale are now outstanding.", True),
    ("Children's services in Oakvale require improvement to be good.", True),
    ("Overall effectiveness: Good", True),
    ("Achieving economic well-being Inadequate", True),
    ("2.1 Adoption performance Good", True),
    ("| Leadership | Outstanding |", True),
    ('The council was rated "inadequate" in 2031.', True),
    ("The virtual school has a good understanding of children's progress.", False),
    ("Managers give good support to newly qualified staff.", False),
])
def test_a_grade_is_a_judgement_not_the_adjective(text, grade):
    from answering.features import GRADE
    assert bool(GRADE.search(text)) is grade


@pytest.mark.parametrize("text, expected", [
    ("Services in Oakvale have improved since the inspection in 2031, when they were judged to be inadequate, "
     "and they now require improvement to be good.", "require improvement to be good"),
    ("Services in Oakvale are inadequate and have deteriorated since the last inspection in 2031, when they "
     "were judged to require improvement.", "inadequate"),
    ("Overall effectiveness Good", "Good"),
    ("Services were previously judged inadequate.", "inadequate"),  # the only grade stated
])
def test_a_judgement_leads_with_the_grade_stated_not_an_earlier_inspections(text, expected):
    assert lead_value(text, "judgement") == expected


@pytest.mark.parametrize("text, question, expected", [
    ("Inspectors sampled 24 records; at the time of the inspection 486 children were in the council's care.",
     "How many children were in the council's care?", "486"),
    ("In the six months to March, 94% of contacts had a decision within one working day.",
     "What percentage of contacts had a decision within one working day?", "94%"),
    ("The council has 16 teams and spent £4.2 million on agency social workers.",
     "How much did the council spend on agency social workers?", "£4.2 million"),
    ("Inspectors sampled 24 records.", "How many children were in care?", "24"),  # the only figure
    # a paragraph's number is no figure; a share of the kind asked stands though the thing is named otherwise
    ("6. Contacts are screened promptly. Managers decide on 94% of contacts within 24 hours.",
     "What percentage of contacts to the hub had a decision within 24 hours?", "94%"),
])
def test_a_figure_answer_leads_with_the_figure_asked_for(text, question, expected):
    assert lead_value(text, "how_many", question) == expected


@pytest.mark.parametrize("text, expected", [
    ("Under the Childcare Act 2031, inspectors visited the council on 3 to 5 November 2032.", "3 to 5 November 2032"),
    ("The duty comes from the Children Act 2031.", ""),  # a year in an Act's name is no date
    ("The report was published in 2031, after the visit in March 2031.", "March 2031"),
])
def test_a_date_answer_leads_with_a_date_not_an_acts_year(text, expected):
    assert lead_value(text, "when") == expected


def test_a_quote_stating_the_share_asked_for_leads():
    from answering.composition import leads_with_asked_figure
    from tests.answering.test_constraints import _best

    chosen = _best("Four experienced social workers had left for agencies.",
                   "Agency social workers made up 17% of the workforce in January.")
    question = "What proportion of social workers were agency staff?"
    assert [c.text for c in leads_with_asked_figure(chosen, question)] == [chosen[1].text, chosen[0].text]
    assert leads_with_asked_figure(chosen, "How many social workers left?") == chosen  # no kind of figure asked


def test_a_quote_stating_a_date_leads_a_when_answer():
    from answering.composition import leads_with_date
    from tests.answering.test_constraints import _best

    chosen = _best("At the time of the visit, 78% of care leavers had a pathway plan.",
                   "This letter summarises the findings of the monitoring visit on 6 and 7 March 2031.")
    assert [c.text for c in leads_with_date(chosen)] == [chosen[1].text, chosen[0].text]
    assert leads_with_date(chosen[::-1]) == chosen[::-1]  # a date leads already: the order is kept


@pytest.mark.parametrize("text, expected", [
    ("The Assistant Director, Children's Social Care, presented the report.", ""),  # a post, not a person
    ("Joanna Vane, Executive Director of Children's Services, said the council was proud.", "Joanna Vane"),
])
def test_a_who_answer_leads_with_a_person(text, expected):
    assert lead_value(text, "who") == expected


def test_the_closing_line_quotes_a_clause_of_one_sentence_never_a_fragment_across_two():
    from answering.composition import clause

    text = ("The council has opened two small homes, and foster carer recruitment has increased the number of local "
            "placements. However, 29% of children in care still live outside Oakvale, and there is a shortage.")
    got = clause(text, ["number", "children", "care"])
    assert got == "29% of children in care still live outside Oakvale"
    assert got in text and "However" not in got


def test_a_letters_addressee_is_the_titled_person_not_its_senders_street():
    from answering.composition import lead_value

    block = "Ofsted\nPiccadilly Gate, Store Street, Manchester\n9 October 2031\nMr Leon Farraday\nDirector of Children's Services"
    assert lead_value(block, "who", "Who was the letter addressed to?") == "Mr Leon Farraday"
    assert lead_value(block, "who", "Who was the letter sent to?") == "Mr Leon Farraday"


def test_a_when_answer_leads_with_a_numeric_date_before_a_bare_year():
    from answering.composition import lead_value

    assert lead_value("The meeting on 21/02/2033 reviewed the 2032 figures.", "when") == "21/02/2033"
    assert lead_value("In 2032 the panel met on 3 March 2033.", "when") == "3 March 2033"


def test_how_many_there_are_now_is_the_figure_a_change_ends_at():
    from answering.composition import lead_value

    text = "The service has grown from six to eleven independent reviewing officers."
    assert lead_value(text, "how_many", "How many independent reviewing officers does Oakvale have?") == "eleven"
    assert lead_value("Caseloads fell from 26 to 17 children.", "how_many", "How many children are on a caseload?") == "17"
