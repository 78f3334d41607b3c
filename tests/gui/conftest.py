"""GUI fixtures: a small English/Chinese/PDF corpus, a real FinderService over it, the app wired up."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.zoo import make_pdf


CORPUS = {
    "orchard_notes.txt": "Notes from the orchard: the apple harvest was late this year because of "
                         "the cold spring. We pruned the pear trees and planted cherries.\n",
    "gardening.md": "# Growing tomatoes\n\nTomatoes need full sun, deep watering and a stake. "
                    "Pinch the side shoots so the plant puts its energy into fruit.\n",
    "vector_store.py": '"""A tiny vector store: cosine similarity over numpy arrays."""\n\n'
                       "import numpy as np\n\n\ndef nearest(query, matrix):\n"
                       "    return np.argsort(-(matrix @ query))[:10]\n",
    "travel/kyoto_trip.txt": "Our trip to Kyoto: temples, gardens and the bamboo forest. "
                             "We took the train from Tokyo and stayed in a small ryokan.\n",
    "天气日记.txt": "今天天气很好，我们在公园里散步，讨论机器学习和向量数据库的设计。\n"
                 "语义搜索可以根据文件的含义而不是文件名来查找文件。\n",
    "会议纪要.md": "# 项目会议纪要\n\n我们讨论了下个季度的预算和招聘计划，决定先完成搜索功能。\n",
}
PDF_PAGES = ["Quarterly report\nRevenue grew in every region.",
             "Outlook\nWe expect the orchard business to recover after the harvest."]


def write_corpus(folder: Path) -> Path:
    for rel, text in CORPUS.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (folder / "report.pdf").write_bytes(make_pdf(PDF_PAGES))
    return folder


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "docs")


@pytest.fixture
def home() -> Path:
    return Path(os.environ["FINDER_HOME"])


@pytest.fixture
def service(corpus: Path, home: Path) -> Iterator[object]:
    from finder.core.service import FinderService

    svc = FinderService(home=home)
    svc.index([corpus], embed=False)
    yield svc
    svc.close()  # closing twice is harmless (the app closes it on shutdown)


@pytest.fixture
def no_desktop(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Record open/reveal/copy instead of launching other programs."""
    from finder.gui import desktop_actions

    calls: list[tuple[str, str]] = []
    monkeypatch.setattr(desktop_actions, "open_path", lambda p: calls.append(("open", p)) or True)
    monkeypatch.setattr(desktop_actions, "reveal_path", lambda p: calls.append(("reveal", p)) or True)
    return calls


@pytest.fixture
def make_app(qtbot, service, no_desktop):  # type: ignore[no-untyped-def]
    """Build a FinderApp (no hotkey, no live indexing unless asked); always shut down cleanly."""
    from finder.gui.app import FinderApp

    apps = []

    def make(**kw):  # type: ignore[no-untyped-def]
        kw.setdefault("use_hotkey", False)
        kw.setdefault("use_live", False)
        app = FinderApp(service, **kw)
        apps.append(app)
        qtbot.addWidget(app.window)
        return app

    yield make
    for app in apps:
        app.shutdown()


@pytest.fixture(autouse=True)
def _no_leaked_threads() -> Iterator[None]:
    """Every test must stop the threads it started (a live QThread at exit aborts Python)."""
    before = {t.ident for t in threading.enumerate()}
    yield
    leaked = [t for t in threading.enumerate() if t.ident not in before and t.is_alive()
              and not t.name.startswith(("pydevd", "Dummy"))]
    assert not leaked, f"threads left running: {[t.name for t in leaked]}"
