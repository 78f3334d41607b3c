"""The EmbeddingProvider protocol every local and remote provider implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from finder.core.errors import BadResponse

Vectors = npt.NDArray[np.float32]


@runtime_checkable
class EmbeddingProvider(Protocol):
    """Turns text into unit-length float32 vectors.

    ``model_id`` names the vector space (provider + model + dimension); vectors from two
    model ids are never mixed in one index. Loading is lazy: constructing a provider is
    cheap, the first embed call loads the model or opens the connection.
    """

    name: str  # registry name, e.g. "local", "openai"
    model_id: str  # e.g. "local/use-m3", "openai/text-embedding-3-small@512"
    dimension: int
    max_batch: int  # inputs per call that the provider handles well
    max_input_chars: int  # longer inputs are cut before sending
    remote: bool  # True when text leaves this machine

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> Vectors:
        """Embed passages for storage; returns an (n, dimension) float32 array, rows normalised."""
        ...

    def embed_query(self, text: str) -> Vectors:
        """Embed a search query; returns a (dimension,) float32 unit vector."""
        ...

    def close(self) -> None:
        """Release sessions, threads and connections."""
        ...


def check_vectors(vectors: npt.ArrayLike, count: int, dimension: int) -> Vectors:
    """Validate and re-normalise provider output: right shape, finite, non-zero."""
    arr = np.asarray(vectors, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[0] != count:
        raise BadResponse(f"expected {count} vectors, got shape {tuple(arr.shape)}")
    if arr.shape[1] != dimension:
        raise BadResponse(f"expected vectors of dimension {dimension}, got {arr.shape[1]}")
    if not np.isfinite(arr).all():
        raise BadResponse("the provider returned vectors containing NaN or infinity")
    norms = np.linalg.norm(arr, axis=1, keepdims=True)
    if (norms <= 1e-12).any():
        raise BadResponse("the provider returned an all-zero vector")
    return np.ascontiguousarray(arr / norms, dtype=np.float32)
