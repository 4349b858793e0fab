"""A conversation as Markdown, with every answer and every citation (document, date, page, quote)."""

from __future__ import annotations

from datetime import datetime, timezone

from answering.types import Answer

from .markdown_safe import escape_line, escape_markdown


def conversation_markdown(turns: list[Answer], title: str = "inspection-qa conversation") -> str:
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"# {title}", "", f"Downloaded {when}. Every quotation below stands verbatim in its document.", ""]
    for i, answer in enumerate(turns, start=1):
        out += [f"## {i}. {escape_line(answer.question)}", ""]
        if answer.searched_question != answer.question:
            out += [f"*Searched as:* {escape_line(answer.searched_question)}", ""]
        out += [escape_markdown(answer.text), ""]
        if answer.abstained:
            out += ["*Nearest passages:*", ""]
            for h in answer.retrieved[:3]:
                c = h.chunk
                out.append(f"- {escape_line(c.title)}, {c.date or 'undated'}, p. {c.page or 'n/a'}: "
                           f"{escape_line(c.text[:300])}")
            out.append("")
            continue
        out += ["**Sources**", ""]
        for c in answer.citations:
            pages = ", ".join(str(p) for p in c.pages) or "n/a"
            section = f", section “{escape_line(c.section)}”" if c.section else ""
            out.append(
                f"{c.marker}. {escape_line(c.title)} ({escape_line(c.kind_label)}), {c.date or 'undated'}, "
                f"p. {pages}{section}; {escape_line(c.document)}, characters {c.start}–{c.end}  \n"
                f"   > {escape_line(c.quote)}"
            )
        out.append("")
    return "\n".join(out)
