"""Typing in the main window: ranked results, keyboard actions, filters, stale results dropped."""

from __future__ import annotations

import os
import threading

from PySide6.QtCore import Qt

from tests.gui.helpers import wait_results


def test_typing_shows_ranked_results(qtbot, make_app):  # type: ignore[no-untyped-def]
    app = make_app()
    w = app.window
    w.show()
    qtbot.keyClicks(w.search_box, "orchard")
    wait_results(qtbot, w, "hybrid")
    names = [os.path.basename(h.path) for h in w.model.hits()]
    assert names[0] == "orchard_notes.txt"
    assert "report.pdf" in names
    assert w.view.currentIndex().row() == 0
    assert w.preview.hit is not None and w.preview.hit.path.endswith("orchard_notes.txt")
    assert "result" in w.count_label.text()


def test_keyboard_first(qtbot, make_app, no_desktop):  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QGuiApplication

    w = make_app().window
    w.show()
    qtbot.keyClicks(w.search_box, "the")
    wait_results(qtbot, w, "hybrid")
    assert w.model.rowCount() >= 2
    qtbot.keyClick(w.search_box, Qt.Key.Key_Down)
    assert w.view.currentIndex().row() == 1
    second = w.model.hit(1).path
    qtbot.keyClick(w.search_box, Qt.Key.Key_Up)
    qtbot.keyClick(w.search_box, Qt.Key.Key_Down)
    qtbot.keyClick(w.search_box, Qt.Key.Key_Return)
    qtbot.keyClick(w.search_box, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert no_desktop == [("open", second), ("reveal", second)]
    qtbot.keyClick(w.search_box, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == second
    qtbot.keyClick(w.search_box, Qt.Key.Key_Escape)
    assert w.search_box.text() == ""
    qtbot.waitUntil(lambda: w.model.rowCount() == 0)
    assert w.stack.currentIndex() == 0  # the empty state with the keyboard hints


def test_kind_filter(qtbot, make_app):  # type: ignore[no-untyped-def]
    w = make_app().window
    w.show()
    qtbot.keyClicks(w.search_box, "orchard")
    wait_results(qtbot, w, "hybrid")
    assert w.model.rowCount() >= 2
    w.kind_combo.setCurrentIndex(w.kind_combo.findData("pdf"))
    qtbot.waitUntil(lambda: [h.kind for h in w.model.hits()] == ["pdf"])
    assert w.model.hit(0).page == 2  # the orchard passage is on page 2


def test_chinese_query_via_input_method(qtbot, make_app):  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    w = make_app().window
    w.show()
    w.search_box.setFocus()
    event = QInputMethodEvent()
    event.setCommitString("天气")
    QApplication.sendEvent(w.search_box, event)
    assert w.search_box.text() == "天气"
    wait_results(qtbot, w, "hybrid")
    assert os.path.basename(w.model.hit(0).path) == "天气日记.txt"
    assert w.model.hit(0).passages[0].highlights  # 天气 is highlighted in the snippet


def test_stale_results_are_dropped(qtbot, make_app):  # type: ignore[no-untyped-def]
    app = make_app()
    w = app.window
    release = threading.Event()
    real = app.service.search

    def slow_search(query, limit=20, *, mode="hybrid", filters=None):  # type: ignore[no-untyped-def]
        if query == "tomatoes":
            release.wait(10)
        return real(query, limit, mode=mode, filters=filters)

    app.service.search = slow_search
    seen: list[str] = []
    w.search.results_ready.connect(lambda _g, q, _h, _m: seen.append(q))
    w.search.query = "tomatoes"
    w.search.run_now()  # blocks the one query thread until released
    w.search.query = "kyoto"
    gen = w.search.run_now()
    release.set()
    qtbot.waitUntil(lambda: w.model.mode == "hybrid" and w.model.query == "kyoto")
    assert gen == w.search.generation
    assert "tomatoes" not in seen
    assert w.search.dropped >= 2  # the running lexical pass and the queued hybrid pass
    assert os.path.basename(w.model.hit(0).path) == "kyoto_trip.txt"


def test_lexical_first_then_hybrid_same_generation(qtbot, make_app):  # type: ignore[no-untyped-def]
    w = make_app().window
    modes: list[tuple[int, str]] = []
    w.search.results_ready.connect(lambda g, _q, _h, m: modes.append((g, m)))
    w.search.query = "bamboo"
    gen = w.search.run_now()
    qtbot.waitUntil(lambda: (gen, "hybrid") in modes)
    # Keyword and meaning passes run on separate threads: the keyword list shows first, or not
    # at all when the meaning pass wins the race; it never replaces the meaning results.
    assert modes in ([(gen, "lexical"), (gen, "hybrid")], [(gen, "hybrid")])
    qtbot.wait(200)
    assert modes[-1] == (gen, "hybrid")


def test_debounce_coalesces_keystrokes(qtbot, make_app):  # type: ignore[no-untyped-def]
    w = make_app().window
    w.show()
    with qtbot.waitSignal(w.search.results_ready, timeout=5000):
        qtbot.keyClicks(w.search_box, "tomatoes")
    assert w.search.generation == 1  # eight keystrokes, one query
