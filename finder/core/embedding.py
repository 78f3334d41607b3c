"""Chunks → vectors: the meaning half of the pipeline, run after text is keyword-searchable.

Vectors are stored in SQLite keyed by (model id, chunk text hash) before they reach the
vector index, so nothing embedded is ever embedded again: not after a restart, a rename,
a duplicate file or a crash.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from finder.core.embed.base import EmbeddingProvider
from finder.core.errors import ProviderError
from finder.core.indexer import Progress, ProgressCallback
from finder.core.store.db import Catalog, path_from_key
from finder.core.store.vectors import VectorIndex

log = logging.getLogger(__name__)

SAVE_EVERY_SECONDS = 30.0
WORKLIST_SIZE = 4096


@dataclass
class EmbedStats:
    embedded: int = 0
    seconds_in_model: float = 0.0
    seconds_total: float = 0.0


def register_model(catalog: Catalog, provider: EmbeddingProvider) -> None:
    with catalog.write() as conn:
        conn.execute(
            "INSERT OR IGNORE INTO models(model_id, dimension, provider, created_at) VALUES(?,?,?,?)",
            (provider.model_id, provider.dimension, provider.name, time.time()),
        )


def missing_count(catalog: Catalog, model_id: str, remote: bool = False, distinct: bool = True) -> int:
    """Chunk texts (or, with ``distinct=False``, chunks) of indexed files with no vector yet."""
    what = "DISTINCT c.text_hash" if distinct else "*"
    sql = (
        f"SELECT COUNT({what}) FROM chunks c JOIN files f ON f.id=c.file_id "
        "WHERE f.status='indexed' AND c.media IS NULL {private} AND NOT EXISTS "
        "(SELECT 1 FROM vectors v WHERE v.model_id=? AND v.text_hash=c.text_hash)"
    ).format(private="AND f.private=0" if remote else "")
    return int(catalog.reader().execute(sql, (model_id,)).fetchone()[0])


def _worklist(catalog: Catalog, model_id: str, remote: bool, limit: int) -> list[tuple[str, str, str]]:
    """(text_hash, text, file name) to embed next: small and recently modified files first."""
    sql = (
        "SELECT c.text_hash, c.text, f.name FROM chunks c JOIN files f ON f.id=c.file_id "
        "WHERE f.status='indexed' AND c.media IS NULL {private} AND NOT EXISTS "
        "(SELECT 1 FROM vectors v WHERE v.model_id=? AND v.text_hash=c.text_hash) "
        "ORDER BY (f.size > 1048576), f.mtime_ns DESC, c.file_id, c.ordinal LIMIT ?"
    ).format(private="AND f.private=0" if remote else "")
    rows = catalog.reader().execute(sql, (model_id, limit)).fetchall()
    seen: set[str] = set()
    out = []
    for h, text, name in rows:
        if h not in seen:
            seen.add(h)
            out.append((h, text, name))
    return out


def media_missing(catalog: Catalog, model_id: str, limit: int = 10**9) -> list[tuple[str, bytes, str, str]]:
    """(hash, path key, MIME, file name) of image chunks with no vector for this model."""
    rows = catalog.reader().execute(
        "SELECT c.text_hash, f.path, c.media, f.name FROM chunks c JOIN files f ON f.id=c.file_id "
        "WHERE f.status='indexed' AND c.media IS NOT NULL AND f.private=0 AND NOT EXISTS "
        "(SELECT 1 FROM vectors v WHERE v.model_id=? AND v.text_hash=c.text_hash) ORDER BY f.mtime_ns DESC LIMIT ?",
        (model_id, limit)).fetchall()
    return [(r[0], r[1], r[2], r[3]) for r in rows]


class Embedder:
    """Embeds missing chunks in batches; pausable, cancellable, CPU-capped."""

    def __init__(self, catalog: Catalog, provider: EmbeddingProvider, index: VectorIndex,
                 cpu_cap: int | None = None, send_secrets: bool = False) -> None:
        self.catalog = catalog
        self.provider = provider
        self.index = index
        self.cpu_cap = cpu_cap  # percent; None = as fast as possible (foreground CLI)
        self.pause = threading.Event()  # set = paused
        self.interrupt = threading.Event()  # set = return after the current batch (new files came)
        self.last_error: ProviderError | None = None
        # Secret-looking files (keys, .env, password exports) never go to an HTTP provider, not
        # even one on this machine (its logs or a proxy may keep them), unless the user opts in.
        self.skip_private = (bool(provider.remote) or provider.name != "local") and not send_secrets
        register_model(catalog, provider)

    def run(self, cancel: threading.Event | None = None, on_progress: ProgressCallback | None = None,
            on_batch: Callable[[int], None] | None = None) -> EmbedStats:
        """Embed until nothing is missing, cancelled, or the provider fails (then pause)."""
        stats = EmbedStats()
        started = time.monotonic()
        last_save = started
        remote = self.skip_private
        total = missing_count(self.catalog, self.provider.model_id, remote)
        done = 0
        batch_size = max(1, int(self.provider.max_batch))
        self.last_error = None
        try:
            while True:
                work = _worklist(self.catalog, self.provider.model_id, remote, WORKLIST_SIZE)
                if not work:
                    break
                for i in range(0, len(work), batch_size):
                    while self.pause.is_set():
                        if cancel is not None and cancel.wait(0.2):
                            return stats
                        if cancel is None:
                            time.sleep(0.2)
                    if cancel is not None and cancel.is_set():
                        return stats
                    if self.interrupt.is_set():
                        self.interrupt.clear()
                        return stats
                    batch = work[i : i + batch_size]
                    t0 = time.monotonic()
                    try:
                        vecs = self.provider.embed_documents([b[1] for b in batch], titles=[b[2] for b in batch])
                    except ProviderError as exc:
                        self.last_error = exc
                        log.warning("embedding paused: %s", exc)
                        return stats
                    busy = time.monotonic() - t0
                    stats.seconds_in_model += busy
                    self._store(batch, vecs)
                    done += len(batch)
                    stats.embedded += len(batch)
                    if on_batch:
                        on_batch(len(batch))
                    if on_progress:
                        elapsed = time.monotonic() - started
                        rate = done / max(elapsed, 1e-6)
                        on_progress(Progress("embed", done, max(total, done), batch[-1][2],
                                             max(total - done, 0) / rate if rate else None))
                    if time.monotonic() - last_save > SAVE_EVERY_SECONDS:
                        self.index.save()
                        last_save = time.monotonic()
                    self._throttle(busy, cancel)
            if getattr(self.provider, "supports_media", False):
                self._embed_media(cancel, stats)
        finally:
            self.index.save()
            stats.seconds_total = time.monotonic() - started
        return stats

    def _embed_media(self, cancel: threading.Event | None, stats: EmbedStats) -> None:
        """Images, a few per request, read from disk at the last moment."""
        from finder.core.media import MAX_IMAGE_BYTES

        work = media_missing(self.catalog, self.provider.model_id)
        for i in range(0, len(work), 6):
            if (cancel is not None and cancel.is_set()) or self.interrupt.is_set():
                return
            items, batch = [], []
            for digest, key, mime, name in work[i : i + 6]:
                try:
                    with open(path_from_key(key), "rb") as fh:
                        data = fh.read(MAX_IMAGE_BYTES + 1)
                except OSError:
                    continue  # gone or unreadable: the next scan settles it
                if len(data) > MAX_IMAGE_BYTES:
                    continue
                items.append((data, mime))
                batch.append((digest, name, name))
            if not items:
                continue
            try:
                vecs = self.provider.embed_media(items)  # type: ignore[attr-defined]
            except ProviderError as exc:
                self.last_error = exc
                log.warning("embedding images paused: %s", exc)
                return
            self._store(batch, vecs)
            stats.embedded += len(batch)

    def _store(self, batch: list[tuple[str, str, str]], vecs: np.ndarray) -> None:
        model_id = self.provider.model_id
        with self.catalog.write() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO vectors(model_id, text_hash, vector) VALUES(?,?,?)",
                ((model_id, h, vecs[j].astype(np.float32).tobytes()) for j, (h, _t, _n) in enumerate(batch)),
            )
            marks = ",".join("?" * len(batch))
            rows = conn.execute(
                f"SELECT id, text_hash FROM vectors WHERE model_id=? AND text_hash IN ({marks})",
                (model_id, *(b[0] for b in batch)),
            ).fetchall()
        row_of = {h: j for j, (h, _t, _n) in enumerate(batch)}
        ids = np.array([r[0] for r in rows], dtype=np.int64)
        mat = np.stack([vecs[row_of[r[1]]] for r in rows]) if rows else np.zeros((0, vecs.shape[1]), np.float32)
        self.index.add(ids, mat)

    def _throttle(self, busy: float, cancel: threading.Event | None) -> None:
        if not self.cpu_cap or self.cpu_cap >= 100:
            return
        idle = busy * (100.0 / self.cpu_cap - 1.0)
        if cancel is not None:
            cancel.wait(idle)
        else:
            time.sleep(idle)


def lower_thread_priority(niceness: int = 10) -> None:
    """Make the calling thread (and threads it starts, e.g. ONNX Runtime's) yield to the UI."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
    except (AttributeError, OSError):
        pass


def file_vectors(catalog: Catalog, model_id: str, file_key: bytes) -> np.ndarray:
    """All stored vectors of one file's chunks (for "more like this")."""
    rows = catalog.reader().execute(
        "SELECT v.vector FROM files f JOIN chunks c ON c.file_id=f.id "
        "JOIN vectors v ON v.model_id=? AND v.text_hash=c.text_hash WHERE f.path=? ORDER BY c.ordinal",
        (model_id, file_key),
    ).fetchall()
    if not rows:
        return np.zeros((0, 0), dtype=np.float32)
    return np.frombuffer(b"".join(r[0] for r in rows), dtype=np.float32).reshape(len(rows), -1)


