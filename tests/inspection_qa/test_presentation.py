"""The conversation download: clean Markdown (quotes as block quotes, no needless backslashes), no markup
from a document."""

from __future__ import annotations

import re

import pytest

from inspection_qa.presentation import conversation_markdown
from tests.answering.test_types import answer, citation

markdown_it = pytest.importorskip("markdown_it")


def tokens(md: str):
    return markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).parse(md)


def test_the_download_is_clean_markdown():
    a = answer()
    a.question = "What did inspectors say (in 2031) about supervision?"
    a.citations = [citation(1, quote="Supervision (monthly) was regular, e.g. in 3.5% of cases."),
                   citation(2, quote="Staff: well supported.", pages=(), page_labels=(), paragraph=2)]
    md = conversation_markdown([a])
    assert "## 1. What did inspectors say (in 2031) about supervision?" in md
    assert "   > Supervision (monthly) was regular, e.g. in 3.5% of cases." in md
    assert "   > Staff: well supported." in md
    assert "1. A letter (inspection letter, read by OCR), 2031-05-04, p. iii, iv, section “Findings”; doc-a.pdf, " \
           "characters 120–144" in md
    assert "section “Findings”, paragraph 2" in md
    assert "“Supervision was regular.” [1]" in md
    assert not re.search(r"\\[^\n]", md), [line for line in md.splitlines() if "\\" in line]
    quotes = [t for t in tokens(md) if t.type == "blockquote_open"]
    assert len(quotes) == 2


def test_hostile_document_text_stays_text_in_the_download():
    a = answer()
    a.citations = [citation(1, title="<script>alert(1)</script>",
                            quote="[ref]: http://evil.example ![x](http://evil.example/p.png) <img src=x onerror=y>")]
    a.text = "# Not a heading\n[click](javascript:alert(1)) [1]"
    md = conversation_markdown([a])
    parsed = tokens(md)
    headings = [parsed[i + 1].content for i, t in enumerate(parsed) if t.type == "heading_open"]
    assert headings == ["inspection-qa conversation", "1. And for new staff?"]
    for tok in parsed:
        assert tok.type != "html_block", tok
        for child in tok.children or []:
            assert child.type in ("text", "softbreak", "strong_open", "strong_close", "em_open", "em_close"), child
    assert "\\<script>alert(1)\\</script>" in md


def test_an_abstention_lists_its_nearest_passages():
    a = answer()
    a.abstained, a.citations, a.text = True, [], "The ingested documents don't answer this."
    md = conversation_markdown([a])
    assert "**Nearest passages**" in md and md.count("  > abcd efgh") == 3
    assert "**Sources**" not in md


def test_a_nearest_passage_is_placed_by_its_printed_pages():
    from core.records import Chunk
    from inspection_qa.presentation import passage_caption_markdown, passage_label

    chunk = Chunk(id="c", doc_id="r.pdf", filename="r.pdf", title="Report", date="2031-05-01", source_kind="inspection_report",
                  start=0, end=10, pages=(5, 6), section="", sentences=(), text="Text here.")
    assert passage_label(chunk).endswith("p. 5, 6")
    assert passage_label(chunk, {5: "2", 6: "3"}).endswith("p. 2, 3")
    assert " — p. 2, 3 — " in passage_caption_markdown(chunk, {5: "2", 6: "3"})
