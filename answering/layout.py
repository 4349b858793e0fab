"""Candidates that the shape of a document gives, beyond the sentences of the best passages.

A letter's sign-off ("Yours sincerely", a name, a role) and its address block (the lines above
"Dear ...") are runs of short lines, not sentences: merged, they become one quotable candidate. For
a question asking when, the document's date lines and the lines its profile read the reported dates
from; for a question asking which judgement, the lines its profile read judgements from. Every
candidate is still a span of the stored text.
"""

from __future__ import annotations

import re

from core.records import Chunk, DocumentProfile, Judgement, Span
from core.text import tokens

from .scoring import Candidate

SIGN_OFF = re.compile(r"^\s*(?:Yours (?:sincerely|faithfully)|Kind regards|Best wishes|With best wishes)\b", re.I)
SALUTATION = re.compile(r"^\s*Dear\b")
COPY_LINE = re.compile(r"^\s*(?:Copy|Copies|cc|Enc|Encl)\b", re.I)
ROLE = re.compile(r"\b(?:Inspector|Director|Chief|Head|Manager|Officer|Executive|Chair|Lead|Commissioner|HMI)\b")
# a signature with no closing phrase: a line that is a person's name ("Dr Jo Vane", "Jo K. Vane") and under it
# a line that is their post ("Independent Scrutineer", "Chair, Oakvale Safeguarding Partnership")
NAME_LINE = re.compile(r"^\s*(?:(?:Dr|Mr|Mrs|Ms|Miss|Mx|Professor|Prof|Cllr|Councillor|Sir|Dame)\.?\s+)?"
                       r"[A-Z][a-z'’-]+(?:\s+[A-Z]\.)?(?:\s+[A-Z][a-z'’]*(?:-[A-Z][a-z'’]+)?){1,2}\s*$")
POST_LINE = re.compile(r"^\s*(?:[A-Z][\w'’&-]*|of|for|and|the|to)(?:[ ,]+(?:[A-Z][\w'’&()-]*|of|for|and|the|to))*\s*$")
POST_WORD = re.compile(r"\b(?:Inspector|Director|Chief|Head|Manager|Officer|Executive|Chair\w*|Lead|Commissioner|HMI|"
                       r"Scrutineer|Advis[eo]r|Member|Councillor|Leader|Principal|Secretary|President|Partner|"
                       r"Coordinator|Co-ordinator|Mayor|Minister|Editor|Correspondent|Reporter|Worker|Consultant)\b")
SHORT = 14  # words: a line of an address or a signature


def _words(chunk: Chunk, span: Span) -> int:
    return len(chunk.text[span.start - chunk.start: span.end - chunk.start].split())


def merged_blocks(chunk: Chunk) -> list[tuple[Span, str]]:
    """(span, kind) for each run of short lines that makes a signature ("sign_off": "Yours sincerely", a name,
    a post), an address ("address": the lines above "Dear ...") or a name over its post ("signature": a
    report's foreword signed "Dr Jo Vane" / "Independent Scrutineer", which a who-question may ask for)."""
    out = []
    sents = list(chunk.sentences)
    for i, span in enumerate(sents):
        text = chunk.text[span.start - chunk.start: span.end - chunk.start]
        if i + 1 < len(sents) and NAME_LINE.match(text) and not POST_WORD.search(text) and (
                i == 0 or not SIGN_OFF.match(chunk.text[sents[i - 1].start - chunk.start: sents[i - 1].end - chunk.start])):
            post = chunk.text[sents[i + 1].start - chunk.start: sents[i + 1].end - chunk.start]
            if _words(chunk, sents[i + 1]) <= SHORT // 2 + 2 and POST_LINE.match(post) and POST_WORD.search(post):
                out.append((Span(span.start, sents[i + 1].end), "signature"))
        if SIGN_OFF.match(text):
            j = i
            while j + 1 < len(sents) and j - i < 3 and _words(chunk, sents[j + 1]) <= SHORT:
                nxt = chunk.text[sents[j + 1].start - chunk.start: sents[j + 1].end - chunk.start]
                if COPY_LINE.match(nxt):
                    break
                j += 1
                if ROLE.search(nxt):
                    break  # the signatory's role ends the signature
            if j > i:
                out.append((Span(span.start, sents[j].end), "sign_off"))
        if SALUTATION.match(text) and i > 0:
            j = i
            while j - 1 >= 0 and i - j < 7 and _words(chunk, sents[j - 1]) <= SHORT:
                j -= 1
            if j < i - 1 or (j == i - 1 and _words(chunk, sents[j]) >= 2):
                out.append((Span(sents[j].start, sents[i - 1].end), "address"))
    return out


