"""The main window: search box, filters, results, preview, indexing status; drop files to index."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QMainWindow,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from finder.core.indexer import Progress
from finder.core.search import SearchFilters
from finder.core.types import IndexStatus
from finder.gui import desktop_actions
from finder.gui.dragdrop import DropTarget
from finder.gui.formatting import start_of_day
from finder.gui.i18n import tr, tr_n
from finder.gui.indexing import IndexController
from finder.gui.indexing_panel import IndexingPanel
from finder.gui.preview import PreviewPane
from finder.gui.results_delegate import ResultDelegate
from finder.gui.results_model import ResultsModel, Role
from finder.gui.search_box import SearchBox
from finder.gui.search_controller import SearchController
from finder.gui.tasks import IO, TaskRunner

KINDS = [("", "All kinds"), ("text", "Text"), ("markdown", "Markdown"), ("code", "Code"),
         ("pdf", "PDF"), ("html", "HTML"), ("rst", "reStructuredText"), ("data", "Data")]
PERIODS = [(None, "Any time"), (0, "Today"), (7, "Past week"), (31, "Past month"), (365, "Past year")]


class MainWindow(QMainWindow):
    """Everything the user sees; all core calls go through ``runner`` (never on this thread)."""

    settings_requested = Signal()
    quit_requested = Signal()

    def __init__(self, service: Any, runner: TaskRunner, index: IndexController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.index = index
        self.hide_on_close = False
        self.status: IndexStatus | None = None
        self._status_busy = False
        self._status_again = False
        self._roots: list[str] = []
        self.setWindowTitle(tr("Semantic Finder"))
        self.resize(1080, 680)

        self.model = ResultsModel(self)
        self.search = SearchController(service, runner, parent=self)
        self.search.results_ready.connect(self.on_results)
        self.search.failed.connect(self.on_search_failed)

        self._build_ui()
        self._build_actions()
        self.drop_target = DropTarget(self, self.add_paths, ignore_source=self.view, show_hint=True)

        index.progress.connect(self.on_progress)
        index.notice.connect(self.show_notice)
        index.changed.connect(self.on_index_changed)
        index.paused_changed.connect(self.panel.set_paused)
        self.panel.set_paused(index.paused)

        self._status_timer = QTimer(self)
        self._status_timer.setInterval(1500)
        self._status_timer.timeout.connect(self.refresh_status)
        self._requery = QTimer(self)
        self._requery.setSingleShot(True)
        self._requery.setInterval(600)
        self._requery.timeout.connect(self._refresh_results)
        self.refresh_status()

    # -- construction ----------------------------------------------------------------------------
    def _build_ui(self) -> None:
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(ResultDelegate(self.view))
        self.view.setUniformItemSizes(False)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setDragEnabled(True)
        self.view.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.activated.connect(lambda _i: self.open_current())
        self.view.selectionModel().currentChanged.connect(self._on_current_changed)
        self.view.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

        self.search_box = SearchBox(self.view)
        self.search_box.setPlaceholderText(tr("Search files by name, words or meaning…"))
        self.search_box.textChanged.connect(self.search.set_query)
        self.search_box.open_requested.connect(self.open_current)
        self.search_box.reveal_requested.connect(self.reveal_current)
        self.search_box.copy_requested.connect(self.copy_current)
        self.search_box.similar_requested.connect(self.similar_current)
        self.search_box.escape_on_empty.connect(self._on_escape_empty)

        self.menu_button = QToolButton()
        self.menu_button.setText("☰")
        self.menu_button.setToolTip(tr("Menu"))
        self.menu_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.menu_button.setAutoRaise(True)
        self.menu_button.setMinimumSize(self.search_box.minimumHeight(), self.search_box.minimumHeight())
        self.menu_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.menu_button.setStyleSheet("QToolButton { font-size: 15pt; padding: 0 6px; }"
                                       "QToolButton::menu-indicator { image: none; width: 0; }")

        top = QHBoxLayout()
        top.setSpacing(6)
        top.addWidget(self.search_box, 1)
        top.addWidget(self.menu_button)

        self.folder_combo = QComboBox()
        self.folder_combo.addItem(tr("All folders"), "")
        self.kind_combo = QComboBox()
        for value, label in KINDS:
            self.kind_combo.addItem(tr(label), value)
        self.period_combo = QComboBox()
        for value, label in PERIODS:
            self.period_combo.addItem(tr(label), value)
        for combo in (self.folder_combo, self.kind_combo, self.period_combo):
            combo.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
            combo.currentIndexChanged.connect(self._filters_changed)
        self.count_label = QLabel()
        self.count_label.setStyleSheet("color: palette(placeholder-text);")
        filters = QHBoxLayout()
        filters.setSpacing(6)
        filters.addWidget(self.folder_combo)
        filters.addWidget(self.kind_combo)
        filters.addWidget(self.period_combo)
        filters.addStretch(1)
        filters.addWidget(self.count_label)

        self.placeholder = QLabel()
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setTextFormat(Qt.TextFormat.RichText)
        self.add_folder_button = QPushButton(tr("Add Folder…"))
        self.add_folder_button.clicked.connect(self.choose_folder)
        self.add_folder_button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        empty = QWidget()
        empty_layout = QVBoxLayout(empty)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.placeholder)
        empty_layout.addWidget(self.add_folder_button, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(2)
        self.stack = QStackedWidget()
        self.stack.addWidget(empty)
        self.stack.addWidget(self.view)

        self.preview = PreviewPane(self.service, self.runner)
        self.preview.open_requested.connect(desktop_actions.open_path)
        self.preview.reveal_requested.connect(desktop_actions.reveal_path)
        self.preview.copy_requested.connect(self._copy)
        self.preview.similar_requested.connect(self.similar)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.stack)
        self.splitter.addWidget(self.preview)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([600, 420])

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(10, 10, 10, 0)
        layout.setSpacing(8)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.splitter, 1)
        self.setCentralWidget(central)

        self.panel = IndexingPanel()
        self.panel.pause_toggled.connect(self.index.toggle_pause)
        self.panel.problems_clicked.connect(self.show_problems)
        self.notice_label = QLabel()
        self.notice_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.timeout.connect(lambda: self.notice_label.setText(""))
        self.notice_label.setStyleSheet("color: palette(placeholder-text);")
        self.statusBar().addWidget(self.notice_label, 1)
        self.statusBar().addPermanentWidget(self.panel)
        self.statusBar().setSizeGripEnabled(False)
        self.problems_dialog: Any = None
        self._update_placeholder()
        self.search_box.setFocus()

    def _build_actions(self) -> None:
        menu = QMenu(self)
        self.add_folder_action = menu.addAction(tr("Add Folder…"), self.choose_folder)
        self.settings_action = menu.addAction(tr("Settings…"), self.settings_requested.emit)
        self.settings_action.setShortcut(QKeySequence.StandardKey.Preferences)
        self.problems_action = menu.addAction(tr("Files Not Indexed…"), self.show_problems)
        self.pause_action = menu.addAction(tr("Pause Indexing"), self.index.toggle_pause)
        self.rescan_action = menu.addAction(tr("Rescan Folders"), self.index.rescan)
        menu.addSeparator()
        self.quit_action = menu.addAction(tr("Quit"), self.quit_requested.emit)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.menu_button.setMenu(menu)
        for action in (self.settings_action, self.quit_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        # The same keys work when the list itself has focus (after a click).
        for keys, slot in (("Ctrl+C", self.copy_current), ("Ctrl+Return", self.reveal_current),
                           ("Ctrl+Enter", self.reveal_current), ("Ctrl+M", self.similar_current)):
            action = QAction(self.view)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.view.addAction(action)
        focus = QAction(self)
        focus.setShortcuts([QKeySequence("Ctrl+L"), QKeySequence("Ctrl+F")])
        focus.triggered.connect(self.focus_search)
        self.addAction(focus)
        self.index.paused_changed.connect(
            lambda p: self.pause_action.setText(tr("Resume Indexing") if p else tr("Pause Indexing")))

    # -- search --------------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search_box.setFocus()
        self.search_box.selectAll()

    def current_filters(self) -> SearchFilters:
        folder = self.folder_combo.currentData() or None
        kind = self.kind_combo.currentData() or ""
        days = self.period_combo.currentData()
        after = start_of_day(days) if days is not None else None
        return SearchFilters(folder=folder, kinds=frozenset({kind}) if kind else frozenset(),
                             modified_after=after)

    def _filters_changed(self) -> None:
        self.search.set_filters(self.current_filters())

    def on_results(self, gen: int, query: str, hits: list[Any], mode: str) -> None:
        if gen != self.search.generation:
            return
        # Keep the selection when the same query is refined (lexical → hybrid, index changed);
        # a new query starts at the top.
        current = self.current_path() if query == self.model.query and mode != "similar" else ""
        self.model.set_hits(hits, query, mode)
        if hits:
            row = self.model.row_of(current) if current else -1
            index = self.model.index(max(row, 0), 0)
            self.view.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
            self.view.scrollTo(index)
        else:
            self.preview.show_hit(None)
        self._update_count(hits, mode)
        self._update_placeholder()

    def on_search_failed(self, _gen: int, message: str) -> None:
        self.show_notice(message)

    def _update_count(self, hits: list[Any], mode: str) -> None:
        if mode == "empty":
            self.count_label.setText("")
            return
        n = len(hits)
        text = tr_n("%n result(s)", n)
        if mode == "similar":
            text = tr_n("%n similar file(s)", n)
        elif mode == "hybrid" and any("vector" in h.channels for h in hits):
            text += "  ·  " + tr("ranked by meaning")
        elif mode == "lexical":
            text += "  ·  " + tr("refining…")
        self.count_label.setText(text)

    def _update_placeholder(self) -> None:
        has_roots = bool(self.status.roots) if self.status is not None else bool(self.service.settings.roots)
        self.preview.setVisible(has_roots)
        self.panel.pause_button.setVisible(has_roots)
        if self.model.rowCount() > 0:
            self.stack.setCurrentIndex(1)
            return
        self.stack.setCurrentIndex(0)
        self.add_folder_button.setVisible(not has_roots)
        query = self.search_box.text().strip()
        if not has_roots:
            text = (f"<p style='font-size:15pt'>{tr('Find your files by what they say')}</p>"
                    f"<p style='color:gray'>{tr('Add a folder to index, or drop files and folders here.')}</p>")
        elif query and self.model.mode in ("lexical", "hybrid", "similar"):
            text = (f"<p style='font-size:13pt'>{tr('No files match')} “{query}”</p>"
                    f"<p style='color:gray'>{tr('Try other words, or clear the filters.')}</p>")
        elif query:
            text = ""
        else:
            files = self.status.indexed if self.status is not None else 0
            text = (f"<p style='font-size:13pt'>"
                    f"{tr_n('Search %n file(s) by name, words or meaning', files)}</p>"
                    f"<p style='color:gray'>↑ ↓ {tr('move')}  ·  Enter {tr('open')}  ·  "
                    f"Ctrl+Enter {tr('show in folder')}<br>Ctrl+C {tr('copy path')}  ·  "
                    f"Ctrl+M {tr('more like this')}  ·  Esc {tr('clear')}</p>"
                    f"<p style='color:gray'>{tr('Drop files or folders here to add them.')}</p>")
        self.placeholder.setText(text)

    def _on_escape_empty(self) -> None:
        """Esc on an empty box puts the window away when the tray can bring it back."""
        if self.hide_on_close:
            self.hide()

    # -- the current result ------------------------------------------------------------------------
    def current_path(self) -> str:
        index = self.view.currentIndex()
        return index.data(Role.PATH) if index.isValid() else ""

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        hit = current.data(Role.HIT) if current.isValid() else None
        self.preview.show_hit(hit, self.model.query if self.model.mode != "similar" else "")

    def open_current(self) -> None:
        path = self.current_path()
        if path:
            desktop_actions.open_path(path)

    def reveal_current(self) -> None:
        path = self.current_path()
        if path:
            desktop_actions.reveal_path(path)

    def copy_current(self) -> None:
        path = self.current_path()
        if path:
            self._copy(path)

    def _copy(self, path: str) -> None:
        desktop_actions.copy_path(path)
        self.show_notice(tr("Copied %1").replace("%1", path), 3000)

    def similar_current(self) -> None:
        path = self.current_path()
        if path:
            self.similar(path)

    def similar(self, path: str) -> None:
        self.search_box.blockSignals(True)
        self.search_box.clear()
        self.search_box.blockSignals(False)
        self.search_box.setPlaceholderText(tr("Files like %1").replace("%1", os.path.basename(path)))
        self.search.query = ""
        self.search.similar(path)

    def _context_menu(self, pos: QPoint) -> None:
        index = self.view.indexAt(pos)
        if not index.isValid():
            return
        path = index.data(Role.PATH)
        menu = QMenu(self)
        menu.addAction(tr("Open"), lambda: desktop_actions.open_path(path))
        menu.addAction(tr("Show in Folder"), lambda: desktop_actions.reveal_path(path))
        menu.addAction(tr("Copy Path"), lambda: self._copy(path))
        menu.addSeparator()
        menu.addAction(tr("More Like This"), lambda: self.similar(path))
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # -- indexing status ---------------------------------------------------------------------------
    def on_progress(self, p: Progress) -> None:
        self.panel.on_progress(p)
        if p.phase != "idle" and not self._status_timer.isActive():
            self._status_timer.start()
        elif p.phase == "idle":
            self._status_timer.stop()
            self.refresh_status()

    def on_index_changed(self) -> None:
        self.refresh_status()
        if self.search.query.strip():
            self._requery.start()

    def _refresh_results(self) -> None:
        if self.search.query.strip() and self.model.mode != "similar":
            self.search.run_now(refresh=True)

    def refresh_status(self) -> None:
        """Ask the core for counts (on a worker); at most one request in flight."""
        if self._status_busy:
            self._status_again = True
            return
        self._status_busy = True
        service = self.service
        self.runner.run(service.status, self._on_status, IO)

    def _on_status(self, st: IndexStatus | None, error: BaseException | None) -> None:
        self._status_busy = False
        if error is None and st is not None:
            self.status = st
            self.panel.on_status(st)
            self._set_roots(st.roots)
            self._update_placeholder()
            if self.problems_dialog is not None and self.problems_dialog.isVisible():
                self.problems_dialog.set_errors(st.errors)
        if self._status_again:
            self._status_again = False
            self.refresh_status()

    def _set_roots(self, roots: list[str]) -> None:
        if roots == self._roots:
            return
        self._roots = list(roots)
        current = self.folder_combo.currentData()
        self.folder_combo.blockSignals(True)
        self.folder_combo.clear()
        self.folder_combo.addItem(tr("All folders"), "")
        for root in roots:
            self.folder_combo.addItem(os.path.basename(root.rstrip("/")) or root, root)
            self.folder_combo.setItemData(self.folder_combo.count() - 1, root, Qt.ItemDataRole.ToolTipRole)
        i = self.folder_combo.findData(current)
        self.folder_combo.setCurrentIndex(max(i, 0))
        self.folder_combo.blockSignals(False)

    def show_notice(self, message: str, timeout_ms: int = 8000) -> None:
        self.notice_label.setText(message)
        self.notice_label.setToolTip(message)
        if timeout_ms:
            self._notice_timer.start(timeout_ms)
        else:
            self._notice_timer.stop()

    def show_problems(self) -> None:
        from finder.gui.failed_files import FailedFilesDialog

        if self.problems_dialog is None:
            self.problems_dialog = FailedFilesDialog(self.service, self.runner, self)
            self.problems_dialog.retry_requested.connect(self.index.retry_failed)
            self.problems_dialog.reveal_requested.connect(desktop_actions.reveal_path)
        self.problems_dialog.refresh()
        self.problems_dialog.show()
        if QApplication.platformName() != "offscreen":
            self.problems_dialog.raise_()

    # -- adding folders ----------------------------------------------------------------------------
    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Add a folder to the index"), str(Path.home()))
        if folder:
            self.add_paths([Path(folder)])

    def add_paths(self, paths: list[Path]) -> None:
        """Index dropped or opened files/folders; progress shows in the status bar."""
        paths = [p for p in paths if p.exists()]
        if not paths:
            return
        names = ", ".join(p.name or str(p) for p in paths[:3]) + ("…" if len(paths) > 3 else "")
        self.show_notice(tr("Adding %1 to the index…").replace("%1", names))
        self.panel.on_progress(Progress("scan"))
        self.index.add_paths(paths)

    # -- closing -----------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if self.hide_on_close:
            event.ignore()
            self.hide()
            return
        self.search.cancel()
        event.accept()  # with no tray the app quits when its last window closes
