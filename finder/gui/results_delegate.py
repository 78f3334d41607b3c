"""Paints one result: file-type badge, bold name, dimmed folder, date, page and a highlighted snippet."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QPointF, QRect, QRectF, QSize, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPalette,
    QTextCharFormat,
    QTextLayout,
    QTextOption,
)
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from finder.gui.formatting import badge_text, human_date, kind_colour, utf16_spans
from finder.gui.i18n import tr
from finder.gui.results_model import Role

HIGHLIGHT_BG = QColor(255, 214, 102, 150)
PAD = 8
BADGE = 34


class ResultDelegate(QStyledItemDelegate):
    """Draws rows like a native finder; ``snippet_lines`` = 0 hides the snippet (compact popup)."""

    def __init__(self, parent: QWidget | None = None, snippet_lines: int = 2) -> None:
        super().__init__(parent)
        self.snippet_lines = snippet_lines

    # -- geometry --------------------------------------------------------------------------
    def _fonts(self, option: QStyleOptionViewItem) -> tuple[QFont, QFont, QFont]:
        base = QFont(option.font)
        name = QFont(base)
        name.setBold(True)
        name.setPointSizeF(base.pointSizeF() * 1.08 if base.pointSizeF() > 0 else 10.5)
        small = QFont(base)
        small.setPointSizeF(base.pointSizeF() * 0.92 if base.pointSizeF() > 0 else 9)
        return name, small, base

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        name, small, base = self._fonts(option)
        h = QFontMetrics(name).height() + QFontMetrics(small).height() + 2
        if self.snippet_lines and index.data(Role.SNIPPET):
            h += QFontMetrics(base).lineSpacing() * self.snippet_lines + 4
        return QSize(300, max(h, BADGE) + 2 * PAD)

    # -- painting --------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        opt.text = ""
        opt.icon = opt.icon.__class__()
        style = opt.widget.style() if opt.widget else None
        painter.save()
        if style is not None:
            style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, opt.widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        pal = opt.palette
        group = QPalette.ColorGroup.Active if opt.state & QStyle.StateFlag.State_Active else QPalette.ColorGroup.Inactive
        fg = pal.color(group, QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text)
        dim = QColor(fg)
        dim.setAlphaF(0.62)

        rect = opt.rect.adjusted(PAD, PAD, -PAD, -PAD)
        name_font, small_font, base_font = self._fonts(opt)
        path = index.data(Role.PATH) or ""
        kind = index.data(Role.KIND) or ""

        # File-type badge.
        badge = QRect(rect.left(), rect.top() + 1, BADGE, BADGE)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(kind_colour(kind))
        painter.drawRoundedRect(QRectF(badge), 7, 7)
        bfont = QFont(small_font)
        bfont.setBold(True)
        label = badge_text(path, kind)
        bfont.setPointSizeF(max(6.0, small_font.pointSizeF() * (0.9 if len(label) <= 3 else 0.75)))
        painter.setFont(bfont)
        painter.setPen(QColor("white"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, label)

        text_left = badge.right() + PAD + 2
        width = rect.right() - text_left

        # Right column: date and page.
        painter.setFont(small_font)
        sfm = QFontMetrics(small_font)
        date = human_date(index.data(Role.MTIME) or 0)
        page = index.data(Role.PAGE)
        right = date if page is None else f"{tr('p.')} {page}   {date}".strip()
        right_w = sfm.horizontalAdvance(right) + 4
        nfm = QFontMetrics(name_font)
        y = rect.top()
        painter.setPen(dim)
        painter.drawText(QRect(rect.right() - right_w, y, right_w, nfm.height()),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, right)

        # Name (bold) and folder (dimmed, elided in the middle so both ends stay readable).
        painter.setFont(name_font)
        painter.setPen(fg)
        name = nfm.elidedText(index.data(Role.NAME) or "", Qt.TextElideMode.ElideRight, width - right_w - PAD)
        painter.drawText(QRect(text_left, y, width - right_w - PAD, nfm.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        y += nfm.height()
        painter.setFont(small_font)
        painter.setPen(dim)
        folder = sfm.elidedText(index.data(Role.FOLDER) or "", Qt.TextElideMode.ElideMiddle, width)
        painter.drawText(QRect(text_left, y, width, sfm.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, folder)
        y += sfm.height() + 4

        snippet = index.data(Role.SNIPPET) or ""
        if self.snippet_lines and snippet:
            self._paint_snippet(painter, snippet, index.data(Role.HIGHLIGHTS) or [], base_font,
                                fg, QRect(text_left, y, width, rect.bottom() - y + 1), selected)
        painter.restore()

    def _paint_snippet(self, painter: QPainter, text: str, spans: list[tuple[int, int]], font: QFont,
                       colour: QColor, rect: QRect, selected: bool) -> None:
        layout = QTextLayout(text, font)
        option = QTextOption()
        option.setWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        layout.setTextOption(option)
        formats = []
        for a, b in utf16_spans(text, [tuple(s) for s in spans]):
            fr = QTextLayout.FormatRange()
            fr.start, fr.length = a, max(0, b - a)
            fmt = QTextCharFormat()
            fmt.setFontWeight(QFont.Weight.Bold)
            if not selected:
                fmt.setBackground(HIGHLIGHT_BG)
            else:
                fmt.setFontUnderline(True)
            fr.format = fmt
            formats.append(fr)
        layout.setFormats(formats)
        fm = QFontMetrics(font)
        layout.beginLayout()
        y = 0.0
        lines = 0
        while lines < self.snippet_lines:
            line = layout.createLine()
            if not line.isValid():
                break
            line.setLineWidth(rect.width())
            line.setPosition(QPointF(0, y))
            y += fm.lineSpacing()
            lines += 1
        layout.endLayout()
        painter.setPen(colour)
        painter.setClipRect(rect)
        layout.draw(painter, QPointF(rect.left(), rect.top()))
        painter.setClipping(False)
