"""Declining: the rules that read a question and its best evidence, the fitted thresholds, and the
question-level evidence (coverage of the question's terms) the abstention model reads."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.text import tokens

from .constraints import topic_words
from .question_analysis import answer_type_terms, query_terms
from .scoring import Candidate, has_date, has_quantity

WHICH = re.compile(r"^\s*which\b", re.I)
_SMALL = "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty"
# a figure of money, or a share: what "how much did they spend" and "what proportion" questions need
FIGURES = {
    "a sum of money": re.compile(r"[£$€]\s?\d|\b\d[\d,.]*\s?(?:million|billion|bn|m|k|pounds)\b", re.I),
    "a proportion": re.compile(rf"\d\s?%|\bper ?cent\b|\b(?:half|quarter|third|fifth|tenth)s?\b|"
                               rf"\b(?:\d+|{_SMALL}) (?:in|out of) (?:every )?(?:\d+|{_SMALL}|hundred)\b", re.I),
}
MONEY_QUESTION = re.compile(r"\b(?:spend|spent|spending|cost|costs|costing|budget|overspend|invest(?:ed|ment)?|paid|"
                            r"pay|funding|fund(?:ed)?|how much money)\b", re.I)
SHARE_QUESTION = re.compile(r"\b(?:proportion|percentage|per ?cent|what share|share of|rate of)\b", re.I)


HOW_MANY = re.compile(r"\bhow many\s+(?P<phrase>(?:[\w’'-]+\s+){0,4}?[\w’'-]+?)\s+(?:did|do|does|were|was|are|is|have|"
                      r"has|had|will|would|could|can|in|at|on|for|of|across|between|during|per|remain\w*)\b", re.I)
# "what percentage of missing children had a return home interview": the share is of the children
SHARE_OF = re.compile(r"\bwhat (?:percentage|proportion|share|number|fraction) of\s+(?:the\s+|its\s+|their\s+)?"
                      r"(?P<phrase>(?:[\w’'-]+\s+){0,3}?[\w’'-]+?)\s+(?:did|do|does|were|was|are|is|have|has|had|will|"
                      r"would|could|can|in|at|on|for|of|to|from|with|by|across|between|during|per|got|get|received?|remain\w*)\b",
                      re.I)
WHAT_FIGURE = re.compile(r"\bwhat (?:is|was|were|are) (?:the |its |their )?(?:[\w’'-]+ ){0,5}?"
                         r"(?P<phrase>budget|caseload|salary|overspend|expenditure)s?\b", re.I)
QUANTITY_TOKEN = re.compile(r"\d[\d,.]*%?|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                            r"thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|"
                            r"sixty|seventy|eighty|ninety|hundred|dozen|several|all|none|no|half|quarters?|thirds?|fifths?|"
                            r"tenths?)\b", re.I)


# a question or a sentence about what is to come: "When is the next inspection due?", "... will be re-inspected by"
FUTURE = re.compile(r"\b(?:next|due(?! to\b)|will|shall|upcoming|forthcoming|planned|scheduled|expected|intends?|plans? to|"
                    r"going to|by the end of)\b", re.I)

FUTURE_QUESTION = re.compile(r"\b(?:next|will|shall|upcoming|forthcoming|(?:is|are)\s+(?:[\w’']+\s+){0,6}?"
                             r"(?:due|planned|scheduled|expected))\b", re.I)


OCCASIONS = frozenset(tokens("times occasions instances"))


# "how did the number of children in care change": the count is of children
NUMBER_OF = re.compile(r"\bthe (?:number|proportion|share|percentage) of\s+(?:the\s+|its\s+|their\s+)?"
                       r"(?P<phrase>(?:[\w’'-]+\s+){0,3}?[\w’'-]+?)\s+(?:did|do|does|were|was|are|is|have|has|had|"
                       r"in|at|on|for|of|to|from|with|by|across|between|during|per|who|that|change\w*|rose|fell|"
                       r"increas\w*|decreas\w*|mov\w*)\b", re.I)


def counted_thing(question: str) -> str:
    """The head word of what a "how many X ..." question counts, stemmed ("How many new foster carers did
    ... approve?" -> "carer"); "" when the question is not of that form."""
    m = HOW_MANY.search(question) or SHARE_OF.search(question) or WHAT_FIGURE.search(question) \
        or NUMBER_OF.search(question)
    if not m:
        return ""
    phrase = re.split(r"\s+(?:who|that|which|whose)\b", m.group("phrase"), maxsplit=1, flags=re.I)[0]
    words = tokens(phrase)  # "children who go missing" counts children
    # "how many times did children go missing": occasions of what the verb says, under any name ("episodes")
    return words[-1] if words and words[-1] not in OCCASIONS else ""


def counted_window(question: str) -> int:
    """How near the number must stand to the counted thing: "how many X" counts X itself (4 words), "what
    percentage of X" within 6; a "what was the average caseload" figure may stand anywhere in the sentence
    that names the caseload."""
    if SHARE_OF.search(question):
        return 6  # "Sixty per cent of single assessments": a share's words run longer
    return 4 if HOW_MANY.search(question) else 1000


# what social work counts in the same unit: a caseload of "15 cases" is one of "15 children"; a count of staff
# may be of "social workers" or "posts"
_SAME_COUNT_GROUPS = ["case cases caseload caseloads child children family families kid kids youngster youngsters "
                      "leaver leavers",
                      "staff worker workers employee employees post posts"]
SAME_COUNT = {t: set(tokens(g)) for g in _SAME_COUNT_GROUPS for t in tokens(g)}


def counts_thing(text: str, thing: str, window: int = 4) -> bool:
    """Whether `text` puts a number within `window` words of `thing` (a stemmed head word) or of a word
    counted in the same unit (`SAME_COUNT`: cases and children): "four rapid reviews were carried out", "the
    number of complaints rose to 41", "no more than 10 children" for a count of cases."""
    words = re.findall(r"[\w’'%.,-]+", text)
    stems = [tokens(w) for w in words]
    # (a figure anywhere in a sentence, for "what is the average caseload", must name the thing itself; a word
    # of the same count stands next to its figure: "an average of 95 cases each")
    same = SAME_COUNT.get(thing, {thing})
    if window > 6:  # a caseload's own unit, not anything counted like it ("cases", not "67,500 children")
        same = {t for t in same if t[:4] == thing[:4]}
    at = [i for i, s in enumerate(stems) if thing in s]
    near = [i for i, s in enumerate(stems) if same & set(s)]
    nums = [i for i, w in enumerate(words)
            if any(QUANTITY_TOKEN.fullmatch(part) for part in w.strip(".,").split("-"))  # "Twenty-three"
            and not re.fullmatch(r"(?:19|20)\d\d", w.strip(".,"))]
    if any(abs(i - j) <= window for i in at for j in nums) or any(
            abs(i - j) <= min(window, 6) for i in near for j in nums):
        return True
    at = near
    # "the number of children waiting for a review of their plan has fallen to nine": the figure of a
    # "number of X" may stand anywhere after it in the sentence
    counted = [i for i in at if any(w.lower() == "number" and words[k + 1:k + 2] == ["of"]
                                    for k, w in enumerate(words[max(0, i - 3):i], start=max(0, i - 3)))]
    return any(j > i for i in counted for j in nums)


def figure_kind(question: str) -> str | None:
    """"a sum of money" or "a proportion" when a how-many question asks for one, else None."""
    if SHARE_QUESTION.search(question):
        return "a proportion"
    if MONEY_QUESTION.search(question):
        return "a sum of money"
    return None


@dataclass
class AbstentionPolicy:
    """Decline when the question names something the library never mentions, asks for a figure or a date
    that none of the best sentences holds, or when the best sentence's probability is under `threshold`
    (fitted with the ranker, answering/ranker.json)."""

    threshold: float = 0.30
    answer_threshold: float = 0.0
    window: int = 3
    # "What did inspectors say about X?": decline when less than this share (idf-weighted) of X's words
    # occurs in the passages searched; a paraphrase keeps some of its subject's words
    about_coverage: float = 0.5  # how many of the best sentences a figure or date may come from

    def decide(self, question: str, best: list[Candidate], unknown: list[str], terms: list[str],
               names: list[str] | None = None, answer_type: str = "what", answerable: float = 1.0,
               shaped: bool = False, area: str = "") -> str:
        """Why to decline ("" to answer). `best`: the specific candidates, best first; `answerable`: the
        fitted question-level probability that the library answers the question; `shaped`: a sentence of
        the shape the question asks for was found (the scope statement of "What did the visit look at?"),
        which stands whatever its score; `area`: for a which-judgement question naming an area that no
        document's profile judges, the area's most telling word. The rules that read the question and the
        evidence come first;
        then the fitted thresholds."""
        if not best:
            return "nothing retrieved, or only titles, openings and scope statements"
        if names:
            return f"the documents never mention {', '.join(names)}"
        # "Which charity criticised the Trust?" when no document speaks of a charity; a "What X" question is
        # left to the evidence: it is as often a paraphrase ("What cash incentive ..." for a retention payment)
        # (a word of three letters or fewer may be short for one the documents use: "rep", "MP")
        missing_type = [t for t in answer_type_terms(question) if t in unknown and len(t) > 3] \
            if WHICH.match(question) else []
        if missing_type:
            return f"the question asks which {missing_type[-1]}, and the documents never mention one"
        if answer_type == "how_many" and not any(has_quantity(c.text) for c in best[:self.window]):
            return "the question asks for a figure and none of the best evidence holds one"
        # "how many X", or "what is the trust's annual budget": a figure of the thing asked about
        asks_figure = answer_type == "how_many" or bool(WHAT_FIGURE.search(question))
        thing = counted_thing(question) if asks_figure else ""
        counting = [c for c in best[:self.window] if counts_thing(c.text, thing, counted_window(question))] \
            if thing else best[:self.window]
        if not counting:
            return "the question counts something none of the best evidence gives a number of"
        kind_of_figure = figure_kind(question) if asks_figure else None
        # the share or the sum must be that of the thing counted: one sentence gives both
        if kind_of_figure and not any(FIGURES[kind_of_figure].search(c.text) for c in counting):
            return f"the question asks for {kind_of_figure} of {thing or 'what it names'} and none of the best " \
                   "evidence states one"
        if answer_type == "when" and not any(has_date(c.text) for c in best[:self.window]):
            return "the question asks when, and none of the best evidence holds a date"
        if answer_type == "when" and FUTURE_QUESTION.search(question) and not any(
                has_date(c.text) and FUTURE.search(c.text) for c in best[:self.window]):
            return "the question asks when something is to happen, and none of the best evidence dates a plan"
        if answer_type == "judgement" and not any(c.features.get("asks_judgement_has_grade", 0.0) >= 1.0
                                                  for c in best[:self.window]):
            return "the question asks for a judgement, and none of the best evidence states a grade"
        # "What judgement did Oakvale get for help and protection?" when no document judges that area: a grade
        # beside the area's telling word, not any grade ("having been judged good" overall)
        if answer_type == "judgement" and area and not any(
                c.features.get("asks_judgement_has_grade", 0.0) >= 1.0 and area in tokens(c.text)
                for c in best[:self.window]):
            return f"the question asks for the judgement of an area ({area}...), and none of the best evidence " \
                   "states one"
        if shaped:
            return ""
        top = best[0].score
        if top < self.threshold:
            return f"best evidence scores {top:.2f}, under the threshold {self.threshold:.2f}"
        if answerable < self.answer_threshold:
            return f"what was retrieved does not address the question (P={answerable:.2f} < {self.answer_threshold:.2f})"
        return ""

    def holder_named(self, question: str, best: list[Candidate], is_body=lambda name: False) -> bool:
        """Whether one of the best sentences names a person in the role `question` asks about."""
        return any(names_holder(question, c.text, is_body) for c in best[:2 * self.window])

    def person_unnamed(self, question: str, best: list[Candidate], is_body=lambda name: False) -> str:
        """Why to decline a question asking who holds a post ("Who chairs Oakvale's corporate parenting board?")
        when none of the best sentences names a person, with the role asked about (a chair, an inspector, a
        director) where it names one ("" when one does, or the question is not of that kind)."""
        if not WHO_HOLDER.match(question) or self.holder_named(question, best, is_body):
            return ""
        if any(p.search(question) for p in ROLE_IN_QUESTION.values()):
            return "the question asks who holds a role, and none of the best evidence names its holder"
        return "the question asks who, and none of the best evidence names a person"

    def period_unstated(self, best: list[Candidate], years: tuple[str, ...]) -> str:
        """Why to decline when no document is of the period asked about and none of the best sentences
        names it ("" when one does): "2031-32" is named by "2031", "2032", "2031-32" or "2031/32"."""
        pattern = re.compile(r"\b(?:" + "|".join(sorted(set(years))) + r")\b|\b(?:19|20)?(?:"
                             + "|".join(sorted({y[2:] for y in years})) + r")[-/–](?:\d\d)\b")
        if any(pattern.search(c.text) for c in best[:self.window]):
            return ""
        return f"no document is of {' or '.join(years)}, and none of the best evidence speaks of it"


# "Who was the lead inspector?", "Who chairs Oakvale's corporate parenting board?": one holder is asked for, a
# person; "Who oversees the flow of work?", "Who chairs child protection conferences?" may be answered by a role
WHO_HOLDER = re.compile(r"^\s*who\s+(?:(?:is|was|were|will be|has been)\s+(?:the|its|their|[\w’']+['’]s)\b|"
                        r"(?:chairs|chaired|leads|led|heads|headed|runs|ran|signed|wrote)\s+(?:the|its|their|"
                        r"[\w’']+['’]s)\b)", re.I)
_CAP = r"[A-ZÀ-Þ][a-zà-ÿ'’-]+"
CAPITALISED = re.compile(rf"\b{_CAP}(?:\s+(?:[A-Z]\.\s*)?{_CAP}){{1,3}}")
# capitalised words that are titles, roles, institutions or calendar words, not a person's name
NOT_NAME_WORDS = frozenset(
    "the a an her his their its majesty's majesty’s inspector inspectors director directors chief executive head lead "
    "chair chairs chairman chairwoman deputy assistant interim acting principal social worker workers council "
    "councillor councillors borough county city metropolitan district children's children’s services service trust "
    "board partnership safeguarding ofsted local authority department education government minister secretary "
    "cabinet member members committee panel scrutiny team unit officer manager managers mayor leader of and for in "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july august "
    "september october november december yours dear mr mrs ms miss dr professor cllr hmi".split())


# roles a who-question may ask the holder of, each with the words a sentence naming the holder uses
ROLES = {
    "chair": r"chair\w*",
    # who led an inspection is named by an inspector's title: "Reporting inspector: Jo Vane HMI"
    "lead": r"lead|leads|led|leading|reporting inspector|hmi|(?:her|his) majesty's inspectors?",
    "inspector": r"inspectors?|hmi",
    "director": r"directors?|dcs",
    "chief executive": r"chief executive",
    "leader": r"leader",
    "cabinet member": r"cabinet member|lead member|portfolio holder",
    "mayor": r"mayor",
    "commissioner": r"commissioners?",
    "adviser": r"advis[eo]rs?",
    "member of parliament": r"mps?|member of parliament",
}
ROLE_IN_QUESTION = {role: re.compile(rf"(?i)\b(?:{words})\b") for role, words in ROLES.items()}


def names_holder(question: str, text: str, is_body=lambda name: False) -> bool:
    """Whether `text` names a person in the role `question` asks about (any person when it names no role)."""
    roles = [pattern for pattern in ROLE_IN_QUESTION.values() if pattern.search(question)]
    return names_a_person(text, is_body) and (not roles or any(p.search(text) for p in roles))


def names_a_person(text: str, is_body=lambda name: False) -> bool:
    """Whether `text` names a person (`people_named`)."""
    return bool(people_named(text, is_body))


def people_named(text: str, is_body=lambda name: False) -> set[str]:
    """The people `text` names, lower-cased: runs of two to four capitalised words that are not all titles,
    roles or institutions ("Her Majesty's Inspector", "Director of Children's Services") and are not a body
    of the library (`is_body`: "Oakvale Council")."""
    found = set()
    for m in CAPITALISED.finditer(text):
        words = [w for w in re.split(r"\s+", m.group(0)) if not re.fullmatch(r"[A-Z]\.", w)]
        own = [w for w in words if w.lower() not in NOT_NAME_WORDS]
        if len(own) >= 2 and not is_body(" ".join(own)):
            found.add(" ".join(own).lower())
    return found


TITLED = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Dr|Cllr|Councillor|Professor)\.?\s+(?:[A-Z][a-z'’-]+\s+)?([A-Z][a-z'’-]+)")
# "Who took over from Jo Vane?", "Who replaced Ms Vane?", "Who will succeed Jo Vane?": somebody other than the
# person named is asked for
SUCCESSION = re.compile(r"\b(?:from|replaced?|replacing|succeed(?:ed|s)?|succeeding|after|before|followed|preceded|"
                        r"than)\s+(?:(?:Mr|Mrs|Ms|Miss|Dr|Cllr|Councillor)\.?\s+)?(?P<name>[A-Z][a-z'’-]+"
                        r"(?:\s+[A-Z][a-z'’-]+)?)")


