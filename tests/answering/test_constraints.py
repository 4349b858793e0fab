"""How a question's constraints are read, and which documents meet them (no model, no index).

Every body, year and person here is invented for the test; the rules under test name none.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from answering.abstention import FIGURES, counted_thing, counted_window, counts_thing
from answering.constraints import BodyNames, matching_documents, read_constraints, strict_documents
from core.records import DocumentMeta, DocumentProfile, Fact
from ingest.profile import find_bodies

KNOWN = ["Oakvale", "Brindle Heath", "Wexley"]


@pytest.mark.parametrize("question, expected", [
    ("When was Oakvale's first monitoring visit after it was judged inadequate?", "when"),
    ("Who led the inspection that rated Oakvale good?", "who"),
    ("What was Oakvale's overall judgement in 2019?", "judgement"),
    ("How many children were rated as at high risk?", "how_many"),
    ("Did inspectors find drift in plans?", "yes_no"),
    ("When children ran away and came back, did someone talk to them about why?", "yes_no"),
    ("When did inspectors visit, and what did they find?", "when"),
    ("Which MP did the paper quote after Oakvale was rated inadequate?", "who"),  # a post asked for, whatever follows
    ("Which local councillor asked about agency staff?", "who"),
    ("What worried inspectors about supervision in 2031?", "what"),  # a verb before the post: not asked for
    ("What did the director say about caseloads?", "what"),
    ("What proportion of leaders were new?", "how_many"),
    ("Were unqualified staff doing work above their grade?", "yes_no"),
    ("dates of the third monitoring visit to oakvale", "when"),
    ("Did the 2031 joint inspection in Oakvale give a grade?", "yes_no"),
    ("Was Oakvale graded good in 2031?", "judgement"),
    ("Which council acted as Oakvale's improvement partner after it was rated inadequate?", "what"),  # a post's grade is no judgement
    ("What grade did Oakvale get in 2031?", "judgement"),
])
def test_the_opening_word_decides_the_answer_type_before_words_inside(question, expected):
    assert read_constraints(question, KNOWN).answer_type == expected


@pytest.mark.parametrize("question, event", [
    ("What was the average caseload in Oakvale at its 2018 inspection?", True),
    ("How many children were in care when Ofsted inspected Oakvale in March 2019?", True),
    ("What did the 2021 report say about caseloads in Wexley?", True),
    ("How many complaints did Oakvale receive in 2014-15?", False),  # the period of a figure
    ("How many foster carers did Wexley approve in 2020?", False),
])
def test_a_year_tied_to_an_inspection_visit_or_report_is_an_event_period(question, event):
    assert read_constraints(question, KNOWN).event_period is event


def test_an_ordinal_visit_is_read_with_a_word_between():
    c = read_constraints("What did the third Ofsted monitoring visit to Oakvale find?", KNOWN)
    assert (c.visit_number, c.kinds, c.bodies) == (3, ("monitoring_visit",), ("Oakvale",))


def test_body_names_are_found_folded_and_as_whole_words():
    names = BodyNames(KNOWN)
    assert names.names("BRINDLE HEATH and Oakvale’s leaders") == {"Brindle Heath", "Oakvale"}
    assert names.names("Oakvalestown is elsewhere; Wexleys too") == set()


def test_a_possessive_is_not_part_of_a_body_name():
    text = ("Wexley Borough Council has reviewed Wexley's front door. Wexley Borough Council said that "
            "Wexley's assessment teams would grow.")
    assert [f.value for f in find_bodies(text)] == ["Wexley"]


@pytest.mark.parametrize("question, sentence, counts", [
    ("How many rapid reviews did the partnership carry out?", "The partnership carried out four rapid reviews.", True),
    ("How many looked after children did Oakvale have?", "There were 612 looked after children.", True),
    ("How many complaints did Oakvale receive in 2018?", "The number of complaints rose to 41 in the year.", True),
    ("How many families were approved as foster carers?", "Twenty-three families were approved.", True),
    ("How many newly qualified social workers did Wexley take on in 2024?",
     "Newly qualified social workers are well supported, with caseloads of no more than ten children.", False),
    ("How many complaints did Oakvale receive in 2018?", "Complaints are not analysed to find learning.", False),
    ("How many foster carers did Wexley approve in 2020?", "Wexley has too few foster carers since 2020.", False),
    ("How many of Oakvale's looked after kids have moved three times?", "13% of children in care had three moves.", True),
    ("How many of the kids who had left care were at college?", "Only 49% of care leavers are in education.", True),
])
def test_a_how_many_question_needs_a_number_of_the_thing_it_counts(question, sentence, counts):
    thing = counted_thing(question)
    assert thing
    assert counts_thing(sentence, thing) is counts


def test_how_many_times_counts_occasions_under_any_name():
    """"How many times did children run away?" is answered by "1,238 episodes of children going missing":
    the occasions have no head word to find."""
    assert counted_thing("How many times did children in Oakvale run off from home in 2031?") == ""


@pytest.mark.parametrize("question, thing", [
    ("What percentage of care leavers were in education?", "leaver"),
    ("What proportion of children who go missing get a return home interview?", "children"),  # not "missing"
    ("What did inspectors say about care leavers?", ""),  # no figure asked for
])
def test_what_a_share_question_counts(question, thing):
    assert counted_thing(question) == thing


def _best(*texts):
    from answering.scoring import Candidate
    from core.records import Chunk, Span

    out = []
    for i, text in enumerate(texts):
        chunk = Chunk(id=f"c{i}", doc_id="d", filename="f.txt", title="t", date=None, source_kind="news", start=0,
                      end=len(text), pages=(1,), section="", sentences=(Span(0, len(text)),), text=text, ordinal=i)
        cand = Candidate(chunk, Span(0, len(text)), 1, text, prior=1.0)
        cand.score = 0.9 - 0.1 * i
        out.append(cand)
    return out


def test_a_share_must_be_of_the_thing_counted():
    """A share of something else and a count of the thing in two sentences are not the share asked for."""
    from answering.abstention import AbstentionPolicy

    question = "What percentage of missing children got a return home interview in Oakvale?"
    apart = _best("Ninety-five per cent of contacts receive a decision within a day.",
                  "The average caseload in the assessment service is 18 children.")
    assert "a proportion of children" in AbstentionPolicy().decide(question, apart, [], [], answer_type="how_many")
    together = _best("Return home interviews are offered to 64% of children who go missing.")
    assert AbstentionPolicy().decide(question, together, [], [], answer_type="how_many") == ""


@pytest.mark.parametrize("text, share", [
    ("Two in five social workers were agency staff.", True),
    ("Agency staff fill 12 per cent of posts.", True),
    ("Children in need wait too long.", False),  # "X in Y" without numbers is not a share
])
def test_a_proportion_is_a_share_not_any_phrase_with_in(text, share):
    assert bool(FIGURES["a proportion"].search(text)) is share


def _meta(doc_id: str, kind: str, body: str, date: str) -> tuple[DocumentMeta, DocumentProfile]:
    profile = DocumentProfile(bodies=(Fact(body, 0, len(body)),), published=date, kind=kind)
    return DocumentMeta(doc_id, f"{doc_id}.txt", doc_id, date, kind, None, doc_id, doc_id, profile=profile), profile


def _library(*docs):
    metas, profiles = [], {}
    for doc_id, kind, body, date in docs:
        m, p = _meta(doc_id, kind, body, date)
        metas.append(m)
        profiles[doc_id] = p
    return metas, profiles


def test_a_visit_no_document_of_the_body_is_or_speaks_of_is_declined():
    metas, profiles = _library(("r", "inspection_report", "Oakvale", "2016-03-01"),
                               ("m", "council_minutes", "Oakvale", "2018-03-01"))
    texts = {"r": "Oakvale inspection report.", "m": "Minutes of the panel."}
    c = read_constraints("Who led Oakvale's focused visit?", KNOWN)
    assert matching_documents(metas, profiles, c, text_of=texts.get) == ([], "kind")
    # a visit merely expected never happened as far as the library knows
    for expected in ("Members heard that a focused visit was expected in the spring.",
                     "Oakvale could expect either a standard inspection or a focused visit."):
        texts["m"] = expected
        assert matching_documents(metas, profiles, c, text_of=texts.get) == ([], "kind"), expected
    for held in ("Members discussed the focused visit and its findings.", "A focused visit in March 2031 found delays.",
                 "Ofsted's focused visit found delays."):
        texts["m"] = held
        assert matching_documents(metas, profiles, c, text_of=texts.get) == (["r", "m"], ""), held


def test_a_neighbours_document_of_the_period_joins_the_bodys_documents_that_only_mention_it():
    """Oakvale's own documents are of 2030 and 2033 and only mention 2031; a 2031 news report about Wexley
    that names Oakvale ("In neighbouring Oakvale, 23 per cent ... are currently from agencies") may say it."""
    metas, profiles = _library(("o30", "inspection_report", "Oakvale", "2030-05-01"),
                               ("o33", "inspection_report", "Oakvale", "2033-05-01"),
                               ("w31", "news", "Wexley", "2031-10-14"))
    profiles["o33"] = replace(profiles["o33"], mentioned_years=("2031",))
    c = read_constraints("What share of Oakvale's social workers were agency staff in 2031?", KNOWN)
    found, failed = matching_documents(metas, profiles, c, mentions=lambda d: {"Oakvale", "Wexley"})
    assert (sorted(found), failed) == (["o33", "w31"], "")


def test_an_inspection_named_by_its_year_is_not_in_minutes_of_that_year_reporting_another():
    """Minutes of 2031 that report only a 2030 visit, and expect an inspection "during 2031", are not of "the
    2031 inspection"; minutes that report one in 2031 are."""
    from dataclasses import replace

    metas, profiles = _library(("m", "council_minutes", "Oakvale", "2031-01-17"))
    profiles["m"] = replace(profiles["m"], reported=(Fact("2030-12", 0, 5),))
    c = read_constraints("What did Ofsted's 2031 inspection of Oakvale conclude?", KNOWN)
    assert c.inspection_event
    assert matching_documents(metas, profiles, c)[0] == []
    profiles["m"] = replace(profiles["m"], reported=(Fact("2031-01", 0, 5),))
    assert matching_documents(metas, profiles, c) == (["m"], "")


