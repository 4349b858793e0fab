"""Show untrusted text (document text, titles, file names, questions) through Markdown as literal text.

Streamlit renders `st.markdown`, `st.caption`, alerts and expander labels as GitHub-flavoured
Markdown with Streamlit's own extensions (`:color[...]` directives, `:emoji:` codes, `$math$`).
A document could otherwise smuggle in an image that loads a remote URL (`![x](http://evil)`),
a `javascript:` link, raw HTML, or a heading that restyles the page. Every piece of document
text goes through `escape_markdown` before it reaches one of those calls; the app never uses
`unsafe_allow_html`.
"""

from __future__ import annotations

import re
from typing import Iterable, Iterator

# Markdown, GFM, HTML and Streamlit-significant ASCII characters; each is backslash-escaped.
# CommonMark lets any ASCII punctuation be backslash-escaped, so the escaped text renders as
# exactly the original characters. `=` stops setext headings, `&` stops entity decoding
# (`&lt;` stays literal), `@` stops e-mail autolinks; `:` and `.` stop URL autolinks,
# emoji codes and Streamlit directives.
MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()#+-.!|<>~$:=&@")

_ESCAPE = {ord(ch): "\\" + ch for ch in MARKDOWN_SPECIALS}
# Indentation at the start of a line would open an indented code block, inside which
# backslash escapes show literally; a numeric character reference renders the same blank.
_LEADING_BLANKS = re.compile(r"(?m)^[ \t]+")
_BLANK_REFS = {" ": "&#32;", "\t": "&#9;"}

HIGHLIGHT_OPEN = ":orange-background["
HIGHLIGHT_CLOSE = "]"


def escape_markdown(text: str) -> str:
    """`text` as Markdown source that renders as exactly `text`, with no markup, link, image or HTML."""
    return _protect_indentation(_escape_characters(text))


# The browser's Markdown renderer turns bare addresses into links after escapes are undone
# (GFM "autolink literals"); an invisible WORD JOINER inside them leaves the text as read but
# stops the match: "http:\u2060//", "www\u2060.", "name\u2060@host".
_AUTOLINK = re.compile(r"(?i)\b([a-z][a-z0-9+.-]{1,15}:)(?=//)|\b(www)(?=\.)|(?<=[\w.+-])(?=@)")
WORD_JOINER = "\u2060"


def _break_autolinks(text: str) -> str:
    return _AUTOLINK.sub(lambda m: (m.group(1) or m.group(2) or "") + WORD_JOINER, text)


def _escape_characters(text: str) -> str:
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return _break_autolinks(text).translate(_ESCAPE)


def _protect_indentation(markdown: str) -> str:
    return _LEADING_BLANKS.sub(lambda m: "".join(_BLANK_REFS[ch] for ch in m.group(0)), markdown)


def escape_line(text: str | None) -> str:
    """A one-line field (title, file name, date): whitespace runs collapsed, then escaped."""
    return escape_markdown(" ".join((text or "").split()))


def escape_stream(pieces: Iterable[str]) -> Iterator[str]:
    """Text arriving piece by piece (a language model's reply), escaped as `escape_markdown` escapes the whole:
    pieces are held back to the start of the last word, so an address or a line's indentation split between pieces
    is escaped as one. `"".join(escape_stream(p)) == escape_markdown("".join(p))`."""
    held = ""
    for piece in pieces:
        held += piece
        last = None
        for last in _WORD_AFTER_SPACE.finditer(held):
            pass
        if last is not None:  # send all before the last word; what follows starts with that word, never a blank
            yield escape_markdown(held[:last.start() + 1])
            held = held[last.start() + 1:]
    if held:
        yield escape_markdown(held)


_WORD_AFTER_SPACE = re.compile(r"\s\S")


def highlight(passage: str, start: int, end: int) -> str:
    """`passage` escaped, with `passage[start:end]` wrapped in a highlight.

    Whitespace at the edges of the highlighted part is kept outside the highlight, and a part
    spanning lines is highlighted line by line (a highlight cannot cross a paragraph break).
    """
    if not 0 <= start <= end <= len(passage):
        raise ValueError(f"highlight span {start}:{end} lies outside a passage of {len(passage)} characters")
    before, middle, after = passage[:start], passage[start:end], passage[end:]
    lines = middle.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    marked = _escape_characters(before) + "\n".join(_highlight_line(line) for line in lines) + _escape_characters(after)
    return _protect_indentation(marked)


def _highlight_line(line: str) -> str:
    core = line.strip()
    if not core:
        return _escape_characters(line)
    lead = line[: len(line) - len(line.lstrip())]
    trail = line[len(line.rstrip()):]
    return lead + HIGHLIGHT_OPEN + _escape_characters(core) + HIGHLIGHT_CLOSE + trail


def context_window(text: str, start: int, end: int, margin: int = 150) -> tuple[str, int, int]:
    """About `margin` characters of `text` either side of [start, end), cut at word boundaries.

    Returns the passage and the span's offsets within it; an ellipsis marks each cut side.
    """
    if not 0 <= start <= end <= len(text):
        raise ValueError(f"span {start}:{end} lies outside a text of {len(text)} characters")
    lo = max(0, start - margin)
    if lo > 0:
        gap = re.search(r"\s", text[lo:start])
        lo = lo + gap.end() if gap else start
    hi = min(len(text), end + margin)
    if hi < len(text):
        gap = None
        for gap in re.finditer(r"\s", text[end:hi]):
            pass
        hi = end + gap.start() if gap else end
    while lo < start and text[lo].isspace():
        lo += 1
    while hi > end and text[hi - 1].isspace():
        hi -= 1
    prefix = "… " if text[:lo].strip() else ""
    suffix = " …" if text[hi:].strip() else ""
    passage = prefix + text[lo:hi] + suffix
    return passage, len(prefix) + start - lo, len(prefix) + end - lo


# -- Markdown files (the conversation download) ------------------------------------------------
# A downloaded transcript is read as source as often as rendered (GitHub, an editor's preview), so it
# escapes only what could start markup in CommonMark/GFM, and ordinary prose keeps its (), . - ' : as typed.
_FILE_ALWAYS = {ord(ch): "\\" + ch for ch in "\\`*_<|~$"}  # code, emphasis, HTML/autolinks, tables, strike, math
_BRACKET_LINK = re.compile(r"\](?=[(\[:])")  # "](" inline link/image, "][" reference link, "]:" definition
_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")  # "&lt;" would render as "<"
_LINE_START = re.compile(r"^([#>+=-])|^(\d{1,9})([.)])")  # heading, quote, list, setext line, ordered list


def escape_markdown_file(text: str) -> str:
    """`text` as Markdown source for a file: it renders as exactly `text` (less leading and trailing blanks of
    its lines), with no markup, link, image or HTML, yet escapes no more than that needs: "Inspectors (in
    2031) found the front door e.g. improved." stays as it is. Each line is read as a line's start, so the
    text may follow a block marker ("> ", "1. ")."""
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    lines = []
    for line in _break_autolinks(text).split("\n"):
        line = line.strip().translate(_FILE_ALWAYS)
        line = _ENTITY.sub(r"\\&", _BRACKET_LINK.sub(r"\\]", line))
        line = _LINE_START.sub(lambda m: "\\" + m.group(1) if m.group(1) else m.group(2) + "\\" + m.group(3), line)
        lines.append(line)
    return "\n".join(lines)


def escape_line_file(text: str | None) -> str:
    """A one-line field for a Markdown file: whitespace runs collapsed, then `escape_markdown_file`."""
    return escape_markdown_file(" ".join((text or "").split()))
