"""The result list as a Qt model: one row per file hit, fields exposed through roles."""

from __future__ import annotations

import os
from enum import IntEnum
from typing import Any

from PySide6.QtCore import (
    QAbstractListModel,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QUrl,
)

from finder.core.types import Hit

Index = QModelIndex | QPersistentModelIndex


class Role(IntEnum):
    HIT = Qt.ItemDataRole.UserRole + 1
    PATH = Qt.ItemDataRole.UserRole + 2
    NAME = Qt.ItemDataRole.UserRole + 3
    FOLDER = Qt.ItemDataRole.UserRole + 4
    SNIPPET = Qt.ItemDataRole.UserRole + 5
    HIGHLIGHTS = Qt.ItemDataRole.UserRole + 6
    PAGE = Qt.ItemDataRole.UserRole + 7
    KIND = Qt.ItemDataRole.UserRole + 8
    MTIME = Qt.ItemDataRole.UserRole + 9
    SCORE = Qt.ItemDataRole.UserRole + 10
    CHANNELS = Qt.ItemDataRole.UserRole + 11
    SIZE = Qt.ItemDataRole.UserRole + 12


class ResultsModel(QAbstractListModel):
    """Holds the hits of the current query; replaced wholesale when new results arrive."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._hits: list[Hit] = []
        self.query = ""
        self.mode = ""

    # -- content -----------------------------------------------------------------------
    def set_hits(self, hits: list[Hit], query: str = "", mode: str = "") -> None:
        self.beginResetModel()
        self._hits = list(hits)
        self.query = query
        self.mode = mode
        self.endResetModel()

    def clear(self) -> None:
        self.set_hits([], "", "")

    def hits(self) -> list[Hit]:
        return list(self._hits)

    def hit(self, row: int) -> Hit | None:
        return self._hits[row] if 0 <= row < len(self._hits) else None

    def row_of(self, path: str) -> int:
        for row, hit in enumerate(self._hits):
            if hit.path == path:
                return row
        return -1

    # -- Qt model ------------------------------------------------------------------------
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._hits)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.parent().isValid() or not 0 <= index.row() < len(self._hits):
            return None
        hit = self._hits[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Role.NAME):
            return os.path.basename(hit.path) or hit.path
        if role in (Qt.ItemDataRole.ToolTipRole, Role.PATH):
            return hit.path
        if role == Role.HIT:
            return hit
        if role == Role.FOLDER:
            return os.path.dirname(hit.path)
        if role == Role.SNIPPET:
            return hit.snippet
        if role == Role.HIGHLIGHTS:
            return list(hit.passages[0].highlights) if hit.passages else []
        if role == Role.PAGE:
            return hit.page
        if role == Role.KIND:
            return hit.kind
        if role == Role.MTIME:
            return hit.mtime
        if role == Role.SCORE:
            return hit.score
        if role == Role.CHANNELS:
            return list(hit.channels)
        if role == Role.SIZE:
            return hit.size
        return None

    def roleNames(self) -> dict[int, bytes]:
        names = dict(super().roleNames())
        names.update({int(r): r.name.lower().encode() for r in Role})
        return names

    def mimeTypes(self) -> list[str]:
        return ["text/uri-list"]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:
        """Dragging results out (to a file manager or editor) drags the files themselves."""
        mime = QMimeData()
        rows = sorted({i.row() for i in indexes if i.isValid()})
        mime.setUrls([QUrl.fromLocalFile(self._hits[r].path) for r in rows if r < len(self._hits)])
        return mime
