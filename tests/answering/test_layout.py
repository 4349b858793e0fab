"""Spans the shape of a passage gives: a heading line the profile read a judgement from, and a quotation
that runs over two sentences."""

from __future__ import annotations

from answering.layout import merged_blocks, sentence_at, to_closing_quote, with_elaboration
from core.records import Chunk, Span


def _chunk(text: str, sentences: list[tuple[int, int]], start: int = 100) -> Chunk:
    return Chunk(id="c", doc_id="d", filename="f.txt", title="t", date=None, source_kind="news", start=start,
                 end=start + len(text), pages=(1,), section="", text=text, ordinal=0,
                 sentences=tuple(Span(start + a, start + b) for a, b in sentences))


def _spans(text: str, parts: list[str]) -> list[tuple[int, int]]:
    out = []
    for part in parts:
        at = text.index(part)
        out.append((at, at + len(part)))
    return out


def test_a_quotation_over_two_sentences_is_quoted_to_its_close():
    text = ('Jo Vane, the interim director, said: "We accept the findings in full. We have cleared the backlog." '
            "Ofsted will return in the spring.")
    parts = ['Jo Vane, the interim director, said: "We accept the findings in full.', 'We have cleared the backlog."',
             "Ofsted will return in the spring."]
    chunk = _chunk(text, _spans(text, parts))
    first = chunk.sentences[0]
    whole = to_closing_quote(chunk, first)
    assert chunk.text[whole.start - chunk.start: whole.end - chunk.start] == parts[0] + " " + parts[1]
    assert to_closing_quote(chunk, chunk.sentences[2]) == chunk.sentences[2]  # nothing open: unchanged


def test_a_quotation_left_open_is_not_run_past_its_paragraph():
    text = 'She said: "We will act.\n\nThe council met later.'
    chunk = _chunk(text, _spans(text, ['She said: "We will act.', "The council met later."]))
    assert to_closing_quote(chunk, chunk.sentences[0]) == chunk.sentences[0]


def test_a_heading_line_is_a_span_though_no_sentence():
    text = "Care leavers: requires improvement to be good\n\nMost care leavers live in suitable homes."
    chunk = _chunk(text, _spans(text, ["Most care leavers live in suitable homes."]))
    span = sentence_at(chunk, chunk.start + 3)
    assert chunk.text[span.start - chunk.start: span.end - chunk.start] == "Care leavers: requires improvement to be good"
    assert sentence_at(chunk, chunk.end + 5) is None


def test_a_short_general_sentence_runs_on_to_its_specifics():
    text = ("Newly qualified staff are now better protected. They hold no more than 15 children in their first year. "
            "Supervision is regular.")
    parts = ["Newly qualified staff are now better protected.", "They hold no more than 15 children in their first year.",
             "Supervision is regular."]
    chunk = _chunk(text, _spans(text, parts))
    whole = with_elaboration(chunk, chunk.sentences[0])
    assert chunk.text[whole.start - chunk.start: whole.end - chunk.start] == parts[0] + " " + parts[1]


def test_a_sentence_with_its_own_specifics_stands_alone():
    text = ("Caseloads in the assessment teams have fallen to an average of 19 children since the spring. "
            "Supervision is regular.")
    parts = ["Caseloads in the assessment teams have fallen to an average of 19 children since the spring.",
             "Supervision is regular."]
    chunk = _chunk(text, _spans(text, parts))
    assert with_elaboration(chunk, chunk.sentences[0]) == chunk.sentences[0]
    # the next paragraph is another point
    text = "Staff are better protected.\nSupervision is regular."
    chunk = _chunk(text, _spans(text, ["Staff are better protected.", "Supervision is regular."]))
    assert with_elaboration(chunk, chunk.sentences[0]) == chunk.sentences[0]


