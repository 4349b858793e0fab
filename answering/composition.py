"""Writing the answer: quotes grouped by source, each headed with its date and kind; for a
change over time, sources oldest first and a closing line built from the quotes themselves."""

from __future__ import annotations

import calendar
import re
from typing import Callable

from core.kinds import PRIMARY_SOURCE_KINDS, SOURCE_KINDS
from core.records import Block, DocumentMeta, PageSpan
from core.text import tokens

from .abstention import FIGURES, NOT_NAME_WORDS, counted_thing, figure_kind
from .scoring import Candidate
from .types import Citation


def human_date(date: str | None) -> str:
    if not date:
        return ""
    parts = date.split("-")
    if len(parts) == 3:
        return f"{int(parts[2])} {calendar.month_name[int(parts[1])]} {parts[0]}"
    if len(parts) == 2:
        return f"{calendar.month_name[int(parts[1])]} {parts[0]}"
    return parts[0]


def date_label(meta: DocumentMeta | None, date: str | None) -> str:
    """'9 November YYYY', or 'undated, after April 2031' when only the text's latest date is known."""
    if meta is not None and meta.date_source == "latest mentioned":
        return f"undated, after {human_date(date)}"
    return human_date(date) or "undated"


def source_tag(cand: Candidate, meta: DocumentMeta | None) -> str:
    """A short tag after a quote: its kind of source and date ("inspection letter, 9 November 2031"),
    with "secondary source" for a report of what another document says."""
    chunk = cand.chunk
    label = SOURCE_KINDS.get(chunk.source_kind, "document")
    if chunk.source_kind not in PRIMARY_SOURCE_KINDS:
        label += ", a secondary source"
    return f"{label}, {date_label(meta, chunk.date)}"


def quoted(text: str) -> str:
    """Curly quotes around a quote, unless it opens with a quotation mark of its own."""
    return text if text[:1] in "“\"‘'" else f"“{text}”"


def clause(text: str, terms: list[str]) -> str:
    """The clause of a quote that carries most of the question's terms (a verbatim substring)."""
    # a quote of two sentences splits between them too ("... placements. However, 29% of children ...")
    parts = [p.strip() for p in re.split(r"(?<=[,;:.!?])\s+|(?i:\s+(?:although|but|however|while|whereas)\s+)", text)]
    parts = [p.rstrip(",;:") for p in parts if len(p.split()) >= 4 and p.rstrip(",;:") in text]
    if not parts:
        return text
    wanted = set(terms)
    return max(parts, key=lambda p: (len(wanted & set(tokens(p))), -parts.index(p)))


EARLIER_GRADE = re.compile(r"(?i)(?:\bwhen\b[^.;]{0,60}?\b(?:was|were|had been)\s+(?:judged|rated|graded|found)|"
                           r"\b(?:previously|formerly|had been)\b)[^.;,]{0,30}$")


ADDRESSEE_QUESTION = re.compile(r"(?i)\baddressed\b|\bto whom\b|\b(?:sent|written)\s+to\b")
TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame|Professor|Councillor|Cllr)\.?\s+[A-Z]")


