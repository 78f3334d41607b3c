"""Regenerate docs/screenshots/*.png from a sample English/Chinese/PDF corpus (offscreen Qt).

    .venv/bin/python scripts/screenshots.py [out_dir]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLES = {
    "Notes/orchard_notes.txt": "Notes from the orchard: the apple harvest was late this year because of the "
    "cold spring. We pruned the pear trees, planted cherries and netted the young plums against birds.\n",
    "Notes/gardening.md": "# Growing tomatoes\n\nTomatoes need full sun, deep watering and a stake. Pinch the "
    "side shoots so the plant puts its energy into fruit. Feed weekly once the first trusses set.\n",
    "Notes/kyoto_trip.txt": "Our trip to Kyoto: temples, gardens and the bamboo forest in Arashiyama. We took "
    "the train from Tokyo and stayed in a small ryokan near the river.\n",
    "Code/vector_store.py": '"""A tiny vector store: cosine similarity over numpy arrays."""\n\nimport numpy as np\n\n'
    "def nearest(query, matrix, k=10):\n    return np.argsort(-(matrix @ query))[:k]\n",
    "Code/README.rst": "Search service\n==============\n\nThe search service ranks documents by fusing keyword "
    "and embedding scores with reciprocal rank fusion.\n",
    "笔记/天气日记.txt": "今天天气很好，我们在公园里散步，讨论机器学习和向量数据库的设计。"
    "下午下了一场小雨，空气变得很清新。\n语义搜索可以根据文件的含义而不是文件名来查找文件。\n",
    "笔记/会议纪要.md": "# 项目会议纪要\n\n我们讨论了下个季度的预算和招聘计划，决定先完成搜索功能，"
    "然后再优化索引速度。天气预报说周五有雨，团建改到下周。\n",
    "笔记/旅行计划.txt": "五月去杭州旅行：西湖、灵隐寺和龙井村。记得查看天气，带上雨伞。\n",
}


def build_corpus(root: Path) -> Path:
    from tests.zoo import make_pdf

    for rel, text in SAMPLES.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
    (root / "Reports").mkdir(exist_ok=True)
    (root / "Reports" / "annual_report.pdf").write_bytes(make_pdf([
        "Annual report 2025\nRevenue grew in every region.\nThe orchard division doubled its exports.",
        "Outlook\nWe expect fruit prices to stabilise after a late harvest.",
        "季度总结\n今年的天气对果园收成影响很大。",
    ]))
    (root / "Reports" / "scanned_invoice.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << >> broken\n")
    return root


def pump(until, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtCore import QCoreApplication, QEventLoop

    end = time.monotonic() + timeout
    while not until():
        if time.monotonic() > end:
            raise TimeoutError("screenshot state not reached")
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)


def settle() -> None:
    """Let posted layout and paint requests run before a grab."""
    from PySide6.QtCore import QCoreApplication

    for _ in range(5):
        QCoreApplication.processEvents()
        QCoreApplication.sendPostedEvents()


def type_commit(widget, text: str) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QInputMethodEvent
    from PySide6.QtWidgets import QApplication

    widget.clear()
    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def welcome_dialog(finder_app, tmp: Path, out: Path) -> None:  # type: ignore[no-untyped-def]
    """The first-run welcome over a sample home: Documents (the corpus), Desktop, Downloads."""
    from finder.gui.welcome import maybe_show_welcome

    for rel, size in (("Desktop/todo.txt", 300), ("Desktop/meeting.md", 2_000),
                      ("Downloads/manual.html", 48_000), ("Downloads/mail-archive.txt", 12_000_000)):
        p = tmp / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("sample text. " * (size // 13), encoding="utf-8")
    saved = {k: os.environ.get(k) for k in ("HOME", "XDG_CONFIG_HOME")}
    os.environ["HOME"] = str(tmp)  # QStandardPaths and the "~/" labels follow $HOME
    os.environ["XDG_CONFIG_HOME"] = str(tmp / ".config")
    try:
        dialog = maybe_show_welcome(finder_app)
        assert dialog is not None
        pump(lambda: dialog.estimates_done == len(dialog.rows) > 0)
        dialog.rows[-1].check.setChecked(True)  # Documents and Downloads: a total worth reading
        settle()
        dialog.grab().save(str(out / "welcome-dialog.png"))
        dialog.cancel_estimates()
        dialog.hide()  # not an answer: first_run_done stays as it is
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main(out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="finder-shots-"))
    os.environ["FINDER_HOME"] = str(tmp / "home")
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    app.setApplicationName("Semantic Finder")
    from finder.core.indexer import Progress
    from finder.core.service import FinderService
    from finder.gui.app import FinderApp
    from finder.gui.settings_dialog import SettingsDialog

    corpus = build_corpus(tmp / "Documents")
    service = FinderService()
    welcome = FinderApp(service, use_hotkey=False, use_live=False, use_tray=False)
    welcome.window.resize(1100, 680)
    welcome.window.show()
    pump(lambda: welcome.window.status is not None)
    settle()
    welcome.window.grab().save(str(out / "welcome.png"))
    welcome_dialog(welcome, tmp, out)
    welcome.window.hide()
    welcome.index.stop()
    welcome.runner.shutdown()
    service.index([corpus], embed=True)
    fa = FinderApp(service, use_hotkey=False, use_live=False)
    w = fa.window
    w.resize(1100, 680)
    w.show()

    def search(text: str) -> None:
        type_commit(w.search_box, text)
        pump(lambda: w.model.mode == "hybrid" and w.model.query == text)
        pump(lambda: w.status is not None)
        lat = {k: f"{v * 1000:.0f} ms" for k, v in w.search.last_latency.items()}
        print(f"query {text!r}: after the 120 ms debounce, results in {lat}")
        pump(lambda: fa.runner.pending() == 0)
        settle()

    pump(lambda: w.status is not None and fa.runner.pending() == 0)
    settle()
    w.grab().save(str(out / "empty-state.png"))
    search("fruit harvest")
    w.grab().save(str(out / "main-english.png"))
    w.preview.grab().save(str(out / "preview.png"))
    search("天气")
    w.grab().save(str(out / "main-chinese.png"))

    w.panel.on_progress(Progress("embed", 340, 800, "", 95))
    settle()
    w.statusBar().grab().save(str(out / "indexing-progress.png"))
    w.grab().save(str(out / "main-indexing.png"))
    w.panel.on_progress(Progress("idle"))

    w.show_problems()
    dlg = w.problems_dialog
    pump(lambda: dlg.loaded > 0)
    dlg.grab().save(str(out / "failed-files.png"))
    dlg.hide()

    popup = fa.tray.popup if fa.tray is not None else None
    if popup is not None:
        popup.popup()
        type_commit(popup.box, "orchard")
        pump(lambda: popup.model.mode == "hybrid" and popup.model.rowCount() > 0)
        popup.grab().save(str(out / "tray-popup.png"))
        popup.hide()

    dialog = SettingsDialog(service.settings, fa.runner, w, hotkey_status="Ctrl+Alt+Space opens Semantic Finder from anywhere")
    dialog.show()
    pump(lambda: dialog.estimates_done > 0)
    dialog.grab().save(str(out / "settings-folders.png"))
    dialog.tabs.setCurrentIndex(2)
    dialog.grab().save(str(out / "settings-model.png"))
    dialog.tabs.setCurrentIndex(3)
    dialog.grab().save(str(out / "settings-general.png"))
    dialog.reject()

    fa.shutdown()
    print(f"screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"))
