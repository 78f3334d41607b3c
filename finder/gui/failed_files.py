"""The problems panel: files that failed or were skipped, with the reason, and Retry."""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from finder.core.types import IndexStatus
from finder.gui.i18n import tr
from finder.gui.tasks import IO, TaskRunner

STATUS_NAMES = {"failed": "Failed", "skipped": "Skipped", "changed": "Changed while reading"}


class FailedFilesDialog(QDialog):
    """Lists (path, status, reason) from ``IndexStatus.errors``; Retry re-reads failed files."""

    retry_requested = Signal()
    reveal_requested = Signal(str)

    def __init__(self, service: Any, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.setWindowTitle(tr("Files that could not be indexed"))
        self.resize(760, 380)
        self.intro = QLabel(tr("These files are not searchable. Skipped files were left out on "
                               "purpose; failed files can be retried after you fix them."))
        self.intro.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setHeaderLabels([tr("File"), tr("Status"), tr("Reason")])
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.tree.setColumnWidth(0, 300)
        self.tree.itemActivated.connect(lambda item, _c: self.reveal_requested.emit(item.data(0, Qt.ItemDataRole.UserRole)))
        self.empty = QLabel(tr("No problems: every file was indexed."))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.hide()

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.retry_button = QPushButton(tr("Retry Failed"))
        self.retry_button.setToolTip(tr("Read the failed files again"))
        self.retry_button.clicked.connect(self.on_retry)
        buttons.addButton(self.retry_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.reveal_button = QPushButton(tr("Show in Folder"))
        self.reveal_button.clicked.connect(self._reveal_current)
        buttons.addButton(self.reveal_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.empty, 1)
        layout.addWidget(buttons)
        self.loaded = 0  # times the list was filled (tests wait on it)

    def refresh(self) -> None:
        service = self.service
        self.runner.run(lambda: service.status(error_limit=1000), self._on_status, IO)

    def _on_status(self, st: IndexStatus | None, error: BaseException | None) -> None:
        if error is not None or st is None:
            return
        self.set_errors(st.errors)

    def set_errors(self, errors: list[tuple[str, str, str]]) -> None:
        self.tree.clear()
        for path, status, reason in errors:
            item = QTreeWidgetItem([os.path.basename(path), tr(STATUS_NAMES.get(status, status)), reason])
            item.setToolTip(0, path)
            item.setToolTip(2, reason)
            item.setData(0, Qt.ItemDataRole.UserRole, path)
            self.tree.addTopLevelItem(item)
        has = bool(errors)
        self.tree.setVisible(has)
        self.empty.setVisible(not has)
        self.retry_button.setEnabled(any(s in ("failed", "changed") for _p, s, _r in errors))
        self.reveal_button.setEnabled(has)
        if has:
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self.loaded += 1

    def rows(self) -> list[tuple[str, str, str]]:
        return [(self.tree.topLevelItem(i).data(0, Qt.ItemDataRole.UserRole),
                 self.tree.topLevelItem(i).text(1), self.tree.topLevelItem(i).text(2))
                for i in range(self.tree.topLevelItemCount())]

    def on_retry(self) -> None:
        self.retry_button.setEnabled(False)
        self.retry_requested.emit()

    def _reveal_current(self) -> None:
        item = self.tree.currentItem()
        if item is not None:
            self.reveal_requested.emit(item.data(0, Qt.ItemDataRole.UserRole))
