"""Keystroke → results latency in the desktop app, offscreen, on a large catalog.

    python bench/gui_latency.py [--chunks 100000] [--queries 40]

Types SciFact claims (first words) into the real search box with QTest at ~12 keys/s and
records, for every keystroke, the time until the keyword results of that text reach the
results model, and after the last keystroke of each query the time until the meaning
(hybrid) results arrive. The catalog is built like bench/perf.py's (real text, derived vectors).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from perf import build_catalog, queries  # noqa: E402


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000 if xs else float("nan")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=40)
    parser.add_argument("--key-ms", type=int, default=80)
    args = parser.parse_args()
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    from finder.core.config import Settings
    from finder.core.service import FinderService
    from finder.gui.app import FinderApp

    with tempfile.TemporaryDirectory(prefix="finder-gui-lat-") as tmp_s:
        _docs, home = build_catalog(Path(tmp_s), args.chunks)
        app = QApplication.instance() or QApplication([])
        service = FinderService(home=home, settings=Settings())
        fa = FinderApp(service, use_hotkey=False, use_live=False)
        win = fa.window
        win.show()
        box = win.search_box
        typed_at: dict[str, float] = {}
        lexical: list[float] = []
        hybrid: list[float] = []
        last_text = {"value": ""}

        def on_results(_gen: int, text: str, _hits: object, mode: str) -> None:
            now = time.perf_counter()
            if mode == "lexical" and text in typed_at:
                lexical.append(now - typed_at.pop(text))
            elif mode == "hybrid" and text == last_text["value"] and "final" in typed_at:
                hybrid.append(now - typed_at.pop("final"))

        win.search.results_ready.connect(on_results)
        service.search("warm up the model and caches", 5)
        loop = QEventLoop()
        for claim in queries()[: args.queries]:
            text = " ".join(claim.split()[:4])
            box.clear()
            QTimer.singleShot(300, loop.quit)
            loop.exec()
            for i, ch in enumerate(text):
                typed_at[text[: i + 1]] = time.perf_counter()
                QTest.keyClicks(box, ch) if ch.isascii() else box.insert(ch)
                if i == len(text) - 1:
                    typed_at["final"] = typed_at[text]
                    last_text["value"] = text
                QTimer.singleShot(args.key_ms, loop.quit)
                loop.exec()
            QTimer.singleShot(1500, loop.quit)  # let the meaning pass land
            loop.exec()
            typed_at.clear()
        fa.shutdown()
        print("| measure (offscreen app, %d chunks) | p50 | p95 | n |" % args.chunks)
        print("|---|---|---|---|")
        print(f"| keystroke → keyword + name results in the list | {pct(lexical, .5):.0f} ms | "
              f"{pct(lexical, .95):.0f} ms | {len(lexical)} |")
        print(f"| last keystroke → results with meaning | {pct(hybrid, .5):.0f} ms | {pct(hybrid, .95):.0f} ms "
              f"| {len(hybrid)} |")
        print(json.dumps({"lexical_ms": [round(x * 1000, 1) for x in lexical[:5]]}), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
