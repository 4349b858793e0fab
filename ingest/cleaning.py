"""Cleaning: raw page text -> one clean text with page spans and structural blocks.

Removes running headers and footers (lines repeated at the top or bottom of many pages),
page-number lines, control characters and bullet glyphs; joins lines broken by layout and
undoes hyphenation; keeps paragraph, bullet and heading boundaries.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from core.records import Block, PageSpan

BULLET_GLYPHS = set("•●○◦▪▫■□‣⁃∙➢➤►▶✓✔❖♦◆→\x7f")
DASH_BULLET = re.compile(r"^([-*–—+])\s+(?=\S)")
NUMBERED = re.compile(r"^(\(?\d{1,2}[.)]|\(?[a-z][.)])\s+(?=[A-Z])")
MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
PAGE_NUMBER = re.compile(r"^(page\s*#+(\s*(of|/)\s*#+)?|#+\s*(of|/)\s*#+|[-–—]?\s*#+\s*[-–—]?)$")
TERMINAL = re.compile(r"[.!?:;][\"'”’)\]]*$")
DATE_LINE = re.compile(
    r"^\d{1,2}(st|nd|rd|th)? (January|February|March|April|May|June|July|August|September|October|November|"
    r"December) \d{4}$"
)
SENTENCE_END = re.compile(r"[.!?][\"'”’)\]]*$")
TRANSLATE = {
    0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl",
    0x00A0: " ", 0x2007: " ", 0x2009: " ", 0x202F: " ", 0x2002: " ", 0x2003: " ", 0x0009: " ",
    0x00AD: None, 0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None,
}
KEEP_HYPHEN_PREFIXES = {
    "co", "re", "non", "pre", "multi", "self", "well", "cross", "inter", "anti", "sub", "post", "over",
    "under", "long", "short", "high", "low", "part", "full", "out", "semi", "ex", "pro", "mid", "cut",
    "follow", "step", "short", "front", "long", "decision", "child", "young", "ill", "cost", "up", "on",
}
JOIN_SUFFIXES = (
    "ing", "ment", "ments", "tion", "tions", "sion", "sions", "ed", "ly", "ness", "ity", "ities", "ance",
    "ence", "ances", "ences", "able", "ible", "al", "ally", "ive", "ives", "ous", "ise", "ised", "ize",
    "ized", "er", "ers", "est", "ful", "less", "ship", "ships", "ary", "ory", "ate", "ated", "ates",
    "ist", "ists", "ism", "ial", "ical", "ically", "ure", "ures", "ent", "ents", "ant", "ants", "ling",
)


def _is_bullet_glyph(ch: str) -> bool:
    return ch in BULLET_GLYPHS or unicodedata.category(ch) in ("Co", "Cc") and ch != "\n"


# characters an extraction puts where a glyph had no Unicode mapping: NUL, the replacement character, and a
# private-use code point inside a line (at a line's start one is a bullet glyph, "\uf0b7")
_LOST = re.compile("[\x00\ufffd]|(?<=\\S)[\ue000-\uf8ff]")


def damaged_pages(pages: list[str]) -> tuple[int, ...]:
    """The pages (1-based) whose raw extracted text lost characters (`_LOST`): "sta\x00 turnover" for "staff
    turnover" where a font maps the ligature to nothing. Cleaning drops those characters; ingest reports them."""
    return tuple(i for i, page in enumerate(pages, start=1) if _LOST.search(page))