@pytest.mark.parametrize("text, of_it", [
    ("Ofsted is expected to inspect the council this year. Its last full inspection, in February 2028, rated the "
     "council good.", False),  # only an inspection to come and the last one
    ("Oakvale's children's services have been rated good by Ofsted.", True),
])
def test_news_of_the_year_is_of_its_inspection_only_where_it_reports_one(text, of_it):
    metas, profiles = _library(("n", "news", "Oakvale", "2031-02-07"))
    c = read_constraints("What judgements did Oakvale get at its 2031 Ofsted inspection?", KNOWN)
    assert matching_documents(metas, profiles, c, text_of={"n": text}.get)[0] == (["n"] if of_it else [])


def test_a_neighbours_document_answers_for_an_inspection_only_where_it_speaks_of_one_by_the_name():
    metas, profiles = _library(("n", "news", "Wexley", "2031-10-03"))
    texts = {"n": "The trust's night service with neighbouring Oakvale has taken 3,100 calls."}
    c = read_constraints("What did Ofsted's 2031 inspection of Oakvale conclude?", KNOWN)
    assert matching_documents(metas, profiles, c, mentions=lambda d: {"Oakvale"}, text_of=texts.get)[0] == []
    texts["n"] = "Oakvale, inspected by Ofsted in June, was rated good."
    assert matching_documents(metas, profiles, c, mentions=lambda d: {"Oakvale"}, text_of=texts.get) == (["n"], "")
    # an inspection merely expected is none
    texts["n"] = "In neighbouring Oakvale, rated good since 2028, the council's own inspection could come at any point."
    assert matching_documents(metas, profiles, c, mentions=lambda d: {"Oakvale"}, text_of=texts.get)[0] == []


