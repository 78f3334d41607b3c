"""The search field: keyboard-first navigation of the results without leaving the text box."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont, QKeyEvent
from PySide6.QtWidgets import QAbstractItemView, QLineEdit, QWidget


class SearchBox(QLineEdit):
    """Up/Down/PageUp/PageDown move in ``view``; Enter opens, Ctrl+Enter reveals, Esc clears."""

    open_requested = Signal()
    reveal_requested = Signal()
    copy_requested = Signal()
    similar_requested = Signal()
    escape_on_empty = Signal()

    NAV_KEYS = (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown)

    def __init__(self, view: QAbstractItemView | None = None, parent: QWidget | None = None,
                 scale: float = 1.35) -> None:
        super().__init__(parent)
        self.view = view
        self.setClearButtonEnabled(True)
        self.setAcceptDrops(False)  # dropped files go to the window (index them), not in the text
        font = QFont(self.font())
        if font.pointSizeF() > 0:
            font.setPointSizeF(font.pointSizeF() * scale)
        self.setFont(font)
        self.setMinimumHeight(int(self.fontMetrics().height() * 1.9))
        self.setTextMargins(6, 0, 6, 0)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        key, mods = event.key(), event.modifiers()
        ctrl = bool(mods & Qt.KeyboardModifier.ControlModifier)
        if key in self.NAV_KEYS and self.view is not None and self.view.model() is not None \
                and self.view.model().rowCount() > 0:
            self._move(key)
            return
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            (self.reveal_requested if ctrl else self.open_requested).emit()
            return
        if key == Qt.Key.Key_Escape:
            if self.text():
                self.clear()
            else:
                self.escape_on_empty.emit()
            return
        if ctrl and key == Qt.Key.Key_C and not self.hasSelectedText():
            self.copy_requested.emit()
            return
        if ctrl and key == Qt.Key.Key_M:
            self.similar_requested.emit()
            return
        super().keyPressEvent(event)

    def _move(self, key: int) -> None:
        view = self.view
        assert view is not None
        model = view.model()
        rows = model.rowCount()
        current = view.currentIndex().row() if view.currentIndex().isValid() else -1
        page = max(1, view.viewport().height() // max(1, view.sizeHintForRow(0))) if rows else 1
        step = {Qt.Key.Key_Up: -1, Qt.Key.Key_Down: 1, Qt.Key.Key_PageUp: -page, Qt.Key.Key_PageDown: page}[key]
        row = min(rows - 1, max(0, current + step))
        index = model.index(row, 0)
        view.setCurrentIndex(index)
        view.scrollTo(index)
