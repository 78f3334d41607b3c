"""Watching folders with watchdog: debounced, filtered batches of upserts, deletes, moves, rescans."""

from __future__ import annotations

import errno
import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from watchdog.events import (
    DirCreatedEvent,
    DirDeletedEvent,
    DirMovedEvent,
    FileClosedEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

from finder.core.config import Settings
from finder.core.ignore import PathFilter, is_ignore_file, is_temp_name

log = logging.getLogger(__name__)

WATCH_LIMIT_NOTICE = (
    "Watching {root} by polling: the system's inotify watch limit is reached "
    "(raise fs.inotify.max_user_watches)"
)
INSTANCE_LIMIT_NOTICE = (
    "Watching {root} by polling: the system's inotify instance limit is reached "
    "(raise fs.inotify.max_user_instances)"
)
OVERFLOW_MESSAGE = "Inotify queue overflowed"
EVENT_TYPES: list[type[FileSystemEvent]] = [
    FileCreatedEvent, DirCreatedEvent, FileModifiedEvent, FileClosedEvent,
    FileDeletedEvent, DirDeletedEvent, FileMovedEvent, DirMovedEvent,
]

UPSERT, DELETE, RESCAN = "upsert", "delete", "rescan"
MAX_WAIT = 1.0  # the dispatcher never sleeps longer than this without looking again
# Moves go out once events pause this long (or after quiet_seconds at the latest), so that a
# folder's move and the per-file moves a polling observer reports with it share one batch.
MOVE_SETTLE = 0.1


@dataclass
class ChangeBatch:
    """Changes under the watched folders, to be applied in this order: moves, deletes, upserts.

    - ``moves``: (old, new) renames in the order they happened; a folder entry renames every file
      under it. The new path may replace an indexed file. If the old path is unknown, index the
      new one.
    - ``deletes``: paths that are gone; a folder path means everything under it.
    - ``upserts``: files that appeared or changed (and exist now).
    - ``rescan_roots``: folders whose content must be diffed against the catalog again (a new or
      moved-in folder, changed ignore rules, or a whole root after lost events).
    """

    upserts: set[Path] = field(default_factory=set)
    deletes: set[Path] = field(default_factory=set)
    moves: list[tuple[Path, Path]] = field(default_factory=list)
    rescan_roots: set[Path] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.upserts or self.deletes or self.moves or self.rescan_roots)


@dataclass
class _RootWatch:
    root: Path
    filter: PathFilter
    observer: BaseObserver | None = None
    polling: bool = False


class _Handler(FileSystemEventHandler):
    def __init__(self, watcher: Watcher, watch: _RootWatch) -> None:
        self._watcher = watcher
        self._watch = watch

    def dispatch(self, event: FileSystemEvent) -> None:
        try:
            self._watcher._on_event(self._watch, event)
        except Exception:  # an observer thread must survive a bad event
            log.exception("error handling %r", event)


class _OverflowHook(logging.Filter):
    """Sees watchdog's "queue overflowed" warning and asks the watcher to rescan."""

    def __init__(self, watcher: Watcher) -> None:
        super().__init__()
        self._watcher = watcher

    def filter(self, record: logging.LogRecord) -> bool:
        if OVERFLOW_MESSAGE in record.getMessage():
            self._watcher._on_overflow(threading.current_thread())
        return True


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


