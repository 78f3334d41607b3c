"""Tests for Watcher with real file-system events (inotify and polling) in temporary folders."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from watchdog.observers import Observer

from finder.core.config import Settings
from finder.core.watcher import WATCH_LIMIT_NOTICE, ChangeBatch, Watcher

WAIT = 5.0  # bounded wait for any expected event


class Collector:
    """Receives batches on the watcher's thread; the test waits on a condition, never sleeps."""

    def __init__(self) -> None:
        self.batches: list[ChangeBatch] = []
        self.cond = threading.Condition()

    def __call__(self, batch: ChangeBatch) -> None:
        with self.cond:
            self.batches.append(batch)
            self.cond.notify_all()

    def wait_for(self, pred: Callable[[Collector], bool], timeout: float = WAIT) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: pred(self), timeout):
                raise AssertionError(f"condition not met within {timeout} s; got {self.batches}")

    def clear(self) -> None:
        with self.cond:
            self.batches.clear()

    @property
    def upserts(self) -> set[Path]:
        return {p for b in self.batches for p in b.upserts}

    @property
    def deletes(self) -> set[Path]:
        return {p for b in self.batches for p in b.deletes}

    @property
    def moves(self) -> list[tuple[Path, Path]]:
        return [m for b in self.batches for m in b.moves]

    @property
    def rescans(self) -> set[Path]:
        return {p for b in self.batches for p in b.rescan_roots}

    def all_paths(self) -> set[Path]:
        out = self.upserts | self.deletes | self.rescans
        for src, dest in self.moves:
            out |= {src, dest}
        return out


@pytest.fixture
def root(tmp_path: Path) -> Path:
    path = tmp_path / "root"
    path.mkdir()
    return path


@pytest.fixture
def threads_back() -> Iterator[None]:
    before = threading.active_count()
    yield
    deadline = time.monotonic() + WAIT
    while threading.active_count() > before and time.monotonic() < deadline:
        time.sleep(0.01)  # polling a condition with a bound, not an assertion by sleep
    assert threading.active_count() == before, threading.enumerate()


@pytest.fixture
def watch(root: Path, threads_back: None) -> Iterator[Callable[..., tuple[Watcher, Collector]]]:
    started: list[Watcher] = []

    def make(settings: Settings | None = None, **kw: object) -> tuple[Watcher, Collector]:
        got = Collector()
        kw.setdefault("quiet_seconds", 0.3)
        watcher = Watcher([root], settings or Settings(), got, **kw)  # type: ignore[arg-type]
        watcher.start()
        started.append(watcher)
        return watcher, got

    yield make
    for watcher in started:
        watcher.stop()


def write(path: Path, text: str = "hello") -> Path:
    with open(path, "w") as fh:
        fh.write(text)
    return path


def settled(got: Collector, path: Path) -> None:
    got.wait_for(lambda g: path in g.upserts)
    got.clear()


