"""One settings object, built at the edges (CLI, app) from flags and environment, passed down.

Library modules never read `os.environ`; they receive a `Settings`.

Parsed by the small `from_env` below rather than pydantic-settings: the settings are one flat,
frozen dataclass, the only sources are flags and `INSPECTION_QA_*` variables, and a bad value must
raise the project's one-line `ConfigError` naming the variable (not a multi-line ValidationError).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .errors import ConfigError

DEFAULT_MODEL = "all-MiniLM-L6-v2"
ENV_PREFIX = "INSPECTION_QA_"


@dataclass(frozen=True)
class Settings:
    """Every tunable of the pipeline, with defaults calibrated on the dev question set."""

    data_dir: Path = Path(".data")
    chroma_url: str = ""  # http://HOST:PORT: keep the index on a Chroma server instead of the data folder
    embedding_model: str = DEFAULT_MODEL
    # onnx-int8 by the speed issue's rule: on the dev set its evidence hit@5 equals PyTorch's (0.815)
    # and it answers ~2x faster; "sentence-transformers" runs the PyTorch model, "onnx" the float export
    embedder: str = "onnx-int8"
    models_dir: str = ""  # where ONNX exports are cached ("" = DATA_DIR/models); several folders may share one
    device: str = "cpu"
    # retrieval
    top_k: int = 10
    candidates: int = 40
    rrf_k: int = 60
    # chunking
    chunk_target_chars: int = 600
    chunk_max_chars: int = 1000
    # answering
    max_quotes: int = 4
    answer_chunks: int = 8
    quote_passage_chars: int = 300  # a passage this short is quoted whole
    # concurrency
    lock_timeout_s: float = 600.0
    # hostile input: each file is parsed in a child process under these limits
    parse_timeout_s: float = 60.0
    parse_memory_mb: int = 2048  # address space: OCR of a scanned page (onnxruntime) needs about 1.5 GiB of it
    max_upload_mb: int = 50
    # audit trail: a JSON Lines file of every question and its evidence ("" = off)
    audit_log: str = ""
    # optional written answer from a language model ("" = off): PROVIDER:MODEL, e.g. "ollama:llama3.1:8b"
    llm: str = ""
    llm_base_url: str = ""  # an OpenAI-compatible (or Ollama) server's address; "" = the provider's default
    llm_timeout_s: float = 60.0  # the whole written answer, connection to last word; past it the quotes are shown
    llm_max_tokens: int = 300

    def __post_init__(self) -> None:
        object.__setattr__(self, "data_dir", Path(self.data_dir))
        for name in ("top_k", "candidates", "rrf_k", "chunk_target_chars", "chunk_max_chars", "max_quotes", "answer_chunks", "quote_passage_chars",
                     "parse_memory_mb", "max_upload_mb", "llm_max_tokens"):
            value = getattr(self, name)
            if not isinstance(value, int) or value < 1:
                raise ConfigError(f"setting {name}={value!r} must be a positive integer")
        if self.chunk_max_chars < self.chunk_target_chars:
            raise ConfigError(
                f"chunk_max_chars={self.chunk_max_chars} is below chunk_target_chars={self.chunk_target_chars}; raise it"
            )
        if self.parse_timeout_s <= 0:
            raise ConfigError(f"parse_timeout_s={self.parse_timeout_s!r} must be positive")
        if self.llm and (":" not in self.llm or not all(self.llm.split(":", 1))):
            raise ConfigError(f"llm={self.llm!r} must read PROVIDER:MODEL, e.g. ollama:llama3.1:8b or openai:gpt-4o-mini")
        if self.llm_timeout_s <= 0:
            raise ConfigError(f"llm_timeout_s={self.llm_timeout_s!r} must be positive")
        if not self.embedding_model:
            raise ConfigError("embedding_model is empty; give a model name or a local path")

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: Any) -> "Settings":
        """Build settings from `INSPECTION_QA_*` variables, then explicit overrides (flags) on top."""
        values: dict[str, Any] = {}
        types = {f.name: f.type for f in dataclasses.fields(cls)}
        for name in types:
            raw = env.get(ENV_PREFIX + name.upper())
            if raw is None or raw == "":
                continue
            values[name] = _coerce(name, raw, getattr(cls, name, None) if name != "data_dir" else Path("."))
        # INSPECTION_QA_MODEL is the documented short form of INSPECTION_QA_EMBEDDING_MODEL
        if env.get(ENV_PREFIX + "MODEL"):
            values.setdefault("embedding_model", env[ENV_PREFIX + "MODEL"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def model_cache(self) -> Path:
        return Path(self.models_dir) if self.models_dir else self.data_dir / "models"

    def replace(self, **changes: Any) -> "Settings":
        return dataclasses.replace(self, **changes)


def _coerce(name: str, raw: str, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(default, int):
            return int(raw)
        if isinstance(default, float):
            return float(raw)
        if isinstance(default, Path):
            return Path(raw)
    except ValueError:
        raise ConfigError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not a valid {type(default).__name__}") from None
    return raw