class Watcher:
    """Watches folders and hands debounced ``ChangeBatch``es to ``on_batch`` on one thread."""

    def __init__(
        self,
        roots: Sequence[Path],
        settings: Settings,
        on_batch: Callable[[ChangeBatch], None],
        *,
        quiet_seconds: float = 0.5,
        on_notice: Callable[[str], None] | None = None,
        force_polling: bool = False,
        poll_seconds: float = 5.0,
    ) -> None:
        self._settings = settings
        self._on_batch = on_batch
        self._quiet = quiet_seconds
        self._on_notice = on_notice or (lambda _message: None)
        self._force_polling = force_polling
        self._poll_seconds = poll_seconds
        self._cond = threading.Condition()
        self._pending: dict[Path, tuple[str, float]] = {}  # path → (kind, due time)
        self._moves: list[tuple[Path, Path]] = []
        self._moves_due = 0.0
        self._last_event = 0.0
        self._roots_lock = threading.Lock()
        self._roots: dict[Path, _RootWatch] = {}
        self._wanted: list[Path] = [Path(os.path.abspath(r)) for r in roots]
        self._thread: threading.Thread | None = None
        self._started = False
        self._stopping = False
        self._overflow_hook = _OverflowHook(self)

    # -- public API -------------------------------------------------------------------------

    @property
    def polling_roots(self) -> frozenset[Path]:
        """The roots watched by polling (forced, or because inotify ran out of watches)."""
        with self._roots_lock:
            return frozenset(w.root for w in self._roots.values() if w.polling)

    @property
    def roots(self) -> tuple[Path, ...]:
        """The folders being watched (or to be watched once started)."""
        with self._roots_lock:
            return tuple(self._roots) if self._started else tuple(self._wanted)

    def start(self) -> None:
        """Start the dispatcher and one observer per root (idempotent)."""
        if self._started:
            return
        self._started = True
        self._stopping = False
        logging.getLogger("watchdog.observers.inotify_c").addFilter(self._overflow_hook)
        self._thread = threading.Thread(target=self._run, name="finder-watcher", daemon=True)
        self._thread.start()
        for root in self._wanted:
            self.add_root(root)

    def stop(self) -> None:
        """Stop watching and join every thread this watcher started (idempotent).

        Changes still waiting for their quiet period are dropped: the next full scan finds them.
        """
        if not self._started:
            return
        self._started = False
        with self._roots_lock:
            watches = list(self._roots.values())
            self._wanted = list(self._roots)
            self._roots.clear()
        for watch in watches:
            self._stop_observer(watch.observer)
        logging.getLogger("watchdog.observers.inotify_c").removeFilter(self._overflow_hook)
        with self._cond:
            self._stopping = True
            self._pending.clear()
            self._moves.clear()
            self._cond.notify_all()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join()

    def add_root(self, path: Path) -> None:
        """Watch another folder (now if started, else from ``start()``)."""
        root = Path(os.path.abspath(path))
        if not self._started:
            if root not in self._wanted:
                self._wanted.append(root)
            return
        with self._roots_lock:
            if root in self._roots:
                return
        watch = _RootWatch(root, PathFilter(root, self._settings))
        self._attach(watch)
        with self._roots_lock:
            if root in self._roots or not self._started:
                duplicate = True
            else:
                duplicate = False
                self._roots[root] = watch
        if duplicate:
            self._stop_observer(watch.observer)

    def remove_root(self, path: Path) -> None:
        """Stop watching a folder and forget its pending changes."""
        root = Path(os.path.abspath(path))
        if root in self._wanted:
            self._wanted.remove(root)
        with self._roots_lock:
            watch = self._roots.pop(root, None)
        if watch is not None:
            self._stop_observer(watch.observer)
        with self._cond:
            for p in [p for p in self._pending if _under(p, root)]:
                del self._pending[p]
            self._moves = [m for m in self._moves if not _under(m[0], root)]

    # -- observers ----------------------------------------------------------------------------

    def _attach(self, watch: _RootWatch) -> None:
        if not self._force_polling:
            try:
                watch.observer = self._start_observer(watch, polling=False)
                return
            except OSError as exc:
                if exc.errno == errno.ENOSPC:
                    notice = WATCH_LIMIT_NOTICE
                elif exc.errno == errno.EMFILE:
                    notice = INSTANCE_LIMIT_NOTICE
                else:
                    self._on_notice(f"Cannot watch {watch.root}: {exc.strerror or exc}")
                    return
            self._on_notice(notice.format(root=watch.root))
        try:
            watch.observer = self._start_observer(watch, polling=True)
            watch.polling = True
        except OSError as exc:
            self._on_notice(f"Cannot watch {watch.root}: {exc.strerror or exc}")

    def _start_observer(self, watch: _RootWatch, *, polling: bool) -> BaseObserver:
        observer: BaseObserver = (
            PollingObserver(timeout=self._poll_seconds) if polling else Observer()
        )
        try:
            observer.schedule(_Handler(self, watch), str(watch.root), recursive=True,
                              event_filter=EVENT_TYPES)
            observer.start()
        except BaseException:
            self._stop_observer(observer)
            raise
        return observer

    @staticmethod
    def _stop_observer(observer: BaseObserver | None) -> None:
        if observer is None:
            return
        observer.stop()  # also stops its emitters and, for inotify, its reader thread
        if observer.is_alive() and observer is not threading.current_thread():
            observer.join()

    def _on_overflow(self, thread: threading.Thread) -> None:
        with self._roots_lock:
            watches = [w for w in self._roots.values() if not w.polling]
        mine = [w for w in watches if getattr(w.observer, "_inotify_fd", None) is thread]
        for watch in mine or watches:
            self._add(RESCAN, watch.root)

    # -- events -------------------------------------------------------------------------------

    def _ignored(self, watch: _RootWatch, path: Path, is_dir: bool) -> bool:
        return (not is_dir and is_temp_name(path.name)) or watch.filter.excluded_with_parents(
            path, is_dir)

    def _on_event(self, watch: _RootWatch, event: FileSystemEvent) -> None:
        kind = event.event_type
        is_dir = event.is_directory
        src = Path(os.fsdecode(event.src_path))
        if kind == "moved":
            if event.is_synthetic:
                return  # a file inside a moved folder: the folder's move covers it
            dest_raw = os.fsdecode(event.dest_path)
            if not dest_raw:
                kind = "deleted"
            else:
                self._on_move(watch, src, Path(dest_raw), is_dir)
                return
        if not is_dir and is_ignore_file(src.name):
            if self._settings.honour_gitignore:
                self._add(RESCAN, src.parent)  # the rules changed for that whole folder
            return
        if kind in ("created", "modified", "closed"):
            if is_dir and kind != "created":
                return
            if self._ignored(watch, src, is_dir):
                return
            if is_dir:
                self._add(RESCAN, src)
            else:
                self._add(UPSERT, src, now=kind == "closed")
        elif kind == "deleted" and not self._ignored(watch, src, is_dir):
            self._add(DELETE, src)

    def _on_move(self, watch: _RootWatch, src: Path, dest: Path, is_dir: bool) -> None:
        if not is_dir:
            for path in (src, dest):
                if is_ignore_file(path.name) and self._settings.honour_gitignore:
                    self._add(RESCAN, path.parent)
        src_out = self._ignored(watch, src, is_dir)
        dest_out = self._ignored(watch, dest, is_dir)
        if src_out and dest_out:
            return
        if dest_out:
            self._add(DELETE, src)  # e.g. vim renaming the file to its backup name
        elif src_out:
            self._add(RESCAN if is_dir else UPSERT, dest)  # e.g. an editor's temp file saved over
        else:
            self._add_move(src, dest)

    def _add(self, kind: str, path: Path, *, now: bool = False) -> None:
        with self._cond:
            if self._stopping:
                return
            t = self._last_event = time.monotonic()
            due = t if now else t + self._quiet
            old = self._pending.get(path)
            if kind == UPSERT and old is not None and old[0] == RESCAN:
                kind = RESCAN
            self._pending[path] = (kind, due)
            self._cond.notify()

    def _add_move(self, src: Path, dest: Path) -> None:
        with self._cond:
            if self._stopping:
                return
            t = self._last_event = time.monotonic()
            due = t + self._quiet
            if not self._moves:
                self._moves_due = due
            # A pending change of the source travels with it; a pending delete of the target is
            # void now that something was moved there.
            for path in list(self._pending):
                if _under(path, dest) and self._pending[path][0] == DELETE:
                    del self._pending[path]
            for path in [p for p in self._pending if _under(p, src)]:
                kind, _ = self._pending.pop(path)
                if kind != DELETE:
                    self._pending[dest / path.relative_to(src)] = (kind, due)
            if (src, dest) not in self._moves[-1:]:  # nested roots report the same move twice
                self._moves.append((src, dest))
            self._cond.notify()

    # -- dispatcher ---------------------------------------------------------------------------

    def _moves_ready_at(self) -> float:
        return min(self._moves_due, self._last_event + min(MOVE_SETTLE, self._quiet))

    def _take_ready(self, now: float) -> ChangeBatch | None:
        batch = ChangeBatch()
        if self._moves and self._moves_ready_at() <= now:
            batch.moves = _collapse(self._moves)
            self._moves = []
        for path, (kind, due) in list(self._pending.items()):
            if due > now:
                continue
            del self._pending[path]
            {UPSERT: batch.upserts, DELETE: batch.deletes, RESCAN: batch.rescan_roots}[kind].add(path)
        return batch if batch else None

    def _run(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._stopping:
                        return
                    now = time.monotonic()
                    batch = self._take_ready(now)
                    if batch is not None:
                        break
                    due = [d for _, d in self._pending.values()]
                    if self._moves:
                        due.append(self._moves_ready_at())
                    wait = min([MAX_WAIT] + [max(0.0, d - now) for d in due])
                    self._cond.wait(wait)
            _settle(batch)
            if not batch:
                continue
            try:
                self._on_batch(batch)
            except Exception:  # keep watching; the caller's bug is logged
                log.exception("on_batch failed")


def _collapse(moves: list[tuple[Path, Path]]) -> list[tuple[Path, Path]]:
    """Drop moves implied by a folder move in the same list (polling reports each file too)."""
    targets = {src: dest for src, dest in moves}
    out = []
    for src, dest in moves:
        implied = any(
            parent in targets and dest == targets[parent] / src.relative_to(parent)
            for parent in src.parents
        )
        if not implied:
            out.append((src, dest))
    return out


def _settle(batch: ChangeBatch) -> None:
    """Match the batch to what is on disk now: events are history, the disk is the truth."""
    for path in list(batch.upserts):
        if os.path.isdir(path):
            batch.upserts.discard(path)
            batch.rescan_roots.add(path)
        elif not os.path.lexists(path):
            batch.upserts.discard(path)
            batch.deletes.add(path)
    for path in list(batch.deletes):
        if os.path.isdir(path):
            batch.deletes.discard(path)
            batch.rescan_roots.add(path)
        elif os.path.isfile(path):
            batch.deletes.discard(path)
            batch.upserts.add(path)
    for path in list(batch.rescan_roots):
        if not os.path.isdir(path):
            batch.rescan_roots.discard(path)
            batch.deletes.add(path)
    if batch.rescan_roots:
        batch.upserts = {p for p in batch.upserts
                         if not any(r in p.parents for r in batch.rescan_roots)}
