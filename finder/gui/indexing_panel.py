"""The status-bar indexing panel: live progress, keyword- vs meaning-ready, ETA, pause/resume."""

from __future__ import annotations

from PySide6.QtCore import QLocale, Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from finder.core.indexer import Progress
from finder.core.types import IndexStatus
from finder.gui.formatting import human_duration
from finder.gui.i18n import tr, tr_n


def _n(value: int) -> str:
    return QLocale().toString(int(value))


def status_text(st: IndexStatus) -> str:
    """One line on the index as a whole: files, keyword-ready, meaning-ready."""
    if not st.roots:
        return tr("No folders watched yet")
    keyword = st.indexed
    if st.chunks and st.embedded_chunks >= st.chunks:
        meaning = tr("all searchable by meaning")
    elif st.chunks:
        pct = int(100 * st.embedded_chunks / st.chunks)
        meaning = tr("meaning %1 %").replace("%1", str(pct))
    else:
        meaning = ""
    parts = [tr("%1 files keyword-ready").replace("%1", _n(keyword))]
    if st.pending:
        parts.append(tr("%1 waiting").replace("%1", _n(st.pending)))
    if meaning:
        parts.append(meaning)
    if st.remote:  # say where the text goes whenever it leaves this computer
        host = st.endpoint.split("://", 1)[-1].split("/", 1)[0] or st.provider
        parts.append(tr("passages sent to %1").replace("%1", host))
    return "  ·  ".join(parts)


def progress_text(p: Progress) -> str:
    if p.phase == "scan":
        return tr("Looking for files… %1 found").replace("%1", _n(p.done))
    if p.phase == "extract":
        return tr("Keyword index: %1 of %2 files").replace("%1", _n(p.done)).replace("%2", _n(p.total))
    if p.phase == "embed":
        text = tr("Meaning index: %1 of %2 passages").replace("%1", _n(p.done)).replace("%2", _n(p.total))
        if p.eta_seconds:
            text += "  ·  " + tr("%1 left").replace("%1", human_duration(p.eta_seconds))
        return text
    if p.phase == "refine":
        text = tr("Refining English results: %1 of %2 passages").replace("%1", _n(p.done)).replace("%2", _n(p.total))
        if p.eta_seconds:
            text += "  ·  " + tr("%1 left").replace("%1", human_duration(p.eta_seconds))
        return text
    return ""


class IndexingPanel(QWidget):
    """Lives in the status bar; shows what the indexer does now, or the index summary when idle."""

    pause_toggled = Signal()
    problems_clicked = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.summary = QLabel()
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.NoTextInteraction)
        self.bar = QProgressBar()
        self.bar.setMaximumWidth(140)
        self.bar.setMaximumHeight(12)
        self.bar.setTextVisible(False)
        self.bar.hide()
        self.problems = QToolButton()
        self.problems.setAutoRaise(True)
        self.problems.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.problems.clicked.connect(self.problems_clicked)
        self.problems.hide()
        self.pause_button = QToolButton()
        self.pause_button.setAutoRaise(True)
        self.pause_button.clicked.connect(self.pause_toggled)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 4, 0)
        layout.setSpacing(8)
        layout.addWidget(self.summary)
        layout.addWidget(self.bar)
        layout.addWidget(self.problems)
        layout.addWidget(self.pause_button)
        self.last_status: IndexStatus | None = None
        self.last_progress: Progress | None = None
        self.set_paused(False)

    @property
    def active(self) -> bool:
        return self.last_progress is not None and self.last_progress.phase not in ("idle", "")

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self.pause_button.setText(tr("Resume indexing") if paused else tr("Pause indexing"))
        self.pause_button.setToolTip(tr("Indexing is paused; search still works") if paused
                                     else tr("Pause background indexing"))
        self._refresh()

    def on_progress(self, p: Progress) -> None:
        self.last_progress = p
        self._refresh()

    def on_status(self, st: IndexStatus) -> None:
        self.last_status = st
        problems = st.failed + st.skipped
        if problems:
            self.problems.setText(tr_n("%n problem(s)", problems))
            self.problems.show()
        else:
            self.problems.hide()
        self._refresh()

    def _refresh(self) -> None:
        p = self.last_progress
        text = progress_text(p) if p is not None else ""
        if p is not None and p.phase != "idle" and p.total:
            self.bar.setRange(0, p.total)
            self.bar.setValue(min(p.done, p.total))
            self.bar.show()
        elif p is not None and p.phase == "scan":
            self.bar.setRange(0, 0)  # busy indicator while counting
            self.bar.show()
        else:
            self.bar.hide()
        if not text and self.last_status is not None:
            text = status_text(self.last_status)
            st = self.last_status
            if st.chunks and st.embedded_chunks < st.chunks and st.eta_seconds:
                text += "  ·  " + tr("%1 left").replace("%1", human_duration(st.eta_seconds))
        if self.paused:
            text = tr("Paused") + ("  ·  " + text if text else "")
        self.summary.setText(text)
