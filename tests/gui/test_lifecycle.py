"""Closing stops every worker; a second launch hands its paths to the first; hotkey parsing."""

from __future__ import annotations

import os
import threading

import pytest

from finder.gui.hotkey import GlobalHotkey, availability, parse_sequence
from finder.gui.single_instance import SingleInstance


def test_closing_stops_workers(qtbot, make_app):  # type: ignore[no-untyped-def]
    before = {t.ident for t in threading.enumerate()}
    os_threads = len(os.listdir("/proc/self/task"))
    app = make_app(use_live=True)
    app.index._paused = True  # no model loading in this test: keyword work only
    app.service.update_settings(app.service.settings.replace(paused=True))
    app.start()
    w = app.window
    qtbot.keyClicks(w.search_box, "orchard")
    qtbot.waitUntil(lambda: w.model.rowCount() > 0)
    qtbot.waitUntil(lambda: any(t.name == "finder-indexer" for t in threading.enumerate()))
    app.shutdown()
    assert app.runner.closing
    assert all(p.activeThreadCount() == 0 for p in app.runner.pools.values())
    # Python threads (watcher, indexer) are joined; pool threads show up as "Dummy" objects in
    # Python even after Qt ended them, so count the process's real threads too.
    alive = [t.name for t in threading.enumerate()
             if t.ident not in before and t.is_alive() and not t.name.startswith("Dummy")]
    assert alive == []
    assert len(os.listdir("/proc/self/task")) <= os_threads
    assert not w.isVisible()
    # After shutdown nothing new is started and late results are ignored.
    assert app.runner.run(lambda: 1) is False


def test_single_instance_hands_over_paths(qtbot, tmp_path):  # type: ignore[no-untyped-def]
    name = f"finder-test-{tmp_path.name}"
    first = SingleInstance(name)
    assert first.listen()
    second = SingleInstance(name)
    with qtbot.waitSignal(first.message_received, timeout=5000) as got:
        assert second.send(["/tmp/a.txt", "/tmp/b"])
    assert got.args == [["/tmp/a.txt", "/tmp/b"]]
    first.close()
    assert not SingleInstance(name).send([])  # nobody listening: this launch becomes the app


def test_hotkey_parsing_and_availability(qtbot):  # type: ignore[no-untyped-def]
    assert parse_sequence("Ctrl+Alt+Space") == (["ctrl", "alt"], "Space")
    assert parse_sequence("Meta+F") == (["meta"], "F")
    with pytest.raises(ValueError):
        parse_sequence("Hyper+Q")
    ok, why = availability()
    assert not ok and why  # offscreen: says why instead of failing later
    hotkey = GlobalHotkey()
    assert hotkey.start("Ctrl+Alt+Space") == (False, why)
    assert not hotkey.active
