"""Document text shown through Markdown renders as literal text: no images, links, HTML or markup."""

from __future__ import annotations

import re
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from inspection_qa.markdown_safe import (
    HIGHLIGHT_CLOSE,
    HIGHLIGHT_OPEN,
    MARKDOWN_SPECIALS,
    context_window,
    escape_line,
    escape_line_file,
    escape_markdown,
    escape_markdown_file,
    highlight,
)

HOSTILE = [
    "![x](http://evil.example/pixel.png)",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "[link](javascript:alert(1))",
    "[ref]: http://evil.example/ref\n\n[ref]",
    "<http://evil.example/autolink>",
    "# Heading\n\n> quote\n\n- item\n\n1. item\n\n***\n\n| a | b |\n|---|---|",
    "Title\n=====",
    "    indented code ![x](http://evil.example)",
    "`code` **bold** _em_ ~~del~~ $x^2$ :red[colour] :material/home: :smile:",
    "www.evil.example and mail@evil.example",
    "&lt;img src=x&gt; &#60;script&#62;",
    "back\\slash \\![x](y) line end\\\nnext",
]

# The Markdown that Streamlit's renderer would otherwise act on.
DANGEROUS = ("![", "<", "](", "]:", "&#", "&lt", "://", "javascript:")


def without_escapes(markdown: str) -> str:
    """Markdown source with every backslash escape pair (and our own blank references) removed."""
    return re.sub(r"\\.", "", markdown.replace("&#32;", " ").replace("&#9;", "\t"), flags=re.S)


def visible(text: str) -> str:
    """What a reader sees: the invisible word joiners that break autolinks are not text."""
    return text.replace("\u2060", "")


def unescape(markdown: str) -> str:
    return visible(re.sub(r"\\(.)", r"\1", markdown.replace("&#32;", " ").replace("&#9;", "\t"), flags=re.S))


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_holds_no_unescaped_markup(text):
    escaped = escape_markdown(text)
    rest = without_escapes(escaped)
    for seq in DANGEROUS:
        assert seq not in rest, (seq, escaped)
    assert not set(rest) & (MARKDOWN_SPECIALS - {"\\"})
    assert unescape(escaped) == text


def test_every_special_character_is_escaped_once():
    for ch in MARKDOWN_SPECIALS:
        assert visible(escape_markdown(f"a{ch}b")) == f"a\\{ch}b"
    assert escape_markdown("plain words, digits 123; quotes “x” ’") == "plain words, digits 123; quotes “x” ’"
    assert escape_markdown("") == ""


def test_examples_from_the_brief():
    assert visible(escape_markdown("![x](http://evil)")) == r"\!\[x\]\(http\://evil\)"
    assert escape_markdown("<img src=x onerror=alert(1)>") == r"\<img src\=x onerror\=alert\(1\)\>"
    assert escape_markdown("<script>") == r"\<script\>"
    assert visible(escape_markdown("[link](javascript:alert(1))")) == r"\[link\]\(javascript\:alert\(1\)\)"


def test_leading_indentation_cannot_open_a_code_block():
    escaped = escape_markdown("line\n    indented\n\tand tabbed")
    assert escaped == "line\n&#32;&#32;&#32;&#32;indented\n&#9;and tabbed"


def test_escape_line_collapses_whitespace():
    assert escape_line("  A\n\ntitle\t[x] ") == r"A title \[x\]"
    assert escape_line(None) == ""


def test_highlight_wraps_exactly_the_quote():
    passage = "Before the quote. Supervision is held regularly (most cases). After it."
    quote = "Supervision is held regularly (most cases)."
    start = passage.index(quote)
    end = start + len(quote)
    out = highlight(passage, start, end)
    assert out == (
        r"Before the quote\. " + HIGHLIGHT_OPEN + r"Supervision is held regularly \(most cases\)\." + HIGHLIGHT_CLOSE
        + r" After it\."
    )
    assert out.startswith(escape_markdown(passage[:start]) + HIGHLIGHT_OPEN)
    assert out.count(HIGHLIGHT_OPEN) == 1
    inside = out[out.index(HIGHLIGHT_OPEN) + len(HIGHLIGHT_OPEN): out.rindex(HIGHLIGHT_CLOSE)]
    assert unescape(inside) == quote


def test_highlight_escapes_hostile_parts():
    passage = "<img src=x> ![a](http://evil/a.png) quoted [b](javascript:x) tail <script>"
    start = passage.index("![a]")
    end = passage.index(" tail")
    out = highlight(passage, start, end)
    body = out.replace(HIGHLIGHT_OPEN, "").replace(HIGHLIGHT_CLOSE, "", 1)
    rest = without_escapes(body)
    for seq in DANGEROUS:
        assert seq not in rest, (seq, out)
    inside = out[out.index(HIGHLIGHT_OPEN) + len(HIGHLIGHT_OPEN): out.rindex(HIGHLIGHT_CLOSE)]
    assert unescape(inside) == passage[start:end]