def test_a_numbered_visit_the_library_lacks_is_read_from_documents_that_report_it():
    """The first and third monitoring visits' letters are in the library, the second only in minutes that
    report it: the third letter is not "the second" by date order, and the minutes answer."""
    from dataclasses import replace

    metas, profiles = _library(("v1", "monitoring_visit", "Oakvale", "2031-03-01"),
                               ("v3", "monitoring_visit", "Oakvale", "2032-02-01"),
                               ("m", "council_minutes", "Oakvale", "2031-09-01"))
    profiles["v1"] = replace(profiles["v1"], visit_number=Fact("1", 0, 5))
    profiles["v3"] = replace(profiles["v3"], visit_number=Fact("3", 0, 5))
    texts = {"v1": "This was the first monitoring visit.", "v3": "This was the third monitoring visit.",
             "m": "3. OFSTED SECOND MONITORING VISIT - JULY 2031"}
    c = read_constraints("What did Ofsted find at Oakvale's second monitoring visit?", KNOWN)
    assert matching_documents(metas, profiles, c, text_of=texts.get) == (["m"], "")
    texts["m"] = "Minutes of the panel."
    assert matching_documents(metas, profiles, c, text_of=texts.get) == ([], "visit")
    # no visit states its number: the second by date is the second
    profiles["v1"] = replace(profiles["v1"], visit_number=None)
    profiles["v3"] = replace(profiles["v3"], visit_number=None)
    assert matching_documents(metas, profiles, c, text_of=texts.get) == (["v3"], "")


