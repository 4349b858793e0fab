"""What a written answer is made of: the model's sentences, each with its markers and the checker's verdict."""

from __future__ import annotations

from dataclasses import dataclass

from answering.types import WrittenSentence


Sentence = WrittenSentence  # defined with the answer it belongs to (answering.types), so kept answers carry it


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
