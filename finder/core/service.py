"""The core as one object: settings, catalog, indexer, embedder and searcher wired together.

The CLI and the GUI both drive Semantic Finder through ``FinderService``; it holds no Qt
and blocks, so the GUI calls it from worker threads.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path

from finder.core.config import Settings, load_settings, save_settings
from finder.core.embed.base import EmbeddingProvider
from finder.core.embed.registry import create_provider
from finder.core.embedding import Embedder, EmbedStats, file_vectors, missing_count
from finder.core.errors import FinderError
from finder.core.fsutil import data_home
from finder.core.indexer import Indexer, Progress, ProgressCallback, ScanResult
from finder.core.search import Searcher, SearchFilters
from finder.core.store.db import Catalog, fs_key
from finder.core.store.vectors import VectorIndex
from finder.core.types import Hit, IndexStatus

log = logging.getLogger(__name__)

SERVING_KEY = "serving_model"
SERVING_CONFIG_KEY = "serving_config"  # settings that rebuild the serving provider


class FinderService:
    """Everything a front end needs: index folders, embed, search, report status."""

    def __init__(self, home: Path | None = None, settings: Settings | None = None,
                 provider: EmbeddingProvider | None = None) -> None:
        self.home = Path(home) if home else data_home()
        self.home.mkdir(parents=True, exist_ok=True)
        self.settings = settings if settings is not None else load_settings(self.home)
        self.catalog = Catalog(self.home)
        self.indexer = Indexer(self.catalog, self.settings)
        self._lock = threading.RLock()
        self._providers: dict[str, EmbeddingProvider] = {}
        self._indexes: dict[str, VectorIndex] = {}
        self._injected = provider
        self.searcher = Searcher(self.catalog, self._semantic, secondary=self._secondary)

    # -- settings --------------------------------------------------------------------
    def update_settings(self, settings: Settings) -> None:
        """Apply and save new settings; a new model starts its own index beside the old."""
        with self._lock:
            self.settings = settings
            self.indexer.settings = settings
            save_settings(settings, self.home)

    # -- models ----------------------------------------------------------------------
    def provider(self) -> EmbeddingProvider:
        """The provider the settings select (the target of embedding)."""
        with self._lock:
            if self._injected is not None:
                return self._injected
            s = self.settings
            key = f"{s.provider}|{s.model}|{s.base_url}|{s.dimensions}|{s.api_key_env}|{s.multimodal}|{s.threads}"
            prov = self._providers.get(key)
            if prov is None:
                prov = create_provider(self.settings)
                self._providers[key] = prov
            return prov

    def secondary_provider(self) -> EmbeddingProvider | None:
        """The English re-scoring model that accompanies the offline multilingual default."""
        s = self.settings
        if self._injected is not None or s.provider != "local" or not s.english_model:
            return None
        if (s.model or "use-m3") != "use-m3" or s.english_model == "use-m3":
            return None
        with self._lock:
            key = f"secondary|{s.english_model}"
            prov = self._providers.get(key)
            if prov is None:
                try:
                    prov = create_provider(s.replace(model=s.english_model))
                except FinderError as exc:
                    log.warning("English re-scoring model unavailable: %s", exc)
                    return None
                self._providers[key] = prov
            return prov

    def _secondary(self) -> tuple[EmbeddingProvider, VectorIndex] | None:
        prov = self.secondary_provider()
        if prov is None:
            return None
        index = self.vector_index(prov)
        return (prov, index) if index.count else None

    def vector_index(self, provider: EmbeddingProvider | None = None) -> VectorIndex:
        provider = provider or self.provider()
        with self._lock:
            index = self._indexes.get(provider.model_id)
            if index is None:
                index = VectorIndex(self.catalog, provider.model_id, provider.dimension, self.home / "index")
                index.load()
                self._indexes[provider.model_id] = index
            return index

    def serving_model(self) -> str | None:
        return self.catalog.get_meta(SERVING_KEY)

    def _semantic(self) -> tuple[EmbeddingProvider, VectorIndex] | None:
        """The model that answers queries: the target once it has vectors, else the old one."""
        try:
            target = self.provider()
        except FinderError as exc:
            log.warning("meaning search unavailable: %s", exc)
            return None
        serving = self.serving_model()
        if serving in (None, target.model_id):
            index = self.vector_index(target)
            return (target, index) if index.count else None
        # A model switch is in progress: the old model keeps answering until the new one is done.
        old = self._serving_provider(serving)
        if old is not None:
            index = self.vector_index(old)
            if index.count:
                return (old, index)
        index = self.vector_index(target)
        return (target, index) if index.count else None

    def _serving_provider(self, model_id: str | None) -> EmbeddingProvider | None:
        for prov in list(self._providers.values()):
            if prov.model_id == model_id:
                return prov
        raw = self.catalog.get_meta(SERVING_CONFIG_KEY)
        if not raw:
            return None
        try:
            config = json.loads(raw)
            with self._lock:
                prov = create_provider(self.settings.replace(**config))
                if prov.model_id != model_id:
                    return None
                self._providers[f"serving|{model_id}"] = prov
            return prov
        except (FinderError, TypeError, ValueError) as exc:
            log.warning("the previous model cannot answer while the new one builds: %s", exc)
            return None

    def _set_serving(self, provider: EmbeddingProvider) -> None:
        s = self.settings
        config = {"provider": s.provider, "model": s.model, "base_url": s.base_url, "dimensions": s.dimensions,
                  "api_key_env": s.api_key_env}
        with self.catalog.write() as conn:
            self.catalog.set_meta(SERVING_KEY, provider.model_id, conn)
            self.catalog.set_meta(SERVING_CONFIG_KEY, json.dumps(config), conn)

    # -- indexing --------------------------------------------------------------------
    def add_roots(self, paths: Sequence[Path]) -> list[Path]:
        added = []
        for path in paths:
            path = Path(os.path.abspath(path))
            if not path.exists():
                raise FinderError(f"{path} does not exist")
            self.indexer.add_root(path)
            added.append(path)
        roots = tuple(dict.fromkeys([*self.settings.roots, *(str(p) for p in added)]))
        if roots != self.settings.roots:
            self.update_settings(self.settings.replace(roots=roots))
        return added

    def media_enabled(self) -> bool:
        """Image files are indexed only while a multimodal provider can embed them."""
        if not self.settings.multimodal:
            return False
        try:
            return bool(getattr(self.provider(), "supports_media", False))
        except FinderError:
            return False

    def scan(self, roots: Sequence[Path] | None = None, cancel: threading.Event | None = None,
             on_progress: ProgressCallback | None = None) -> ScanResult:
        self.indexer.media = self.media_enabled()
        return self.indexer.scan(roots, cancel, on_progress)

    def extract_pending(self, cancel: threading.Event | None = None,
                        on_progress: ProgressCallback | None = None) -> int:
        return self.indexer.process_pending(cancel, on_progress)

    def embed(self, cancel: threading.Event | None = None, on_progress: ProgressCallback | None = None,
              cpu_cap: int | None = None, interrupt: threading.Event | None = None,
              respect_pause: bool = True) -> EmbedStats:
        """Embed every chunk that has no vector yet for the selected model.

        ``interrupt`` (when set) makes it return after the current batch, so that newly
        changed files can be made keyword-searchable first.
        """
        provider = self.provider()
        index = self.vector_index(provider)
        embedder = Embedder(self.catalog, provider, index, cpu_cap, self.settings.send_secrets)
        if interrupt is not None:
            embedder.interrupt = interrupt
        if self.settings.paused and respect_pause:
            embedder.pause.set()
        stats = embedder.run(cancel, on_progress)
        if stats.seconds_in_model > 0 and stats.embedded:
            self.catalog.set_meta(f"embed_rate:{provider.model_id}", f"{stats.embedded / stats.seconds_total:.3f}")
        if embedder.last_error is None and missing_count(self.catalog, provider.model_id, embedder.skip_private) == 0:
            if self.serving_model() != provider.model_id:
                self._set_serving(provider)
        elif self.serving_model() is None and index.count:
            self._set_serving(provider)
        if embedder.last_error is not None:
            raise embedder.last_error
        second = self.secondary_provider()
        stopped = (cancel is not None and cancel.is_set()) or (interrupt is not None and interrupt.is_set())
        if second is not None and not stopped and not (self.settings.paused and respect_pause):
            # The multilingual model serves first; the English re-scorer follows behind it.
            refine = Embedder(self.catalog, second, self.vector_index(second), cpu_cap)
            if interrupt is not None:
                refine.interrupt = interrupt

            def relabel(p: Progress) -> None:
                if on_progress is not None:
                    on_progress(Progress("refine", p.done, p.total, p.current, p.eta_seconds))

            extra = refine.run(cancel, relabel)
            stats.embedded += extra.embedded
            stats.seconds_in_model += extra.seconds_in_model
            stats.seconds_total += extra.seconds_total
            if refine.last_error is not None:
                log.warning("English re-scoring paused: %s", refine.last_error)
        return stats

    def index(self, paths: Sequence[Path] = (), *, embed: bool = True, cancel: threading.Event | None = None,
              on_progress: ProgressCallback | None = None) -> ScanResult:
        """Add ``paths`` as roots, make them keyword-searchable, then (optionally) embed."""
        added = self.add_roots(paths) if paths else None
        result = self.scan(added, cancel, on_progress)
        self.extract_pending(cancel, on_progress)
        if embed and not (cancel is not None and cancel.is_set()):
            self.embed(cancel, on_progress)
        return result

    def forget(self, path: Path) -> int:
        """Drop a folder or file from the index; inside a watched folder it is also excluded."""
        path = Path(os.path.abspath(path))
        removed = self.indexer.forget(path)
        roots = tuple(r for r in self.settings.roots if Path(r) != path and not Path(r).is_relative_to(path))
        exclude = self.settings.exclude
        parent = next((Path(r) for r in roots if path.is_relative_to(r) and Path(r) != path), None)
        if parent is not None:
            # Anchored to the watched folder (gitignore syntax), so the next scan leaves it out.
            pattern = "/" + path.relative_to(parent).as_posix() + ("/" if path.is_dir() else "")
            if pattern not in exclude:
                exclude = (*exclude, pattern)
        if roots != self.settings.roots or exclude != self.settings.exclude:
            self.update_settings(self.settings.replace(roots=roots, exclude=exclude))
        return removed

    def retry_failed(self) -> int:
        return self.indexer.retry_failed()

    # -- search ----------------------------------------------------------------------
    def search(self, query: str, limit: int = 20, *, mode: str = "hybrid",
               filters: SearchFilters | None = None) -> list[Hit]:
        return self.searcher.search(query, limit, mode=mode, filters=filters)

    def similar(self, path: Path, limit: int = 20) -> list[Hit]:
        """Files closest in meaning to ``path`` (which must be indexed and embedded)."""
        sem = self._semantic()
        if sem is None:
            raise FinderError("no meaning index yet: wait for embedding to finish (see `finder status`)")
        provider, _index = sem
        key = fs_key(os.path.abspath(path))
        row = self.catalog.reader().execute("SELECT id, status FROM files WHERE path=?", (key,)).fetchone()
        if row is None:
            raise FinderError(f"{path} is not indexed")
        vectors = file_vectors(self.catalog, provider.model_id, key)
        if len(vectors) == 0:
            raise FinderError(f"{path} has no embedded text yet")
        return self.searcher.similar(int(row[0]), vectors, limit)

    def passage_text(self, chunk_id: int) -> tuple[str, int | None] | None:
        """The full text and page of one passage (for previews)."""
        row = self.catalog.reader().execute("SELECT text, page FROM chunks WHERE id=?", (chunk_id,)).fetchone()
        return (row[0], row[1]) if row else None

    # -- status ----------------------------------------------------------------------
    def status(self, error_limit: int = 200) -> IndexStatus:
        conn = self.catalog.reader()
        counts = dict(conn.execute("SELECT status, COUNT(*) FROM files GROUP BY status").fetchall())
        st = IndexStatus()
        st.roots = [r[0] for r in conn.execute("SELECT display FROM roots ORDER BY id")]
        st.files = sum(counts.values())
        st.indexed = counts.get("indexed", 0)
        st.pending = counts.get("pending", 0)
        st.skipped = counts.get("skipped", 0)
        st.failed = counts.get("failed", 0) + counts.get("changed", 0)
        st.chunks = int(conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0])
        st.provider = self.settings.provider
        st.paused = self.settings.paused
        try:
            provider = self.provider()
            st.model_id = provider.model_id
            st.remote = bool(provider.remote)
            if st.remote:
                st.endpoint = str(getattr(provider, "base_url", "") or self.settings.base_url or st.provider)
            distinct = int(conn.execute(
                "SELECT COUNT(DISTINCT c.text_hash) FROM chunks c JOIN files f ON f.id=c.file_id "
                "WHERE f.status='indexed'").fetchone()[0])
            skip_private = (provider.remote or provider.name != "local") and not self.settings.send_secrets
            missing = missing_count(self.catalog, provider.model_id, skip_private)
            missing_chunks = missing_count(self.catalog, provider.model_id, skip_private, distinct=False)
            held_back = int(conn.execute(
                "SELECT COUNT(*) FROM chunks c JOIN files f ON f.id=c.file_id WHERE f.private=1 "
                "AND f.status='indexed'").fetchone()[0]) if skip_private else 0
            # Report chunk counts (not distinct texts): duplicates count as embedded; passages of
            # secret-looking files held back from an HTTP provider do not.
            st.embedded_chunks = max(0, st.chunks - missing_chunks - held_back) if distinct else 0
            rate = float(self.catalog.get_meta(f"embed_rate:{provider.model_id}") or 0)
            st.eta_seconds = missing / rate if rate and missing else (0.0 if not missing else None)
        except FinderError as exc:
            st.model_id = f"unavailable: {exc}"
        st.errors = [
            (r[0], r[1], r[2] or "")
            for r in conn.execute(
                "SELECT display, status, error FROM files WHERE status IN ('failed','skipped','changed') "
                "ORDER BY status, display LIMIT ?", (error_limit,))
        ]
        return st

    def close(self) -> None:
        with self._lock:
            for index in self._indexes.values():
                try:
                    index.save()
                except OSError as exc:
                    log.warning("could not save the vector index: %s", exc)
            for prov in self._providers.values():
                try:
                    prov.close()
                except Exception:  # noqa: BLE001 - closing must not raise
                    pass
            self.catalog.close()