def block_candidates(chunks: list[Chunk], rank_of: dict[str, int], prior_of: dict[str, float]) -> list[Candidate]:
    """Merged sign-off and address blocks of these chunks, as candidates tagged with `block`."""
    out = []
    for chunk in chunks:
        for span, kind in merged_blocks(chunk):
            text = chunk.text[span.start - chunk.start: span.end - chunk.start]
            cand = Candidate(chunk, span, rank_of.get(chunk.id, len(rank_of) + 1), text, prior=prior_of.get(chunk.id, 0.0))
            cand.block = kind
            out.append(cand)
    return out


def _open_quote(text: str) -> bool:
    """Whether a quotation is still open at the end of `text`. A paragraph that opens with a quotation mark
    after one left open continues the quotation (the printers' rule: each paragraph of a quotation opens
    with a mark, only the last closes), so that mark opens nothing new."""
    straight, curly, still_open = 0, 0, False
    for para in re.split(r"\n\s*\n", text):
        if still_open and para.lstrip()[:1] in ('"', "“"):
            para = para.lstrip()[1:]
        straight += para.count('"')
        curly += para.count("“") - para.count("”")
        still_open = straight % 2 == 1 or curly > 0
    return still_open


def to_closing_quote(chunk: Chunk, span: Span, max_chars: int = 600) -> Span:
    """A sentence that opens a quotation and ends inside it ('He said: "We accept the findings.') runs on to
    the sentence that closes it, within its paragraph and the paragraphs that continue the quotation, and
    `max_chars`, so a quote of a speaker is whole."""
    text = chunk.text[span.start - chunk.start: span.end - chunk.start]
    if not _open_quote(text) or "\n\n" in text:
        return span
    following = [s for s in chunk.sentences if s.start >= span.end]
    end = span.end
    for nxt in following:
        run = chunk.text[span.start - chunk.start: nxt.end - chunk.start]
        gap = chunk.text[end - chunk.start: nxt.start - chunk.start]
        # a new paragraph ends the search, unless it continues the quotation (it opens with a mark)
        if nxt.end - span.start > max_chars or ("\n\n" in gap and not OPENS_QUOTE.match(
                chunk.text[nxt.start - chunk.start: nxt.end - chunk.start])):
            break
        if not _open_quote(run):
            return Span(span.start, nxt.end)
        end = nxt.end
    return span


OPENS_QUOTE = re.compile(r"^\s*[\"“‘]")
SPEECH = re.compile(r"\b(?:said|says|told|added|welcomed|warned|argued|claimed|insisted|admitted|stated|commented)\b")
ANAPHORIC = re.compile(r"^\s*(?:They|This|These|Those|It|He|She|Their|Its|His|Her|Such|In addition|However)\b")
# a topic sentence is this short: chosen on the dev libraries' tune splits from 10, 12 and 15 words (pooled tune
# cited 0.840, 0.849, 0.849; the held-out splits the same for each)
TOPIC_WORDS = 12


