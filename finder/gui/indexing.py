"""Background indexing for the GUI: wraps core ``LiveIndex`` and turns its callbacks into signals.

``LiveIndex`` (finder.core.live) runs its own low-priority threads and calls back on them;
the signals here are emitted from those threads and Qt queues them to the GUI thread.
When ``finder.core.live`` is not available, a fallback runs the same jobs on the task
runner's one-thread, lowest-priority index pool.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from finder.core.indexer import Progress
from finder.gui.tasks import INDEX, IO, TaskRunner

log = logging.getLogger(__name__)


class IndexController(QObject):
    """The GUI's one handle on background indexing."""

    progress = Signal(object)  # finder.core.indexer.Progress
    notice = Signal(str)  # user-facing message (watch limit hit, provider down, …)
    changed = Signal()  # the index changed: refresh status and maybe the results
    paused_changed = Signal(bool)

    def __init__(self, service: Any, runner: TaskRunner, parent: QObject | None = None,
                 *, use_live: bool = True) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self._live: Any = None
        self._cancel = threading.Event()
        self._started = threading.Event()
        self._paused = bool(service.settings.paused)
        self.running = False
        if use_live:
            try:
                from finder.core.live import LiveIndex
            except ImportError:
                log.info("finder.core.live not available: indexing on the GUI's index pool")
            else:
                self._live = LiveIndex(service, on_progress=self.progress.emit,
                                       on_notice=self.notice.emit, on_change=self.changed.emit)

    @property
    def live(self) -> bool:
        return self._live is not None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> None:
        """Start watching and reconciling the roots (non-blocking)."""
        if self.running:
            return
        self.running = True
        if self._live is not None:
            # start() sets up inotify watches over every root: seconds on big trees, so off the GUI thread.
            live, started = self._live, self._started

            def start_live() -> None:
                try:
                    if not self._cancel.is_set():
                        live.start()
                finally:
                    started.set()

            self.runner.run(start_live, self._report_error, IO)
        elif self.service.settings.roots:
            self._queue(lambda: self._index_job([]))

    def stop(self) -> None:
        """Stop and join the indexing threads; safe to call twice."""
        if not self.running:
            return
        self.running = False
        self._cancel.set()
        if self._live is not None:
            self._started.wait(30)  # a start still in progress must finish before we join
            self._live.stop()
        else:
            embedder = getattr(self.service, "embedder", None)
            if embedder is not None:
                embedder.pause.clear()  # a paused embedder must wake up to see the cancel

    # -- controls ------------------------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self._paused  # the GUI's view; LiveIndex persists it on a worker

    def pause(self) -> None:
        self._set_paused(True)

    def resume(self) -> None:
        self._set_paused(False)

    def toggle_pause(self) -> None:
        self._set_paused(not self.paused)

    def _set_paused(self, paused: bool) -> None:
        self._paused = paused
        if self._live is not None:
            # pause()/resume() save the settings file: a worker's job.
            self.runner.run(self._live.pause if paused else self._live.resume, self._report_error, IO)
        else:
            embedder = getattr(self.service, "embedder", None)
            if embedder is not None:
                (embedder.pause.set if paused else embedder.pause.clear)()
        self.paused_changed.emit(paused)

    def add_paths(self, paths: Sequence[Path]) -> None:
        """Index dropped or opened files and folders: keyword-searchable first, then embedded."""
        paths = [Path(p) for p in paths]
        if not paths:
            return
        if self._live is not None:
            self._live.add_paths(paths)  # only queues the paths for its own thread
        else:
            self._queue(lambda: self._index_job(paths))

    def rescan(self) -> None:
        if self._live is not None:
            self._live.rescan()  # only wakes its thread
        else:
            self._queue(lambda: self._index_job([]))

    def retry_failed(self) -> None:
        """Mark failed files pending again and process them."""
        service = self.service

        def job() -> int:
            return int(service.retry_failed())

        def done(_count: Any, error: BaseException | None) -> None:
            if error is not None:
                self._report_error(None, error)
                return
            self.changed.emit()
            if self._live is not None:
                self.rescan()
            else:
                self._queue(lambda: self._extract_job())

        self.runner.run(job, done, IO)

    # -- fallback jobs (no LiveIndex) ----------------------------------------------------------
    def _queue(self, job: Any) -> None:
        self.runner.run(job, self._report_error, INDEX)

    def _on_progress(self, p: Progress) -> None:
        self.progress.emit(p)

    def _extract_job(self) -> None:
        self.service.extract_pending(self._cancel, self._on_progress)
        self.progress.emit(Progress("idle"))
        self.changed.emit()
        self._embed_job()

    def _index_job(self, paths: list[Path]) -> None:
        if self._cancel.is_set():
            return
        if paths:
            self.service.add_roots(paths)
            self.changed.emit()
        self.service.scan(paths or None, self._cancel, self._on_progress)
        self.service.extract_pending(self._cancel, self._on_progress)
        self.progress.emit(Progress("idle"))
        self.changed.emit()
        self._embed_job()

    def _embed_job(self) -> None:
        if self._cancel.is_set():
            return
        try:
            self.service.embed(self._cancel, self._on_progress)
        except Exception as exc:  # noqa: BLE001 - a provider problem is a notice, not a crash
            self.notice.emit(str(exc))
        finally:
            self.progress.emit(Progress("idle"))
            self.changed.emit()

    def _report_error(self, _result: Any, error: BaseException | None) -> None:
        if error is not None:
            log.warning("indexing job failed: %s", error)
            self.notice.emit(str(error) or type(error).__name__)
