"""The writer: a LangChain chat model, given the extractive answer's quotations as data, writes a short answer.

The model sees only the numbered quotations the extractive answerer chose and the passages they were cut
from, each in a delimited block, under the `prompts/answer.txt` instructions (document text is data, never an
instruction; every sentence ends with its markers; decline when the quotations do not answer). It never
writes a quotation: citations stay the extractive answer's, with their offsets.

Providers (`PROVIDERS`): `openai` (the OpenAI API, or with a base URL any OpenAI-compatible server: vLLM,
llama.cpp's server, LM Studio) and `ollama`. Keys come from the provider's usual environment variable
(`OPENAI_API_KEY`), read by its LangChain client; a local OpenAI-compatible server needs none.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Callable, Iterator

from answering.types import Answer
from core.errors import ConfigError, GenerationError, UnknownNameError

import prompts

# provider -> (its default server, as the notice names it; the keyword arguments init_chat_model gets)
DEFAULT_SERVERS = {"openai": "https://api.openai.com/v1", "ollama": "http://localhost:11434"}
PASSAGE_CHARS = 900  # the passage around a quotation, at most this many characters of it


def _openai_kwargs(base_url: str, timeout_s: float, max_tokens: int) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"timeout": timeout_s, "max_retries": 0, "temperature": 0, "max_tokens": max_tokens}
    if base_url:
        kwargs["base_url"] = base_url
    return kwargs


def _ollama_kwargs(base_url: str, timeout_s: float, max_tokens: int) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"temperature": 0, "num_predict": max_tokens, "client_kwargs": {"timeout": timeout_s}}
    if base_url:
        kwargs["base_url"] = base_url
    return kwargs


PROVIDERS: dict[str, Callable[[str, float, int], dict[str, Any]]] = {"openai": _openai_kwargs, "ollama": _ollama_kwargs}


def parse_llm(spec: str) -> tuple[str, str]:
    """"ollama:llama3.1:8b" -> ("ollama", "llama3.1:8b"). Raises `ConfigError` for a spec without a model,
    `UnknownNameError` (listing the valid ones) for an unknown provider."""
    provider, _, model = spec.partition(":")
    provider = provider.strip().lower()
    if not model.strip():
        raise ConfigError(f"--llm {spec!r} must read PROVIDER:MODEL, e.g. ollama:llama3.1:8b or openai:gpt-4o-mini")
    if provider not in PROVIDERS:
        raise UnknownNameError("language-model provider", provider, list(PROVIDERS))
    return provider, model.strip()


def _block(text: str) -> str:
    """Document text inside a delimited block: angle brackets shown as ‹ › so no text closes or opens a tag."""
    return text.replace("<", "‹").replace(">", "›")


def quotations_block(answer: Answer) -> str:
    """One `<quote n="1" ...>text</quote>` line per citation: marker, document, date, page, then the quote."""
    lines = []
    for c in answer.citations:
        where = f' page="{c.shown_page}"' if c.shown_page is not None else ""
        lines.append(f'<quote n="{c.marker}" document="{_block(c.title)}" date="{c.date or "undated"}"{where}>'
                     f"{_block(c.quote)}</quote>")
    return "\n".join(lines)


def passages_block(answer: Answer, limit: int = PASSAGE_CHARS) -> str:
    """The passage each quotation was cut from (once each), as `<passage for="1 2">text</passage>`."""
    texts = {h.chunk.id: h.chunk.text for h in answer.retrieved}
    markers: dict[str, list[int]] = {}
    for c in answer.citations:
        if c.chunk_id in texts:
            markers.setdefault(c.chunk_id, []).append(c.marker)
    out = []
    for chunk_id, ms in markers.items():
        text = texts[chunk_id]
        text = text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"
        out.append(f'<passage for="{" ".join(map(str, ms))}">{_block(text)}</passage>')
    return "\n".join(out)


def failure_reason(exc: BaseException, timeout_s: float) -> str:
    """A short reason for the notice: "no reply within 30 s", "cannot connect", "HTTP 500", or the error's
    type and first line."""
    name = type(exc).__name__
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if "timeout" in name.lower() or "timed out" in text.lower():
        return f"no reply within {timeout_s:g} s"
    if "connect" in name.lower() or isinstance(exc, ConnectionError) or "connection" in text.lower():
        return "cannot connect"
    if isinstance(exc, (ValueError, KeyError, TypeError, AttributeError, IndexError)):
        what = "not valid JSON" if "json" in (name + text).lower() else f"{name}: {text[:80]}" if text else name
        return f"the reply is not a chat reply ({what})"
    status = getattr(exc, "status_code", None)
    if isinstance(status, int):
        return f"HTTP {status}" + (f": {text[:80]}" if text else "")
    return f"{name}: {text[:100]}" if text else name


class AnswerWriter:
    """The language model and the prompt. `llm`: PROVIDER:MODEL; `base_url`: the server ("" = the provider's
    default); `timeout_s`: the whole reply, connection to last word; `max_tokens`: the reply's length limit.

    Validates in `__init__` (provider, prompt), builds the LangChain client in `warm_up()` (no network).
    `run` and `stream` raise `GenerationError` naming the server and the reason; nothing waits past
    `timeout_s`.
    """

    def __init__(self, llm: str, base_url: str = "", timeout_s: float = 60.0, max_tokens: int = 300,
                 prompt: str = "answer") -> None:
        self.provider, self.model_name = parse_llm(llm)
        if timeout_s <= 0:
            raise ConfigError(f"llm_timeout_s={timeout_s!r} must be positive")
        self.base_url = base_url.strip()
        self.timeout_s = float(timeout_s)
        self.max_tokens = max_tokens
        self.prompt = prompts.load(prompt)
        missing = {"question", "quotes", "passages"} - set(self.prompt.input_variables)
        if missing:
            raise ConfigError(f"prompt {prompt!r} lacks the variable(s) {', '.join(sorted(missing))}")
        self._model = None

    @property
    def name(self) -> str:
        """"provider:model", as records name it."""
        return f"{self.provider}:{self.model_name}"

    @property
    def server(self) -> str:
        """The server's address, as a notice names it."""
        return self.base_url or DEFAULT_SERVERS[self.provider]

    def warm_up(self) -> None:
        """Build the LangChain chat model (`init_chat_model`). Raises `ConfigError` when the provider's client
        refuses its settings (the OpenAI API without `OPENAI_API_KEY`)."""
        if self._model is not None:
            return
        from langchain.chat_models import init_chat_model

        kwargs = PROVIDERS[self.provider](self.base_url, self.timeout_s, self.max_tokens)
        try:
            self._model = init_chat_model(self.model_name, model_provider=self.provider, **kwargs)
        except Exception as exc:  # the client validates its settings: a missing key
            if self.provider == "openai" and self.base_url and "api_key" in str(exc):
                # a local OpenAI-compatible server needs no key; the client insists on one
                self._model = init_chat_model(self.model_name, model_provider=self.provider, api_key="unused",
                                              **kwargs)
            else:
                raise ConfigError(f"the language model {self.name} cannot be set up ({failure_reason(exc, self.timeout_s)}); "
                                  "for openai set OPENAI_API_KEY, or give --llm-base-url for a local server") from None

    @property
    def model(self):
        self.warm_up()
        return self._model

    def messages(self, answer: Answer) -> list:
        """The prompt's messages for `answer` (its question, quotations and passages)."""
        return self.prompt.format_messages(question=answer.question, quotes=quotations_block(answer),
                                           passages=passages_block(answer))

    def run(self, answer: Answer) -> str:
        """The model's whole reply to `answer`'s quotations (one request, not streamed).

        The call runs in a daemon thread, so a server that trickles or stalls is left behind after
        `timeout_s`, never waited for."""
        messages = self.messages(answer)
        model = self.model
        box: dict[str, Any] = {}

        def call() -> None:
            try:
                box["reply"] = model.invoke(messages)
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                box["error"] = exc

        worker = threading.Thread(target=call, name="inspection-qa-llm", daemon=True)
        worker.start()
        worker.join(self.timeout_s)
        if worker.is_alive():
            raise GenerationError(self.server, f"no reply within {self.timeout_s:g} s")
        if "error" in box:
            raise GenerationError(self.server, failure_reason(box["error"], self.timeout_s))
        return self._text(box.get("reply"))

    def stream(self, answer: Answer) -> Iterator[str]:
        """The model's reply as it comes, piece by piece. Raises `GenerationError` when the server fails, or when
        the reply is still coming `timeout_s` after the request (a server that stalls between pieces is cut off
        by the client's own read timeout, the same `timeout_s`)."""
        messages = self.messages(answer)
        model = self.model
        deadline = time.monotonic() + self.timeout_s
        try:
            for chunk in model.stream(messages):
                piece = self._text(chunk)
                if piece:
                    yield piece
                if time.monotonic() > deadline:
                    raise GenerationError(self.server, f"no reply within {self.timeout_s:g} s")
        except GenerationError:
            raise
        except Exception as exc:
            raise GenerationError(self.server, failure_reason(exc, self.timeout_s)) from None

    def _text(self, message) -> str:
        """The text of a reply (or a piece of one); a reply that is no message is garbage."""
        text = getattr(message, "text", None)  # a str (LangChain 1.x: a property; its str subclass is callable too)
        if not isinstance(text, str):
            raise GenerationError(self.server, "the reply holds no text")
        return str(text)