def lead_value(text: str, answer_type: str, question: str = "") -> str:
    """The name, date, figure or judgement a typed question asks for, as the quote states it; "" if none.
    A figure is not a day of a date, a bare year or the whole a part is counted from ("Of the 41 councils
    ..., 10 have been rated good" leads with 10; "In 14 of the 40 cases" with 14), unless it is the only one;
    with the `question`, it is a figure of the kind asked for (a share, a sum) and of the thing counted
    ("How many children were in care?": "486 children", not "24 social workers"). A date is the fullest one
    stated (a date with its month before a bare year), and a year in an Act's name is no date."""
    pattern = LEADS.get(answer_type)
    if pattern is None:
        return ""
    found = [m for m in pattern.finditer(text) if m.group(0).strip()]
    if answer_type == "how_many":
        # a paragraph's number ("6. Contacts are screened ...") is no figure
        found = [m for m in found if not (re.fullmatch(r"\s*", text[:m.start()]) and text.startswith(".", m.end()))] \
            or found
        figures = [m for m in found if not _is_date_part(text, m)]
        parts = [m for m in figures if not re.search(r"(?i)\b(?:of the|of all|out of(?: the)?)\s*$", text[:m.start()])]
        found = parts or figures or found
        if question:
            found = _asked_figures(text, found, question) or found
        if re.match(r"(?i)\s*how (?:many|much)\b[^?]*\b(?:does|do|is|are|has|have)\b", question):
            # "has grown from six to eleven": what there is now is the figure the change ends at
            found = [m for m in found if not (re.search(r"(?i)\bfrom\s*$", text[max(0, m.start() - 8):m.start()])
                                              and re.match(r"(?i)\s*to\s+\S", text[m.end():]))] or found
    if answer_type == "when":
        found = [m for m in found if not re.search(r"\bAct(?: of)?\s*$", text[:m.start()])]
        found = sorted(found, key=lambda m: bool(re.fullmatch(r"(?:19|20)\d\d", m.group(0).strip())))  # a bare year last
    if answer_type == "who":  # "The Assistant Director said ..." names a post, not a person
        found = [m for m in found if sum(w.lower() not in NOT_NAME_WORDS for w in m.group(0).split()) >= 2]
        if ADDRESSEE_QUESTION.search(question):  # a letter's addressee is a person with a title, not its sender's street
            found = sorted(found, key=lambda m: not TITLED.search(text[max(0, m.start() - 12):m.end()]))
    if answer_type == "judgement":  # "... since the inspection in 2031, when they were judged inadequate, and
        # they now require improvement": the grade of an earlier inspection is not the one stated
        found = [m for m in found if not EARLIER_GRADE.search(text[:m.start()])] or found
    return found[0].group(0).strip(" ,.;:") if found else ""


def _asked_figures(text: str, found: list[re.Match], question: str) -> list[re.Match]:
    """Of the figures found, those of the kind the question asks for and next to the thing it counts
    (answering.abstention's reading of the question); [] when none is."""
    kind = figure_kind(question)
    if kind:
        found = [m for m in found if FIGURES[kind].search(text[m.start():m.end() + 12])] or found
    thing = counted_thing(question)
    if not thing:
        return found if kind else []
    def counts(m: re.Match) -> bool:  # the thing within four words after the figure, or six before it
        after = re.split(r"[;:.?!()]", text[m.end():], maxsplit=1)[0].split()[:4]
        before = re.split(r"[;:.?!()]", text[:m.start()])[-1].split()[-6:]
        return thing in tokens(" ".join(after)) or thing in tokens(" ".join(before))

    return [m for m in found if counts(m)] or (found if kind else [])


def leads_with_asked_figure(chosen: list[Candidate], question: str) -> list[Candidate]:
    """For a question asking for a share or a sum: the first quote that states one of that kind leads (the
    order is otherwise kept): "What proportion of staff were agency workers?" leads with "17% of the workforce",
    not with "four social workers had left"."""
    kind = figure_kind(question)
    if not kind or not chosen or FIGURES[kind].search(chosen[0].text):
        return chosen
    first = next((c for c in chosen if FIGURES[kind].search(c.text)), None)
    return chosen if first is None else [first] + [c for c in chosen if c is not first]


def leads_with_date(chosen: list[Candidate]) -> list[Candidate]:
    """For a when-question: the first quote that states a date leads (the order is otherwise kept): "When was
    the third visit?" leads with "... on 6 and 7 March 2031", not with "At the time of the visit, 78% ..."."""
    if not chosen or LEADS["when"].search(chosen[0].text):
        return chosen
    first = next((c for c in chosen if LEADS["when"].search(c.text)), None)
    return chosen if first is None else [first] + [c for c in chosen if c is not first]


def _is_date_part(text: str, m: re.Match) -> bool:
    """A figure that is a day of a date ("20 January") or a bare year, not a quantity."""
    value = m.group(0).strip(" ,.;:")
    if re.fullmatch(r"(?:19|20)\d\d", value):
        return True
    after = text[m.end():m.end() + 12]
    before = text[max(0, m.start() - 12):m.start()]
    month = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
    return bool(re.match(rf"\s*(?:st|nd|rd|th)?\s*{month}\b", after) or re.search(rf"\b{month}\s*$", before))