def with_elaboration(chunk: Chunk, span: Span, max_chars: int = 400) -> Span:
    """A short general sentence that opens a point ("Newly qualified social workers are now better
    protected.") runs on to the next sentence of its paragraph, which gives the specifics; so does any
    sentence whose next one leans on it ("They hold no more than 15 children.") or opens a quotation (a
    speaker's words after the sentence that names them, in the next paragraph too). Within `max_chars`."""
    text = chunk.text[span.start - chunk.start: span.end - chunk.start]
    nxt = next((s for s in chunk.sentences if s.start >= span.end), None)
    if nxt is None or nxt.end - span.start > max_chars:
        return span
    between = chunk.text[span.end - chunk.start: nxt.start - chunk.start]
    following = chunk.text[nxt.start - chunk.start: nxt.end - chunk.start]
    if OPENS_QUOTE.match(following) and ("\n" not in between or SPEECH.search(text)):
        return Span(span.start, nxt.end)  # an attribution and the words it introduces, in the next paragraph too
    if "\n" in between:
        return span
    short = len(text.split()) <= TOPIC_WORDS and not re.search(r"\d", text)
    if short or ANAPHORIC.match(following):
        return Span(span.start, nxt.end)
    return span


def sentence_at(chunk: Chunk, offset: int) -> Span | None:
    """The sentence of `chunk` holding the document offset; else the line holding it (a heading such as
    "Care leavers: good" is a line of the passage but no sentence); None when the offset is outside it."""
    found = next((s for s in chunk.sentences if s.start <= offset < s.end), None)
    if found is not None or not chunk.start <= offset < chunk.end:
        return found
    rel = offset - chunk.start
    start = chunk.text.rfind("\n", 0, rel) + 1
    end = chunk.text.find("\n", rel)
    end = len(chunk.text) if end < 0 else end
    line = chunk.text[start:end]
    pad = len(line) - len(line.lstrip())
    return Span(chunk.start + start + pad, chunk.start + start + len(line.rstrip())) if line.strip() else None


def fact_offsets(profile: DocumentProfile, answer_type: str) -> list[int]:
    """Where the profile read what a when or which-judgement question asks for."""
    if answer_type == "when":
        return [f.start for f in profile.reported if f.start >= 0]
    if answer_type == "judgement":
        return [j.start for j in profile.judgements]
    return []


# the words of a which-judgement question that ask for a judgement rather than name its area
OVERALL = frozenset(tokens("overall effectiveness"))
JUDGEMENT_ASKING = frozenset(tokens(
    "what which how judgement judgements judged judge grade grades graded rate rated rating ratings receive received "
    "get got given give award awarded ofsted inspection inspectors inspected services service area score scored",
))


def asked_judgement(judgements: tuple[Judgement, ...], topic: str) -> Judgement | None:
    """Of a document's judgements, the one whose area a which-judgement question names: "What judgement did
    Oakvale get for care leavers?" -> "The experiences and progress of care leavers". An area's words shared by
    half its document's areas or more ("experiences", "progress", "children") do not tell areas apart, so the
    area is matched on its other words: the largest share of them in `topic` (the question without its
    constraint words), then the most. A question naming no area asks for overall effectiveness; one naming an
    area the document does not judge gets None."""
    if not judgements:
        return None
    asked = {w for w in tokens(topic) if not w.isdigit()} - JUDGEMENT_ASKING
    areas = [(j, set(tokens(j.area))) for j in judgements]
    counts: dict[str, int] = {}
    for _, words in areas:
        for w in words:
            counts[w] = counts.get(w, 0) + 1
    shared = {w for w, n in counts.items() if len(areas) >= 3 and 2 * n >= len(areas)}
    best, best_key = None, (0.0, 0)
    for j, words in areas:
        telling = (words - shared) or words
        hit = telling & asked
        key = (len(hit) / len(telling), len(hit)) if telling else (0.0, 0)
        if key > best_key:
            best, best_key = j, key
    if best is not None:
        return best
    overall = next((j for j in judgements if "overall" in j.area.lower()), None)
    return overall if not asked - OVERALL or "overall" in asked else None
