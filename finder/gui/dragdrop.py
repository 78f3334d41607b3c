"""Drag and drop: local files and folders dropped on a widget are handed to the indexer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt
from PySide6.QtWidgets import QLabel, QWidget

from finder.gui.i18n import tr


def local_paths(mime: QMimeData | None) -> list[Path]:
    """The local files and folders in a drag's MIME data (other URLs are ignored)."""
    if mime is None or not mime.hasUrls():
        return []
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


class DropTarget(QObject):
    """Event filter that makes ``widget`` accept file drops and call ``on_paths(paths)``.

    ``ignore_source``: drags that start in this widget (our own result list) are ignored, so
    dragging a result out never re-adds it. With ``show_hint`` an overlay invites the drop.
    """

    def __init__(self, widget: QWidget, on_paths: Callable[[list[Path]], Any], *,
                 ignore_source: QObject | None = None, show_hint: bool = False) -> None:
        super().__init__(widget)
        self.widget = widget
        self.on_paths = on_paths
        self.ignore_source = ignore_source
        self.hint: QLabel | None = None
        if show_hint:
            self.hint = QLabel(tr("Drop files or folders to add them to the index"), widget)
            self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
            self.hint.setStyleSheet("background: rgba(47,111,219,40); border: 2px dashed #2f6fdb;"
                                    "border-radius: 12px; font-size: 15pt; color: #2f6fdb;")
            self.hint.hide()
        widget.setAcceptDrops(True)
        widget.installEventFilter(self)

    def _wanted(self, event: Any) -> list[Path]:
        if self.ignore_source is not None and event.source() is self.ignore_source:
            return []
        return local_paths(event.mimeData())

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if self._wanted(event):
                event.acceptProposedAction()
                if kind == QEvent.Type.DragEnter:
                    self._show_hint()
            else:
                event.ignore()
            return True
        if kind == QEvent.Type.DragLeave:
            self._hide_hint()
            return True
        if kind == QEvent.Type.Drop:
            self._hide_hint()
            paths = self._wanted(event)
            if paths:
                event.acceptProposedAction()
                self.on_paths(paths)
            else:
                event.ignore()
            return True
        return False

    def _show_hint(self) -> None:
        if self.hint is not None:
            self.hint.setGeometry(self.widget.rect().adjusted(24, 24, -24, -24))
            self.hint.raise_()
            self.hint.show()

    def _hide_hint(self) -> None:
        if self.hint is not None:
            self.hint.hide()
