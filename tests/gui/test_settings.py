"""Settings dialog round trip: edit → Save → settings file → reloaded; model change asks first."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence

from finder.core.config import load_settings
from finder.gui.settings_dialog import SettingsDialog


def test_settings_round_trip(qtbot, tmp_path, home, make_app):  # type: ignore[no-untyped-def]
    app = make_app()
    extra = tmp_path / "more"
    extra.mkdir()
    (extra / "note.txt").write_text("A note about sailing boats.\n")
    old = app.service.settings
    dialog = SettingsDialog(old, app.runner, app.window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.estimates_done >= 1)
    assert "files" in dialog.estimate_label.text()
    dialog.add_root(str(extra))
    qtbot.waitUntil(lambda: dialog.estimates_done >= 2)
    assert dialog.estimate_label.text().startswith("8 files")
    dialog.exclude.setPlainText("*.log\nbuild/\n")
    dialog.cpu_value.setValue(30)
    dialog.hotkey.setKeySequence(QKeySequence("Ctrl+Shift+F"))
    dialog.hidden.setChecked(True)
    asked = []
    dialog.confirm_model_change = lambda new: asked.append(new) or True
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert not asked  # the model did not change
    new = dialog.result_settings()
    app.apply_settings(old, new)
    qtbot.waitUntil(lambda: load_settings(home).cpu_cap == 30)
    saved = load_settings(home)
    assert saved.exclude == ("*.log", "build/")
    assert saved.hotkey == "Ctrl+Shift+F"
    assert saved.index_hidden is True
    assert str(extra) in saved.roots and len(saved.roots) == 2
    assert saved == app.service.settings

    # Reopen: the dialog shows what was saved.
    again = SettingsDialog(saved, app.runner, app.window)
    qtbot.addWidget(again)
    assert again.root_list() == list(saved.roots)
    assert again.cpu.value() == 30 and again.exclude.toPlainText() == "*.log\nbuild/"


def test_model_change_needs_confirmation(qtbot, make_app):  # type: ignore[no-untyped-def]
    app = make_app()
    dialog = SettingsDialog(app.service.settings, app.runner, app.window)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.local_models_loaded)
    i = dialog.local_model.findData("minilm")
    assert i > 0
    dialog.local_model.setCurrentIndex(i)
    dialog.confirm_model_change = lambda new: False
    dialog.accept()
    assert dialog.result() != SettingsDialog.DialogCode.Accepted  # the user said no: stay open
    dialog.confirm_model_change = lambda new: True
    dialog.accept()
    assert dialog.result() == SettingsDialog.DialogCode.Accepted
    assert dialog.result_settings().model == "minilm"


def test_removing_a_folder_forgets_it(qtbot, corpus, home, make_app):  # type: ignore[no-untyped-def]
    app = make_app()
    old = app.service.settings
    dialog = SettingsDialog(old, app.runner, app.window)
    qtbot.addWidget(dialog)
    dialog.roots.setCurrentRow(0)
    dialog.roots.item(0).setSelected(True)
    dialog._remove_root()
    dialog.accept()
    app.apply_settings(old, dialog.result_settings())
    qtbot.waitUntil(lambda: load_settings(home).roots == ())
    assert app.service.search("orchard", mode="lexical") == []


def test_settings_from_the_menu(qtbot, home, make_app):  # type: ignore[no-untyped-def]
    app = make_app()
    app.window.show()
    app.window.settings_action.trigger()
    dialog = app.settings_dialog
    assert dialog is not None and dialog.isVisible()
    dialog.cpu_value.setValue(70)
    dialog.accept()
    qtbot.waitUntil(lambda: load_settings(home).cpu_cap == 70)
    assert app.settings_dialog is None
