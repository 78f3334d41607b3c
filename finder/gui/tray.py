"""System-tray icon and the quick-search popup (a small frameless Spotlight-style window)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QObject, Qt
from PySide6.QtGui import (
    QCloseEvent,
    QColor,
    QGuiApplication,
    QPainter,
    QPaintEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QLabel,
    QListView,
    QMenu,
    QSystemTrayIcon,
    QVBoxLayout,
    QWidget,
)

from finder.gui import desktop_actions
from finder.gui.dragdrop import DropTarget
from finder.gui.i18n import tr, tr_n
from finder.gui.results_delegate import ResultDelegate
from finder.gui.results_model import ResultsModel, Role
from finder.gui.search_box import SearchBox
from finder.gui.search_controller import SearchController
from finder.gui.tasks import TaskRunner


class QuickSearchPopup(QWidget):
    """Type, see the top results, Enter to open; Esc or focus loss hides it."""

    def __init__(self, service: Any, runner: TaskRunner, *, on_drop: Any = None,
                 on_more: Any = None, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Tool | Qt.WindowType.FramelessWindowHint
                         | Qt.WindowType.WindowStaysOnTopHint)
        # No translucency: without a compositor its corners would paint black.
        self.setAutoFillBackground(True)
        self.on_drop = on_drop
        self.on_more = on_more
        self.model = ResultsModel(self)
        self.search = SearchController(service, runner, limit=8, parent=self)
        self.search.results_ready.connect(self.on_results)
        self.view = QListView()
        self.view.setModel(self.model)
        self.view.setItemDelegate(ResultDelegate(self.view, snippet_lines=1))
        self.view.setFrameShape(QFrame.Shape.NoFrame)
        self.view.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.view.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.clicked.connect(lambda _i: self.open_current())
        self.view.hide()
        self.box = SearchBox(self.view, scale=1.6)
        self.box.setFrame(False)
        self.box.setPlaceholderText(tr("Search by meaning…"))
        self.box.textChanged.connect(self.search.set_query)
        self.box.open_requested.connect(self.open_current)
        self.box.reveal_requested.connect(self.reveal_current)
        self.box.copy_requested.connect(lambda: self.current_path() and desktop_actions.copy_path(self.current_path()))
        self.box.escape_on_empty.connect(self.hide)
        self.hint = QLabel(tr("Enter open  ·  Ctrl+Enter show in folder  ·  Esc close  ·  drop files to index"))
        self.hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.hint.setStyleSheet("color: palette(placeholder-text); font-size: 8pt;")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 10)
        layout.setSpacing(6)
        layout.addWidget(self.box)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.hint)
        self.setFixedWidth(640)
        self.drop_target = DropTarget(self, self._on_dropped, ignore_source=self.view)
        self._fit()

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        bg = self.palette().color(self.backgroundRole())
        p.setPen(QColor(0, 0, 0, 90))
        p.setBrush(bg)
        p.drawRect(self.rect().adjusted(0, 0, -1, -1))

    def _fit(self) -> None:
        rows = self.model.rowCount()
        if rows:
            h = sum(self.view.sizeHintForRow(r) for r in range(rows)) + 4
            self.view.setFixedHeight(h)
            self.view.show()
        else:
            self.view.hide()
        self.adjustSize()

    def popup(self) -> None:
        screen = QGuiApplication.primaryScreen()
        if screen is not None:
            geo = screen.availableGeometry()
            self.move(geo.center().x() - self.width() // 2, geo.top() + geo.height() // 5)
        self.show()
        if QGuiApplication.platformName() != "offscreen":
            self.raise_()
            self.activateWindow()
        self.box.setFocus()
        self.box.selectAll()

    def on_results(self, gen: int, query: str, hits: list[Any], mode: str) -> None:
        if gen != self.search.generation:
            return
        current = self.current_path() if query == self.model.query else ""
        self.model.set_hits(hits, query, mode)
        if hits:
            row = max(self.model.row_of(current), 0) if current else 0
            self.view.selectionModel().setCurrentIndex(self.model.index(row, 0),
                                                       QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._fit()

    def current_path(self) -> str:
        index = self.view.currentIndex()
        return index.data(Role.PATH) if index.isValid() else ""

    def open_current(self) -> None:
        path = self.current_path()
        if path:
            desktop_actions.open_path(path)
            self.hide()

    def reveal_current(self) -> None:
        path = self.current_path()
        if path:
            desktop_actions.reveal_path(path)
            self.hide()

    def _on_dropped(self, paths: list[Path]) -> None:
        if self.on_drop is not None:
            self.on_drop(paths)
            self.box.setPlaceholderText(tr_n("Indexing %n dropped item(s)…", len(paths)))

    def closeEvent(self, event: QCloseEvent) -> None:
        event.ignore()
        self.hide()


class TrayController(QObject):
    """The tray icon when the desktop has a tray; otherwise ``available`` is False and says why."""

    def __init__(self, app: Any) -> None:
        super().__init__(app)
        self.app = app
        self.icon: QSystemTrayIcon | None = None
        self.popup = QuickSearchPopup(app.service, app.runner, on_drop=self._on_drop)
        self.available = QSystemTrayIcon.isSystemTrayAvailable()
        self.unavailable_reason = "" if self.available else tr(
            "No system tray on this desktop: closing the window quits Semantic Finder.")
        if not self.available:
            return
        from finder.gui.app import app_icon

        icon = app_icon("semantic-finder-tray")
        self.icon = QSystemTrayIcon(icon if not icon.isNull() else app_icon(), self)
        self.icon.setToolTip(tr("Semantic Finder"))
        menu = QMenu()
        menu.addAction(tr("Quick Search"), self.toggle_popup)
        menu.addAction(tr("Open Semantic Finder"), app.show_window)
        self.pause_action = menu.addAction(tr("Pause Indexing"), app.index.toggle_pause)
        app.index.paused_changed.connect(
            lambda p: self.pause_action.setText(tr("Resume Indexing") if p else tr("Pause Indexing")))
        menu.addSeparator()
        menu.addAction(tr("Settings…"), app.open_settings)
        menu.addAction(tr("Quit"), app.quit)
        self._menu = menu
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self._on_activated)
        app.index.notice.connect(lambda m: self.icon and self.icon.showMessage(tr("Semantic Finder"), m))
        self.icon.show()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.MiddleClick):
            self.toggle_popup()
        elif reason == QSystemTrayIcon.ActivationReason.DoubleClick:
            self.app.show_window()

    def toggle_popup(self) -> None:
        if self.popup.isVisible():
            self.popup.hide()
        else:
            self.popup.popup()

    def _on_drop(self, paths: list[Path]) -> None:
        self.app.window.add_paths(paths)

    def hide(self) -> None:
        self.popup.hide()
        if self.icon is not None:
            self.icon.hide()
