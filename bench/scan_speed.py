"""Benchmark: how many files per second scan_root walks in a generated tree (default 100k files)."""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from finder.core.config import Settings
from finder.core.scan import estimate, scan_root


def build_tree(root: Path, files: int, per_folder: int) -> None:
    """``files`` small files, ``per_folder`` to a folder, two folder levels, a .gitignore or two."""
    (root / ".gitignore").write_text("*.log\n")
    folders = (files + per_folder - 1) // per_folder
    made = 0
    for d in range(folders):
        folder = root / f"group{d // 50:03d}" / f"folder{d:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        if d % 100 == 0:
            (folder / ".gitignore").write_text("!keep.log\n")
        for i in range(min(per_folder, files - made)):
            with open(folder / f"note{i:03d}.txt", "wb") as fh:
                fh.write(b"some text\n")
            made += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--per-folder", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="finder-bench-") as tmp:
        root = Path(tmp)
        t0 = time.perf_counter()
        build_tree(root, args.files, args.per_folder)
        print(f"built {args.files} files in {time.perf_counter() - t0:.1f} s")
        settings = Settings()
        for run in range(1, args.runs + 1):
            t0 = time.perf_counter()
            count = sum(1 for _ in scan_root(root, settings))
            seconds = time.perf_counter() - t0
            print(f"run {run}: {count} files in {seconds:.2f} s = {count / seconds:,.0f} files/s")
        t0 = time.perf_counter()
        est = estimate([root], settings)
        print(f"estimate: {est.files} files, {est.est_chunks} chunks "
              f"in {time.perf_counter() - t0:.2f} s")


if __name__ == "__main__":
    main()
