"""First-run welcome: suggest Documents/Desktop/Downloads with a dry-run estimate, then start indexing.

Shown once, over the main window, when ``settings.first_run_done`` is False and no folder is
watched yet. Estimates run on the task runner's IO pool (each walk is capped in time and file
count); "Start indexing" and "Not now" both save ``first_run_done`` on a worker, so the
welcome never comes back. Files become keyword-searchable first; meaning follows in the
background (the usual IndexController path).
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QStandardPaths, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from finder.core.config import Settings
from finder.gui.formatting import human_duration, human_size
from finder.gui.i18n import tr, tr_n
from finder.gui.tasks import IO, TaskRunner

ESTIMATE_SECONDS = 2.0  # a dry-run walk stops after this long…
ESTIMATE_FILE_CAP = 10_000  # …or after this many files; the row then says "10,000+ files"

_LOCATIONS = (
    (QStandardPaths.StandardLocation.DocumentsLocation, "Documents"),
    (QStandardPaths.StandardLocation.DesktopLocation, "Desktop"),
    (QStandardPaths.StandardLocation.DownloadLocation, "Downloads"),
)


def suggested_folders() -> list[tuple[str, Path]]:
    """The user's Documents, Desktop and Downloads folders that exist, as (label, path).

    Qt falls back to the home folder itself when a location is not configured: that one is
    left out (suggesting the whole home folder is not what the user asked for).
    """
    home = os.path.realpath(Path.home())
    seen: set[str] = set()
    out: list[tuple[str, Path]] = []
    for location, label in _LOCATIONS:
        where = QStandardPaths.writableLocation(location)
        if not where or not os.path.isdir(where):
            continue
        real = os.path.realpath(where)
        if real == home or real in seen:
            continue
        seen.add(real)
        out.append((tr(label), Path(where)))
    return out


def should_welcome(settings: Settings) -> bool:
    return not settings.first_run_done and not settings.roots


# -- dry run (worker side) ------------------------------------------------------------------------

class _Budget(threading.Event):
    """A cancel event that also counts as set once its time is up (checked per folder walked)."""

    def __init__(self, seconds: float) -> None:
        super().__init__()
        self._end = time.monotonic() + seconds

    def expired(self) -> bool:
        return time.monotonic() >= self._end

    def is_set(self) -> bool:
        if not super().is_set() and self.expired():
            self.set()
        return super().is_set()


@dataclass(frozen=True)
class FolderEstimate:
    estimate: Any  # finder.core.scan.Estimate
    capped: bool  # the walk stopped early: the numbers are a lower bound


def estimate_folder(folder: Path, settings: Settings, cancel: threading.Event,
                    seconds: float = ESTIMATE_SECONDS, cap: int = ESTIMATE_FILE_CAP) -> FolderEstimate:
    """Dry-run one folder, stopping after ``seconds`` or ``cap`` files (runs on a worker)."""
    from finder.core import extract
    from finder.core.scan import estimate

    budget = _Budget(seconds)
    counted = 0

    def supported(path: Path) -> bool:
        nonlocal counted
        if counted >= cap or cancel.is_set() or budget.is_set():
            budget.set()
            return False
        ok = extract.is_supported(path)
        counted += ok
        return ok

    est = estimate([folder], settings, is_supported=supported, cancel=budget)
    return FolderEstimate(est, budget.is_set() and not cancel.is_set())


def _within(seconds: float) -> str:
    return tr("within a minute") if seconds < 60 else tr("in %1").replace("%1", human_duration(seconds))


# -- the dialog -----------------------------------------------------------------------------------

@dataclass
class _Row:
    path: Path
    check: QCheckBox
    detail: QLabel
    cancel: threading.Event
    result: FolderEstimate | None = None
    failed: bool = False


class WelcomeDialog(QDialog):
    """Pick folders to index on first run; ``start_requested(paths)`` on Start, rejected on Not now."""

    start_requested = Signal(list)  # list[Path]

    def __init__(self, settings: Settings, runner: TaskRunner, parent: QWidget | None = None,
                 folders: list[tuple[str, Path]] | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.runner = runner
        self.rows: list[_Row] = []
        self.estimates_done = 0
        self.setWindowTitle(tr("Welcome"))
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self._build()
        for label, path in (folders if folders is not None else suggested_folders()):
            self.add_folder(path, label, checked=not self.rows)  # the first one (Documents) pre-checked
        self._update_total()
        self.finished.connect(lambda _code: self.cancel_estimates())

    def _build(self) -> None:
        title = QLabel(tr("Welcome to Semantic Finder"))
        title.setStyleSheet("font-size: 17pt; font-weight: 600;")
        intro = QLabel(tr("Find your files by what they say, in words or by meaning, not just by "
                          "their names."))
        intro.setWordWrap(True)
        choose = QLabel(tr("Choose the folders to search:"))

        self.folder_box = QFrame()
        self.folder_box.setObjectName("welcomeFolders")
        self.folder_box.setFrameShape(QFrame.Shape.StyledPanel)
        self.grid = QGridLayout(self.folder_box)
        self.grid.setContentsMargins(12, 10, 12, 10)
        self.grid.setHorizontalSpacing(14)
        self.grid.setVerticalSpacing(8)
        self.grid.setColumnStretch(1, 1)
        self.none_label = QLabel(tr("No Documents, Desktop or Downloads folder found. "
                                    "Add a folder to get started."))
        self.none_label.setWordWrap(True)
        self.none_label.setStyleSheet("color: palette(placeholder-text);")
        self.grid.addWidget(self.none_label, 0, 0, 1, 3)

        self.add_button = QPushButton(tr("Add another folder…"))
        self.add_button.setAutoDefault(False)
        self.add_button.clicked.connect(self.choose_folder)
        add_row = QHBoxLayout()
        add_row.addWidget(self.add_button)
        add_row.addStretch(1)

        self.total_label = QLabel()
        self.total_label.setWordWrap(True)
        self.total_label.setStyleSheet("font-weight: 600;")
        self.time_label = QLabel()
        self.time_label.setWordWrap(True)

        self.privacy_label = QLabel(tr("<b>Everything stays on this computer:</b> the built-in model runs "
                                       "offline. You can choose a cloud provider later in Settings."))
        self.privacy_label.setTextFormat(Qt.TextFormat.RichText)
        self.privacy_label.setWordWrap(True)

        buttons = QDialogButtonBox()
        self.start_button = buttons.addButton(tr("Start indexing"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.not_now_button = buttons.addButton(tr("Not now"), QDialogButtonBox.ButtonRole.RejectRole)
        self.start_button.setDefault(True)
        self.not_now_button.setAutoDefault(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 20, 24, 16)
        layout.setSpacing(10)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addSpacing(4)
        layout.addWidget(choose)
        layout.addWidget(self.folder_box)
        layout.addLayout(add_row)
        layout.addSpacing(4)
        layout.addWidget(self.total_label)
        layout.addWidget(self.time_label)
        layout.addSpacing(4)
        layout.addWidget(self.privacy_label)
        layout.addSpacing(6)
        layout.addWidget(buttons)
        self.setMinimumWidth(620)

    # -- folders ---------------------------------------------------------------------------------
    def add_folder(self, path: Path, label: str = "", checked: bool = True) -> None:
        """Add a row (or check the existing one) and count its files on a worker."""
        path = Path(os.path.abspath(path))
        for row in self.rows:
            if row.path == path:
                row.check.setChecked(True)
                return
        self.none_label.hide()
        check = QCheckBox(label or path.name or str(path))
        check.setChecked(checked)
        check.setToolTip(str(path))
        check.toggled.connect(lambda _on: self._update_total())
        where = QLabel(_short(path))
        where.setToolTip(str(path))
        where.setStyleSheet("color: palette(placeholder-text);")
        detail = QLabel(tr("Counting files…"))
        detail.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        detail.setStyleSheet("color: palette(placeholder-text);")
        r = len(self.rows) + 1
        self.grid.addWidget(check, r, 0)
        self.grid.addWidget(where, r, 1)
        self.grid.addWidget(detail, r, 2)
        row = _Row(path, check, detail, threading.Event())
        self.rows.append(row)
        self._update_total()
        settings = self.settings

        def done(result: Any, error: BaseException | None) -> None:
            self.estimates_done += 1
            if error is not None:
                row.failed = True
                detail.setText(tr("cannot read"))
                detail.setToolTip(str(error))
            else:
                row.result = result
                detail.setText(_describe(result))
            self._update_total()

        self.runner.run(lambda: estimate_folder(path, settings, row.cancel), done, IO)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Add a folder to the index"), str(Path.home()))
        if folder:
            self.add_folder(Path(folder))

    def selected(self) -> list[Path]:
        return [row.path for row in self.rows if row.check.isChecked()]

    def cancel_estimates(self) -> None:
        for row in self.rows:
            row.cancel.set()

    # -- the summary -------------------------------------------------------------------------------
    def _update_total(self) -> None:
        chosen = [row for row in self.rows if row.check.isChecked()]
        self.start_button.setEnabled(bool(chosen))
        if not chosen:
            self.total_label.setText(tr("No folder chosen."))
            self.time_label.setText(tr("You can add folders later from the menu, or drop them on the window."))
            return
        if any(row.result is None and not row.failed for row in chosen):
            self.total_label.setText(tr("Counting files…"))
            self.time_label.setText(" ")
            return
        results = [row.result for row in chosen if row.result is not None]
        files = sum(r.estimate.files for r in results)
        size = sum(r.estimate.bytes for r in results)
        keyword = sum(r.estimate.est_seconds_keyword for r in results)
        embed = sum(r.estimate.est_seconds_embed for r in results)
        capped = any(r.capped for r in results)
        plus = "+" if capped else ""
        self.total_label.setText(tr("%1 files · %2 in total").replace("%1", f"{files:,}{plus}")
                                 .replace("%2", human_size(size) + plus))
        if capped:  # the times would only be a lower bound
            text = tr("Files become searchable by keywords as they are read; meaning is added in the "
                      "background. Large folders take a while: the status bar shows the progress.")
        else:
            text = (tr("Searchable by keywords %1; meaning added in the background %2.")
                    .replace("%1", _within(keyword)).replace("%2", _within(embed)))
        self.time_label.setText(text)

    def accept(self) -> None:
        paths = self.selected()
        if not paths:
            return
        super().accept()
        self.start_requested.emit(paths)


def _short(path: Path) -> str:
    home = str(Path.home())
    text = str(path)
    if text == home or text.startswith(home.rstrip(os.sep) + os.sep):
        return "~" + text[len(home.rstrip(os.sep)):]
    return text


def _describe(result: FolderEstimate) -> str:
    est = result.estimate
    if result.capped:
        return tr("%1+ files").replace("%1", f"{est.files:,}")
    if est.files == 0:
        return tr("no files to index")
    return tr_n("%n file(s)", est.files).replace(str(est.files), f"{est.files:,}", 1) + \
        " · " + human_size(est.bytes)


# -- wiring ---------------------------------------------------------------------------------------

def mark_first_run_done(service: Any) -> None:
    """Worker side: remember that the welcome was answered (Start or Not now)."""
    service.update_settings(service.settings.replace(first_run_done=True))


def maybe_show_welcome(app: Any, folders: list[tuple[str, Path]] | None = None) -> WelcomeDialog | None:
    """On first run with no folders, open the welcome over the (shown) main window.

    ``app`` is a FinderApp. Returns the dialog, or None when no welcome is due.
    """
    service, window, runner = app.service, app.window, app.runner
    if not should_welcome(service.settings) or not window.isVisible():
        return None
    dialog = WelcomeDialog(service.settings, runner, window, folders)

    def start(paths: list[Path]) -> None:
        def done(_r: Any, error: BaseException | None) -> None:
            if error is not None:
                window.show_notice(tr("Settings not saved: %1").replace("%1", str(error)))
            window.add_paths(paths)  # keyword-searchable first, meaning in the background

        runner.run(lambda: mark_first_run_done(service), done, IO)

    def not_now() -> None:
        def done(_r: Any, error: BaseException | None) -> None:
            if error is not None:
                window.show_notice(tr("Settings not saved: %1").replace("%1", str(error)))

        runner.run(lambda: mark_first_run_done(service), done, IO)

    dialog.start_requested.connect(start)
    dialog.rejected.connect(not_now)
    dialog.open()
    return dialog
