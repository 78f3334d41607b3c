"""Run blocking core calls on thread pools and hand ``(result, error)`` back on the GUI thread.

Every FinderService call from the GUI goes through :class:`TaskRunner.run` (the pattern of
Picard's ``run_task``): the GUI thread never touches disk, SQLite, the model or the network.

Pools:
  ``query``  one thread, normal priority: searches run strictly one after another, so a
             stale query never races a fresh one (callers also skip stale work by generation);
  ``index``  one thread, lowest OS priority: indexing jobs the GUI starts itself;
  ``io``     two threads: status, settings, estimates, retry and other small jobs.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThread, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)

Callback = Callable[[Any, "BaseException | None"], None]

QUERY = "query"  # keyword passes: never wait behind a meaning pass
MEANING = "meaning"  # meaning passes and "more like this" (they embed the query)
INDEX = "index"
IO = "io"


class _Relay(QObject):
    """Lives on the GUI thread; its queued signal carries a finished task's outcome there."""

    finished = Signal(object, object)

    def __init__(self, runner: TaskRunner, callback: Callback | None) -> None:
        super().__init__()
        self._runner = runner
        self._callback = callback
        self.finished.connect(self._on_finished, Qt.ConnectionType.QueuedConnection)

    @Slot(object, object)
    def _on_finished(self, result: Any, error: BaseException | None) -> None:
        self._runner._relays.discard(self)
        if self._runner.closing or self._callback is None:
            return
        try:
            self._callback(result, error)
        except Exception:  # noqa: BLE001 - a bad callback must not kill the event loop
            log.error("task callback failed:\n%s", traceback.format_exc())


class _Task(QRunnable):
    def __init__(self, func: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._func = func
        self._relay = relay

    def run(self) -> None:
        try:
            result, error = self._func(), None
        except BaseException as exc:  # noqa: BLE001 - delivered to the callback
            result, error = None, exc
        self._relay.finished.emit(result, error)


class TaskRunner(QObject):
    """Owns the pools; ``run(func, callback, pool)`` is the single door to blocking work."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.closing = False
        self._relays: set[_Relay] = set()
        self.pools: dict[str, QThreadPool] = {}
        for name, threads, priority in ((QUERY, 1, QThread.Priority.NormalPriority),
                                        (MEANING, 1, QThread.Priority.NormalPriority),
                                        (INDEX, 1, QThread.Priority.LowestPriority),
                                        (IO, 2, QThread.Priority.LowPriority)):
            pool = QThreadPool(self)
            pool.setObjectName(f"finder-{name}")
            pool.setMaxThreadCount(threads)
            pool.setThreadPriority(priority)
            # Threads live as long as the app: each keeps one SQLite reader connection, so
            # recycled threads would leave connections behind.
            pool.setExpiryTimeout(-1)
            self.pools[name] = pool

    def run(self, func: Callable[[], Any], callback: Callback | None = None, pool: str = IO,
            priority: int = 0) -> bool:
        """Run ``func()`` on ``pool``; ``callback(result, error)`` runs later on the GUI thread.

        Returns False (and runs nothing) once the runner is shutting down.
        """
        if self.closing:
            return False
        relay = _Relay(self, callback)
        self._relays.add(relay)
        self.pools[pool].start(_Task(func, relay), priority)
        return True

    def pending(self) -> int:
        """Tasks started whose callback has not run yet."""
        return len(self._relays)

    def shutdown(self, timeout_ms: int = 30_000) -> bool:
        """Drop queued tasks, wait for running ones, and deliver no more callbacks."""
        self.closing = True
        ok = True
        for pool in self.pools.values():
            pool.clear()
        for pool in self.pools.values():
            ok = pool.waitForDone(timeout_ms) and ok
        self._relays.clear()
        return ok