@pytest.mark.parametrize("text, named", [
    ("Yours sincerely Margaret Ollerton Her Majesty's Inspector", True),
    ("PRESENT: Councillor Patricia Hume (Chair)", True),
    ("The trust's chief executive, Zoë Marlowe, has provided stable leadership.", True),
    ("Her Majesty's Inspector", False),  # a title
    ("The Director of Children's Services reported on the budget.", False),  # a role
    ("At 31 March 2031, 389 children were in the care of Oakvale Council.", False),  # a body and a date
])
def test_names_a_person(text, named):
    from answering.abstention import names_a_person

    assert names_a_person(text, lambda name: "Oakvale" in name) is named


@pytest.mark.parametrize("question, texts, declined", [
    ("Who chairs Oakvale's corporate parenting board?",
     ["Councillor Jane Smith, the cabinet member, said the council was proud.",
      "The board, with an independent chair, meets monthly."], True),  # a person, and a chair, but not together
    ("Who chairs Oakvale's improvement board?", ["The independent chair of the board, Mr Alan Greaves, spoke."], False),
    ("Who led the inspection?", ["The inspection was led by Ruth Carver, Her Majesty's Inspector."], False),
    ("Who was running children's services in 2031?", ["The director of children's services is Idris Vane."], False),
    ("Who was the director of children's services in 2031?", ["Services were run by the council."], True),
    ("Who oversees the flow of work from the front door?", ["Managers oversee the flow of work."], False),  # a role
    ("Who chairs child protection conferences?", ["Conferences are chaired by reviewing officers."], False),
    ("Who works in the Bright Start team?", ["Social workers and youth workers work in the team."], False),
    ("Which MP did the paper quote?", ["Councillor Jane Smith said the council was proud."], False),  # see below
    ("Who led the Ofsted inspection of Oakvale in 2031?", ["Reporting inspector: Ada Brook HMI"], False),
    ("Who led the Oakvale focused visit in 2031?",
     ["Her Majesty's Inspectors for children's social care services were Ada Brook and Jo Vane."], False),
])
def test_a_who_question_needs_a_person_in_the_role_it_asks_about(question, texts, declined):
    from answering.abstention import AbstentionPolicy

    reason = AbstentionPolicy().person_unnamed(question, _best(*texts))
    assert bool(reason) is declined, reason