def test_a_speaker_is_quoted_with_the_words_the_sentence_introduces():
    text = ('Councillor Jo Vane, the opposition spokesperson, welcomed the report but said more was needed.\n\n'
            '"Help and protection is the heart of the service, and it still requires improvement," she said.\n\n'
            "The council meets next week.")
    parts = ["Councillor Jo Vane, the opposition spokesperson, welcomed the report but said more was needed.",
             '"Help and protection is the heart of the service, and it still requires improvement," she said.',
             "The council meets next week."]
    chunk = _chunk(text, _spans(text, parts))
    whole = with_elaboration(chunk, chunk.sentences[0])
    assert chunk.text[whole.start - chunk.start: whole.end - chunk.start] == text[:text.index("\n\nThe council")]


def test_a_name_over_its_post_is_one_signature():
    text = ("My assessment is set out in Section 6.\n\nDr Ada Brook\nIndependent Scrutineer\nOctober 2031\n\n"
            "Executive Summary\nKey Findings\n")
    parts = ["My assessment is set out in Section 6.", "Dr Ada Brook", "Independent Scrutineer", "October 2031",
             "Executive Summary", "Key Findings"]
    chunk = _chunk(text, _spans(text, parts))
    blocks = [(chunk.text[s.start - chunk.start: s.end - chunk.start], kind) for s, kind in merged_blocks(chunk)]
    assert blocks == [("Dr Ada Brook\nIndependent Scrutineer", "signature")]  # a heading over a heading is not one


def test_a_widened_quote_holding_an_earlier_quote_takes_its_place_and_keeps_its_lead():
    """A short topic sentence widened to the next sentence holds the quote chosen before it: one quote, in
    the earlier's place, and the answer's figure is still read from the sentence the ranker chose."""
    from types import SimpleNamespace

    from answering.answerer import ExtractiveAnswerer
    from answering.composition import lead_value
    from answering.scoring import Candidate

    text = ("Sixty per cent of plans were reviewed on time. The number of children waiting for a review of their "
            "plan has fallen to nine. Members asked about supervision. Supervision takes place every four weeks.")
    parts = ["Sixty per cent of plans were reviewed on time.",
             "The number of children waiting for a review of their plan has fallen to nine.",
             "Members asked about supervision.", "Supervision takes place every four weeks."]
    chunk = _chunk(text, _spans(text, parts))
    s = chunk.sentences
    fake = SimpleNamespace(settings=SimpleNamespace(quote_passage_chars=0), _with_next=lambda chunk: chunk)
    chosen = [Candidate(chunk, s[3], 1, parts[3]), Candidate(chunk, s[2], 1, parts[2]),
              Candidate(chunk, s[1], 1, parts[1])]
    out = ExtractiveAnswerer._widen(fake, chosen)
    assert [c.text for c in out] == [parts[2] + " " + parts[3], parts[1]]  # no sentence quoted twice
    assert out[0].focus_text == parts[3]
    assert lead_value(out[1].focus_text, "how_many") == "nine"


def test_a_quotation_continued_in_the_next_paragraph_is_quoted_to_its_close():
    """The printers' rule: each paragraph of a quotation opens with a mark, only the last closes."""
    text = ('Cllr Ada Brook said: "This is a proud day. I want to thank every social worker.\n\n'
            '"We are not complacent. We need more homes for children."\n\nThe report was published today.')
    parts = ['Cllr Ada Brook said: "This is a proud day.', "I want to thank every social worker.",
             '"We are not complacent.', 'We need more homes for children."', "The report was published today."]
    chunk = _chunk(text, _spans(text, parts))
    whole = to_closing_quote(chunk, chunk.sentences[0])
    assert chunk.text[whole.start - chunk.start: whole.end - chunk.start] == text[:text.index("\n\nThe report")]
    # a new paragraph that does not continue the quotation ends the search
    text2 = 'She said: "We will act.\n\nThe council met later.'
    chunk2 = _chunk(text2, _spans(text2, ['She said: "We will act.', "The council met later."]))
    assert to_closing_quote(chunk2, chunk2.sentences[0]) == chunk2.sentences[0]
