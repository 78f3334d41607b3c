"""Small display helpers: dates, sizes, durations, UTF-16 offsets and file-kind colours."""

from __future__ import annotations

import os
import time

from PySide6.QtCore import QDate, QDateTime, QLocale, QTime
from PySide6.QtGui import QColor

from finder.gui.i18n import tr, tr_n

KIND_COLOURS = {
    "pdf": "#d64541",
    "markdown": "#7b4fd0",
    "code": "#2f6fdb",
    "text": "#6b7785",
    "html": "#e07b24",
    "rst": "#1f9e89",
    "data": "#3c8d40",
}


def kind_colour(kind: str) -> QColor:
    return QColor(KIND_COLOURS.get(kind, "#8a8f98"))


def badge_text(path: str, kind: str) -> str:
    """Up to four letters for the file-type badge: the extension, else the kind."""
    ext = os.path.splitext(path)[1].lstrip(".").upper()
    if ext and len(ext) <= 4:
        return ext
    return (kind or "?")[:3].upper()


def human_date(mtime: float, now: float | None = None) -> str:
    """"14:03" today, "Yesterday", a weekday this week, "12 Mar", or "12 Mar 2023"."""
    if not mtime:
        return ""
    locale = QLocale()
    when = QDateTime.fromSecsSinceEpoch(int(mtime))
    today = QDateTime.fromSecsSinceEpoch(int(now if now is not None else time.time())).date()
    day = when.date()
    if day == today:
        return locale.toString(when.time(), QLocale.FormatType.ShortFormat)
    if day == today.addDays(-1):
        return tr("Yesterday")
    if today.addDays(-6) <= day < today:
        return locale.dayName(day.dayOfWeek(), QLocale.FormatType.LongFormat)
    if day.year() == today.year():
        return locale.toString(day, "d MMM")
    return locale.toString(day, "d MMM yyyy")


def full_date(mtime: float) -> str:
    if not mtime:
        return ""
    return QLocale().toString(QDateTime.fromSecsSinceEpoch(int(mtime)), "d MMM yyyy, HH:mm")


def human_size(size: int) -> str:
    return QLocale().formattedDataSize(int(size), 1, QLocale.DataSizeFormat.DataSizeTraditionalFormat)


def human_duration(seconds: float | None) -> str:
    if seconds is None:
        return ""
    seconds = max(0, int(seconds))
    if seconds < 60:
        return tr("under a minute")
    if seconds < 3600:
        return tr_n("about %n min", (seconds + 30) // 60)
    hours, rem = divmod(seconds, 3600)
    return tr("about %1 h %2 min").replace("%1", str(hours)).replace("%2", str(rem // 60))


def utf16_spans(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Python character offsets → Qt (UTF-16) offsets; they differ after astral characters."""
    if text.isascii() or all(ord(c) < 0x10000 for c in text):
        return [(a, b) for a, b in spans]

    def conv(i: int) -> int:
        return len(text[:i].encode("utf-16-le")) // 2

    return [(conv(a), conv(b)) for a, b in spans]


def start_of_day(days_back: int = 0) -> float:
    """Epoch seconds at local midnight ``days_back`` days ago."""
    day = QDate.currentDate().addDays(-days_back)
    return float(QDateTime(day, QTime(0, 0)).toSecsSinceEpoch())
