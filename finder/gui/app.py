"""Start the desktop app: QApplication, single instance, service, window, tray, hotkey; clean exit."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QMessageBox

from finder.gui.desktop_actions import release_clipboard
from finder.gui.i18n import tr
from finder.gui.indexing import IndexController
from finder.gui.main_window import MainWindow
from finder.gui.tasks import IO, TaskRunner

log = logging.getLogger(__name__)

ICON_DIR = Path(__file__).resolve().parents[1] / "resources" / "icons"


def app_icon(name: str = "semantic-finder") -> QIcon:
    for candidate in (ICON_DIR / f"{name}.svg", ICON_DIR / f"{name}-256.png"):
        if candidate.is_file():
            return QIcon(str(candidate))
    return QIcon()


class FinderApp(QObject):
    """Wires service, task runner, indexing, window, tray and hotkey; owns the shutdown order."""

    def __init__(self, service: Any, *, use_tray: bool = True, use_hotkey: bool = True,
                 use_live: bool = True, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = TaskRunner(self)
        self.index = IndexController(service, self.runner, self, use_live=use_live)
        self.window = MainWindow(service, self.runner, self.index)
        self.window.setWindowIcon(app_icon())
        self.window.quit_requested.connect(self.quit)
        self.window.settings_requested.connect(self.open_settings)
        self.tray: Any = None
        self.hotkey: Any = None
        self.settings_dialog: Any = None
        self._closed = False
        if use_tray:
            from finder.gui.tray import TrayController

            self.tray = TrayController(self)
            if self.tray.available:
                self.window.hide_on_close = True
            else:
                self.window.show_notice(self.tray.unavailable_reason, 0)
        if use_hotkey:
            self.register_hotkey(service.settings.hotkey)

    # -- lifecycle -------------------------------------------------------------------------------
    def start(self, show: bool = True) -> None:
        self.index.start()
        if show:
            self.show_window()

    def show_window(self) -> None:
        self.window.show()
        self.window.setWindowState(self.window.windowState() & ~Qt.WindowState.WindowMinimized)
        if QApplication.platformName() != "offscreen":  # offscreen warns it cannot raise
            self.window.raise_()
            self.window.activateWindow()
        self.window.focus_search()

    def on_message(self, paths: list[str]) -> None:
        """A second launch: show the window and index what it was given."""
        self.show_window()
        if paths:
            self.window.add_paths([Path(p) for p in paths])

    def quit(self) -> None:
        self.shutdown()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def shutdown(self) -> None:
        """Stop everything in order: input, indexing threads, pools, then the catalog."""
        if self._closed:
            return
        self._closed = True
        if self.hotkey is not None:
            self.hotkey.stop()
        if self.tray is not None:
            self.tray.hide()
        self.window.search.cancel()
        self.index.stop()
        self.runner.shutdown()
        try:
            self.service.close()
        except Exception as exc:  # noqa: BLE001 - exiting anyway
            log.warning("closing the index failed: %s", exc)
        self.window.hide_on_close = False
        self.window.close()
        release_clipboard()

    # -- settings and hotkey -----------------------------------------------------------------------
    def register_hotkey(self, sequence: str) -> str:
        """(Re)grab the global hotkey; returns a user-facing status line."""
        from finder.gui.hotkey import GlobalHotkey

        if self.hotkey is None:
            self.hotkey = GlobalHotkey(self)
            self.hotkey.activated.connect(self.toggle_quick_search)
        self.hotkey.stop()
        ok, message = self.hotkey.start(sequence) if sequence else (False, tr("No global shortcut set"))
        if not ok:
            log.info("global hotkey: %s", message)
        return message

    def toggle_quick_search(self) -> None:
        if self.tray is not None and self.tray.available:
            self.tray.toggle_popup()
        elif self.window.isVisible() and self.window.isActiveWindow():
            self.window.hide() if self.window.hide_on_close else self.window.showMinimized()
        else:
            self.show_window()

    def open_settings(self) -> None:
        """Show the settings window (window-modal, not a nested event loop)."""
        from finder.gui.settings_dialog import SettingsDialog

        if self.settings_dialog is not None:
            self.settings_dialog.show()
            return
        hotkey_status = self.hotkey.message if self.hotkey is not None else ""
        dialog = SettingsDialog(self.service.settings, self.runner, self.window, hotkey_status=hotkey_status)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.settings_dialog = dialog

        def on_accepted() -> None:
            self.apply_settings(dialog.original, dialog.result_settings())

        def on_finished(_code: int) -> None:
            self.settings_dialog = None

        dialog.accepted.connect(on_accepted)
        dialog.finished.connect(on_finished)
        dialog.open()

    def apply_settings(self, old: Any, new: Any) -> None:
        """Save ``new`` (on a worker) and start whatever the change needs (rescan, re-embed)."""
        from finder.gui.settings_dialog import apply_settings

        service = self.service

        def done(_r: Any, error: BaseException | None) -> None:
            if error is not None:
                QMessageBox.warning(self.window, tr("Settings not saved"), str(error))
                return
            added = [Path(r) for r in new.roots if r not in old.roots]
            if added:
                self.index.add_paths(added)
            if (old.exclude, old.include_only, old.index_hidden, old.max_file_mb) != \
                    (new.exclude, new.include_only, new.index_hidden, new.max_file_mb) or \
                    (old.provider, old.model, old.base_url, old.dimensions) != \
                    (new.provider, new.model, new.base_url, new.dimensions):
                self.index.rescan()
            if new.paused != self.index.paused:
                (self.index.pause if new.paused else self.index.resume)()
            if new.hotkey != old.hotkey:
                self.window.show_notice(self.register_hotkey(new.hotkey))
            if new.start_at_login != old.start_at_login:
                self._set_autostart(new.start_at_login)
            self.window.refresh_status()

        self.runner.run(lambda: apply_settings(service, old, new), done, IO)

    def _set_autostart(self, enabled: bool) -> None:
        try:
            from finder.desktop import set_autostart  # type: ignore[import-not-found]
        except ImportError:
            self.window.show_notice(tr("Start at login is not available in this build"))
            return
        self.runner.run(lambda: set_autostart(enabled), None, IO)


def run(argv: list[str]) -> int:
    """Entry point of ``python -m finder`` without a subcommand; returns the exit code."""
    logging.basicConfig(level=os.environ.get("FINDER_LOG", "WARNING"))
    hidden = "--hidden" in argv or "--minimized" in argv  # autostart starts in the tray
    quick = "--quick-search" in argv  # the menu entry's Quick Search action
    paths = [str(Path(a).resolve()) for a in argv if not a.startswith("--") and Path(a).exists()]
    if not os.environ.get("QT_QPA_PLATFORM") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        print("semantic-finder: no display; run under a desktop session, `xvfb-run -a`, "
              "or set QT_QPA_PLATFORM=offscreen", file=sys.stderr)
        return 1
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "semantic-finder"])
    app.setApplicationName("Semantic Finder")
    app.setApplicationDisplayName(tr("Semantic Finder"))
    app.setDesktopFileName("semantic-finder")
    app.setWindowIcon(app_icon())

    from finder.gui.single_instance import SingleInstance

    instance = SingleInstance()
    if instance.send(paths):
        return 0
    instance.listen()

    from finder.core.errors import FinderError
    from finder.core.service import FinderService

    try:
        service = FinderService()
    except FinderError as exc:
        QMessageBox.critical(None, tr("Semantic Finder cannot start"), str(exc))
        return 1
    finder_app = FinderApp(service)
    instance.message_received.connect(finder_app.on_message)
    app.aboutToQuit.connect(finder_app.shutdown)
    app.aboutToQuit.connect(instance.close)
    app.setQuitOnLastWindowClosed(not (finder_app.tray is not None and finder_app.tray.available))
    finder_app.start(show=not (hidden and finder_app.tray is not None and finder_app.tray.available))
    if paths:
        finder_app.window.add_paths([Path(p) for p in paths])
    if quick:
        finder_app.toggle_quick_search()
    from finder.gui.welcome import maybe_show_welcome

    if not paths and maybe_show_welcome(finder_app) is not None:
        pass  # first run with no folders: the welcome saves first_run_done when answered
    elif not service.settings.first_run_done:
        finder_app.runner.run(lambda: service.update_settings(service.settings.replace(first_run_done=True)))
    return int(app.exec())