def _paragraph(blocks: list[Block], start: int) -> int | None:
    """The 1-based number, within its section, of the paragraph (or list item, or table row) holding
    offset `start`; headings are not counted. None when no block holds it."""
    holder = next((b for b in blocks if b.start <= start < b.end and b.block_kind != "heading"), None)
    if holder is None:
        return None
    return sum(1 for b in blocks if b.section == holder.section and b.block_kind != "heading" and b.start <= holder.start)


def _citation(cand: Candidate, marker: int, pages_of: Callable[[str], list[PageSpan]],
              blocks_of: Callable[[str], list[Block]]) -> Citation:
    spans = pages_of(cand.chunk.doc_id)
    # a Word file or web page has no fixed pages: the quote is placed by its section and paragraph
    paragraph = None if spans else _paragraph(blocks_of(cand.chunk.doc_id), cand.span.start)
    pages = tuple(sorted({p.page for p in spans if p.start < cand.span.end and cand.span.start < p.end}))
    pages = pages or cand.chunk.pages
    labels = {p.page: p.label for p in spans if p.label}
    ocr = any(p.ocr for p in spans if p.page in pages)
    doubtful = tuple(r for p in spans if p.page in pages for r in p.doubtful
                     if cand.span.start <= r[0] and r[1] <= cand.span.end)
    return Citation(
        marker=marker, doc_id=cand.chunk.doc_id, document=cand.chunk.filename, title=cand.chunk.title,
        date=cand.chunk.date, source_kind=cand.chunk.source_kind, page=pages[0] if pages else None, pages=pages,
        section=cand.chunk.section, quote=cand.text, start=cand.span.start, end=cand.span.end, chunk_id=cand.chunk.id,
        page_labels=tuple(labels.get(p, str(p)) for p in pages) if labels else (), ocr=ocr, paragraph=paragraph,
        doubtful_words=tuple(cand.text[a - cand.span.start:b - cand.span.start] for a, b in doubtful),
    )


def write_answer(
    chosen: list[Candidate],
    timeline: bool,
    terms: list[str],
    question_years: set[str],
    meta_of: Callable[[str], DocumentMeta | None],
    pages_of: Callable[[str], list[PageSpan]],
    answer_type: str = "what",
    question: str = "",
    blocks_of: Callable[[str], list[Block]] = lambda doc_id: [],
) -> tuple[list[Citation], str]:
    """The answer's text and its citations, markers in order of appearance.

    A plain answer leads with the best-supported sentence (for a who, when, how-many or which-judgement
    question, with the name, date, figure or judgement it states first), then each further quote on a
    line of its own. A timeline gives one line per source, oldest first, and closes with what changed
    between the first and the last, both of one body (the caller chose them so).
    """
    citations: list[Citation] = []
    lines: list[str] = []
    if timeline:
        # a document's chosen sentence (its figure, its judgement) before further quotes of the same date
        rank = {id(c): i for i, c in enumerate(chosen)}
        order = sorted(chosen, key=lambda c: (c.chunk.date is None, c.chunk.date or "", rank[id(c)]))
        firsts: list[tuple[Candidate, int]] = []
        seen_docs: set[str] = set()
        for cand in order:
            marker = len(citations) + 1
            citations.append(_citation(cand, marker, pages_of, blocks_of))
            meta = meta_of(cand.chunk.doc_id)
            kind = SOURCE_KINDS.get(cand.chunk.source_kind, "document")
            if cand.chunk.source_kind not in PRIMARY_SOURCE_KINDS:
                kind += ", a secondary source"
            if citations[-1].ocr:
                kind += ", read by OCR"
            lines.append(f"{date_label(meta, cand.chunk.date)} ({kind}): {quoted(cand.text)} [{marker}]")
            if cand.chunk.doc_id not in seen_docs:
                seen_docs.add(cand.chunk.doc_id)
                firsts.append((cand, marker))
        lines.append(_closing_line(firsts, terms, question_years, meta_of))
        return citations, "\n\n".join(line for line in lines if line)
    if answer_type == "how_many":
        chosen = leads_with_asked_figure(chosen, question)
    if answer_type == "when":
        chosen = leads_with_date(chosen)
    for i, cand in enumerate(chosen):
        marker = len(citations) + 1
        citations.append(_citation(cand, marker, pages_of, blocks_of))
        tag = source_tag(cand, meta_of(cand.chunk.doc_id)) + (", read by OCR" if citations[-1].ocr else "")
        if i == 0:
            # the value is read from the sentence the ranker chose, then from the quote around it
            value = lead_value(cand.focus_text, answer_type, question) or lead_value(cand.text, answer_type, question)
            head = f"{value[:1].upper()}{value[1:]}: " if value and fold_words(value) != fold_words(cand.text) else ""
            lines.append(f"{head}{quoted(cand.text)} [{marker}] ({tag})")
        else:
            lines.append(f"Also: {quoted(cand.text)} [{marker}] ({tag})")
    return citations, "\n\n".join(lines)


