"""The written answer on top of the extractive one: the writer writes, the checker judges, this assembles.

- The extractive answer abstained: no model is asked; the abstention stands.
- The model declines ("The ingested documents don't answer this."): the abstention.
- Some sentences are supported: the answer is those sentences, with their markers (`generated`), and the
  extractive answer's citations; the withheld ones stay in `sentences`.
- None is supported, the reply is empty, or the server is down, slow or returns garbage: the extractive
  answer, with a one-line `notice` (naming the server and the reason when it failed).
"""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Callable, Iterator

from answering.types import ABSTAIN_TEXT, Answer
from core.errors import GenerationError
from core.protocols import Embedder
from core.settings import Settings

from .checker import SentenceChecker, Thresholds
from .writer import AnswerWriter

DECLINED_REASON = "the language model found no answer in the quotations"


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class WrittenAnswerer:
    """Turns an extractive `Answer` into a written one (module docstring). `settings.llm` names the model
    (PROVIDER:MODEL; `ConfigError` when empty or malformed, `UnknownNameError` for an unknown provider);
    `embedder`: the index's, for the checker's similarity measure."""

    def __init__(self, settings: Settings, embedder: Embedder | None = None,
                 thresholds: Thresholds | None = None) -> None:
        from core.errors import ConfigError

        if not settings.llm:
            raise ConfigError("no language model is set; give --llm PROVIDER:MODEL (or INSPECTION_QA_LLM)")
        self.writer = AnswerWriter(settings.llm, settings.llm_base_url, settings.llm_timeout_s, settings.llm_max_tokens)
        self.checker = SentenceChecker(embedder, thresholds)

    @property
    def model(self) -> str:
        return self.writer.name

    def warm_up(self) -> None:
        """Build the chat model's client (no request is sent)."""
        self.writer.warm_up()

    def wants(self, answer: Answer) -> bool:
        """Whether the model is asked at all: only for an answer with quotations."""
        return not answer.abstained and bool(answer.citations)

    def run(self, answer: Answer) -> Answer:
        """The written answer for `answer` (one request); never raises for the model's failures."""
        if not self.wants(answer):
            return answer
        t0 = time.perf_counter()
        try:
            reply = self.writer.run(answer)
        except GenerationError as exc:
            return self.failed(answer, exc, t0)
        return self.finish(answer, reply, t0)

    def stream(self, answer: Answer, on_done: Callable[[Answer], None] | None = None) -> "WrittenStream":
        """The reply's pieces as they come (iterate), then the checked answer (`.answer`)."""
        return WrittenStream(self, answer, on_done)

    def failed(self, answer: Answer, exc: GenerationError, t0: float) -> Answer:
        notice = (f"The language model at {exc.server} could not be used ({exc.reason}); "
                  "showing the quotations instead.")
        return replace(answer, model=self.model, notice=notice, latency_ms=answer.latency_ms + _ms(t0))

    def finish(self, answer: Answer, reply: str, t0: float) -> Answer:
        """Judge `reply` and assemble the answer to show (module docstring)."""
        latency = answer.latency_ms + _ms(t0)
        if not reply.strip():
            return replace(answer, model=self.model, latency_ms=latency,
                           notice=f"The language model at {self.writer.server} returned an empty reply; "
                                  "showing the quotations instead.")
        context = " ".join(f"{c.title} {c.document}" for c in answer.citations)
        verdicts = self.checker.run(reply, {c.marker: c.quote for c in answer.citations}, context)
        sentences = list(verdicts.sentences)
        if verdicts.declined:
            return replace(answer, text=ABSTAIN_TEXT, abstained=True, citations=[], reason=DECLINED_REASON,
                           model=self.model, sentences=sentences, latency_ms=latency, extractive_text=answer.text)
        supported = verdicts.supported
        if not supported:
            return replace(answer, model=self.model, sentences=sentences, latency_ms=latency,
                           notice=f"None of the {plural(len(sentences), 'sentence')} the language model wrote is "
                                  "carried by the quotations; showing the quotations instead.")
        return replace(answer, text=" ".join(s.text for s in supported), generated=True, model=self.model,
                       sentences=sentences, latency_ms=latency, extractive_text=answer.text)


class WrittenStream:
    """A written answer in the making: iterate it for the model's words as they come (the raw reply, before
    any check); `answer` is then the checked answer (reading it first consumes the stream). `on_done` is
    called once with the final answer. When no model is asked (`live` False) it yields nothing."""

    def __init__(self, answerer: WrittenAnswerer | None, answer: Answer,
                 on_done: Callable[[Answer], None] | None = None) -> None:
        self._answerer = answerer
        self._extractive = answer
        self._on_done = on_done
        self._answer: Answer | None = None
        self._started = False
        self.live = answerer is not None and answerer.wants(answer)
        if not self.live:
            self._settle(answer)

    def _settle(self, answer: Answer) -> None:
        self._answer = answer
        if self._on_done is not None:
            self._on_done(answer)

    def __iter__(self) -> Iterator[str]:
        if self._answer is not None or self._started:
            return
        self._started = True
        t0 = time.perf_counter()
        pieces: list[str] = []
        answerer = self._answerer
        assert answerer is not None
        try:
            for piece in answerer.writer.stream(self._extractive):
                pieces.append(piece)
                yield piece
        except GenerationError as exc:
            self._settle(answerer.failed(self._extractive, exc, t0))
            return
        except GeneratorExit:  # the reader stopped listening: judge what came
            self._settle(answerer.finish(self._extractive, "".join(pieces), t0))
            raise
        self._settle(answerer.finish(self._extractive, "".join(pieces), t0))

    @property
    def answer(self) -> Answer:
        if self._answer is None:
            for _ in self:
                pass
        assert self._answer is not None
        return self._answer


def _ms(t0: float) -> float:
    return (time.perf_counter() - t0) * 1000.0
