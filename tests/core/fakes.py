"""Test doubles for core tests (a module of its own: conftest modules cannot be imported by name)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np


class HashProvider:
    """A tiny bag-of-words embedder: deterministic, instant, counts its calls.

    For pipeline tests only (what gets embedded, when, how often); meaning tests use the
    real local model.
    """

    name = "hash"
    model_id = "test/hash-64"
    dimension = 64
    max_batch = 8
    max_input_chars = 4000
    remote = False

    def __init__(self) -> None:
        self.embedded: list[str] = []
        self.queries: list[str] = []

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
            v[h % self.dimension] += 1.0
        if not v.any():
            v[0] = 1.0
        return v / np.linalg.norm(v)

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> np.ndarray:
        self.embedded.extend(texts)
        return np.stack([self._vec(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return self._vec(text)

    def close(self) -> None:
        pass


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path
