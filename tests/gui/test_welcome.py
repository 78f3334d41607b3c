"""First-run welcome: suggested folders with estimates, Start indexes them, Not now never nags again."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from finder.core.config import Settings, load_settings
from finder.gui import welcome
from finder.gui.welcome import WelcomeDialog, estimate_folder, maybe_show_welcome, suggested_folders


@pytest.fixture
def user_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fake $HOME with Documents and Desktop (no Downloads) and no XDG user-dirs file."""
    home = tmp_path / "user"
    (home / "Documents" / "notes").mkdir(parents=True)
    (home / "Desktop").mkdir()
    (home / "Documents" / "notes" / "lighthouse_keeper.txt").write_text(
        "The lighthouse keeper logs every passing ship in a leather notebook.\n", encoding="utf-8")
    (home / "Documents" / "budget.md").write_text("# Budget\n\nRent, food and the orchard.\n", encoding="utf-8")
    (home / "Desktop" / "todo.txt").write_text("Buy bread. Call the plumber.\n", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    return home


@pytest.fixture
def first_run(qtbot, user_home, home, no_desktop):  # type: ignore[no-untyped-def]
    """Build FinderApps over a fresh data home (no folders, first run); shut them all down."""
    from finder.core.service import FinderService
    from finder.gui.app import FinderApp

    made: list[tuple[object, object]] = []

    def make(settings: Settings | None = None):  # type: ignore[no-untyped-def]
        # paused: the fallback indexer makes files keyword-searchable and does not embed.
        service = FinderService(home=home, settings=settings)
        if not service.settings.paused:
            service.settings = service.settings.replace(paused=True)
            service.indexer.settings = service.settings
        app = FinderApp(service, use_tray=False, use_hotkey=False, use_live=False)
        made.append((app, service))
        qtbot.addWidget(app.window)
        app.start()
        return app

    yield make
    for app, service in made:
        app.shutdown()  # type: ignore[attr-defined]
        service.close()  # type: ignore[attr-defined]


def test_suggested_folders_are_the_existing_standard_ones(qtbot, user_home):  # type: ignore[no-untyped-def]
    assert suggested_folders() == [("Documents", user_home / "Documents"), ("Desktop", user_home / "Desktop")]


def test_start_indexes_the_chosen_folder(qtbot, first_run, home, user_home):  # type: ignore[no-untyped-def]
    app = first_run()
    w = app.window
    dialog = maybe_show_welcome(app)
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible)
    assert dialog.parent() is w and dialog.isModal()
    assert [r.check.text() for r in dialog.rows] == ["Documents", "Desktop"]
    assert [r.check.isChecked() for r in dialog.rows] == [True, False]  # Documents pre-checked
    assert dialog.start_button.isDefault()
    assert "stays on this computer" in dialog.privacy_label.text()

    qtbot.waitUntil(lambda: dialog.estimates_done == 2)
    docs, desk = dialog.rows
    assert docs.detail.text().startswith("2 files · ")
    assert desk.detail.text().startswith("1 file · ")
    assert dialog.total_label.text().startswith("2 files · ")
    assert "Searchable by keywords within a minute" in dialog.time_label.text()
    desk.check.setChecked(True)
    assert dialog.total_label.text().startswith("3 files · ")
    desk.check.setChecked(False)

    qtbot.mouseClick(dialog.start_button, qtbot_left())
    assert not dialog.isVisible()
    qtbot.waitUntil(lambda: load_settings(home).first_run_done, timeout=10_000)
    qtbot.waitUntil(lambda: str(user_home / "Documents") in app.service.settings.roots, timeout=10_000)
    assert str(user_home / "Desktop") not in app.service.settings.roots
    qtbot.keyClicks(w.search_box, "lighthouse")
    qtbot.waitUntil(lambda: any(os.path.basename(h.path) == "lighthouse_keeper.txt" for h in w.model.hits()),
                    timeout=20_000)
    app.shutdown()

    # The second start shows no welcome: the folder is watched and first_run_done is saved.
    again = first_run()
    assert again.service.settings.first_run_done
    assert maybe_show_welcome(again) is None


