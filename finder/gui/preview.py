"""The preview pane: the matching passages of the selected file in context, with actions."""

from __future__ import annotations

import html
import os
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from finder.core.types import Hit
from finder.gui.formatting import full_date, human_size, kind_colour
from finder.gui.i18n import tr
from finder.gui.tasks import IO, TaskRunner

CHANNEL_NAMES = {"name": "file name", "lexical": "keywords", "vector": "meaning"}


def load_passages(service: Any, hit: Hit, query: str) -> list[tuple[int | None, str, list[tuple[int, int]]]]:
    """The full text of each matching chunk with the query's terms located (worker thread).

    """
    from finder.core.snippet import make_snippet
    from finder.core.tokens import highlight_terms

    terms = highlight_terms(query) if query else []
    out: list[tuple[int | None, str, list[tuple[int, int]]]] = []
    for passage in hit.passages:
        row = service.passage_text(passage.chunk_id)
        if row is None:
            out.append((passage.page, passage.snippet, list(passage.highlights)))
            continue
        text, spans = make_snippet(row[0], terms, width=10**9)
        out.append((row[1], text, spans))
    return out


def passages_html(passages: list[tuple[int | None, str, list[tuple[int, int]]]]) -> str:
    parts = []
    for page, text, spans in passages:
        pieces, pos = [], 0
        for a, b in sorted(spans):
            if a < pos:
                continue
            pieces.append(html.escape(text[pos:a]))
            pieces.append(f'<span style="background-color:#ffd666; font-weight:600">{html.escape(text[a:b])}</span>')
            pos = b
        pieces.append(html.escape(text[pos:]))
        caption = f'<div style="color:#888; font-size:small; margin-bottom:2px">{tr("Page")} {page}</div>' \
            if page else ""
        parts.append(f'{caption}<p style="margin-top:0; margin-bottom:14px; line-height:135%">{"".join(pieces)}</p>')
    return "".join(parts) or f'<p style="color:#888">{html.escape(tr("No text preview for this file."))}</p>'


class PreviewPane(QWidget):
    """Shows the selected hit: name, path, facts, passages with highlights; open/reveal/copy."""

    open_requested = Signal(str)
    reveal_requested = Signal(str)
    copy_requested = Signal(str)
    similar_requested = Signal(str)

    def __init__(self, service: Any, runner: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.runner = runner
        self.hit: Hit | None = None
        self._token = 0
        self.setMinimumWidth(280)

        self.badge = QLabel()
        self.badge.setFixedSize(40, 40)
        self.badge.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title = QLabel()
        title_font = QFont(self.font())
        title_font.setPointSizeF(max(11.0, self.font().pointSizeF() * 1.3))
        title_font.setBold(True)
        self.title.setFont(title_font)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path = QLabel()
        self.path.setWordWrap(True)
        self.path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.path.setStyleSheet("color: palette(placeholder-text);")
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setStyleSheet("color: palette(placeholder-text);")

        head = QHBoxLayout()
        head.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        names = QVBoxLayout()
        names.setSpacing(2)
        names.addWidget(self.title)
        names.addWidget(self.path)
        head.addLayout(names, 1)

        self.body = QTextBrowser()
        self.body.setFrameShape(QFrame.Shape.NoFrame)
        self.body.setOpenLinks(False)
        self.body.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

        self.open_button = QPushButton(tr("Open"))
        self.open_button.setToolTip(tr("Open with the default application (Enter)"))
        self.reveal_button = QPushButton(tr("Show in Folder"))
        self.reveal_button.setToolTip(tr("Show the file in its folder (Ctrl+Enter)"))
        self.copy_button = QPushButton(tr("Copy Path"))
        self.copy_button.setToolTip(tr("Copy the full path (Ctrl+C)"))
        self.similar_button = QPushButton(tr("More Like This"))
        self.similar_button.setToolTip(tr("Files close in meaning to this one (Ctrl+M)"))
        self.open_button.clicked.connect(lambda: self.hit and self.open_requested.emit(self.hit.path))
        self.reveal_button.clicked.connect(lambda: self.hit and self.reveal_requested.emit(self.hit.path))
        self.copy_button.clicked.connect(lambda: self.hit and self.copy_requested.emit(self.hit.path))
        self.similar_button.clicked.connect(lambda: self.hit and self.similar_requested.emit(self.hit.path))
        buttons = QHBoxLayout()
        for b in (self.open_button, self.reveal_button, self.copy_button, self.similar_button):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            buttons.addWidget(b)
        buttons.addStretch(1)

        self.content = QWidget()
        self.empty = QLabel(tr("Select a result to see the matching passages"))
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setStyleSheet("color: palette(placeholder-text);")
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.content, 1)
        outer.addWidget(self.empty, 1)
        layout = QVBoxLayout(self.content)
        layout.setContentsMargins(14, 12, 14, 12)
        layout.setSpacing(8)
        layout.addLayout(head)
        layout.addWidget(self.facts)
        layout.addLayout(buttons)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        layout.addWidget(line)
        layout.addWidget(self.body, 1)
        self.show_hit(None)

    def show_hit(self, hit: Hit | None, query: str = "") -> None:
        self.hit = hit
        self._token += 1
        for b in (self.open_button, self.reveal_button, self.copy_button, self.similar_button):
            b.setEnabled(hit is not None)
        self.content.setVisible(hit is not None)
        self.empty.setVisible(hit is None)
        if hit is None:
            self.badge.clear()
            self.badge.setStyleSheet("")
            self.title.setText(tr("No file selected"))
            self.path.setText("")
            self.facts.setText("")
            self.body.setHtml("")
            return
        colour = kind_colour(hit.kind).name()
        ext = os.path.splitext(hit.path)[1].lstrip(".").upper()[:4] or "?"
        self.badge.setText(ext)
        self.badge.setStyleSheet(f"background:{colour}; color:white; border-radius:8px; font-weight:bold;")
        self.title.setText(os.path.basename(hit.path))
        self.path.setText(os.path.dirname(hit.path))
        facts = [f for f in (
            human_size(hit.size) if hit.size else "",
            tr("modified %1").replace("%1", full_date(hit.mtime)) if hit.mtime else "",
            (tr("page %1").replace("%1", str(hit.page)) if hit.page else ""),
            tr("matched by %1").replace("%1", ", ".join(tr(CHANNEL_NAMES.get(c, c)) for c in hit.channels))
            if hit.channels else "",
        ) if f]
        self.facts.setText("  ·  ".join(facts))
        # Show the short snippets at once, then the whole passages when read from the catalog.
        self.body.setHtml(passages_html([(p.page, p.snippet, list(p.highlights)) for p in hit.passages]))
        token = self._token

        def done(result: Any, error: BaseException | None) -> None:
            if token == self._token and error is None and result:
                self.body.setHtml(passages_html(result))

        self.runner.run(lambda: load_passages(self.service, hit, query), done, IO)