@pytest.mark.parametrize("texts, named", [
    (["Councillor Jane Smith said the council was proud."], False),
    (["Oakvale South MP Ada Brook said she would meet ministers."], True),
])
def test_a_which_post_question_is_not_declined_but_looks_for_the_holder(texts, named):
    """"Which MP did the paper quote?": the answerer looks for the line naming one when the best evidence
    does not (AbstentionPolicy.holder_named), but does not decline for want of it."""
    from answering.abstention import AbstentionPolicy

    assert AbstentionPolicy().holder_named("Which MP did the paper quote?", _best(*texts)) is named


def test_a_document_that_names_the_body_in_its_text_answers_for_it_when_none_is_about_it_that_year():
    metas, profiles = _library(("r", "inspection_report", "Oakvale", "2016-03-01"),
                               ("n", "news", "Wexley", "2023-07-01"))
    c = read_constraints("What did Oakvale tell the press in 2023 about agency staff?", KNOWN)
    assert matching_documents(metas, profiles, c)[1] == "period"
    mentions = {"r": {"Oakvale"}, "n": {"Wexley", "Oakvale"}}
    assert matching_documents(metas, profiles, c, mentions=mentions.get) == (["n"], "")


def test_an_event_year_is_not_read_loosely():
    metas, profiles = _library(("r", "inspection_report", "Oakvale", "2024-02-01"))
    profiles["r"] = DocumentProfile(bodies=(Fact("Oakvale", 0, 7),), published="2024-02-01",
                                    mentioned_years=("2018",))
    figure = read_constraints("How many children were in care in Oakvale in 2018?", KNOWN)
    event = read_constraints("What was the average caseload in Oakvale at its 2018 inspection?", KNOWN)
    judged = read_constraints("What judgement did Ofsted give Oakvale's services in March 2018?", KNOWN)
    assert matching_documents(metas, profiles, figure) == (["r"], "")
    assert matching_documents(metas, profiles, judged) == (["r"], "")  # a later report may say so
    assert matching_documents(metas, profiles, event) == ([], "period")


class _Sentence:
    def __init__(self, text: str) -> None:
        self.text = text


@pytest.mark.parametrize("text, years, named", [
    ("In 2014-15 the council received 87 complaints.", ("2014", "2015"), True),
    ("In 2014/15 the council received 87 complaints.", ("2014", "2015"), True),
    ("At 31 March 2023, 389 children were in care.", ("2023",), True),
    ("Agency social workers make up 14% of the workforce.", ("2017",), False),
    ("The council received 87 complaints in 2016.", ("2014", "2015"), False),
])
def test_a_figure_from_a_later_document_must_name_the_period_asked_about(text, years, named):
    from answering.abstention import AbstentionPolicy
    reason = AbstentionPolicy().period_unstated([_Sentence(text)], years)
    assert (reason == "") is named


@pytest.mark.parametrize("question, sentence, counts", [
    ("What is the average caseload of social workers in Oakvale?", "Oakvale is home to 67,500 children.", False),
    ("What is the average caseload of social workers in Oakvale?",
     "The average caseload for social workers in the children in need teams is now 21 children.", True),
    # a caseload in its own unit, next to its figure
    ("What were reviewing officers' caseloads in Oakvale?", "Reviewing officers hold an average of 95 cases each.", True),
    ("What was Wexley's total budget for children's services?", "A further £2 million was added to the budget.", True),
    # a subject of several words with possessives ("the 'What is the trust's annual budget?'")
    ("What is Oakvale Children's Trust's annual budget?", "The trust was set up in 2031 with a new chair.", False),
    ("What is Oakvale Children's Trust's annual budget?", "The trust's budget for 2031-32 is £96 million.", True),
])
def test_a_what_figure_question_needs_its_figure_in_a_sentence_that_names_it(question, sentence, counts):
    from answering.abstention import counted_window
    thing = counted_thing(question)
    assert thing and counted_window(question) > 4
    assert counts_thing(sentence, thing, counted_window(question)) is counts