def normalise_chars(text: str) -> str:
    """Line ends made "\n"; ligatures spelt out, odd spaces made plain, invisible characters dropped; a soft
    hyphen (U+00AD) at a line end joins the word it split ("assess\u00ad\nments" -> "assessments")."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub("\u00ad[ \t]*\n[ \t]*", "", text)
    return text.translate(TRANSLATE)


_CONTROLS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff\ue000-\uf8ff"
    + re.escape("".join(sorted(BULLET_GLYPHS))) + "]"
)


def strip_controls(line: str) -> str:
    """Control, format and private-use characters and bullet glyphs become spaces (regex: linear, fast)."""
    return re.sub(r"\s+", " ", _CONTROLS.sub(" ", line)).strip()


@dataclass
class _Line:
    text: str
    page: int
    bullet: bool = False
    heading_level: int = 0
    blank: bool = False


@dataclass
class _Para:
    block_kind: str  # paragraph | bullet | heading
    lines: list[tuple[str, int]] = field(default_factory=list)
    joins: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        out = self.lines[0][0]
        for (line, _), sep in zip(self.lines[1:], self.joins):
            out += sep + line
        return out


@dataclass
class CleanText:
    text: str
    pages: list[PageSpan]
    blocks: list[Block]


def _zone_key(line: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", line.lower())).strip()


def remove_running_lines(pages: list[list[str]], zone: int = 4, labels: list[str] | None = None) -> list[list[str]]:
    """Drop lines repeated at the top or bottom of many pages, and page-number lines there; with the pages'
    printed `labels` (a PDF's /PageLabels), also a page's first or last line that opens or closes with its own
    number, a running header whose chapter title changes ("24 1.6. WEGE UND KNOTEN", "2 Findings 17")."""
    if labels and len(labels) == len(pages):
        pages = [_without_numbered_header(lines, label) for lines, label in zip(pages, labels)]
    n = len(pages)
    counts: Counter[str] = Counter()
    zones: list[set[int]] = []
    for lines in pages:
        idx = [i for i, line in enumerate(lines) if line.strip()]
        z = set(idx[:zone]) | set(idx[-zone:])
        zones.append(z)
        counts.update({_zone_key(lines[i]) for i in z})
    need = max(2, math.ceil(n * 0.5))
    out = []
    for lines, z in zip(pages, zones):
        kept = []
        for i, line in enumerate(lines):
            if i in z:
                key = _zone_key(line)
                alnum = sum(ch.isalnum() for ch in key)
                if PAGE_NUMBER.match(key):
                    continue
                if n >= 2 and alnum >= 4 and counts[key] >= need:
                    continue
            kept.append(line)
        out.append(kept)
    return out


def _without_numbered_header(lines: list[str], label: str, words: int = 12) -> list[str]:
    """`lines` less its first and last non-empty line where that line is short, ends without a full stop, and
    opens or closes with the page's label as a word of its own."""
    if not label:
        return lines
    own = re.compile(rf"^{re.escape(label)}\s+\S|\S\s+{re.escape(label)}$")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    drop = {i for i in (filled[:1] + filled[-1:]) if own.search(lines[i].strip())
            and len(lines[i].split()) <= words and not SENTENCE_END.search(lines[i].strip())}
    return [line for i, line in enumerate(lines) if i not in drop]


TABLE_LINE = re.compile(r"^\s*\|.*\|\s*$")
SALUTATION_LINE = re.compile(r"^Dear\b")
# a line that ends where a sentence cannot: on a function word ("Children's services in")
_OPEN_END = re.compile(r"(?i)\b(?:the|a|an|of|in|on|at|to|for|from|by|with|and|or|but|that|which|who|is|are|was|"
                       r"were|has|have|had|be|been|its|their|his|her|this|these|than|as)$")


class TextCleaner:
    """Turns a loader's pages into a `CleanText`; `markdown` enables '#' headings."""

    def __init__(self, markdown: bool = False, wrapped: bool | None = None) -> None:
        self.markdown = markdown
        self.wrapped = wrapped

    def run(self, pages: list[str], labels: list[str] | None = None) -> CleanText:
        """`labels`: the pages' printed numbers where the file defines them (they mark running headers)."""
        page_lines = [normalise_chars(p).split("\n") for p in pages]
        page_lines = [[line.strip() for line in lines] for lines in page_lines]
        page_lines = remove_running_lines(page_lines, labels=labels)
        lines = self._classify(page_lines)
        known_words = self._word_set(lines)
        paras = self._paragraphs(lines, known_words)
        return self._assemble(paras)

    # -- lines ---------------------------------------------------------------------------
    def _classify(self, page_lines: list[list[str]]) -> list[_Line]:
        out: list[_Line] = []
        pending_bullet = False
        for page_no, lines in enumerate(page_lines, start=1):
            while lines and not lines[-1]:
                lines = lines[:-1]  # blank lines at a page's edges are layout, not paragraph breaks
            while lines and not lines[0]:
                lines = lines[1:]
            for raw in lines:
                if not raw:
                    out.append(_Line("", page_no, blank=True))
                    continue
                if all(_is_bullet_glyph(ch) or ch.isspace() for ch in raw) or raw in ("-", "–", "—", "*", "o", "+"):
                    pending_bullet = True  # a glyph drawn on its own line marks the next line
                    continue
                bullet, heading = pending_bullet, 0
                pending_bullet = False
                text = raw
                if _is_bullet_glyph(text[0]):
                    bullet = True
                    text = text.lstrip("".join(ch for ch in text[:3] if _is_bullet_glyph(ch)) + " ")
                elif self.markdown and (m := MD_HEADING.match(text)):
                    heading, text = len(m.group(1)), m.group(2)
                elif m := DASH_BULLET.match(text):
                    bullet, text = True, text[m.end():]
                elif NUMBERED.match(text):
                    bullet = True
                text = strip_controls(text)
                if not text:
                    continue
                out.append(_Line(text, page_no, bullet=bullet, heading_level=heading))
        return out

    @staticmethod
    def _word_set(lines: list[_Line]) -> set[str]:
        words: set[str] = set()
        for line in lines:
            words.update(w.lower() for w in re.findall(r"[A-Za-z][A-Za-z'-]*[A-Za-z]", line.text))
        return words

    # -- paragraphs ------------------------------------------------------------------------
    def _paragraphs(self, lines: list[_Line], known: set[str]) -> list[_Para]:
        lengths = sorted(len(line.text) for line in lines if not line.blank)
        width = lengths[int(0.9 * (len(lengths) - 1))] if lengths else 80
        wrapped = self.wrapped if self.wrapped is not None else width <= 120
        paras: list[_Para] = []
        cur: _Para | None = None
        for pos, line in enumerate(lines):
            if line.blank:
                cur = None
                continue
            nxt = lines[pos + 1] if pos + 1 < len(lines) else None
            if cur is not None and not line.bullet and not line.heading_level and self._stands_alone(line.text, nxt, width):
                cur = None  # a short title line before a list, or a date line: its own paragraph
            if line.heading_level:
                paras.append(_Para("heading", [(line.text, line.page)]))
                cur = None
                continue
            if TABLE_LINE.match(line.text):  # a table row is a unit of its own: never joined to its neighbours
                paras.append(_Para("paragraph", [(line.text, line.page)]))
                cur = None
                continue
            if line.bullet or cur is None or cur.block_kind == "heading":
                cur = _Para("bullet" if line.bullet else "paragraph", [(line.text, line.page)])
                paras.append(cur)
                continue
            prev = cur.lines[-1][0]
            sep = self._join(prev, line.text, width, wrapped, cur.block_kind == "bullet", known)
            if sep == " " and self._heads_the_body(cur, paras, line.text):
                sep = None  # a title, salutation or subject line is never the start of the body's first sentence
            if sep is None:
                cur = _Para("paragraph", [(line.text, line.page)])
                paras.append(cur)
            elif sep == "-":  # hyphenation undone: drop the hyphen, join with nothing
                cur.lines[-1] = (prev[:-1], cur.lines[-1][1])
                cur.lines.append((line.text, line.page))
                cur.joins.append("")
            else:
                cur.lines.append((line.text, line.page))
                cur.joins.append(sep)
        if not self.markdown:
            self._mark_headings(paras)
        return paras

    @staticmethod
    def _heads_the_body(cur: "_Para", paras: list["_Para"], nxt: str) -> bool:
        """Whether `cur`, one line so far, is the document's title line, a salutation ("Dear Director") or the
        subject line under one, so that a capitalised line after it starts the body. A first line that breaks
        off mid-sentence ("Children's services in" / "Oakvale have ...") is not."""
        if len(cur.lines) != 1 or cur.block_kind != "paragraph" or not nxt[:1].isupper():
            return False
        line = cur.lines[0][0]
        if TERMINAL.search(line) or _OPEN_END.search(line):
            return False
        if SALUTATION_LINE.match(line):
            return True
        before = paras[paras.index(cur) - 1] if paras.index(cur) > 0 else None
        return before is None or (len(before.lines) == 1 and bool(SALUTATION_LINE.match(before.lines[0][0])))

    @staticmethod
    def _stands_alone(text: str, nxt: "_Line | None", width: int) -> bool:
        if DATE_LINE.match(text):
            return True
        short_title = len(text) < 0.6 * width and text[:1].isupper() and not TERMINAL.search(text)
        return short_title and (nxt is None or nxt.blank or nxt.bullet or bool(nxt.heading_level))

    @staticmethod
    def _join(prev: str, nxt: str, width: int, wrapped: bool, in_bullet: bool, known: set[str]) -> str | None:
        """How to join `nxt` to `prev`: ' ', '' (compound hyphen kept), '-' (dehyphenate), None (break)."""
        first = nxt[0]
        if re.search(r"[A-Za-z]-$", prev) and first.islower():
            return _dehyphenate(prev, nxt, known)
        if TERMINAL.search(prev):
            if prev.endswith(":") or not SENTENCE_END.search(prev):
                return " " if first.islower() else None
            if first.islower():
                return " "
            if wrapped and len(prev) >= 0.85 * width:
                return " "
            return None
        if first.islower() or first in "(,&%":
            return " "
        if first.isdigit() and re.search(r"\b(on|in|of|at|by|to|from|the|and|than|about|since|until|between|over|under|some|all|with)$", prev):
            return " "
        if wrapped and len(prev) >= 0.6 * width:
            return " "
        return None

    @staticmethod
    def _mark_headings(paras: list[_Para]) -> None:
        for i, para in enumerate(paras):
            if para.block_kind != "paragraph" or len(para.lines) != 1:
                continue
            text = para.text
            letters = [c for c in text if c.isalpha()]
            if not letters or len(text) > 100 or len(text.split()) > 16:
                continue
            if text[-1] in ".,;:!?-" or not letters[0].isupper():
                continue
            if re.search(r"@|www\.|https?:|^By\s", text) or sum(c.isdigit() for c in text) > len(letters):
                continue
            upper = (
                all(c.isupper() for c in letters) and len(text.split()) <= 8 and re.search(r"[A-Z]{3,}", text) is not None
                and not re.search(r"\d", text)
            )
            nxt = paras[i + 1] if i + 1 < len(paras) else None
            prev = paras[i - 1] if i > 0 else None
            next_ok = nxt is not None and (nxt.block_kind == "bullet" or len(nxt.text) >= 120)
            prev_short = (
                prev is not None and prev.block_kind == "paragraph" and len(prev.text) < 60 and not TERMINAL.search(prev.text)
            )
            if upper or (next_ok and not prev_short):
                para.block_kind = "heading"

    # -- assembly --------------------------------------------------------------------------
    @staticmethod
    def _assemble(paras: list[_Para]) -> CleanText:
        parts: list[str] = []
        pos = 0
        runs: list[tuple[int, int, int]] = []
        blocks: list[Block] = []
        section = ""
        for para in paras:
            if parts:
                parts.append("\n\n")
                pos += 2
            start = pos
            for i, (line, page) in enumerate(para.lines):
                if i:
                    sep = para.joins[i - 1]
                    parts.append(sep)
                    pos += len(sep)
                parts.append(line)
                runs.append((pos, pos + len(line), page))
                pos += len(line)
            if para.block_kind == "heading":
                section = re.sub(r"^[^\w(]+", "", para.text).strip()
            blocks.append(Block(para.block_kind, start, pos, section))
        pages: dict[int, list[int]] = {}
        for s, e, p in runs:
            span = pages.setdefault(p, [s, e])
            span[0], span[1] = min(span[0], s), max(span[1], e)
        return CleanText(
            text="".join(parts),
            pages=[PageSpan(p, s, e) for p, (s, e) in sorted(pages.items())],
            blocks=blocks,
        )


@lru_cache(maxsize=1)
def _english():
    from spellchecker import SpellChecker  # pyspellchecker: an English word list with frequencies, in the wheel

    return SpellChecker(language="en")


def is_word(word: str) -> bool:
    """Whether `word` (lower case) is an English word (pyspellchecker's list, loaded once, ~0.1 s)."""
    return word in _english()


def _dehyphenate(prev: str, nxt: str, known: set[str]) -> str:
    """How a word hyphenated across a line end joins: "-" drops the hyphen when the joined word is a word (the
    document's own, or English: "re-\nferral" -> "referral"), "" keeps it when the hyphenated form is the
    document's own or no word joins up after a prefix ("co-\nlocated", "re-\ninspection", "multi-\nagency")."""
    head = re.search(r"([A-Za-z]+)-$", prev).group(1)
    tail = re.match(r"[A-Za-z]+", nxt)
    tail_word = tail.group(0) if tail else ""
    joined = (head + tail_word).lower()
    hyphenated = f"{head}-{tail_word}".lower()
    if hyphenated in known:
        return ""
    if joined in known or is_word(joined):  # "re-ferral", "over-sight": a word the line end broke
        return "-"
    if head.lower() in KEEP_HYPHEN_PREFIXES:  # "co-located", "multi-agency": no word joined up
        return ""
    if tail_word.lower().endswith(JOIN_SUFFIXES) and len(tail_word) <= 7:
        return "-"
    return ""
