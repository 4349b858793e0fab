"""Plain-text and Markdown renderings of an answer, shared by the CLI and the app."""

from __future__ import annotations

from answering.types import Answer, Citation


def citation_line(c: Citation) -> str:
    pages = ", ".join(str(p) for p in c.pages) if c.pages else "n/a"
    where = f"p. {pages}" if c.pages else "no page"
    section = f", section “{c.section}”" if c.section else ""
    source = "" if c.primary else ", secondary source"
    return (f"[{c.marker}] {c.title} ({c.kind_label}{source}), {c.date or 'undated'}, {where}{section} — "
            f"{c.document} chars {c.start}-{c.end}")


def answer_as_text(answer: Answer, nearest: int = 3) -> str:
    out = [answer.text]
    if answer.searched_question != answer.question:
        out.append(f"\n(searched as: {answer.searched_question})")
    if answer.abstained:
        if answer.retrieved:
            out.append("\nNearest passages:")
            for h in answer.retrieved[:nearest]:
                c = h.chunk
                out.append(f"- {c.title}, {c.date or 'undated'}, p. {c.page or 'n/a'}: {c.text[:300]}")
        return "\n".join(out)
    out.append("\nSources:")
    for c in answer.citations:
        out.append(citation_line(c))
        out.append(f"    “{c.quote}”")
    return "\n".join(out)
