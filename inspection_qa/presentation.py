"""How an answer is shown: plain text (CLI), Markdown (the conversation download), labels (the app,
the audit trail). Written once here so every front end says the same thing the same way.

Document text is untrusted: the Markdown forms pass it through `markdown_safe` only.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterable

from answering.types import Answer, Citation
from core.records import Chunk, DocumentProfile
from ingest.pipeline import damage_warning, date_warning, document_warning  # noqa: F401 - the front ends' door

from .markdown_safe import escape_line, escape_line_file, escape_markdown, escape_markdown_file

NEAREST = 3  # passages shown under an abstention
NEAREST_CHARS = 300


def pages_label(pages: Iterable[int | str] | int | str | None) -> str:
    """`(2, 3)` -> "p. 2, 3"; `4` or "iv" -> "p. 4", "p. iv"; empty or None -> "no page"."""
    if pages is None or pages == "":
        return "no page"
    if isinstance(pages, (int, str)):
        return f"p. {pages}"
    pages = list(pages)
    return "p. " + ", ".join(str(p) for p in pages) if pages else "no page"


def date_label(date: str | None) -> str:
    return date or "undated"


def source_label(c: Citation) -> str:
    """"inspection letter", "news report, secondary source", "inspection letter, read by OCR"."""
    return c.kind_label + ("" if c.primary else ", secondary source") + (", read by OCR" if c.ocr else "")


def place_label(c: Citation, escape=lambda text: text) -> str:
    """Where a quote is: "p. 3, section “Findings”"; a Word file or web page, which has no fixed pages, by its
    section and paragraph ("section “Findings”, paragraph 2"); "no page" when it has none of them."""
    section = f"section “{escape(c.section)}”" if c.section else ""
    if not c.pages:
        paragraph = f"paragraph {c.paragraph}" if c.paragraph else ""
        return ", ".join(p for p in (section, paragraph) if p) or "no page"
    return pages_label(c.shown_pages) + (f", {section}" if section else "")


def citation_line(c: Citation) -> str:
    """One plain line: marker, title, kind, date, page and section, file and character offsets."""
    doubts = f" (OCR unsure of: {', '.join(c.doubtful_words)})" if c.doubtful_words else ""
    return (f"[{c.marker}] {c.title} ({source_label(c)}), {date_label(c.date)}, {place_label(c)} — "
            f"{c.document} chars {c.start}-{c.end}{doubts}")


def citation_label_markdown(c: Citation) -> str:
    """The app's expander label: "[n] Title (secondary source) — date — p. 2", escaped for Markdown."""
    source = "" if c.primary else " (secondary source)"
    return (f"{escape_markdown(f'[{c.marker}]')} {escape_line(c.title)}{source} — "
            f"{escape_line(date_label(c.date))} — {escape_line(place_label(c))}")


def citation_caption_markdown(c: Citation) -> str:
    """Under a quote in the app: section, kind, file and character offsets, escaped."""
    section = f"Section: {escape_line(c.section)} · " if c.section else ""
    ocr = " · read by OCR: check its words against the page" if c.ocr else ""
    if c.doubtful_words:
        ocr += " · read with low confidence: " + ", ".join(f"“{escape_line(w)}”" for w in c.doubtful_words)
    return f"{section}{escape_line(c.kind_label)} · {escape_line(c.document)} · characters {c.start}–{c.end}{ocr}"


def passage_pages(chunk: Chunk, labels: dict[int, str] | None = None) -> str:
    """A passage's pages as a reader finds them: "p. 2, 3" by their printed `labels` (page index -> label, as
    `Answer.page_labels` holds them) where the file has them, else by index."""
    return pages_label([(labels or {}).get(p, str(p)) for p in chunk.pages])


def passage_label(chunk: Chunk, labels: dict[int, str] | None = None) -> str:
    """A nearest passage's heading (plain): title, date, pages."""
    return f"{chunk.title}, {date_label(chunk.date)}, {passage_pages(chunk, labels)}"


def passage_caption_markdown(chunk: Chunk, labels: dict[int, str] | None = None) -> str:
    return (f"{escape_line(chunk.title)} — {escape_line(date_label(chunk.date))} — "
            f"{passage_pages(chunk, labels)} — {escape_line(chunk.filename)}")


