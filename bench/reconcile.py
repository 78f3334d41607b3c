"""Start-up reconciliation of a large unchanged tree: how long service.scan() takes when nothing changed.

    .venv/bin/python bench/reconcile.py [--files 100000] [--per-folder 100] [--runs 3]

Builds --files tiny text files under /tmp, indexes them without embedding (timed: scan, then
extraction into the keyword index), then times service.scan() with nothing changed, first
on the same service (warm SQLite cache) and then on a freshly opened service (what an app
start does; the OS page cache is still warm).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from finder.core.config import Settings
from finder.core.service import FinderService


def build_tree(root: Path, files: int, per_folder: int) -> None:
    folders = (files + per_folder - 1) // per_folder
    made = 0
    for d in range(folders):
        folder = root / f"group{d // 50:03d}" / f"folder{d:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(min(per_folder, files - made)):
            with open(folder / f"note{i:03d}.txt", "wb") as fh:
                fh.write(b"note %d in folder %d\n" % (i, d))
            made += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--per-folder", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    rows: list[tuple[str, float, str]] = []
    with tempfile.TemporaryDirectory(prefix="finder-reconcile-", dir="/tmp") as tmp:
        tree = Path(tmp) / "tree"
        home = Path(tmp) / "home"
        t0 = time.perf_counter()
        build_tree(tree, args.files, args.per_folder)
        rows.append(("create the tree", time.perf_counter() - t0, f"{args.files} files"))
        svc = FinderService(home=home, settings=Settings())
        t0 = time.perf_counter()
        svc.add_roots([tree])
        first = svc.scan()
        rows.append(("first scan (all new → pending)", time.perf_counter() - t0, f"added {first.added}"))
        t0 = time.perf_counter()
        done = svc.extract_pending()
        seconds = time.perf_counter() - t0
        rows.append(("extract into the keyword index (embed=False)", seconds, f"{done} files, {done / seconds:,.0f} files/s"))
        for run in range(1, args.runs + 1):
            t0 = time.perf_counter()
            res = svc.scan()
            seconds = time.perf_counter() - t0
            changed = res.added + res.changed + res.removed + res.renamed
            rows.append((f"reconcile, nothing changed (same service, run {run})", seconds,
                         f"{res.found / seconds:,.0f} files/s, {changed} changes"))
        svc.close()
        svc = FinderService(home=home)
        t0 = time.perf_counter()
        res = svc.scan()
        seconds = time.perf_counter() - t0
        rows.append(("reconcile, nothing changed (fresh service = app start)", seconds,
                     f"{res.found / seconds:,.0f} files/s, {res.added + res.changed + res.removed} changes"))
        size_mb = sum(p.stat().st_size for p in home.iterdir() if p.is_file()) / 2**20
        rows.append(("catalog size (MB)", size_mb, ""))
        svc.close()
    print()
    print(f"| step ({args.files} tiny files) | seconds | notes |")
    print("|---|---|---|")
    for label, value, note in rows:
        print(f"| {label} | {value:.2f} | {note} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