def test_one_passing_mention_does_not_make_a_text_about_a_body():
    text = ("Wexley Borough Council was rated inadequate. Wexley Borough Council's director left, and Wexley "
            "has appointed an interim, who was previously at Oakvale Council.")
    assert [f.value for f in find_bodies(text)] == ["Wexley"]
    assert "Oakvale" in [f.value for f in find_bodies(text, main=False)]


@pytest.mark.parametrize("text, body", [
    ("OAKVALE GAZETTE\n\nOakvale children's services rated 'good' for first time\n\nBy A Reporter", "Oakvale"),
    ("Children's services in Wexley have been rated good by Ofsted.", "Wexley"),
])
def test_a_news_report_names_its_council_in_a_headline_or_as_services_in(text, body):
    assert [f.value for f in find_bodies(text)] == [body]


def test_a_text_whose_profile_found_no_body_is_about_the_bodies_it_names():
    metas, profiles = _library(("r", "inspection_report", "Oakvale", "2022-03-01"))
    news, news_profile = _meta("n", "news", "x", "2022-04-28")
    news_profile = DocumentProfile(published="2022-04-28")  # the county council, never named as a body
    metas.append(news)
    profiles["n"] = news_profile
    c = read_constraints("What was said about caseloads in Oakvale in 2022?", KNOWN)
    assert matching_documents(metas, profiles, c)[0] == ["r"]
    assert matching_documents(metas, profiles, c, mentions={"r": {"Oakvale"}, "n": {"Oakvale"}}.get)[0] == ["r", "n"]


def test_a_what_figure_question_is_declined_whatever_its_answer_type():
    """"What is X's annual budget?" reads as a plain "what" question; it still needs the figure."""
    from answering.abstention import AbstentionPolicy
    from answering.scoring import Candidate
    from core.records import Chunk, Span

    text = "The trust was set up in 2031 with a new chair, and leaders have a clear plan."
    chunk = Chunk(id="c", doc_id="d", filename="f.txt", title="t", date=None, source_kind="news", start=0,
                  end=len(text), pages=(1,), section="", sentences=(Span(0, len(text)),), text=text, ordinal=0)
    best = [Candidate(chunk, Span(0, len(text)), 1, text, prior=1.0)]
    best[0].score = 0.9
    reason = AbstentionPolicy().decide("What is Oakvale Children's Trust's annual budget?", best, [], [],
                                       answer_type="what")
    assert "none of the best evidence" in reason


@pytest.mark.parametrize("question, text, declined", [
    ("When is the next inspection of Oakvale due?",
     "Due to poor performance, the minister issued an improvement notice in February 2031.", True),  # a past date
    ("When is the next inspection of Oakvale due?", "The next inspection is expected by March 2034.", False),
    ("When was the policy approved, and when was it due for review?", "Review date: March 2031", False),  # past
])
def test_a_when_question_about_what_is_to_come_needs_a_dated_plan(question, text, declined):
    from answering.abstention import AbstentionPolicy

    reason = AbstentionPolicy().decide(question, _best(text), [], [], answer_type="when")
    assert bool(reason) is declined, reason


