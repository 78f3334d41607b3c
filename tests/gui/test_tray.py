"""Without a system tray the app still works and says why; the quick-search popup searches."""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen: Tool windows
def test_trayless_fallback(qtbot, make_app, no_desktop):  # type: ignore[no-untyped-def]
    app = make_app(use_tray=True)
    assert not app.tray.available  # offscreen has no tray
    assert app.tray.icon is None
    assert not app.window.hide_on_close  # closing the window must quit, not vanish
    assert "No system tray" in app.window.notice_label.text()
    popup = app.tray.popup
    app.toggle_quick_search()  # the hotkey's action: shows the main window when there is no tray
    assert app.window.isVisible()
    popup.popup()
    qtbot.keyClicks(popup.box, "kyoto")
    qtbot.waitUntil(lambda: popup.model.rowCount() > 0 and popup.model.mode == "hybrid")
    assert os.path.basename(popup.model.hit(0).path) == "kyoto_trip.txt"
    assert popup.view.isVisible()
    qtbot.keyClick(popup.box, Qt.Key.Key_Return)
    assert no_desktop[-1][0] == "open" and not popup.isVisible()
