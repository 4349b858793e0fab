"""Tokens and folding shared by the lexical index, sentence scoring and evaluation."""

from __future__ import annotations

import functools
import re
from functools import lru_cache
import unicodedata

FOLD = str.maketrans({"‘": "'", "’": "'", "‛": "'", "“": '"', "”": '"', "„": '"', "–": "-", "—": "-", "\u00a0": " "})
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor
    not now of off on once only or other our ours ourselves out over own same she should so some such than that
    the their theirs them themselves then there these they this those through to too under until up very was we
    were what when where which while who whom why will with would you your yours yourself yourselves say said
    says tell told did does according been being whether there's what's it's""".split()
)
BULLETS = "•●○◦▪▫■□‣⁃∙\x7f"


_FOLD_BULLETS = str.maketrans({**{ord(k) if isinstance(k, str) else k: v for k, v in FOLD.items()},
                               **{ord(ch): " " for ch in BULLETS}})


def fold(text: str) -> str:
    """Fold whitespace, case, curly quotes and bullet glyphs, as evaluation compares text."""
    return re.sub(r"\s+", " ", text.translate(_FOLD_BULLETS)).strip().lower()


@functools.lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper: enough to meet 'assessments'/'assessment', 'improve'/'improving'."""
    if word.isdigit() or len(word) <= 3:
        return word
    for suffix, repl in (("ies", "y"), ("ied", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", "e"), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                break
            word = word[: len(word) - len(suffix)] + repl
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


# Unicode's combining-mark blocks (Combining Diacritical Marks and its Extended, Supplement and For Symbols
# blocks, and Combining Half Marks): what NFKD splits off an accented letter
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def strip_accents(text: str) -> str:
    """"Thérèse" -> "Therese", "Zoë" -> "Zoe": letters without their combining marks (NFKD)."""
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def tokens(text: str, keep_stopwords: bool = False) -> list[str]:
    """Stemmed lower-case word tokens, accents stripped (a name typed without its accents still matches),
    stopwords dropped unless `keep_stopwords`. Cached: the same passages are read question after question."""
    return list(_tokens(text, keep_stopwords))


@lru_cache(maxsize=16384)
def _tokens(text: str, keep_stopwords: bool) -> tuple[str, ...]:
    words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?%?", strip_accents(text.translate(FOLD).lower()))
    out = []
    for w in words:
        w = w.split("'")[0] if w.endswith("'s") else w
        if not keep_stopwords and (w in STOPWORDS or len(w) < 2 and not w.isdigit()):
            continue
        out.append(stem(w))
    return tuple(out)


# a web page's furniture saved with its text: cookie notices, sign-in and subscription prompts, picture
# credits (anywhere in a line), menus and sharing links (as short lines of their own); never a title or a quote
_FURNITURE = re.compile(r"(?i)\b(?:(?:we|this site) uses? cookies|accept (?:all )?cookies|cookie (?:policy|settings)|"
                        r"skip to (?:main )?content|register now|continue reading|sign in here|already a subscriber|"
                        r"subscriber-only|all rights reserved|privacy policy|thank you for visiting|our archive of)\b|\b(?:picture|photograph|image)(?: credit)?:")
_SHORT_FURNITURE = re.compile(r"(?i)\b(?:menu|search|log ?in|sign in|subscribe|newsletter|share(?: this| on)?|"
                              r"follow us|read more|more like this|related (?:articles|stories)|advertisement)\b")


def is_boilerplate(line: str) -> bool:
    """Whether a line or sentence is a web page's furniture rather than the document's text."""
    short = len(line.split()) <= 8 and not re.search(r"[.!?][\"'”’)]*\s*$", line)  # a link, not a sentence
    return bool(_FURNITURE.search(line)) or (short and bool(_SHORT_FURNITURE.search(line)))


def aligned_characters(ours: str, theirs: str) -> list[tuple[int, int]]:
    """Pairs (offset in `ours`, offset in `theirs`) of the characters two readings of the same text share, in
    order: both reduced to their characters but whitespace, compatibility-normalised and case-folded ("ﬁ" ->
    "fi"), then matched by `difflib.SequenceMatcher` (no junk heuristic), so joined hyphens, dropped bullets
    and headers and folded whitespace in one of them leave the rest aligned."""
    import difflib

    def significant(text: str) -> tuple[str, list[int]]:
        chars, offsets = [], []
        for i, ch in enumerate(text):
            for folded in unicodedata.normalize("NFKC", ch).casefold():
                if not folded.isspace():
                    chars.append(folded)
                    offsets.append(i)
        return "".join(chars), offsets

    a, a_at = significant(ours)
    b, b_at = significant(theirs)
    pairs = []
    for i, j, size in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        pairs.extend((a_at[i + k], b_at[j + k]) for k in range(size))
    return pairs