@pytest.mark.parametrize("grade, declined", [(1.0, False), (0.5, True), (0.0, True)])
def test_a_judgement_question_needs_a_grade_stated(grade, declined):
    """"What rating did Ofsted award in its annual review?" against "Ofsted will award a rating later in the
    year": the judging words without a grade (0.5) do not answer it."""
    from answering.abstention import AbstentionPolicy

    best = _best("It will contribute to the annual review, for which Ofsted will award a rating later in the year.")
    best[0].features = {"asks_judgement_has_grade": grade}
    reason = AbstentionPolicy().decide("What rating did Ofsted award in its annual review?", best, [], [],
                                       answer_type="judgement")
    assert bool(reason) is declined, reason


@pytest.mark.parametrize("text, declined", [
    ("Having been judged good, the council would expect a short inspection in three years.", True),  # any grade
    ("Help and protection was judged good.", False),  # the area beside its grade
])
def test_a_judgement_of_an_area_no_profile_judges_needs_the_area_beside_a_grade(text, declined):
    from answering.abstention import AbstentionPolicy

    best = _best(text)
    best[0].features = {"asks_judgement_has_grade": 1.0}
    reason = AbstentionPolicy().decide("What judgement did Oakvale get for help and protection in 2031?", best, [],
                                       [], answer_type="judgement", area="protection")
    assert bool(reason) is declined, reason


def test_the_month_of_a_figure_does_not_pick_the_document():
    """"How many posts were empty in June 2031?" is answered by a paper of July 2031; "the June 2031
    inspection" is one held in June."""
    metas, profiles = _library(("n", "news", "Oakvale", "2031-07-12"))
    figure = read_constraints("How many Oakvale social worker posts were empty in June 2031?", KNOWN)
    assert strict_documents(metas, profiles, figure) == ["n"]
    event = read_constraints("What did the June 2031 inspection of Oakvale find?", KNOWN)
    assert strict_documents(metas, profiles, event) == []


def test_a_which_question_is_not_declined_for_a_short_word():
    from answering.abstention import AbstentionPolicy

    best = _best("Jo Vane, the union's branch secretary, said the service was stretched.")
    assert AbstentionPolicy().decide("Which union rep did the paper quote?", best, ["rep"], ["rep"]) == ""
    assert "which charity" in AbstentionPolicy().decide("Which charity did the paper quote?", best, ["charity"],
                                                        ["charity"])


def test_minutes_of_the_year_are_not_its_inspection():
    """"What did Oakvale's 2031 inspection conclude?" when the library holds only minutes of 2031 that expect one."""
    metas, profiles = _library(("m", "council_minutes", "Oakvale", "2031-01-20"))
    profiles["m"] = DocumentProfile(bodies=profiles["m"].bodies, published="2031-01-20", kind="council_minutes")
    c = read_constraints("What did Oakvale's 2031 inspection conclude?", KNOWN)
    assert c.inspection_event
    assert matching_documents(metas, profiles, c)[1] == "period"
    # a report of the year, or minutes asked about as a report, still are
    assert matching_documents(metas, profiles, read_constraints("When was Oakvale's 2031 report published?", KNOWN)
                              )[0] == ["m"]


@pytest.mark.parametrize("question, since, until", [
    ("What policy did Oakvale bring in after its 2031 inspection?", "2031", None),  # later that year too
    ("What happened after 2031?", "2032", None),
    ("Had it been raised before the 2031 inspection?", None, "2031"),
    ("What did it say before 2031?", None, "2030"),
])
def test_after_and_before_an_inspection(question, since, until):
    c = read_constraints(question, KNOWN)
    assert (c.since, c.until, c.years) == (since, until, ())


def test_what_did_it_spend_asks_a_figure():
    assert read_constraints("what did Oakvale spend on agency social workers in 2031-32", KNOWN).answer_type == "how_many"


@pytest.mark.parametrize("question, answer_type", [
    ("What did Councillor Jo Vane call for when Oakvale was rated inadequate?", "what"),  # the scene, not the type
    ("What was Oakvale rated when inspected in 2031?", "judgement"),
    ("When was Oakvale rated inadequate?", "when"),
])
def test_a_closing_when_clause_does_not_type_the_question(question, answer_type):
    assert read_constraints(question, KNOWN).answer_type == answer_type