def test_not_now_is_remembered(qtbot, first_run, home):  # type: ignore[no-untyped-def]
    app = first_run()
    dialog = maybe_show_welcome(app)
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.estimates_done == 2)
    with qtbot.waitSignal(dialog.rejected):
        qtbot.mouseClick(dialog.not_now_button, qtbot_left())
    qtbot.waitUntil(lambda: load_settings(home).first_run_done, timeout=10_000)
    saved = load_settings(home)
    assert saved.roots == ()
    w = app.window
    assert w.stack.currentIndex() == 0 and w.add_folder_button.isVisibleTo(w)  # the empty state
    app.shutdown()
    again = first_run()
    assert maybe_show_welcome(again) is None  # no nagging, even with no folders


def test_add_another_folder(qtbot, first_run, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    other = tmp_path / "Projects"
    other.mkdir()
    (other / "plan.txt").write_text("A plan.\n", encoding="utf-8")
    monkeypatch.setattr(welcome, "suggested_folders", lambda: [])  # none of the usual folders exist
    monkeypatch.setattr(welcome.QFileDialog, "getExistingDirectory", lambda *a, **k: str(other))
    app = first_run()
    dialog = maybe_show_welcome(app)
    assert dialog is not None
    assert dialog.rows == [] and not dialog.start_button.isEnabled()
    assert dialog.none_label.isVisibleTo(dialog)
    qtbot.mouseClick(dialog.add_button, qtbot_left())
    assert [r.path for r in dialog.rows] == [other] and dialog.rows[0].check.isChecked()
    assert dialog.start_button.isEnabled()
    qtbot.waitUntil(lambda: dialog.rows[0].detail.text().startswith("1 file · "))
    dialog.choose_folder()  # the same folder again: no second row
    assert len(dialog.rows) == 1
    assert dialog.selected() == [other]
    dialog.reject()


def test_no_welcome_when_folders_are_set(qtbot, make_app):  # type: ignore[no-untyped-def]
    app = make_app(use_tray=False)
    app.start()
    assert not app.service.settings.first_run_done and app.service.settings.roots
    assert maybe_show_welcome(app) is None
    assert app.window.findChild(WelcomeDialog) is None


def test_huge_folder_estimate_is_capped(tmp_path):  # type: ignore[no-untyped-def]
    big = tmp_path / "big"
    for i in range(4):
        sub = big / f"d{i}"
        sub.mkdir(parents=True)
        for j in range(10):
            (sub / f"f{j}.txt").write_text("x" * 100)
    full = estimate_folder(big, Settings(), threading.Event())
    assert (full.estimate.files, full.capped) == (40, False)
    by_count = estimate_folder(big, Settings(), threading.Event(), cap=15)
    assert (by_count.estimate.files, by_count.capped) == (15, True)
    assert welcome._describe(by_count) == "15+ files"
    by_time = estimate_folder(big, Settings(), threading.Event(), seconds=0)
    assert by_time.capped and by_time.estimate.files == 0
    cancelled = threading.Event()
    cancelled.set()
    assert not estimate_folder(big, Settings(), cancelled).capped  # closed dialog, not a cap


def test_capped_folder_shows_a_lower_bound(qtbot, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    from finder.gui.tasks import TaskRunner

    big = tmp_path / "big"
    big.mkdir()
    for i in range(8):
        (big / f"f{i}.txt").write_text("words\n")
    real = welcome.estimate_folder
    monkeypatch.setattr(welcome, "estimate_folder", lambda p, s, c: real(p, s, c, cap=5))
    runner = TaskRunner()
    dialog = WelcomeDialog(Settings(), runner, folders=[("Big", big)])
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.rows[0].detail.text() == "Counting files…"
    qtbot.waitUntil(lambda: dialog.estimates_done == 1)
    assert dialog.rows[0].detail.text() == "5+ files"
    assert dialog.total_label.text().startswith("5+ files")
    assert "Large folders take a while" in dialog.time_label.text()
    dialog.reject()
    assert dialog.rows[0].cancel.is_set()
    runner.shutdown()


def qtbot_left():  # type: ignore[no-untyped-def]
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
