"""Small helpers shared by the GUI tests."""

from __future__ import annotations


def wait_results(qtbot, window, mode: str | None = None, timeout: int = 10_000) -> None:  # type: ignore[no-untyped-def]
    """Wait until the window shows results of the given mode for the current generation."""
    qtbot.waitUntil(lambda: window.model.rowCount() > 0 and (mode is None or window.model.mode == mode),
                    timeout=timeout)
