"""Make PDFs of a plain-text letter in layouts the ingester has never seen (reportlab)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import (
    ListFlowable,
    ListItem,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)

LAYOUTS = ("plain-numbers", "header-and-dash-numbers", "letter-paper-squares", "narrow-justified")


def parse_reference(text: str) -> list[tuple[str, str]]:
    """('para' | 'bullet', text) blocks of a reference letter: bullets start with '- '."""
    blocks = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        if line.startswith("- "):
            blocks.append(("bullet", line[2:]))
        else:
            blocks.append(("para", line))
    return blocks


def make_pdf(blocks: list[tuple[str, str]], path: Path, layout: str) -> Path:
    size = LETTER if layout == "letter-paper-squares" else A4
    width = 120 * mm if layout == "narrow-justified" else None
    margin = (size[0] - width) / 2 if width else 25 * mm
    style = ParagraphStyle("body", fontName="Times-Roman" if layout != "plain-numbers" else "Helvetica",
                           fontSize=10.5, leading=13, alignment=4 if layout == "narrow-justified" else 0,
                           spaceAfter=6)
    bullet_char = {"letter-paper-squares": "\u25aa", "header-and-dash-numbers": "\u2022"}.get(layout, "\u2013")

    def on_page(canvas, doc):
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        n = doc.page
        if layout == "plain-numbers":
            canvas.drawCentredString(size[0] / 2, 12 * mm, str(n))
        elif layout == "header-and-dash-numbers":
            canvas.drawString(margin, size[1] - 12 * mm, "Children's services inspection | Birmingham | Letter")
            canvas.drawCentredString(size[0] / 2, 12 * mm, f"- {n} -")
        elif layout == "letter-paper-squares":
            canvas.drawRightString(size[0] - margin, size[1] - 12 * mm, "OFFICIAL")
            canvas.drawString(margin, 12 * mm, f"Reference 2011/BCC/{n:02d}      Page {n}")
        else:
            canvas.drawString(margin, 12 * mm, f"{n}/4")
        canvas.restoreState()

    story = []
    pending: list = []

    def flush():
        if pending:
            story.append(ListFlowable([ListItem(p, value=bullet_char) for p in pending], bulletType="bullet",
                                      start=bullet_char, leftIndent=12))
            pending.clear()

    for kind, text in blocks:
        para = Paragraph(escape(text), style)
        if kind == "bullet":
            pending.append(para)
        else:
            flush()
            story.append(para)
    flush()
    story.append(Spacer(1, 1))
    doc = SimpleDocTemplate(str(path), pagesize=size, leftMargin=margin, rightMargin=margin,
                            topMargin=22 * mm, bottomMargin=22 * mm, title="", author="")
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return path