def fold_words(text: str) -> str:
    return " ".join(text.lower().split())


LEADS = {
    "how_many": re.compile(
        r"(?:£|\$)?\d[\d,]*(?:\.\d+)?\s*(?:%|per ?cent|million|m\b|bn|billion|k\b)?|"
        r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
        r"seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a hundred)"
        r"(?:[- ](?:one|two|three|four|five|six|seven|eight|nine))?(?: per ?cent| hundred| thousand)?\b", re.I),
    "when": re.compile(
        r"\b\d{1,2}(?:st|nd|rd|th)?(?:\s*(?:and|to|-|–)\s*\d{1,2}(?:st|nd|rd|th)?)?\s+(?:January|February|March|"
        r"April|May|June|July|August|September|October|November|December)(?:\s+(?:19|20)\d\d)?"
        r"(?:\s*(?:to|-|–)\s*\d{1,2}\s+\w+\s+(?:19|20)\d\d)?|\b(?:January|February|March|April|May|June|July|"
        r"August|September|October|November|December)\s+(?:19|20)\d\d\b|"
        r"(?<![\d/.])\d{1,2}([/.])\d{1,2}\1(?:19|20)?\d\d(?![\d/.])|\b(?:19|20)\d\d\b"),
    "judgement": re.compile(r"\b(?:outstanding|good|requires? improvement(?: to be good)?|inadequate|adequate)\b", re.I),
    "who": re.compile(r"\b(?:(?:Mr|Mrs|Ms|Miss|Dr|Cllr|Councillor|Professor)\.?\s+)?[A-Z][a-z]+(?:\s+[A-Z]\.)?"
                      r"\s+[A-Z][a-z'’-]+(?=,|\s+(?:Her|His|HMI|Director|Chief|Head|Lead|Chair|\()|\s*$)", re.M),
}


def _main_body(meta: DocumentMeta | None) -> str | None:
    if meta is None or meta.profile is None or not meta.profile.bodies:
        return None
    return meta.profile.bodies[0].value.lower()


def _closing_line(firsts, terms, question_years, meta_of) -> str:
    # "What changed" compares one body with itself: the body of the best-scoring source
    if firsts:
        lead = max(firsts, key=lambda cm: cm[0].score)[0]
        body = _main_body(meta_of(lead.chunk.doc_id))
        if body is not None:
            firsts = [(c, m) for c, m in firsts if _main_body(meta_of(c.chunk.doc_id)) in (body, None)]
    dated = [(c, m) for c, m in firsts if c.chunk.date]
    if len({c.chunk.date[:4] for c, _ in dated}) >= 2:
        (first, m1), (last, m2) = dated[0], dated[-1]
        return (f"What changed between {date_label(meta_of(first.chunk.doc_id), first.chunk.date)} and "
                f"{date_label(meta_of(last.chunk.doc_id), last.chunk.date)}: then, {quoted(clause(first.text, terms))} "
                f"[{m1}]; later, {quoted(clause(last.text, terms))} [{m2}].")
    covered = {c.chunk.date[:4] for c, _ in dated}
    missing = sorted(y for y in question_years if y not in covered)
    only = firsts[0][0] if firsts else None
    when = date_label(meta_of(only.chunk.doc_id), only.chunk.date) if only else "one date"
    if missing:
        return f"Only sources from {when} speak to this; nothing from {', '.join(missing)} covers it."
    return f"Only sources from {when} speak to this; the other period is not covered."