def snippet(text: str, limit: int = NEAREST_CHARS) -> str:
    return text if len(text) <= limit else text[:limit].rstrip() + " …"


def profile_line(profile: DocumentProfile | None) -> str:
    """What a document is about, in one line: bodies, the dates it reports, its visit number, judgements."""
    if profile is None:
        return ""
    parts = []
    if profile.bodies:
        parts.append("about " + ", ".join(b.value for b in profile.bodies[:3]))
    if profile.visit_number is not None:
        parts.append(f"visit number {profile.visit_number.value}")
    if profile.reported:
        parts.append("reports " + ", ".join(f.value for f in profile.reported[:2]))
    if profile.judgements:
        parts.append("judgements: " + "; ".join(f"{j.area} {j.grade}" for j in profile.judgements[:3])
                     + (f" (+{len(profile.judgements) - 3} more)" if len(profile.judgements) > 3 else ""))
    if profile.damaged_pages:
        parts.append("warning: " + damage_warning(profile))
    return " · ".join(parts)


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def written_label(answer: Answer) -> str:
    """Under a written answer: who wrote it and how it was checked, with how many sentences were withheld."""
    withheld = len(answer.withheld)
    line = f"Written by {answer.model} from the quotes below; every sentence shown is carried by the quotes it cites."
    if withheld:
        line += f" {plural(withheld, 'sentence')} not supported by the documents {'was' if withheld == 1 else 'were'} withheld."
    return line


def answer_as_text(answer: Answer, nearest: int = NEAREST) -> str:
    """The CLI's rendering: the answer, what was searched, then sources with quotes (or nearest passages).
    A written answer is followed by who wrote it and the sentences withheld, each with its reason."""
    out = [answer.text]
    if answer.generated:
        out.append(f"\n({written_label(answer)})")
    if answer.withheld and not answer.abstained:
        out.append("\nNot supported by the documents (withheld):")
        out += [f"- {s.text} ({s.reason})" for s in answer.withheld]
    if answer.searched_question != answer.question:
        out.append(f"\n(searched as: {answer.searched_question})")
    if answer.abstained:
        if answer.retrieved:
            out.append("\nNearest passages:")
            for h in answer.retrieved[:nearest]:
                out.append(f"- {passage_label(h.chunk, answer.page_labels.get(h.chunk.doc_id))}: "
                           f"{h.chunk.text[:NEAREST_CHARS]}")
        return "\n".join(out)
    out.append("\nSources:")
    for c in answer.citations:
        out.append(citation_line(c))
        out.append(f"    “{c.quote}”")
    return "\n".join(out)


def conversation_markdown(turns: list[Answer], title: str = "inspection-qa conversation") -> str:
    """A conversation as a Markdown file, with every answer and every citation (document, date, page and the
    quote as a block quote). Its text is escaped for a Markdown file (`escape_markdown_file`): no markup from
    a document, and no needless backslashes in the prose."""
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"# {escape_line_file(title)}", "", f"Downloaded {when}. Every quotation below stands verbatim in its document.", ""]
    for i, answer in enumerate(turns, start=1):
        out += [f"## {i}. {escape_line_file(answer.question)}", ""]
        if answer.searched_question != answer.question:
            out += [f"*Searched as:* {escape_line_file(answer.searched_question)}", ""]
        out += [escape_markdown_file(answer.text), ""]
        if answer.generated:
            out += [f"*{escape_line_file(written_label(answer))}*", ""]
        if answer.abstained:
            if answer.retrieved:
                out += ["**Nearest passages**", ""]
            for h in answer.retrieved[:NEAREST]:
                out += [f"- {escape_line_file(passage_label(h.chunk, answer.page_labels.get(h.chunk.doc_id)))}", "",
                        f"  > {escape_line_file(snippet(h.chunk.text, NEAREST_CHARS))}", ""]
            continue
        out += ["**Sources**", ""]
        for c in answer.citations:
            out += [
                f"{c.marker}. {escape_line_file(c.title)} ({escape_line_file(source_label(c))}), "
                f"{escape_line_file(date_label(c.date))}, {place_label(c, escape_line_file)}; "
                f"{escape_line_file(c.document)}, characters {c.start}–{c.end}",
                "",
                f"   > {escape_line_file(c.quote)}",
                "",
            ]
    return "\n".join(out).rstrip("\n") + "\n"
