"""Translatable user-facing strings: one context so a single .ts file covers the app."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

CONTEXT = "SemanticFinder"


def tr(text: str, disambiguation: str | None = None, n: int = -1) -> str:
    """Translate ``text`` (Qt Linguist picks these calls up); ``n`` selects plural forms."""
    return QCoreApplication.translate(CONTEXT, text, disambiguation, n)


def tr_n(text: str, n: int) -> str:
    """Plural-aware: "%n result(s)" → "1 result" / "3 results" even without a translation loaded."""
    out = QCoreApplication.translate(CONTEXT, text, None, n)
    if out == text.replace("%n", str(n)) and "(s)" in out:
        out = out.replace("(s)", "" if n == 1 else "s")
    return out
