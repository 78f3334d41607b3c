"""The status-bar panel: live progress text, pause/resume through LiveIndex, problems count."""

from __future__ import annotations

from finder.core.config import load_settings
from finder.core.indexer import Progress


def test_progress_and_pause(qtbot, home, make_app):  # type: ignore[no-untyped-def]
    app = make_app(use_live=True)
    w = app.window
    panel = w.panel
    qtbot.waitUntil(lambda: panel.last_status is not None)
    assert "7 files keyword-ready" in panel.summary.text()
    assert "meaning 0 %" in panel.summary.text()  # nothing embedded yet

    panel.on_progress(Progress("extract", 3, 10))
    assert panel.summary.text() == "Keyword index: 3 of 10 files" and not panel.bar.isHidden()
    panel.on_progress(Progress("embed", 40, 100, "", 150))
    assert "Meaning index: 40 of 100 passages" in panel.summary.text()
    assert "about 3 min left" in panel.summary.text()
    panel.on_progress(Progress("idle"))
    assert panel.bar.isHidden()

    panel.pause_button.click()  # LiveIndex.pause saves the setting on a worker
    assert panel.summary.text().startswith("Paused")
    assert panel.pause_button.text() == "Resume indexing"
    qtbot.waitUntil(lambda: load_settings(home).paused)
    panel.pause_button.click()
    qtbot.waitUntil(lambda: not load_settings(home).paused)
    assert panel.pause_button.text() == "Pause indexing"
