"""Which sentences an answer quotes (ExtractiveAnswerer.choose): for a change in a figure, each document's
sentence that states the figure asked for, when it scores near the document's best."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from answering.answerer import ExtractiveAnswerer
from answering.scoring import Candidate, has_quantity
from core.records import Chunk, Span


def _cand(doc: str, text: str, score: float) -> Candidate:
    chunk = Chunk(id=f"{doc}-{text[:8]}", doc_id=doc, filename=f"{doc}.txt", title=doc, date=None,
                  source_kind="inspection_report", start=0, end=len(text), pages=(1,), section="",
                  sentences=(Span(0, len(text)),), text=text, ordinal=0)
    cand = Candidate(chunk, Span(0, len(text)), 1, text, score=score)
    cand.features = {"has_number": 1.0 if has_quantity(text) else 0.0}
    return cand


FAKE = SimpleNamespace(ranker=SimpleNamespace(extra_ratio=0.3), policy=SimpleNamespace(threshold=0.3),
                       settings=SimpleNamespace(max_quotes=1))
QUESTION = "How did the share of agency social workers in Oakvale change from 2031 to 2035?"


def test_a_change_in_a_share_quotes_each_documents_share():
    ranked = [
        _cand("r31", "7. Improve the stability of the workforce by reducing reliance on agency social workers.", 0.9),
        _cand("n35", "The council spent £6.3 million on agency staff last year.", 0.8),
        _cand("r31", "At the time of the inspection, 44% of social workers were agency staff.", 0.7),
        _cand("n35", "Around one in four social workers, 23 per cent, are now employed through agencies.", 0.6),
    ]
    chosen = ExtractiveAnswerer.choose(FAKE, ranked, change=True, measured=QUESTION)
    assert [c.text for c in chosen] == [ranked[2].text, ranked[3].text]  # the displaced are not shown as extras
    # not a change in a figure: each document's best sentence first
    plain = ExtractiveAnswerer.choose(FAKE, ranked, change=True)
    assert [c.text for c in plain[:2]] == [ranked[0].text, ranked[1].text]


def test_a_figure_scoring_far_below_its_documents_best_is_not_taken():
    ranked = [_cand("r31", "Leaders have not reduced the reliance on agency social workers.", 0.9),
              _cand("r31", "Agency staff make up 44% of the workforce.", 0.3)]
    chosen = ExtractiveAnswerer.choose(FAKE, ranked, change=True, measured=QUESTION)
    assert chosen[0].text == ranked[0].text


@pytest.mark.parametrize("text, quantity", [
    ("7. Improve the stability of the workforce.", False),  # a paragraph's number is no figure
    ("(3) That the committee receive a report.", False),
    ("24. At the time of the inspection, 44% were agency staff.", True),
    ("Section 47 enquiries are timely.", True),
])
def test_a_paragraphs_number_is_no_quantity(text, quantity):
    assert has_quantity(text) is quantity


def test_a_when_question_about_an_inspection_leads_with_its_own_dates_line():
    from answering.constraints import read_constraints

    dated = _cand("r31", "8. Only 71% of return home interviews took place within 72 hours in the year to September "
                         "2031.", 0.9)
    line = _cand("r31", "Inspection dates: 8 November to 19 November 2031", 0.4)
    line.block = "profile"  # where the document's profile read the dates it reports
    question = "when did ofsted do the oakvale re-inspection that took it out of inadequate"
    c = read_constraints(question, ["Oakvale"])
    assert ExtractiveAnswerer._event_date_first([dated, line], c, question) == [line, dated]
    other = "When did Ada Brook start as director in Oakvale?"  # no inspection asked about
    assert ExtractiveAnswerer._event_date_first([dated, line], read_constraints(other, ["Oakvale"]), other) == \
        [dated, line]


def test_a_change_in_a_number_quotes_the_number_of_the_thing_counted():
    """"How did the number of children in care change?": a document's figure of children, not its share of
    care leavers in suitable homes; a fraction in words is a figure ("nearly a quarter of social workers")."""
    from answering.abstention import counted_thing, counts_thing

    question = "How did the number of children in care in Oakvale change between 2031 and 2035?"
    assert counted_thing(question) == "children"
    ranked = [_cand("m33", "Inspectors found that placements were stable.", 0.9),
              _cand("m33", "81% of care leavers were living in suitable accommodation.", 0.8),
              _cand("m33", "The number of children in care has risen to 547.", 0.6)]
    chosen = ExtractiveAnswerer.choose(FAKE, ranked, change=True, measured=question)
    assert chosen[0].text == ranked[2].text
    assert counts_thing("Nearly a quarter of children's social workers are still agency staff.", "worker", 6)


def test_a_question_about_a_documents_own_date_leads_with_its_date_line():
    """Shared field case F08's kind: "When was the letter written?" is answered by "Date: 09/11/2031", the
    date ingestion read for the letter, not by "the last inspection in March 2029"."""
    from dataclasses import replace

    from answering.constraints import read_constraints

    mentioned = _cand("l", "At the last inspection in March 2029, inspectors asked for faster assessments.", 0.9)
    line = _cand("l", "Date: 09/11/2031", 0.5)
    for c in (mentioned, line):
        c.chunk = replace(c.chunk, date="2031-11-09")
    question = "When was the letter about supervision in Oakvale written?"
    c = read_constraints(question, ["Oakvale"])
    assert ExtractiveAnswerer._own_date_first([mentioned, line], c, question) == [line, mentioned]
    other = "When did inspectors last visit Oakvale?"
    assert ExtractiveAnswerer._own_date_first([mentioned, line], read_constraints(other, ["Oakvale"]), other) == \
        [mentioned, line]


def test_two_years_figures_are_two_findings_however_alike_their_words():
    """A timeline keeps 2031's and 2033's figures; a paper's rounding of a report the same year repeats it."""
    from dataclasses import replace

    from answering.answerer import ExtractiveAnswerer
    from tests.answering.test_constraints import _best

    a, b, c = _best("The timeliness of assessments is improving, and 64% were completed within 45 working days.",
                    "The timeliness of assessments has improved, and 84% were completed within 45 working days.",
                    "The timeliness of assessments is improving, and 64% were completed within 45 working days.")
    a.chunk, b.chunk = replace(a.chunk, date="2031-04-09"), replace(b.chunk, date="2033-01-14")
    c.chunk = replace(c.chunk, date="2031-04-20", doc_id="paper")
    a.vector = b.vector = c.vector = np.ones(4) / 2.0  # as alike in meaning as two sentences can be
    assert not ExtractiveAnswerer._same(None, a, b)
    assert ExtractiveAnswerer._same(None, a, c)