def test_highlight_keeps_edge_whitespace_outside_and_splits_lines():
    out = highlight("ab  cd\n\nef gh", 2, 10)  # "  cd\n\nef"
    assert out == f"ab  {HIGHLIGHT_OPEN}cd{HIGHLIGHT_CLOSE}\n\n{HIGHLIGHT_OPEN}ef{HIGHLIGHT_CLOSE} gh"
    assert highlight("abc", 1, 1) == "abc"
    with pytest.raises(ValueError):
        highlight("abc", 2, 5)


def test_context_window_cuts_at_words_and_keeps_the_quote():
    text = " ".join(f"word{i}" for i in range(200))
    quote = "word100 word101"
    start = text.index(quote)
    passage, s, e = context_window(text, start, start + len(quote), margin=50)
    assert passage[s:e] == quote
    assert passage.startswith("… word") and passage.endswith(" …")
    assert 80 <= len(passage) <= 130
    assert all(tok.startswith("word") for tok in passage.strip("… ").split())


def test_context_window_at_document_edges():
    text = "Short text. The quote."
    passage, s, e = context_window(text, 12, len(text), margin=150)
    assert passage == text and passage[s:e] == "The quote."


markdown_it = pytest.importorskip("markdown_it")


def _rendered_tokens(markdown: str):
    md = markdown_it.MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return md.parse(markdown)


def _plain_text(markdown: str, source: str) -> str:
    """What a CommonMark parser renders, asserting it is nothing but paragraphs of text."""
    seen = []
    for tok in _rendered_tokens(markdown):
        assert tok.type in {"paragraph_open", "paragraph_close", "inline"}, (tok.type, source)
        if tok.type == "paragraph_close":
            seen.append("\n")
        for child in tok.children or []:
            assert child.type in {"text", "softbreak", "hardbreak"}, (child.type, source)
            seen.append(child.content if child.type == "text" else "\n")
    return visible(" ".join("".join(seen).split()))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + " \n\t“”’é", max_size=200))
def test_a_commonmark_parser_sees_only_text(text):
    """Parsed by a real CommonMark parser (with raw HTML on), escaped text is paragraphs of plain text."""
    assert _plain_text(escape_markdown(text), text) == " ".join(text.split())


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=string.ascii_letters + string.punctuation + " \n\t", max_size=120),
    st.integers(0, 120),
    st.integers(0, 120),
)
def test_a_highlighted_passage_parses_as_text_around_the_highlight(text, a, b):
    """A CommonMark parser finds no markup in a highlighted passage: the highlight's brackets stay text."""
    start, end = sorted((min(a, len(text)), min(b, len(text))))
    expected = text[:start]
    for i, line in enumerate(text[start:end].split("\n")):
        core = line.strip()
        expected += ("\n" if i else "") + (line.replace(core, HIGHLIGHT_OPEN + core + HIGHLIGHT_CLOSE, 1) if core else line)
    expected += text[end:]
    assert _plain_text(highlight(text, start, end), text) == " ".join(expected.split())


# -- Markdown files (the conversation download) ------------------------------------------------

def test_a_markdown_file_keeps_ordinary_prose_as_typed():
    prose = "Inspectors (in 2031) found the ‘front door’ e.g. improved - 3.5% of cases: good. See [1] and [2]."
    assert escape_markdown_file(prose) == prose
    assert escape_line_file("  two\n  lines  ") == "two lines"


@pytest.mark.parametrize("text", HOSTILE)
def test_a_markdown_file_renders_hostile_text_as_text(text):
    escaped = escape_markdown_file(text)
    assert _plain_text(escaped, text) == visible(" ".join(text.split()))
    quoted = _rendered_tokens("> " + escape_line_file(text))
    assert [t.type for t in quoted] == ["blockquote_open", "paragraph_open", "inline", "paragraph_close",
                                        "blockquote_close"], text
    assert all(child.type == "text" for child in quoted[2].children)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.ascii_letters + string.digits + string.punctuation + " \n\t“”’é", max_size=200))
def test_a_commonmark_parser_sees_only_text_in_a_markdown_file(text):
    assert _plain_text(escape_markdown_file(text), text) == visible(" ".join(text.split()))
    tokens = _rendered_tokens("1. x\n\n   > " + escape_line_file(text))
    assert [t.type for t in tokens if t.type.endswith("_open")] == \
        ["ordered_list_open", "list_item_open", "paragraph_open"] + (
            ["blockquote_open", "paragraph_open"] if text.split() else ["blockquote_open"])
    for tok in tokens:
        for child in tok.children or []:
            assert child.type == "text", (child.type, text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet="ab :/.w@\n\t h*![]()\r<>", max_size=8), max_size=12))
def test_a_streamed_reply_is_escaped_as_the_whole_would_be(pieces):
    """A language model's reply reaches the chat piece by piece: escaped as one text, an address split
    between pieces included (http: | //evil), never as pieces that each look harmless."""
    from inspection_qa.markdown_safe import escape_stream

    assert "".join(escape_stream(pieces)) == escape_markdown("".join(pieces))
