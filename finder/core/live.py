"""The live index: watch folders, reconcile, extract and embed in the background, pausable.

One low-priority worker thread owns all indexing work, in this order of urgency: changes
reported by the watcher (renames and deletes applied at once, changed files extracted so
they are keyword-searchable within a second), folders the user just added, a periodic
reconciliation scan, and finally embedding in batches that yield to new changes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from finder.core.embedding import lower_thread_priority
from finder.core.errors import FinderError, ProviderError
from finder.core.indexer import Progress
from finder.core.service import FinderService
from finder.core.watcher import ChangeBatch, Watcher

log = logging.getLogger(__name__)

RECONCILE_SECONDS = 15 * 60
PROVIDER_RETRY_SECONDS = 60.0


class LiveIndex:
    """Keeps a FinderService's index in step with the disk until stopped."""

    def __init__(self, service: FinderService, *, on_progress: Callable[[Progress], None] | None = None,
                 on_notice: Callable[[str], None] | None = None, on_change: Callable[[], None] | None = None,
                 quiet_seconds: float = 0.5, force_polling: bool = False,
                 reconcile_seconds: float = RECONCILE_SECONDS) -> None:
        self.service = service
        self._on_progress = on_progress or (lambda _p: None)
        self._on_notice = on_notice or (lambda _m: None)
        self._on_change = on_change or (lambda: None)
        self._quiet = quiet_seconds
        self._force_polling = force_polling
        self._reconcile_seconds = reconcile_seconds
        self._cond = threading.Condition()
        self._batches: list[ChangeBatch] = []
        self._new_paths: list[Path] = []
        self._want_scan = True
        self._cancel = threading.Event()
        self._interrupt = threading.Event()
        self._thread: threading.Thread | None = None
        self._watcher: Watcher | None = None
        self._embed_retry_at = 0.0
        self._embed_idle = False
        self.last_error: str | None = None

    # -- control -----------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        roots = [Path(r) for r in self.service.settings.roots]
        self._watcher = Watcher([r for r in roots if r.is_dir()], self.service.settings, self._on_batch,
                                quiet_seconds=self._quiet, on_notice=self._notice,
                                force_polling=self._force_polling)
        self._watcher.start()
        self._thread = threading.Thread(target=self._run, name="finder-indexer", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop watching and indexing; waits for the worker to finish its current step."""
        self._cancel.set()
        self._interrupt.set()
        with self._cond:
            self._cond.notify_all()
        if self._watcher is not None:
            self._watcher.stop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def paused(self) -> bool:
        return self.service.settings.paused

    def pause(self) -> None:
        """Stop extracting and embedding (changes are still recorded); persists across restarts."""
        self.service.update_settings(self.service.settings.replace(paused=True))
        self._interrupt.set()

    def resume(self) -> None:
        self.service.update_settings(self.service.settings.replace(paused=False))
        self._embed_retry_at = 0.0
        self._wake()

    def add_paths(self, paths: Sequence[Path]) -> None:
        """Index files or folders (drag and drop, "Open with"): keyword-searchable first."""
        with self._cond:
            self._new_paths.extend(Path(p) for p in paths)
            self._cond.notify_all()
        self._interrupt.set()

    def rescan(self) -> None:
        with self._cond:
            self._want_scan = True
            self._cond.notify_all()
        self._interrupt.set()

    def retry_embedding(self) -> None:
        self._embed_retry_at = 0.0
        self._embed_idle = False
        self._wake()

    # -- plumbing ----------------------------------------------------------------------
    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _notice(self, message: str) -> None:
        log.info("%s", message)
        self._on_notice(message)

    def _on_batch(self, batch: ChangeBatch) -> None:
        with self._cond:
            self._batches.append(batch)
            self._cond.notify_all()
        self._interrupt.set()

    def _take(self) -> tuple[list[ChangeBatch], list[Path], bool]:
        with self._cond:
            batches, self._batches = self._batches, []
            paths, self._new_paths = self._new_paths, []
            scan, self._want_scan = self._want_scan, False
        return batches, paths, scan

    def _run(self) -> None:
        lower_thread_priority()
        last_scan = 0.0
        while not self._cancel.is_set():
            try:
                self._sync_roots()
                batches, paths, scan = self._take()
                if time.monotonic() - last_scan > self._reconcile_seconds:
                    scan = True
                did = bool(batches or paths or scan)
                for batch in batches:
                    self._apply(batch)
                if paths:
                    self._add(paths)
                if scan:
                    self.service.scan(None, self._cancel, self._on_progress)
                    last_scan = time.monotonic()
                if did:
                    self._embed_idle = False
                    self._on_change()
                if not self.paused and self.service.indexer.pending_count():
                    self._interrupt.clear()
                    self.service.extract_pending(self._cancel, self._on_progress)
                    self._embed_idle = False
                    self._on_change()
                if self._has_new_work():
                    continue
                if not self.paused and not self._embed_idle and time.monotonic() >= self._embed_retry_at:
                    self._embed_step()
                    if self._has_new_work():
                        continue
                self._on_progress(Progress("idle"))
                with self._cond:
                    if not (self._batches or self._new_paths or self._want_scan or self._cancel.is_set()):
                        wait = 5.0 if self._embed_idle or self.paused else 0.5
                        self._cond.wait(wait)
            except FinderError as exc:
                self._notice(str(exc))
                self._cancel.wait(2.0)
            except Exception:  # noqa: BLE001 - a bug must not kill indexing silently
                log.exception("indexing step failed")
                self._notice("An internal error interrupted indexing; it will resume shortly (see the log).")
                self._cancel.wait(5.0)

    def _has_new_work(self) -> bool:
        with self._cond:
            return bool(self._batches or self._new_paths or self._want_scan) or self._cancel.is_set()

    def _embed_step(self) -> None:
        self._interrupt.clear()
        try:
            stats = self.service.embed(self._cancel, self._on_progress, cpu_cap=self.service.settings.cpu_cap,
                                       interrupt=self._interrupt)
        except ProviderError as exc:
            self.last_error = str(exc)
            self._embed_retry_at = time.monotonic() + (PROVIDER_RETRY_SECONDS if exc.retryable else 3600.0)
            self._notice(f"Meaning index paused: {exc}")
            return
        self.last_error = None
        if stats.embedded:
            self._on_change()
        if not self._interrupt.is_set() and not self._cancel.is_set():
            self._embed_idle = True  # ran to completion: nothing left to embed

    def _apply(self, batch: ChangeBatch) -> None:
        indexer = self.service.indexer
        for src, dest in batch.moves:
            if indexer.move(src, dest) == 0:
                indexer.mark_pending([dest]) if dest.is_file() else self._scan_dirs([dest])
        for path in batch.deletes:
            indexer.remove(path)
        if batch.upserts:
            indexer.mark_pending(sorted(batch.upserts))
        if batch.rescan_roots:
            self._scan_dirs(sorted(batch.rescan_roots))

    def _scan_dirs(self, dirs: Sequence[Path]) -> None:
        self.service.scan([d for d in dirs if d.exists()], self._cancel, self._on_progress)

    def _sync_roots(self) -> None:
        """Follow the settings: watch folders added there, stop watching removed ones."""
        if self._watcher is None:
            return
        wanted = {Path(r) for r in self.service.settings.roots if Path(r).is_dir()}
        watched = set(self._watcher.roots)
        for path in wanted - watched:
            self._watcher.add_root(path)
        for path in watched - wanted:
            self._watcher.remove_root(path)

    def _add(self, paths: Sequence[Path]) -> None:
        try:
            added = self.service.add_roots([p for p in paths if p.exists()])
        except FinderError as exc:
            self._notice(str(exc))
            return
        if self._watcher is not None:
            for path in added:
                if path.is_dir():
                    self._watcher.add_root(path)
        self.service.scan(added, self._cancel, self._on_progress)
