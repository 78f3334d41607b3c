"""The vector index: exact NumPy search for small collections, hnswlib beyond; always rebuildable.

SQLite holds every vector (the truth). The hnswlib file is a cache saved atomically with a
checksum recorded in the catalog; a missing, truncated, corrupt or foreign file is rebuilt
from SQLite instead of being loaded (corrupt bytes can crash ``load_index``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from finder.core.fsutil import _fsync_dir
from finder.core.store.db import Catalog

log = logging.getLogger(__name__)

EXACT_LIMIT = 20_000  # below this many vectors a matrix product is as fast as a graph
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 100
HNSW_EF_MIN = 100


def _slug(model_id: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model_id)


def file_checksum(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class VectorIndex:
    """Nearest-neighbour search over one model's vectors; labels are ``vectors.id``."""

    def __init__(self, catalog: Catalog, model_id: str, dimension: int, folder: Path,
                 exact_limit: int | None = None) -> None:
        self.catalog = catalog
        self.model_id = model_id
        self.dimension = dimension
        self.folder = Path(folder)
        self.exact_limit = EXACT_LIMIT if exact_limit is None else exact_limit
        self.path = self.folder / f"vectors-{_slug(model_id)}.hnsw"
        self._lock = threading.RLock()
        self._ids = np.zeros(0, dtype=np.int64)
        self._mat = np.zeros((0, dimension), dtype=np.float32)
        self._n = 0
        self._hnsw: object | None = None
        self._max_id = 0
        self._dirty = False
        self.rebuilt = False  # True when the last load had to rebuild from SQLite

    # -- loading ---------------------------------------------------------------------
    @property
    def meta_key(self) -> str:
        return f"hnsw:{self.model_id}"

    @property
    def count(self) -> int:
        with self._lock:
            if self._hnsw is not None:
                return int(self._hnsw.get_current_count())  # type: ignore[attr-defined]
            return self._n

    @property
    def uses_graph(self) -> bool:
        return self._hnsw is not None

    def load(self) -> None:
        """Open the cache if it is intact and current, else rebuild it from SQLite."""
        conn = self.catalog.reader()
        total = conn.execute("SELECT COUNT(*) FROM vectors WHERE model_id=?", (self.model_id,)).fetchone()[0]
        with self._lock:
            self.rebuilt = False
            if total < self.exact_limit:
                self._load_exact()
                return
            if self._load_graph_file(total):
                return
            self.rebuilt = True
            self._build_graph_from_sqlite(total)
            self.save()

    def _iter_vectors(self, after_id: int = 0,
                      batch: int = 4096) -> Iterator[tuple[npt.NDArray[np.int64], npt.NDArray[np.float32]]]:
        conn = self.catalog.reader()
        last = after_id
        while True:
            rows = conn.execute(
                "SELECT id, vector FROM vectors WHERE model_id=? AND id>? ORDER BY id LIMIT ?",
                (self.model_id, last, batch),
            ).fetchall()
            if not rows:
                return
            ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
            mat = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), -1)
            last = int(ids[-1])
            yield ids, mat

    def _load_exact(self) -> None:
        self._hnsw = None
        id_parts, mat_parts = [], []
        for ids, mat in self._iter_vectors():
            if mat.shape[1] != self.dimension:
                continue
            id_parts.append(ids)
            mat_parts.append(mat)
        if id_parts:
            self._ids = np.concatenate(id_parts)
            self._mat = np.ascontiguousarray(np.concatenate(mat_parts))
        else:
            self._ids = np.zeros(0, dtype=np.int64)
            self._mat = np.zeros((0, self.dimension), dtype=np.float32)
        self._n = len(self._ids)
        self._max_id = int(self._ids.max()) if self._n else 0

    def _load_graph_file(self, total: int) -> bool:
        import hnswlib

        raw = self.catalog.get_meta(self.meta_key)
        if not raw or not self.path.exists():
            return False
        try:
            meta = json.loads(raw)
            if meta.get("dimension") != self.dimension or meta.get("model_id") != self.model_id:
                log.warning("vector index %s belongs to another model; rebuilding", self.path)
                return False
            if self.path.stat().st_size != meta.get("size") or file_checksum(self.path) != meta.get("checksum"):
                log.warning("vector index %s is damaged (checksum mismatch); rebuilding", self.path)
                return False
            index = hnswlib.Index(space="ip", dim=self.dimension)
            index.load_index(str(self.path), max_elements=max(int(total * 1.25), meta["count"] + 1024))
        except (OSError, ValueError, KeyError, RuntimeError) as exc:
            log.warning("vector index %s could not be loaded (%s); rebuilding", self.path, exc)
            return False
        index.set_ef(HNSW_EF_MIN)
        saved_max = int(meta["max_id"])
        # Labels in the file must equal the vectors stored up to its max id; otherwise rebuild.
        expected = self.catalog.reader().execute(
            "SELECT COUNT(*) FROM vectors WHERE model_id=? AND id<=?", (self.model_id, saved_max)
        ).fetchone()[0]
        if int(meta["count"]) != expected:
            log.warning("vector index %s is out of step with the catalog; rebuilding", self.path)
            return False
        self._hnsw = index
        self._max_id = saved_max
        # Catch up with vectors stored after the last save (crash between commit and save).
        for ids, mat in self._iter_vectors(after_id=saved_max):
            self._graph_add(ids, mat)
        return True

    def _new_graph(self, capacity: int) -> Any:
        import hnswlib

        index = hnswlib.Index(space="ip", dim=self.dimension)
        index.init_index(max_elements=max(capacity, 1024), ef_construction=HNSW_EF_CONSTRUCTION, M=HNSW_M)
        index.set_ef(HNSW_EF_MIN)
        return index

    def _build_graph_from_sqlite(self, total: int) -> None:
        self._hnsw = self._new_graph(int(total * 1.25) + 1024)
        self._max_id = 0
        for ids, mat in self._iter_vectors():
            self._graph_add(ids, mat)
        self._dirty = True

    def _graph_add(self, ids: npt.NDArray[np.int64], mat: npt.NDArray[np.float32]) -> None:
        index = self._hnsw
        assert index is not None
        need = index.get_current_count() + len(ids)  # type: ignore[attr-defined]
        if need > index.get_max_elements():  # type: ignore[attr-defined]
            index.resize_index(int(need * 1.5) + 1024)  # type: ignore[attr-defined]
        index.add_items(mat, ids)  # type: ignore[attr-defined]
        self._max_id = max(self._max_id, int(ids.max()))
        self._dirty = True

    # -- updates ---------------------------------------------------------------------
    def add(self, ids: npt.NDArray[np.int64], mat: npt.NDArray[np.float32]) -> None:
        """Add vectors already committed to SQLite."""
        if len(ids) == 0:
            return
        ids = np.asarray(ids, dtype=np.int64)
        mat = np.ascontiguousarray(mat, dtype=np.float32)
        with self._lock:
            if self._hnsw is not None:
                self._graph_add(ids, mat)
                return
            need = self._n + len(ids)
            if need > len(self._ids):
                cap = max(need, 2 * len(self._ids), 1024)
                grown_ids = np.zeros(cap, dtype=np.int64)
                grown_mat = np.zeros((cap, self.dimension), dtype=np.float32)
                grown_ids[: self._n] = self._ids[: self._n]
                grown_mat[: self._n] = self._mat[: self._n]
                self._ids, self._mat = grown_ids, grown_mat
            self._ids[self._n : need] = ids
            self._mat[self._n : need] = mat
            self._n = need
            self._max_id = max(self._max_id, int(ids.max()))
            if self._n >= self.exact_limit:
                self._promote()

    def _promote(self) -> None:
        """Switch from the exact matrix to a graph once the collection is large."""
        self._hnsw = self._new_graph(int(self._n * 1.5) + 1024)
        self._graph_add(self._ids[: self._n], self._mat[: self._n])
        self._ids = np.zeros(0, dtype=np.int64)
        self._mat = np.zeros((0, self.dimension), dtype=np.float32)
        self._n = 0

    def remove(self, ids: list[int]) -> None:
        with self._lock:
            if self._hnsw is not None:
                for label in ids:
                    try:
                        self._hnsw.mark_deleted(int(label))  # type: ignore[attr-defined]
                    except RuntimeError:
                        pass  # not in the index
                self._dirty = True
                return
            if not ids or not self._n:
                return
            keep = ~np.isin(self._ids[: self._n], np.asarray(ids, dtype=np.int64))
            self._ids = self._ids[: self._n][keep].copy()
            self._mat = self._mat[: self._n][keep].copy()
            self._n = len(self._ids)

    # -- search ----------------------------------------------------------------------
    def search(self, query: npt.NDArray[np.float32], k: int) -> list[tuple[int, float]]:
        """The ``k`` nearest labels by inner product (cosine on unit vectors), best first."""
        with self._lock:
            if self._hnsw is not None:
                count = int(self._hnsw.get_current_count())  # type: ignore[attr-defined]
                k = min(k, count)
                if k <= 0:
                    return []
                self._hnsw.set_ef(max(k, HNSW_EF_MIN))  # type: ignore[attr-defined]
                try:
                    labels, dists = self._hnsw.knn_query(query.reshape(1, -1), k=k)  # type: ignore[attr-defined]
                except RuntimeError:  # fewer live elements than k after deletions
                    labels, dists = self._hnsw.knn_query(query.reshape(1, -1), k=max(1, k // 4))  # type: ignore[attr-defined]
                return [(int(lab), 1.0 - float(d)) for lab, d in zip(labels[0], dists[0], strict=True)]
            if self._n == 0:
                return []
            scores = self._mat[: self._n] @ query.astype(np.float32)
            k = min(k, self._n)
            top = np.argpartition(-scores, k - 1)[:k]
            top = top[np.argsort(-scores[top])]
            return [(int(self._ids[i]), float(scores[i])) for i in top]

    # -- persistence -----------------------------------------------------------------
    def save(self) -> None:
        """Write the graph atomically and record its checksum (exact mode needs no file)."""
        with self._lock:
            if self._hnsw is None or not self._dirty:
                return
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            self._hnsw.save_index(str(tmp))  # type: ignore[attr-defined]
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            meta = {
                "model_id": self.model_id,
                "dimension": self.dimension,
                "count": int(self._hnsw.get_current_count()),  # type: ignore[attr-defined]
                "max_id": self._max_id,
                "size": tmp.stat().st_size,
                "checksum": file_checksum(tmp),
            }
            os.replace(tmp, self.path)
            _fsync_dir(self.folder)
            self.catalog.set_meta(self.meta_key, json.dumps(meta))
            self._dirty = False
