"""Follow-up questions: carry the conversation's subject into a question that lacks one.

"What about the risk assessment in those cases?" after a question about child protection
conferences is searched as both together; a question with a subject of its own starts fresh.
"""

from __future__ import annotations

import re

from core.text import tokens

FOLLOWUP_OPENERS = re.compile(
    r"^\s*(and|also|but|so|what about|how about|what of|and what|and how|same for|likewise|then)\b", re.I
)
ANAPHORA = re.compile(
    r"\b(he|she|they|them|it|its|this|that|these|those|his|her|their|theirs|there|then|such|the same|"
    r"the former|the latter|him)\b",
    re.I,
)


# words that point back to the previous topic; "there" and "then" point to its body and period, which the
# conversation's constraints carry ("And what about caseloads there?" has a topic of its own)
# the words of a time or an event in time ("after the re-inspection in 2031", "at the next monitoring visit")
ONLY_A_TIME = re.compile(
    r"(?i)\b(?:after|before|since|in|at|during|by|from|until|of|on|the|a|an|its|their|next|last|previous|following|"
    r"latest|first|second|third|fourth|fifth|re-?inspect\w*|inspect\w*|visits?|monitoring|focused|reports?|years?|"
    r"months?|(?:19|20)\d\d|january|february|march|april|may|june|july|august|september|october|november|"
    r"december|spring|summer|autumn|winter|ofsted|then|now|later|earlier)\b|[?.!,]")
TOPIC_ANAPHORA = re.compile(
    r"\b(he|she|they|them|it|its|this|that|these|those|his|her|their|theirs|such|the same|the former|the latter|"
    r"him)\b", re.I,
)


class FollowUpRewriter:
    """Decides whether a question leans on the conversation and, if so, what to search."""

    def __init__(self, min_own_terms: int = 4) -> None:
        self.min_own_terms = min_own_terms

    def is_follow_up(self, question: str) -> bool:
        own = tokens(question)
        if FOLLOWUP_OPENERS.match(question):
            return True
        if len(own) <= 1:
            return True
        if ANAPHORA.search(question) and len(own) < self.min_own_terms:
            return True
        return False

    def names_new_subject(self, question: str, bodies: tuple[str, ...] = ()) -> bool:
        """"And agency staff?", "What about supervision?": an opener with a subject of its own and no
        pronoun pointing back ("Had that been raised before?" points back). "What about after the
        re-inspection in 2031?" names a time, and "And in Westhill?" a body (one of `bodies`), not a subject:
        the conversation's subject stays."""
        m = FOLLOWUP_OPENERS.match(question)
        if not m or TOPIC_ANAPHORA.search(question):
            return False
        rest = ONLY_A_TIME.sub(" ", question[m.end():])
        for body in bodies:
            rest = re.sub(rf"(?i)\b{re.escape(body)}(?:['’]s)?\b", " ", rest)
        return bool(tokens(rest))

    def run(self, question: str, history: list[str]) -> str:
        """The question to search: the question itself, or the last subject plus the question."""
        if not history or not self.is_follow_up(question):
            return question.strip()
        subject = history[-1].strip()
        return f"{subject} {question.strip()}"


# "Had that been raised before?", "Has it improved since then?": a follow-up that asks about the time before
# (or after) what the conversation's last answer quoted, not about the same documents again
EARLIER = re.compile(r"\b(before|previously|earlier|prior|already|in the past|last time)\b", re.I)
LATER = re.compile(r"\b(since then|after that|afterwards|later|subsequently|since|by the next|at the next|"
                   r"the next (?:inspection|visit|report)|the following (?:inspection|visit))\b", re.I)
YEAR = re.compile(r"\b(?:19|20)\d\d\b")


def relative_period(question: str) -> str:
    """"before" when a follow-up asks about earlier documents than the last answer's, "after" for later ones,
    "" otherwise (also when the question names a year of its own, which the constraints read)."""
    if YEAR.search(question):
        return ""
    if EARLIER.search(question):
        return "before"
    if LATER.search(question):
        return "after"
    return ""