def echoes_the_question(question: str, text: str, is_body=lambda name: False) -> bool:
    """Whether a sentence answers a question asking for somebody other than a person it names ("Who took
    over from Jo Vane?") only with that person: the people it names (by surname: a later sentence calls her
    "Ms Vane") are all the ones the question puts aside, so it cannot say who else."""
    asked = {m.group("name").split()[-1].lower() for m in SUCCESSION.finditer(question)
             if not is_body(m.group("name"))}
    if not asked:
        return False
    named = {name.split()[-1] for name in people_named(text, is_body)} | {
        m.group(1).lower() for m in TITLED.finditer(text)}
    return bool(named) and named <= asked


ABOUT = re.compile(r"\b(?:say|said|says|find|found|finds|report|reported|note|noted|conclude|concluded|tell|told|"
                   r"write|wrote|comment|commented|think|thought|observe|observed|hear|heard)\b[^?!.]{0,60}?"
                   r"\b(?:about|regarding|concerning|on the subject of)\s+(?P<topic>[^?!.]+)", re.I)


def topic_terms(question: str, constraints) -> list[str]:
    """The content terms of the subject a "... say/find about X?" question names (not its body or period)."""
    m = ABOUT.search(question)
    if not m:
        return []
    return [t for t in query_terms(topic_words(m.group("topic"), constraints) if constraints and not constraints.empty
                                   else m.group("topic"))]


