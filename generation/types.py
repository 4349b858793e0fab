"""What a written answer is made of: the model's sentences, each with its markers and the checker's verdict."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Sentence:
    """One sentence of the model's reply, as written (markers included), with the checker's verdict.

    `markers`: the quotation numbers it cites, in order of first mention (`[2][1]` -> (2, 1)).
    `supported`: shown only when True. `reason`: why it was withheld, or what carried it.
    `scores`: the measures the verdict rests on (`words`: share of its content words in the cited
    quotes, 0-1; `similarity`: cosine to the closest cited quote, -1..1), when they were computed.
    """

    text: str
    markers: tuple[int, ...]
    supported: bool
    reason: str
    scores: tuple[tuple[str, float], ...] = ()

    def to_record(self) -> dict[str, Any]:
        return {"text": self.text, "markers": list(self.markers), "supported": self.supported, "reason": self.reason,
                **({"scores": dict(self.scores)} if self.scores else {})}


@dataclass(frozen=True)
class Verdicts:
    """The checker's reading of a whole reply: its sentences, and whether the model declined."""

    sentences: tuple[Sentence, ...]
    declined: bool = False

    @property
    def supported(self) -> tuple[Sentence, ...]:
        return tuple(s for s in self.sentences if s.supported)

    @property
    def withheld(self) -> tuple[Sentence, ...]:
        return tuple(s for s in self.sentences if not s.supported)