def test_cases_are_counted_in_children():
    """"How many cases can newly qualified staff hold?" is answered by "no more than 10 children"; an average
    caseload found anywhere in a sentence must still name the caseload."""
    thing = counted_thing("How many cases can newly qualified social workers hold?")
    assert counts_thing("They held no more than 10 children in their first six months.", thing)
    caseload = counted_thing("What is the average caseload of social workers in Oakvale?")
    assert not counts_thing("Some 412 children were in care.", caseload, counted_window(
        "What is the average caseload of social workers in Oakvale?"))


def test_a_visit_named_by_its_month_is_spoken_of_with_that_month():
    metas, profiles = _library(("r", "inspection_report", "Oakvale", "2031-06-01"))
    c = read_constraints("What did Oakvale's focused visit in March 2031 look at?", KNOWN)
    texts = {"r": "Ofsted carried out a focused visit in January 2031 and two monitoring visits."}
    assert matching_documents(metas, profiles, c, text_of=texts.get) == ([], "kind")
    texts["r"] = "Ofsted carried out two monitoring visits and a focused visit in March 2031."
    assert matching_documents(metas, profiles, c, text_of=texts.get) == (["r"], "")


@pytest.mark.parametrize("question, kinds", [
    ("Who was Oakvale's DCS when the 2031 inspection report came out?", ()),  # the report dates the question
    ("What did the 2031 inspection report say about caseloads?", ("inspection_report",)),
    ("When was the inspection report published?", ("inspection_report",)),
])
def test_a_closing_when_clause_names_no_kind_of_document_asked_for(question, kinds):
    assert read_constraints(question, KNOWN).kinds == kinds


def test_a_document_named_by_its_form_is_looked_for_among_documents_of_that_form():
    """"the scanned letter", "the Word document", "the web page": the form a file came in (a scan read by OCR,
    .docx, .html) narrows the documents, when the library holds one of that form; "the letter" alone takes in
    the letters that report monitoring and focused visits."""
    from answering.constraints import document_form, without_forms

    metas, profiles = _library(("scan.pdf", "monitoring_visit", "Oakvale", "2031-03-01"),
                               ("letter.pdf", "inspection_letter", "Oakvale", "2031-05-01"),
                               ("notes.docx", "council_report", "Oakvale", "2031-06-01"),
                               ("news.html", "news", "Oakvale", "2031-07-01"))
    metas = [replace(m, filename=m.doc_id) for m in metas]
    profiles["scan.pdf"] = replace(profiles["scan.pdf"], ocr_pages=(1, 2))
    assert [document_form(m, profiles[m.doc_id]) for m in metas] == ["scan", "", "word", "web"]
    c = read_constraints("Who signed the scanned letter?", KNOWN)
    assert c.forms == ("scan",) and set(c.kinds) == {"inspection_letter", "monitoring_visit", "focused_visit"}
    assert matching_documents(metas, profiles, c) == (["scan.pdf"], "")
    c = read_constraints("What does the Word document say about caseloads?", KNOWN)
    assert matching_documents(metas, profiles, c) == (["notes.docx"], "")
    assert read_constraints("What did the web page report?", KNOWN).forms == ("web",)
    assert "Word" not in without_forms("What does the Word document say?")
    # a form no document has leaves the documents as they were
    only_text = [m for m in metas if m.doc_id == "letter.pdf"]
    assert matching_documents(only_text, profiles, read_constraints("Who signed the scanned letter?", KNOWN)) \
        == (["letter.pdf"], "")
    # the letter of a monitoring visit is a letter
    c = read_constraints("Who signed the letter?", KNOWN)
    assert matching_documents([metas[0]], profiles, c) == (["scan.pdf"], "")