def passage_terms(passages: list) -> set[str]:
    """Every token of the passages' text and section headings."""
    present: set[str] = set()
    for h in passages:
        present.update(tokens(h.chunk.text + " " + h.chunk.section))
    return present


def coverage(terms: list[str], present: set[str], idf) -> float:
    """The idf-weighted share of `terms` among `present` (the passages' tokens); 1.0 for no terms."""
    weights = {t: idf(t) for t in terms}
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in present) / total if total else 1.0


def question_features(specific: list[Candidate], terms: list[str], present: set[str], idf, constrained: bool,
                      ) -> dict[str, float]:
    """Question-level evidence that the library addresses the question (see `QUESTION_FEATURES`):
    the best and second probabilities, their similarity and term overlap, and `coverage`, the
    idf-weighted share of the question's content terms found anywhere in the passages searched
    (`present`: their tokens)."""
    top = specific[0] if specific else None
    return {
        "top": top.score if top else 0.0,
        "second": specific[1].score if len(specific) > 1 else 0.0,
        "top_dense": top.dense if top else 0.0,
        "top_lexical": top.lexical if top else 0.0,
        "coverage": coverage(terms, present, idf),
        "terms": min(len(terms), 8) / 8.0,
        "constrained": 1.0 if constrained else 0.0,
    }
