"""With the real local model: meaning refines the lexical list; More like this (Ctrl+M)."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QInputMethodEvent
from PySide6.QtWidgets import QApplication


@pytest.fixture
def embedded(service):  # type: ignore[no-untyped-def]
    assert service.settings.provider == "local" and service.settings.model == ""
    service.embed()
    return service


def test_hybrid_search_by_meaning(qtbot, embedded, make_app):  # type: ignore[no-untyped-def]
    w = make_app().window
    w.show()
    modes = []
    w.search.results_ready.connect(lambda _g, _q, _h, m: modes.append(m))
    qtbot.keyClicks(w.search_box, "fruit trees")  # no file says "fruit trees"
    qtbot.waitUntil(lambda: "hybrid" in modes, timeout=20_000)
    assert modes[0] == "lexical"
    top = [os.path.basename(h.path) for h in w.model.hits()[:3]]
    assert "orchard_notes.txt" in top
    assert any("vector" in h.channels for h in w.model.hits())
    assert "meaning" in w.count_label.text()
    assert w.search.last_latency["lexical"] < w.search.last_latency["hybrid"]


def test_more_like_this(qtbot, embedded, make_app):  # type: ignore[no-untyped-def]
    w = make_app().window
    w.show()
    event = QInputMethodEvent()  # keyClicks cannot type Chinese; an input method commits it
    event.setCommitString("天气")
    QApplication.sendEvent(w.search_box, event)
    qtbot.waitUntil(lambda: w.model.mode == "hybrid" and w.model.rowCount() > 0, timeout=20_000)
    source = w.current_path()
    qtbot.keyClick(w.search_box, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: w.model.mode == "similar", timeout=20_000)
    paths = [h.path for h in w.model.hits()]
    assert source not in paths and paths
    assert "similar" in w.count_label.text()
