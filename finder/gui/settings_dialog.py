"""Settings: watched folders (with a dry-run estimate), exclusions, model, CPU cap, hotkey, login."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QKeySequenceEdit,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSlider,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from finder.core.config import Settings
from finder.core.errors import FinderError
from finder.gui.formatting import human_duration, human_size
from finder.gui.i18n import tr
from finder.gui.tasks import IO, TaskRunner

LOCAL = "local"


def apply_settings(service: Any, old: Settings, new: Settings) -> None:
    """Worker side of Save: forget removed folders, then store the new settings."""
    for root in old.roots:
        if root not in new.roots:
            service.forget(Path(root))
    service.update_settings(new)


def _presets() -> Any:
    try:
        from finder.core.embed import presets
    except ImportError:
        return None
    return presets if hasattr(presets, "apply_provider_choice") else None


def _estimate(roots: list[str], settings: Settings) -> Any:
    from finder.core import extract as extraction
    from finder.core.scan import estimate

    return estimate([Path(r) for r in roots], settings, is_supported=extraction.is_supported)


def _local_models() -> list[dict[str, Any]]:
    try:
        from finder.core.embed.local import available_models
    except ImportError:
        return [{"name": "", "description": "Default multilingual model", "installed": True}]
    return available_models()


class SettingsDialog(QDialog):
    """Edits a copy of the settings; ``result_settings()`` gives the new frozen Settings."""

    def __init__(self, settings: Settings, runner: TaskRunner, parent: QWidget | None = None,
                 *, hotkey_status: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("Semantic Finder Settings"))
        self.resize(640, 500)
        self.original = settings
        self.runner = runner
        self._estimate_token = 0
        self.estimates_done = 0
        # Tests replace this to answer the "re-embed everything?" question.
        self.confirm_model_change = self._ask_model_change

        self.tabs = QTabWidget()
        self.tabs.addTab(self._folders_tab(settings), tr("Folders"))
        self.tabs.addTab(self._exclusions_tab(settings), tr("Exclusions"))
        self.tabs.addTab(self._model_tab(settings), tr("Search Model"))
        self.tabs.addTab(self._general_tab(settings, hotkey_status), tr("General"))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        self._update_estimate()

    # -- tabs --------------------------------------------------------------------------------------
    def _folders_tab(self, s: Settings) -> QWidget:
        page = QWidget()
        self.roots = QListWidget()
        for root in s.roots:
            self.roots.addItem(root)
        add = QPushButton(tr("Add…"))
        add.clicked.connect(self._choose_root)
        remove = QPushButton(tr("Remove"))
        remove.clicked.connect(self._remove_root)
        side = QVBoxLayout()
        side.addWidget(add)
        side.addWidget(remove)
        side.addStretch(1)
        row = QHBoxLayout()
        row.addWidget(self.roots, 1)
        row.addLayout(side)
        self.estimate_label = QLabel()
        self.estimate_label.setWordWrap(True)
        self.estimate_label.setStyleSheet("color: palette(placeholder-text);")
        self.hidden = QCheckBox(tr("Index hidden files and folders"))
        self.hidden.setChecked(s.index_hidden)
        self.gitignore = QCheckBox(tr("Skip what .gitignore files exclude"))
        self.gitignore.setChecked(s.honour_gitignore)
        self.max_mb = QDoubleSpinBox()
        self.max_mb.setRange(0.1, 10_000)
        self.max_mb.setSuffix(" MB")
        self.max_mb.setValue(s.max_file_mb)
        form = QFormLayout()
        form.addRow(tr("Skip files larger than"), self.max_mb)
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel(tr("Folders to watch and search:")))
        layout.addLayout(row, 1)
        layout.addWidget(self.estimate_label)
        layout.addWidget(self.hidden)
        layout.addWidget(self.gitignore)
        layout.addLayout(form)
        return page

    def _exclusions_tab(self, s: Settings) -> QWidget:
        page = QWidget()
        self.exclude = QPlainTextEdit("\n".join(s.exclude))
        self.exclude.setPlaceholderText("node_modules/\n*.log\nbuild/")
        layout = QVBoxLayout(page)
        layout.addWidget(QLabel(tr("Patterns to leave out, one per line (.gitignore syntax). "
                                   "Common junk such as .git and caches is always skipped.")))
        layout.addWidget(self.exclude, 1)
        return page

    def _model_tab(self, s: Settings) -> QWidget:
        page = QWidget()
        self.provider = QComboBox()
        self.provider.addItem(tr("Local model (offline, private)"), LOCAL)
        presets = _presets()
        if presets is not None:
            for name, preset in presets.PRESETS.items():
                self.provider.addItem(preset.label, name)
        i = self.provider.findData(s.provider)
        self.provider.setCurrentIndex(max(i, 0))
        self.local_model = QComboBox()
        current = s.model if s.provider == LOCAL else ""
        self.local_model.addItem(current or tr("default"), current)
        self.local_models_loaded = False
        # Listing local models reads model folders: on a worker, then fill the list.
        self.runner.run(_local_models, self._fill_local_models, IO)
        self.remote_model = QLineEdit(s.model if s.provider != LOCAL else "")
        self.remote_model.setPlaceholderText(tr("the provider's default"))
        self.base_url = QLineEdit(s.base_url)
        self.base_url.setPlaceholderText(tr("the provider's default"))
        self.key_env = QLineEdit(s.api_key_env)
        self.key_env.setPlaceholderText("OPENAI_API_KEY")
        self.provider_note = QLabel()
        self.provider_note.setWordWrap(True)
        self.form = QFormLayout()
        self.form.addRow(tr("Provider"), self.provider)
        self.form.addRow(tr("Model"), self.local_model)
        self.form.addRow(tr("Remote model"), self.remote_model)
        self.form.addRow(tr("Server URL"), self.base_url)
        self.form.addRow(tr("API key variable"), self.key_env)
        layout = QVBoxLayout(page)
        layout.addLayout(self.form)
        layout.addWidget(self.provider_note)
        layout.addStretch(1)
        self.provider.currentIndexChanged.connect(self._provider_changed)
        self._provider_changed()
        return page

    def _general_tab(self, s: Settings, hotkey_status: str) -> QWidget:
        page = QWidget()
        self.cpu = QSlider(Qt.Orientation.Horizontal)
        self.cpu.setRange(5, 100)
        self.cpu.setSingleStep(5)
        self.cpu.setPageStep(10)
        self.cpu.setValue(s.cpu_cap)
        self.cpu_value = QSpinBox()
        self.cpu_value.setRange(5, 100)
        self.cpu_value.setSuffix(" %")
        self.cpu_value.setValue(s.cpu_cap)
        self.cpu.valueChanged.connect(self.cpu_value.setValue)
        self.cpu_value.valueChanged.connect(self.cpu.setValue)
        cpu_row = QHBoxLayout()
        cpu_row.addWidget(self.cpu, 1)
        cpu_row.addWidget(self.cpu_value)
        self.paused = QCheckBox(tr("Pause background indexing"))
        self.paused.setChecked(s.paused)
        self.hotkey = QKeySequenceEdit(QKeySequence(s.hotkey))
        self.hotkey.setMaximumSequenceLength(1) if hasattr(self.hotkey, "setMaximumSequenceLength") else None
        self.hotkey.setClearButtonEnabled(True)
        self.hotkey_note = QLabel(hotkey_status)
        self.hotkey_note.setWordWrap(True)
        self.hotkey_note.setStyleSheet("color: palette(placeholder-text);")
        self.login = QCheckBox(tr("Start Semantic Finder when I log in"))
        self.login.setChecked(s.start_at_login)
        try:
            import finder.desktop  # type: ignore[import-not-found]  # noqa: F401
        except ImportError:
            self.login.setToolTip(tr("Not available in this build"))
        form = QFormLayout()
        form.addRow(tr("Indexing may use"), cpu_row)
        form.addRow("", QLabel(tr("of one processor core, on average")))
        form.addRow("", self.paused)
        form.addRow(tr("Global shortcut"), self.hotkey)
        form.addRow("", self.hotkey_note)
        form.addRow("", self.login)
        layout = QVBoxLayout(page)
        layout.addLayout(form)
        layout.addStretch(1)
        return page

    def _fill_local_models(self, models: Any, error: BaseException | None) -> None:
        if error is not None or not models:
            return
        current = self.local_model.currentData() or ""
        self.local_model.clear()
        for m in models:
            label = m["name"] or tr("default")
            if m.get("default"):
                label += "  " + tr("(default)")
            if not m.get("installed", True):
                label += "  " + tr("(not installed)")
            self.local_model.addItem(label, "" if m.get("default") else m["name"])
            self.local_model.setItemData(self.local_model.count() - 1, m.get("description", ""),
                                         Qt.ItemDataRole.ToolTipRole)
        self.local_model.setCurrentIndex(max(self.local_model.findData(current), 0))
        self.local_models_loaded = True

    # -- behaviour ---------------------------------------------------------------------------------
    def _provider_changed(self) -> None:
        local = self.provider.currentData() == LOCAL
        for w in (self.local_model,):
            self.form.setRowVisible(w, local)
        for w in (self.remote_model, self.base_url, self.key_env):
            self.form.setRowVisible(w, not local)
        if local:
            self.provider_note.setText(tr("Everything stays on this computer. The default model "
                                          "understands English, Chinese and 14 more languages."))
        else:
            self.provider_note.setText(tr("The text of your files is sent to %1 to compute the "
                                          "meaning index. Files that look like secrets are never sent.")
                                       .replace("%1", self.provider.currentText()))

    def _choose_root(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, tr("Add a folder"), str(Path.home()))
        if folder:
            self.add_root(folder)

    def add_root(self, folder: str) -> None:
        folder = os.path.abspath(folder)
        if folder not in self.root_list():
            self.roots.addItem(folder)
            self._update_estimate()

    def _remove_root(self) -> None:
        for item in self.roots.selectedItems():
            self.roots.takeItem(self.roots.row(item))
        self._update_estimate()

    def root_list(self) -> list[str]:
        return [self.roots.item(i).text() for i in range(self.roots.count())]

    def _update_estimate(self) -> None:
        """Dry run on a worker: how many files the folders hold and how long indexing takes."""
        roots = self.root_list()
        self._estimate_token += 1
        token = self._estimate_token
        if not roots:
            self.estimate_label.setText(tr("No folders yet. You can also drop folders on the main window."))
            return
        self.estimate_label.setText(tr("Counting files…"))
        settings = self.original.replace(roots=tuple(roots))

        def done(est: Any, error: BaseException | None) -> None:
            if token != self._estimate_token:
                return
            self.estimates_done += 1
            if error is not None:
                self.estimate_label.setText(str(error))
                return
            self.estimate_label.setText(
                tr("%1 files (%2), about %3 passages. Keyword search ready in %4; "
                   "meaning index in %5 on this computer.")
                .replace("%1", f"{est.files:,}").replace("%2", human_size(est.bytes))
                .replace("%3", f"{est.est_chunks:,}")
                .replace("%4", human_duration(est.est_seconds_keyword))
                .replace("%5", human_duration(est.est_seconds_embed)))

        self.runner.run(lambda: _estimate(roots, settings), done, IO)

    def result_settings(self) -> Settings:
        """The settings as edited; raises FinderError (ConfigError) when invalid."""
        s = self.original.replace(
            roots=tuple(self.root_list()),
            exclude=tuple(line.strip() for line in self.exclude.toPlainText().splitlines() if line.strip()),
            index_hidden=self.hidden.isChecked(),
            honour_gitignore=self.gitignore.isChecked(),
            max_file_mb=float(self.max_mb.value()),
            cpu_cap=int(self.cpu_value.value()),
            paused=self.paused.isChecked(),
            hotkey=self.hotkey.keySequence().toString(QKeySequence.SequenceFormat.PortableText),
            start_at_login=self.login.isChecked(),
        )
        name = self.provider.currentData()
        presets = _presets()
        if name == LOCAL:
            model = self.local_model.currentData() or ""
            if presets is not None:
                return presets.apply_provider_choice(s, LOCAL, model=model)
            return s.replace(provider=LOCAL, model=model, base_url="", api_key_env="")
        if presets is None:
            return s
        return presets.apply_provider_choice(
            s, name, base_url=self.base_url.text().strip() or None,
            model=self.remote_model.text().strip() or None,
            api_key_env=self.key_env.text().strip() or None)

    def model_changed(self, new: Settings) -> bool:
        o = self.original
        return (o.provider, o.model, o.base_url, o.dimensions) != (new.provider, new.model, new.base_url,
                                                                   new.dimensions)

    def _ask_model_change(self, new: Settings) -> bool:
        answer = QMessageBox.question(
            self, tr("Change the search model?"),
            tr("Every passage will be embedded again with the new model. Search keeps using the "
               "current model until the new index is complete."),
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel)
        return answer == QMessageBox.StandardButton.Yes

    def accept(self) -> None:
        try:
            new = self.result_settings()
        except (FinderError, ValueError) as exc:
            QMessageBox.warning(self, tr("Check the settings"), str(exc))
            return
        if self.model_changed(new) and not self.confirm_model_change(new):
            return
        self._accepted = new
        super().accept()
