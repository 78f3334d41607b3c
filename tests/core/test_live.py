"""LiveIndex with real watchdog (inotify) events in temporary folders, and `finder watch` as a process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from finder.core.indexer import Progress
from finder.core.live import LiveIndex
from finder.core.service import FinderService

WAIT = 10.0  # bound for anything the live index should do "within about a second"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def wait_for(pred: Callable[[], bool], timeout: float = WAIT, what: str = "condition") -> None:
    """Poll ``pred`` until it holds; fail after ``timeout`` seconds (polling, never a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout} s")
        time.sleep(0.05)


def paths(svc: FinderService, query: str, mode: str = "lexical") -> set[str]:
    hits = svc.search(query, 50, mode=mode)
    return {h.path for h in hits} | {d for h in hits for d in h.duplicates}


class Phases:
    """Counts the worker's progress reports, so a test can wait for it to go idle again."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.idle = 0

    def __call__(self, p: Progress) -> None:
        if p.phase == "idle":
            with self.cond:
                self.idle += 1
                self.cond.notify_all()

    def wait_next_idle(self, timeout: float = WAIT) -> None:
        with self.cond:
            start = self.idle
            assert self.cond.wait_for(lambda: self.idle > start, timeout), "the indexer never went idle"


class Live:
    def __init__(self, svc: FinderService, live: LiveIndex, phases: Phases, root: Path, provider) -> None:  # type: ignore[no-untyped-def]
        self.svc, self.live, self.phases, self.root, self.provider = svc, live, phases, root, provider

    def searchable(self, query: str, path: Path, mode: str = "lexical") -> None:
        wait_for(lambda: str(path) in paths(self.svc, query, mode), what=f"{path.name} found by {query!r}")

    def gone(self, query: str, path: Path) -> None:
        wait_for(lambda: str(path) not in paths(self.svc, query), what=f"{path.name} no longer found by {query!r}")

    def embedded_all(self) -> None:
        def done() -> bool:
            st = self.svc.status()
            return st.pending == 0 and st.chunks > 0 and st.embedded_chunks == st.chunks
        wait_for(done, what="everything embedded")


def active_threads_back_to(before: int) -> None:
    wait_for(lambda: threading.active_count() <= before, timeout=WAIT,
             what=f"threads back to {before} (now {threading.enumerate()})")


@pytest.fixture
def live(make_service, hash_provider, tmp_path: Path) -> Iterator[Live]:
    root = tmp_path / "docs"
    write(root / "start.txt", "A first note about lighthouses and foghorns.\n")
    provider = hash_provider
    svc = make_service(provider)
    svc.add_roots([root])
    before = threading.active_count()
    phases = Phases()
    li = LiveIndex(svc, on_progress=phases, quiet_seconds=0.2)
    li.start()
    try:
        handle = Live(svc, li, phases, root, provider)
        handle.searchable("lighthouses", root / "start.txt")
        yield handle
    finally:
        li.stop()
        active_threads_back_to(before)


def test_new_file_becomes_keyword_searchable(live: Live) -> None:
    path = write(live.root / "sub/new_note.txt", "Zebracorn migration patterns in the savanna.\n")
    live.searchable("zebracorn", path)
    live.embedded_all()
    live.searchable("zebracorn savanna", path, mode="vector")


def test_edit_replaces_old_words(live: Live) -> None:
    path = write(live.root / "edit.txt", "The old wording mentions quokkas.\n")
    live.searchable("quokkas", path)
    path.write_text("The new wording mentions axolotls instead.\n")
    live.searchable("axolotls", path)
    live.gone("quokkas", path)


def test_editor_atomic_save_is_picked_up(live: Live) -> None:
    path = write(live.root / "atomic.md", "# Draft\n\nPangolins first.\n")
    live.searchable("pangolins", path)
    tmp = live.root / "atomic.md.tmp"
    tmp.write_text("# Draft\n\nNarwhals second.\n")
    os.replace(tmp, path)  # write temp + rename over: nothing happens to the file itself
    live.searchable("narwhals", path)
    live.gone("pangolins", path)
    assert str(tmp) not in {h.path for h in live.svc.search("narwhals", mode="lexical")}


def test_rename_and_folder_rename_embed_nothing(live: Live) -> None:
    folder = live.root / "trips"
    path = write(folder / "kyoto.txt", "Temples, bamboo forests and a tea ceremony in Kyoto.\n")
    live.searchable("bamboo", path)
    live.embedded_all()
    embedded = len(live.provider.embedded)
    renamed = folder / "kyoto_2024.txt"
    os.rename(path, renamed)
    live.searchable("bamboo", renamed)
    assert str(path) not in paths(live.svc, "bamboo")
    moved = live.root / "travel"
    os.rename(folder, moved)
    live.searchable("bamboo", moved / "kyoto_2024.txt")
    assert str(renamed) not in paths(live.svc, "bamboo")
    live.phases.wait_next_idle()  # the worker passed its embedding step after the renames
    assert len(live.provider.embedded) == embedded
    assert str(moved / "kyoto_2024.txt") in paths(live.svc, "bamboo tea ceremony", mode="vector")


def test_delete_removes_the_file(live: Live) -> None:
    path = write(live.root / "doomed.txt", "Capybaras bathing in hot springs.\n")
    live.searchable("capybaras", path)
    path.unlink()
    live.gone("capybaras", path)
    assert live.svc.catalog.reader().execute("SELECT COUNT(*) FROM files WHERE display=?",
                                             (str(path),)).fetchone()[0] == 0


def test_pause_stops_extraction_until_resume(live: Live) -> None:
    live.live.pause()
    assert live.live.paused
    path = write(live.root / "paused.txt", "Wombats dig burrows at night.\n")

    def state() -> str | None:
        row = live.svc.catalog.reader().execute("SELECT status FROM files WHERE display=?", (str(path),)).fetchone()
        return row[0] if row else None

    wait_for(lambda: state() == "pending", what="the change recorded while paused")
    deadline = time.monotonic() + 1.5  # it must stay unextracted for a while (a window, not a sleep-assert)
    while time.monotonic() < deadline:
        assert state() == "pending"
        assert str(path) not in paths(live.svc, "wombats burrows")
        time.sleep(0.05)
    live.live.resume()
    live.searchable("wombats", path)


def test_add_paths_indexes_and_watches_a_new_folder(live: Live, tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    first = write(other / "dropped.txt", "Okapis live in the Ituri rainforest.\n")
    live.live.add_paths([other])
    live.searchable("okapis", first)
    later = write(other / "later.txt", "Tardigrades survive in space.\n")
    live.searchable("tardigrades", later)  # the new folder is watched, not only scanned
    assert str(other) in live.svc.settings.roots


def test_stop_joins_every_thread(make_service, hash_provider, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    write(root / "a.txt", "Some text.\n")
    svc = make_service(hash_provider)
    svc.add_roots([root])
    before = threading.active_count()
    li = LiveIndex(svc, quiet_seconds=0.2)
    li.start()
    assert li.running and threading.active_count() > before
    li.stop()
    assert not li.running
    active_threads_back_to(before)


def test_meaning_search_with_the_local_model(make_service, tmp_path: Path) -> None:
    """The real model: a new file is found by a query that shares none of its words."""
    root = tmp_path / "docs"
    write(root / "bread.txt", "Mash three ripe bananas, mix with flour and butter, bake for an hour.\n")
    write(root / "kernel.txt", "The scheduler preempts threads when their time slice expires.\n")
    svc = make_service()  # settings default: provider "local", USE multilingual
    svc.add_roots([root])
    before = threading.active_count()
    li = LiveIndex(svc, quiet_seconds=0.2)
    li.start()
    try:
        cake = write(root / "cake.txt", "Whisk eggs and sugar, fold in the flour, and put the sponge in the oven.\n")
        wait_for(lambda: (st := svc.status()).pending == 0 and st.files == 3 and st.embedded_chunks == st.chunks,
                 timeout=60, what="three files embedded")
        top = [h.path for h in svc.search("baking a dessert", 3, mode="vector")]
        assert top[0] == str(cake)
    finally:
        li.stop()
    active_threads_back_to(before)


def _finder_cmd() -> list[str]:
    script = Path(sys.executable).with_name("finder")
    return [str(script)] if script.exists() else [sys.executable, "-m", "finder.cli"]


@pytest.mark.timeout(120)
def test_cli_watch_indexes_and_stops_on_sigint(tmp_path: Path) -> None:
    root = tmp_path / "watched"
    root.mkdir()
    env = dict(os.environ, FINDER_HOME=str(tmp_path / "home"))
    log = tmp_path / "watch.log"
    with open(log, "wb") as err:
        proc = subprocess.Popen([*_finder_cmd(), "watch", str(root)], env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=err)
    try:
        wait_for(lambda: (tmp_path / "home/catalog.sqlite3").exists() or proc.poll() is not None, timeout=30,
                 what="finder watch started")
        path = write(root / "note.txt", "Manatees graze on seagrass in warm shallow water.\n")

        def found() -> bool:
            assert proc.poll() is None, log.read_text(errors="replace")
            out = subprocess.run([*_finder_cmd(), "search", "--json", "--mode", "lexical", "manatees"], env=env,
                                 capture_output=True, timeout=60, check=True)
            return str(path) in {h["path"] for h in json.loads(out.stdout)}

        wait_for(found, timeout=45, what="the new file found by `finder search`")
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=10)
        assert rc == 0, log.read_text(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
