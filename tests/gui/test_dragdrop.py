"""Dropping files on the window (or the quick-search popup) indexes them through LiveIndex."""

from __future__ import annotations

import os
import warnings

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication


def drag_enter(point: QPoint, mime: QMimeData) -> QDragEnterEvent:
    with warnings.catch_warnings():  # PySide flags the QPoint constructor; it is the only one
        warnings.simplefilter("ignore", DeprecationWarning)
        return QDragEnterEvent(point, Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                               Qt.KeyboardModifier.NoModifier)


def drop(widget, paths) -> bool:  # type: ignore[no-untyped-def]
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    enter = drag_enter(QPoint(20, 20), mime)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def test_drop_file_becomes_searchable(qtbot, tmp_path, make_app):  # type: ignore[no-untyped-def]
    new = tmp_path / "elsewhere" / "lighthouse_keeper.txt"
    new.parent.mkdir()
    new.write_text("The lighthouse keeper logs every passing ship in a leather notebook.\n")
    app = make_app(use_live=True)
    assert app.index.live
    app.service.update_settings(app.service.settings.replace(paused=True))  # keyword pass only: fast
    app.index._paused = True
    app.start()
    w = app.window
    assert drop(w, [new])
    assert "lighthouse_keeper.txt" in w.notice_label.text()
    qtbot.keyClicks(w.search_box, "lighthouse")
    # Paused still scans dropped paths and records them; resume to make them keyword-searchable.
    app.index.resume()
    qtbot.waitUntil(lambda: any(os.path.basename(h.path) == "lighthouse_keeper.txt" for h in w.model.hits()),
                    timeout=20_000)
    assert str(new) in app.service.settings.roots  # a dropped file is watched on its own


def test_drop_rejects_non_files(qtbot, make_app):  # type: ignore[no-untyped-def]
    w = make_app().window
    mime = QMimeData()
    mime.setUrls([QUrl("https://example.org/")])
    enter = drag_enter(QPoint(5, 5), mime)
    QApplication.sendEvent(w, enter)
    assert not enter.isAccepted()


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen: Tool windows
def test_drop_on_quick_search_popup(qtbot, tmp_path, make_app):  # type: ignore[no-untyped-def]
    new = tmp_path / "harbour_log.md"
    new.write_text("# Harbour log\n\nThe ferry to the island leaves at dawn.\n")
    app = make_app(use_tray=True)  # offscreen: no tray, but the popup still works
    popup = app.tray.popup
    popup.popup()
    assert drop(popup, [new])
    qtbot.waitUntil(lambda: app.service.search("ferry", mode="lexical") != [], timeout=20_000)
    qtbot.keyClicks(popup.box, "ferry")
    qtbot.waitUntil(lambda: popup.model.rowCount() > 0)
    assert popup.model.hit(0).path == str(new)