def test_create_gives_upsert_quickly(root: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    _, got = watch()
    t0 = time.monotonic()
    write(root / "a.txt")
    got.wait_for(lambda g: root / "a.txt" in g.upserts, timeout=1.5)
    assert time.monotonic() - t0 < 1.5
    assert got.deletes == set() and got.moves == []


def test_modify_is_debounced_to_one_upsert(root: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    f = write(root / "a.txt")
    _, got = watch(quiet_seconds=0.5)
    with open(f, "a") as fh:
        for _ in range(5):
            fh.write("more\n")
            fh.flush()
    got.wait_for(lambda g: f in g.upserts)
    assert sum(f in b.upserts for b in got.batches) == 1


def test_atomic_save_upserts_target_without_temp(root: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    f = write(root / "doc.txt", "v1")
    _, got = watch()
    for tmp_name in (".doc.txt.k3j2.tmp", "doc.txt.tmp", ".goutputstream-XYZ"):
        tmp = write(root / tmp_name, "v2")
        os.replace(tmp, f)
        got.wait_for(lambda g: f in g.upserts)
        assert got.all_paths() == {f}, tmp_name
        got.clear()


def test_vim_style_save(root: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    f = write(root / "notes.txt", "v1")
    _, got = watch()
    os.rename(f, root / "notes.txt~")
    write(f, "v2")
    os.unlink(root / "notes.txt~")
    got.wait_for(lambda g: f in g.upserts)
    assert got.all_paths() == {f}
    assert got.deletes == set()


def test_rename_file_is_a_move(root: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    write(root / "a.txt")
    _, got = watch()
    os.rename(root / "a.txt", root / "b.txt")
    got.wait_for(lambda g: bool(g.moves))
    assert got.moves == [(root / "a.txt", root / "b.txt")]
    assert got.upserts == set() and got.deletes == set()


def test_rename_folder_is_one_move(root: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    (root / "d" / "sub").mkdir(parents=True)
    write(root / "d" / "a.txt")
    write(root / "d" / "sub" / "b.txt")
    _, got = watch()
    os.rename(root / "d", root / "e")
    got.wait_for(lambda g: bool(g.moves))
    write(root / "sentinel.txt")
    got.wait_for(lambda g: root / "sentinel.txt" in g.upserts)
    assert got.moves == [(root / "d", root / "e")]  # no per-file moves
    assert got.deletes == set() and got.upserts == {root / "sentinel.txt"}


def test_move_out_and_in(root: Path, tmp_path: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    write(root / "a.txt")
    write(outside / "b.txt")
    (outside / "folder").mkdir()
    write(outside / "folder" / "c.txt")
    _, got = watch()
    os.rename(root / "a.txt", outside / "a.txt")
    got.wait_for(lambda g: root / "a.txt" in g.deletes)
    os.rename(outside / "b.txt", root / "b.txt")
    got.wait_for(lambda g: root / "b.txt" in g.upserts)
    os.rename(outside / "folder", root / "folder")
    got.wait_for(lambda g: root / "folder" in g.rescans)
    assert got.moves == []
    # c.txt is covered by the folder's rescan; inotify may also report it once the new folder is
    # watched, and an extra upsert is harmless (indexing is idempotent), so it is not asserted.


def test_undecodable_name(root: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    _, got = watch()
    raw = os.path.join(os.fsencode(root), b"caf\xe9.txt")
    with open(raw, "wb") as fh:
        fh.write(b"data")
    target = Path(os.fsdecode(raw))
    got.wait_for(lambda g: target in g.upserts)
    assert os.fsencode(next(iter(got.upserts))) == raw


def test_delete(root: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    write(root / "a.txt")
    (root / "d").mkdir()
    write(root / "d" / "b.txt")
    _, got = watch()
    os.unlink(root / "a.txt")
    shutil.rmtree(root / "d")
    got.wait_for(lambda g: {root / "a.txt", root / "d", root / "d" / "b.txt"} <= g.deletes)
    assert got.upserts == set()


def test_delete_then_recreate_is_an_upsert(root: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    f = write(root / "a.txt")
    _, got = watch(quiet_seconds=0.5)
    os.unlink(f)
    write(f, "again")
    got.wait_for(lambda g: f in g.upserts)
    assert got.deletes == set()


def test_ignored_paths(root: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    (root / "node_modules" / "pkg").mkdir(parents=True)
    _, got = watch(Settings(exclude=("*.log",)))
    write(root / "node_modules" / "pkg" / "index.js")
    write(root / ".hidden.txt")
    write(root / "draft.tmp")
    write(root / "backup.txt~")
    write(root / "run.log")
    (root / ".git").mkdir()
    write(root / ".git" / "HEAD")
    write(root / "sentinel.txt")
    got.wait_for(lambda g: root / "sentinel.txt" in g.upserts)
    assert got.all_paths() == {root / "sentinel.txt"}


def test_new_folder_and_gitignore_change_rescan(root: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    _, got = watch()
    (root / "new").mkdir()
    write(root / "new" / "a.txt")
    got.wait_for(lambda g: root / "new" in g.rescans)
    got.clear()
    write(root / "new" / ".gitignore", "*.txt\n")
    got.wait_for(lambda g: root / "new" in g.rescans)


def test_overflow_warning_rescans_root(root: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    _, got = watch()
    # The kernel's IN_Q_OVERFLOW cannot be provoked safely; watchdog reports it with this warning.
    logging.getLogger("watchdog.observers.inotify_c").warning(
        "Inotify queue overflowed; filesystem events were lost")
    got.wait_for(lambda g: root in g.rescans)


def test_polling_create_modify_delete(root: Path, watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    f = write(root / "old.txt")
    watcher, got = watch(force_polling=True, poll_seconds=0.2)
    assert watcher.polling_roots == {root}
    write(root / "a.txt")
    got.wait_for(lambda g: root / "a.txt" in g.upserts)
    got.clear()
    os.utime(f, ns=(0, 10**18))  # a modification the snapshot cannot miss
    write(f, "changed")
    got.wait_for(lambda g: f in g.upserts)
    got.clear()
    os.unlink(f)
    got.wait_for(lambda g: f in g.deletes)
    tmp = write(root / ".a.txt.x.tmp", "v2")  # atomic save looks like delete + create
    os.replace(tmp, root / "a.txt")
    got.wait_for(lambda g: root / "a.txt" in g.upserts)
    assert root / "a.txt" not in got.deletes


def test_polling_folder_rename_is_one_move(root: Path,
                                           watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    (root / "d" / "sub").mkdir(parents=True)
    write(root / "d" / "a.txt")
    write(root / "d" / "sub" / "b.txt")
    _, got = watch(force_polling=True, poll_seconds=0.2)
    os.rename(root / "d", root / "e")
    got.wait_for(lambda g: bool(g.moves))
    assert got.moves == [(root / "d", root / "e")]
    assert got.upserts == set() and got.deletes == set()


def test_enospc_falls_back_to_polling(root: Path, monkeypatch: pytest.MonkeyPatch,
                                      watch: Callable[..., tuple[Watcher, Collector]]) -> None:
    class FullObserver(Observer):  # type: ignore[misc, valid-type]
        def schedule(self, *args: object, **kw: object) -> object:
            raise OSError(errno.ENOSPC, "inotify watch limit reached")

    monkeypatch.setattr("finder.core.watcher.Observer", FullObserver)
    notices: list[str] = []
    watcher, got = watch(on_notice=notices.append, poll_seconds=0.2)
    assert notices == [WATCH_LIMIT_NOTICE.format(root=root)]
    assert "fs.inotify.max_user_watches" in notices[0]
    assert watcher.polling_roots == {root}
    write(root / "a.txt")
    got.wait_for(lambda g: root / "a.txt" in g.upserts)


def test_missing_root_gives_notice(tmp_path: Path, threads_back: None) -> None:
    notices: list[str] = []
    watcher = Watcher([tmp_path / "nope"], Settings(), lambda b: None, on_notice=notices.append)
    watcher.start()
    watcher.stop()
    assert len(notices) == 1 and "Cannot watch" in notices[0]


def test_add_remove_root_and_idempotent_stop(tmp_path: Path, threads_back: None) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    one.mkdir()
    two.mkdir()
    got = Collector()
    watcher = Watcher([one], Settings(), got, quiet_seconds=0.2)
    watcher.start()
    watcher.start()
    try:
        watcher.add_root(two)
        write(two / "b.txt")
        got.wait_for(lambda g: two / "b.txt" in g.upserts)
        watcher.remove_root(one)
        assert watcher.roots == (two,)
        write(one / "ignored.txt")
        write(two / "sentinel.txt")
        got.wait_for(lambda g: two / "sentinel.txt" in g.upserts)
        assert one / "ignored.txt" not in got.upserts
    finally:
        watcher.stop()
        watcher.stop()
