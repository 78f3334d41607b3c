"""Search-as-you-type: debounce, generation stamps, lexical first then hybrid refinement."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from finder.core.search import SearchFilters
from finder.gui.tasks import MEANING, QUERY, TaskRunner

DEBOUNCE_MS = 80  # pause in typing before the meaning pass (it embeds the query)
FAST_MS = 0  # keyword pass: next event-loop turn, which still coalesces a burst of keys (paste)


class _Stale(Exception):
    """Raised inside a queued query whose generation was overtaken before it started."""


class SearchController(QObject):
    """Turns keystrokes into queries; emits only results of the newest generation.

    ``results_ready(generation, query, hits, mode)``: mode is "lexical" (fast, names and
    keywords), "hybrid" (adds meaning; replaces the lexical list of the same generation),
    "similar" (More like this) or "empty" (query cleared).
    """

    results_ready = Signal(int, str, object, str)
    failed = Signal(int, str)

    def __init__(self, service: Any, runner: TaskRunner, *, limit: int = 50,
                 debounce_ms: int = DEBOUNCE_MS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.limit = limit
        self.generation = 0
        self.dropped = 0  # stale results thrown away (for tests and diagnostics)
        self.semantic = True  # False while there is no meaning index: skip the hybrid pass
        self.filters: SearchFilters | None = None
        self.query = ""
        self.last_latency: dict[str, float] = {}
        self._started = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(debounce_ms)
        self._timer.timeout.connect(self._on_pause)
        self._fast = QTimer(self)
        self._fast.setSingleShot(True)
        self._fast.setInterval(FAST_MS)
        self._fast.timeout.connect(self._on_keys)
        self._lexical_done_for: tuple[int, str] | None = None
        self._refined = -1  # generation whose meaning pass has been shown

    # -- input -----------------------------------------------------------------------------
    def set_query(self, text: str) -> None:
        """A keystroke: keyword results almost at once, meaning once typing pauses."""
        self.query = text
        self._fast.start()
        self._timer.start()

    def _on_keys(self) -> None:
        """Keyword and file-name pass for the text typed so far (a new generation)."""
        self.generation += 1
        gen = self.generation
        text = self.query
        if not text.strip():
            self._timer.stop()
            self.results_ready.emit(gen, "", [], "empty")
            return
        self._started = time.perf_counter()
        filters = self.filters
        self._lexical_done_for = (gen, text)
        self._submit(gen, text, "lexical",
                     lambda: self.service.search(text, self.limit, mode="lexical", filters=filters))

    def _on_pause(self) -> None:
        """Typing paused: refine the current generation with meaning."""
        if self._fast.isActive() or self._lexical_done_for != (self.generation, self.query):
            self.run_now()
            return
        if self.semantic:
            text, filters, gen = self.query, self.filters, self.generation
            self._submit(gen, text, "hybrid",
                         lambda: self.service.search(text, self.limit, mode="hybrid", filters=filters))

    def set_filters(self, filters: SearchFilters | None) -> None:
        self.filters = filters if filters is not None and filters.active else None
        if self.query.strip():
            self._timer.start()

    def run_now(self, refresh: bool = False) -> int:
        """Start the query for the current text at once; returns its generation.

        ``refresh`` (the index changed under an unchanged query) skips the fast lexical pass
        when a hybrid pass follows, so the list does not flicker between the two.
        """
        self._timer.stop()
        self._fast.stop()
        self.generation += 1
        gen = self.generation
        text = self.query
        self._lexical_done_for = None
        if not text.strip():
            self.results_ready.emit(gen, "", [], "empty")
            return gen
        self._started = time.perf_counter()
        filters = self.filters
        if not (refresh and self.semantic):
            self._submit(gen, text, "lexical",
                         lambda: self.service.search(text, self.limit, mode="lexical", filters=filters))
        if self.semantic:
            self._submit(gen, text, "hybrid",
                         lambda: self.service.search(text, self.limit, mode="hybrid", filters=filters))
        return gen

    def similar(self, path: str) -> int:
        """More like this: files closest in meaning to ``path``."""
        self._timer.stop()
        self._fast.stop()
        self.generation += 1
        gen = self.generation
        self._started = time.perf_counter()
        self._submit(gen, path, "similar", lambda: self.service.similar(Path(path), self.limit))
        return gen

    def cancel(self) -> None:
        """Forget every query in flight (e.g. the window is closing)."""
        self._timer.stop()
        self._fast.stop()
        self.generation += 1

    # -- plumbing --------------------------------------------------------------------------
    def _submit(self, gen: int, text: str, mode: str, call: Any) -> None:
        def work() -> Any:
            if gen != self.generation:  # overtaken while queued: do not even run it
                raise _Stale
            return call()

        def done(hits: Any, error: BaseException | None) -> None:
            if gen != self.generation or isinstance(error, _Stale):
                self.dropped += 1
                return
            if error is not None:
                self.failed.emit(gen, str(error) or type(error).__name__)
                return
            if mode == "lexical" and self._refined == gen:
                self.dropped += 1  # the meaning pass of this generation already landed
                return
            if mode in ("hybrid", "similar"):
                self._refined = gen
            self.last_latency[mode] = time.perf_counter() - self._started
            self.results_ready.emit(gen, text, hits, mode)

        self.runner.run(work, done, QUERY if mode == "lexical" else MEANING)
