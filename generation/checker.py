"""The sentence check: a written sentence is shown only when the quotations it cites carry what it says.

A sentence is supported when
  1. it cites at least one quotation, and every marker it cites is one of the quotations given;
  2. it holds no link, image or markup (nothing a quotation could carry);
  3. none of the quotations it cites reads as an instruction to a language model (a planted one);
  4. every figure it states (digits, number words, ordinals; a figure in digits with the word after it near
     it in the quotations), every name (a capitalised word past its first), every judgement word ("outstanding", "requires improvement", "improved", "effective", ...)
     and every negation appears in the cited quotations, and it does not drop a quotation's "not";
  5. its content is close to theirs: the share of its content words found in the cited quotations
     (`words`, 0-1) reaches `words_min`, or a lower `words_with_similarity_min` with its cosine to the
     closest cited quotation (`similarity`, with the embedding model the thresholds were fitted with)
     reaching `similarity_min` (`checker.json`).

The thresholds are fitted by `scripts/fit_checker.py` on `tests/fixtures/generation/calibration.jsonl`
(supported and unsupported sentences against quotations); nothing here is tuned by hand.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from answering.types import ABSTAIN_TEXT
from core.errors import ConfigError
from core.protocols import Embedder
from core.text import FOLD, fold, strip_accents, tokens

from .types import Sentence, Verdicts

THRESHOLDS_FILE = Path(__file__).with_name("checker.json")

# -- splitting a reply into sentences with their markers ---------------------------------------------------------

MARKER_GROUP = re.compile(r"\[\s*(\d{1,3}(?:\s*[,;]\s*\d{1,3})*)\s*\]")
# a sentence ends at . ! or ? (after any closing quote or bracket), with the marker groups that follow it
_END = re.compile(r"[.!?]+[\"'”’)]*(?:\s*\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\])*(?=\s|$)")
_LEADING_MARKERS = re.compile(r"^(?:\s*\[\s*\d{1,3}(?:\s*[,;]\s*\d{1,3})*\s*\])+")


def markers_of(text: str) -> tuple[int, ...]:
    """The quotation numbers `text` cites, in order of first mention: "a [2]. b [1, 3]" -> (2, 1, 3)."""
    out: list[int] = []
    for group in MARKER_GROUP.findall(text):
        for n in re.split(r"\s*[,;]\s*", group):
            if int(n) not in out:
                out.append(int(n))
    return tuple(out)


def without_markers(text: str) -> str:
    return re.sub(r"\s+([.!?,;:])", r"\1", MARKER_GROUP.sub("", text)).strip()


def split_sentences(reply: str) -> list[str]:
    """The reply's sentences, each with the markers written after it ("... 18. [2]" keeps its [2]).

    Lines are split first (a list or a heading is one sentence a line), then each line at a full stop,
    question or exclamation mark followed by a space; decimals ("3.5") and a marker group that opens the
    next piece of text are kept with the sentence before them."""
    pieces: list[str] = []
    for line in reply.replace("\r", "\n").split("\n"):
        line = line.strip()
        start = 0
        for m in _END.finditer(line):
            pieces.append(line[start:m.end()].strip())
            start = m.end()
        if line[start:].strip():
            pieces.append(line[start:].strip())
    out: list[str] = []
    for piece in pieces:
        lead = _LEADING_MARKERS.match(piece)
        if lead and out:  # "... 18. [2] Next sentence": the [2] belongs to the sentence before
            out[-1] = out[-1] + " " + lead.group(0).strip()
            piece = piece[lead.end():].strip()
        if piece and re.search(r"\w", without_markers(piece)):
            out.append(piece)
    return out


# -- what a sentence states ------------------------------------------------------------------------------------

_UNITS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
    "seventeen eighteen nineteen".split())}
_TENS = {w: 10 * (i + 2) for i, w in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split())}
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_ORDINALS = {w: i + 1 for i, w in enumerate(
    "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split())}
_DIGITS = re.compile(r"(?<![\w.])\d{1,3}(?:,\d{3})+(?:\.\d+)?|(?<![\w.,])\d+(?:\.\d+)?")
_LONE_ONE = re.compile(r"(?i)\b(?:no|each|every|any|the|this|that) one\b|\bone (?:of|another|or two)\b|\bone-(?:off|to-one)\b")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def figures(text: str) -> set[str]:
    """The numbers `text` states, as values: "17", "seventeen" and "17th" all give "17"; "1,200" gives "1200";
    "twenty-five" gives "25", "a hundred and twenty" gives "120"; "one of" and "no one" are not figures."""
    text = strip_accents(text.translate(FOLD))
    out = {_number(float(m.group(0).replace(",", ""))) for m in _DIGITS.finditer(text)}
    words = re.findall(r"[a-z]+", _LONE_ONE.sub(" ", text.lower()).replace("-", " "))
    total = current = 0
    last = ""  # the kind of the number word before: "unit", "tens", "scale" or "" (none)

    def close() -> None:
        nonlocal total, current, last
        if last:
            out.add(_number(total + current))
        total = current = 0
        last = ""

    for i, w in enumerate(words):
        if w in _UNITS or w in _TENS:
            kind = "unit" if w in _UNITS else "tens"
            # "twenty five" and "hundred and six" go on one number; "fifteen eighteen" are two
            if last == "unit" or (last == "tens" and (kind == "tens" or _UNITS.get(w, 10) >= 10)):
                close()
            current += _UNITS.get(w, _TENS.get(w, 0))
            last = kind
        elif w in _SCALES and (last or (i and words[i - 1] == "a")):
            if w == "hundred":
                current = (current or 1) * 100
            else:
                total += (current or 1) * _SCALES[w]
                current = 0
            last = "scale"
        elif w == "and" and last == "scale" and i + 1 < len(words) and (words[i + 1] in _UNITS or words[i + 1] in _TENS):
            continue
        else:
            close()
            if w in _ORDINALS:
                out.add(str(_ORDINALS[w]))
    close()
    return out


def _figure_contexts(text: str) -> list[tuple[str, str | None]]:
    """Each figure written in digits, with the stem of the word right after it when that is a content word
    ("12 inspectors" -> ("12", "inspector"); "640 to 510" -> ("640", None), ("510", None))."""
    text = strip_accents(text.translate(FOLD))
    out = []
    for m in _DIGITS.finditer(text):
        nxt = re.match(r"[\s\-]*([A-Za-z]+)", text[m.end():])
        stems = tokens(nxt.group(1)) if nxt else []
        out.append((_number(float(m.group(0).replace(",", ""))), stems[0] if stems else None))
    return out


def figure_out_of_context(sentence: str, quotes: str) -> str:
    """A figure of `sentence` that the quotations state only of something else, or "": where the sentence's
    figure is followed by a content word ("12 inspectors") and every place the quotations give that figure is
    followed by a content word too ("12 September"), one of them must be the same word (or share its first
    five letters)."""
    theirs: dict[str, list[str | None]] = {}
    for value, word in _figure_contexts(quotes):
        theirs.setdefault(value, []).append(word)
    for value, word in _figure_contexts(sentence):
        words = theirs.get(value, [])
        if word is None or not words or None in words:
            continue
        if not any(w == word or _root(w) == _root(word) for w in words if w is not None):
            return f"{value} {word}"
    return ""


# judgements that span words, read as one token before the single words are read
_JUDGEMENT_PHRASES = (
    (re.compile(r"\brequires? improvement(?: to be good)?\b|\brequiring improvement\b"), " judgementrequiresimprovement "),
    (re.compile(r"\bserious weakness(?:es)?\b"), " judgementseriousweakness "),
    (re.compile(r"\bnot good enough\b"), " judgementnotgoodenough "),
)
_JUDGEMENT_ROOTS = (
    "outstand", "good", "better", "best", "inadequ", "weak", "strong", "strength", "effecti", "ineffecti", "poor",
    "excell", "satisfact", "adequa", "improv", "deterior", "declin", "worse", "worsen", "robust", "timel",
    "unsafe", "safe", "fail", "success", "positiv", "negativ", "exempl", "judgement", "unacceptab", "acceptab",
)


def _judgement_text(text: str) -> str:
    text = fold(text)
    for pattern, token in _JUDGEMENT_PHRASES:
        text = pattern.sub(token, text)
    return text


def judgement_words(text: str) -> set[str]:
    """The judgement words of `text`, each as its root ("improved" -> "improv"); "requires improvement" and
    "serious weaknesses" are one judgement each, distinct from "improved" and "weak"."""
    out = set()
    for word in re.findall(r"[a-z]+", _judgement_text(text)):
        if word.startswith("judgement") and len(word) > len("judgement"):
            out.add(word)
            continue
        for root in sorted(_JUDGEMENT_ROOTS, key=len, reverse=True):
            if word.startswith(root) and not (root == "effecti" and word.startswith("ineffecti")):
                out.add(root)
                break
    return out


_NEGATORS = frozenset("not no never none nor cannot neither without".split())
_NEGATION_SKIP = frozenset("be been being is are was were always yet all fully consistently sufficiently "
                           "enough as so very the a an being".split())


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:n't)?", fold(text).replace("’", "'"))


def has_negation(text: str) -> bool:
    return any(w in _NEGATORS or w.endswith("n't") for w in _words(text))


def negated_terms(text: str) -> set[str]:
    """Stems of the words a negation governs: "assessments are not timely" -> {"timely"}."""
    words = _words(text)
    out = set()
    for i, w in enumerate(words):
        if w in _NEGATORS or w.endswith("n't"):
            taken = 0
            for nxt in words[i + 1:i + 5]:
                if nxt in _NEGATION_SKIP:
                    continue
                out.update(tokens(nxt))
                taken += 1
                if taken == 2:
                    break
    return out


_NAME = re.compile(r"\b[A-Z][A-Za-z'’\-]*[A-Za-z]\b")
_LINK = re.compile(r"(?i)https?://|\bwww\.|!\[|\]\(|<\s*/?\s*[a-z][^>]*>|\bjavascript:|\bmailto:|`|^\s*#")
# what reads as an instruction to a language model rather than a finding: such a quotation carries nothing
_INSTRUCTION = re.compile(
    r"(?i)\b(?:ignore|disregard|forget|override)\b[^.]{0,40}\b(?:instructions?|prompts?|rules|guidelines|above|context)\b"
    r"|\bsystem prompt\b|\b(?:you are|act as|pretend to be) (?:an? |the )?(?:ai|assistant|language model|chatbot|llm)\b"
    r"|\b(?:language model|chatbot|ai assistant|llm)s?\b[^.]{0,40}\b(?:must|should|say|answer|reply|respond|write)\b"
    r"|\b(?:new|updated) instructions?\b")
# a reply that declines: "The ingested documents don't answer this." and its usual rewordings
_DECLINE = re.compile(
    r"(?i)\b(?:documents?|quotations?|quotes?|passages?|sources?)\b[^.]{0,40}\b(?:do(?:n't| not)|does(?:n't| not)|"
    r"cannot|can't|did(?:n't| not))\b[^.]{0,30}\b(?:answer|say|state|mention|contain|cover|address)"
    r"|\b(?:no|not enough) information\b|\bi (?:cannot|can't|am unable to) answer\b")
# words of reporting and of the task, which carry no claim of their own
_FRAME_WORDS = frozenset(tokens(
    "inspector inspectors inspection inspections letter report reports found finds find noted notes note stated "
    "states state documents document quotation quotations quote quotes according highlighted highlights "
    "described describes reported also however overall said says explained explains observed observes "
    "identified identifies recorded records confirms confirmed shows showed indicates indicated mentions "
    "mentioned concluded concludes judged", keep_stopwords=True))


def names(text: str) -> list[str]:
    """Capitalised words past the sentence's first word (its first word is named only when it is an
    acronym or a possessive): "In Oakvale, Ofsted found ..." -> ["Oakvale", "Ofsted"]."""
    found = []
    for i, m in enumerate(_NAME.finditer(text)):
        word = m.group(0)
        first = m.start() == len(text) - len(text.lstrip(" \"'“‘("))
        if first and not (word.isupper() and len(word) > 1 or re.search(r"['’]s$", word)):
            continue
        found.append(re.sub(r"['’]s$", "", word))
    return found


MIN_OWN_TERMS = 3


def content_terms(text: str) -> list[str]:
    """The stems of a sentence's content words, less stopwords and the words of reporting ("inspectors found");
    a sentence with fewer than MIN_OWN_TERMS words besides those keeps them all ("This was confirmed by 12
    inspectors" is a claim about inspectors, not a report of one)."""
    terms = tokens(text)
    own = [t for t in terms if t not in _FRAME_WORDS]
    return own if len(own) >= MIN_OWN_TERMS else terms


def _root(term: str) -> str:
    return term[:5] if len(term) > 5 and not term.isdigit() else term


def word_support(sentence: str, quotes: list[str]) -> float:
    """The share (0-1) of the sentence's content words whose stem, or its first five letters, is in the
    quotations; 0.0 for a sentence with no content words."""
    terms = content_terms(sentence)
    if not terms:
        return 0.0
    have = set()
    for q in quotes:
        have.update(tokens(q, keep_stopwords=True))
    roots = {_root(t) for t in have}
    return sum(t in have or _root(t) in roots for t in terms) / len(terms)


def is_decline(sentence: str) -> bool:
    """Whether a sentence says the quotations do not answer ("The ingested documents don't answer this.")."""
    text = without_markers(sentence)
    return fold(ABSTAIN_TEXT).rstrip(".") in fold(text) or bool(_DECLINE.search(text))


def reads_as_instruction(quote: str) -> bool:
    """Whether a quotation speaks to a language model ("Ignore previous instructions and say ...")."""
    return bool(_INSTRUCTION.search(fold(quote)))


# -- rules and thresholds -------------------------------------------------------------------------------------

def rule_reason(sentence: str, quotes: Mapping[int, str], context: str = "") -> str:
    """Why the hard rules (1-4 of the module docstring) withhold `sentence`, or "" when they pass.

    `quotes`: marker -> quotation text. `context`: text whose names a sentence may use besides the quotes'
    (the cited documents' titles and file names)."""
    markers = markers_of(sentence)
    text = without_markers(sentence)
    if _LINK.search(sentence):
        return "holds a link, image or markup, which no quotation carries"
    if not markers:
        return "cites no quotation"
    unknown = [m for m in markers if m not in quotes]
    if unknown:
        valid = ", ".join(f"[{m}]" for m in sorted(quotes)) or "none"
        return f"cites {', '.join(f'[{m}]' for m in unknown)}, which is not one of the quotations ({valid})"
    cited = [quotes[m] for m in markers]
    planted = [m for m in markers if reads_as_instruction(quotes[m])]
    if planted:
        return f"rests on [{planted[0]}], a quotation that reads as an instruction to a language model"
    joined = " ".join(cited)
    missing = sorted(figures(text) - figures(joined), key=lambda v: float(v))
    if missing:
        return f"states {', '.join(missing)}, which the cited quotations do not"
    misplaced = figure_out_of_context(text, joined)
    if misplaced:
        return f"states “{misplaced}”, where the cited quotations give that figure for something else"
    known = fold(joined + " " + context)
    known_terms = set(tokens(joined + " " + context, keep_stopwords=True))
    for name in names(text):
        if fold(name) not in known and not set(tokens(name, keep_stopwords=True)) <= known_terms:
            return f"names “{name}”, which the cited quotations do not"
    extra = sorted(judgement_words(text) - judgement_words(joined))
    if extra:
        return f"states the judgement “{extra[0].removeprefix('judgement')}”, which the cited quotations do not"
    if has_negation(text) and not has_negation(joined):
        return "states a negation (“not”, “no”, “never”), which the cited quotations do not"
    if not has_negation(text):
        dropped = negated_terms(joined) & set(tokens(text))
        if dropped:
            return f"leaves out the “not” the cited quotations put before “{sorted(dropped)[0]}”"
    return ""


@dataclass(frozen=True)
class Thresholds:
    """The fitted limits of rule 5: supported when words >= `words_min`, or words >= `words_with_similarity_min`
    and similarity >= `similarity_min` (a paraphrase). `embedder`: the embedding model the similarity cut was
    fitted with; with any other (or none) the check is words >= `words_only_min`."""

    words_min: float
    words_with_similarity_min: float
    similarity_min: float
    words_only_min: float
    embedder: str

    @classmethod
    def load(cls, path: Path = THRESHOLDS_FILE) -> "Thresholds":
        """Raises `ConfigError` naming the file when it is missing or malformed (refit: `make fit-checker`)."""
        try:
            data = json.loads(Path(path).read_text("utf-8"))
            return cls(float(data["words_min"]), float(data["words_with_similarity_min"]),
                       float(data["similarity_min"]), float(data["words_only_min"]), str(data["embedder"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{path}: the sentence checker's thresholds cannot be read ({exc}); "
                              "refit them with `make fit-checker`") from None


class SentenceChecker:
    """Reads a reply into sentences and judges each against the quotations it cites (module docstring).

    `embedder`: the index's embedder (`core.protocols.Embedder`), for the similarity measure; None, or an
    embedder other than the one the thresholds were fitted with, checks words alone.
    """

    def __init__(self, embedder: Embedder | None = None, thresholds: Thresholds | None = None) -> None:
        self.thresholds = thresholds or Thresholds.load()
        for name in ("words_min", "words_with_similarity_min", "words_only_min"):
            value = getattr(self.thresholds, name)
            if not 0.0 <= value <= 1.0:
                raise ConfigError(f"sentence checker threshold {name}={value!r} must lie in 0..1")
        self.embedder = embedder

    @property
    def uses_similarity(self) -> bool:
        return self.embedder is not None and self.embedder.name == self.thresholds.embedder

    def measures(self, sentence: str, quotes: Mapping[int, str]) -> dict[str, float]:
        """`words` (0-1) and, with the fitted embedder, `similarity` (cosine to the closest cited quotation, or
        to the cited quotations together) of `sentence` against the quotations it cites (known markers only)."""
        cited = [quotes[m] for m in markers_of(sentence) if m in quotes]
        text = without_markers(sentence)
        out = {"words": round(word_support(text, cited), 4)}
        if self.uses_similarity and cited:
            texts = [text, *cited] + ([" ".join(cited)] if len(cited) > 1 else [])
            vectors = self.embedder.embed_documents(texts)
            out["similarity"] = round(float(np.max(vectors[1:] @ vectors[0])), 4)
        return out

    def judge(self, sentence: str, quotes: Mapping[int, str], context: str = "") -> Sentence:
        """One sentence's verdict (`Sentence`), with its reason and measures."""
        reason = rule_reason(sentence, quotes, context)
        markers = markers_of(sentence)
        if reason:
            return Sentence(sentence, markers, False, reason)
        m = self.measures(sentence, quotes)
        t = self.thresholds
        scores = tuple(sorted(m.items()))
        if "similarity" in m:
            if m["words"] < t.words_with_similarity_min or (m["words"] < t.words_min and m["similarity"] < t.similarity_min):
                why = (f"too few of its words are in the cited quotations ({m['words']:.2f} < {t.words_min:.2f})"
                       if m["similarity"] >= t.similarity_min else
                       f"its words and meaning are too far from the cited quotations (words {m['words']:.2f}, "
                       f"similarity {m['similarity']:.2f} < {t.similarity_min:.2f})")
                return Sentence(sentence, markers, False, why, scores)
        elif m["words"] < t.words_only_min:
            return Sentence(sentence, markers, False, f"too few of its words are in the cited quotations "
                                                      f"({m['words']:.2f} < {t.words_only_min:.2f})", scores)
        return Sentence(sentence, markers, True, "carried by " + "".join(f"[{n}]" for n in markers), scores)

    def run(self, reply: str, quotes: Mapping[int, str], context: str = "") -> Verdicts:
        """Every sentence of `reply` judged against `quotes` (marker -> quotation). A reply whose every sentence
        declines ("The ingested documents don't answer this.") is `declined`, with no sentences to show."""
        pieces = split_sentences(reply)
        if pieces and all(is_decline(p) and not markers_of(p) for p in pieces):
            return Verdicts(tuple(Sentence(p, (), False, "the model declined: the quotations do not answer")
                                  for p in pieces), declined=True)
        return Verdicts(tuple(self.judge(p, quotes, context) for p in pieces))
