"""Extraction throughput: make N mixed files (txt, md, GBK, html, pdf; some Chinese), time them."""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from finder.core.extract import extract  # noqa: E402
from tests.zoo import CHINESE, ENGLISH, make_pdf  # noqa: E402

KINDS = ("txt", "md", "gbk.txt", "html", "pdf")


def make_files(folder: Path, count: int, size_kb: int, seed: int = 7) -> list[Path]:
    rng = random.Random(seed)
    english = ENGLISH.split()
    chinese = CHINESE.replace("\n", "")
    paths = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        words = " ".join(rng.choice(english) for _ in range(size_kb * 170))
        zh = "".join(rng.choice(chinese) for _ in range(size_kb * 300))
        lines = [words[j:j + 80] for j in range(0, len(words), 80)]
        path = folder / f"f{i:05d}.{kind}"
        if kind == "txt":
            path.write_text("\n".join(lines), encoding="utf-8")
        elif kind == "md":
            path.write_text("# 标题\n\n" + zh + "\n\n" + "\n".join(lines[:20]), encoding="utf-8")
        elif kind == "gbk.txt":
            path.write_bytes(zh.encode("gbk"))
        elif kind == "html":
            body = "".join(f"<p>{line}</p>" for line in lines)
            path.write_text(f"<html><head><title>t{i}</title><script>x=1</script></head>"
                            f"<body>{body}</body></html>", encoding="utf-8")
        else:
            pages = ["\n".join(lines[k:k + 40]) for k in range(0, min(len(lines), 120), 40)]
            path.write_bytes(make_pdf(pages or ["empty"]))
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", "--files", type=int, default=500)
    parser.add_argument("--size-kb", type=int, default=10, help="about this many KB per file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sf-bench-") as tmp:
        paths = make_files(Path(tmp), args.files, args.size_kb)
        per_kind: dict[str, list[float]] = defaultdict(lambda: [0, 0.0, 0.0])
        start = time.perf_counter()
        for path in paths:
            t0 = time.perf_counter()
            doc = extract(path)
            stats = per_kind[path.name.split(".", 1)[1]]
            stats[0] += 1
            stats[1] += path.stat().st_size
            stats[2] += time.perf_counter() - t0
            assert doc.text
        total = time.perf_counter() - start
    size = sum(s[1] for s in per_kind.values())
    print(f"{len(paths)} files, {size / 2**20:.1f} MB in {total:.2f} s: "
          f"{len(paths) / total:.0f} files/s, {size / 2**20 / total:.1f} MB/s")
    for kind, (n, nbytes, secs) in sorted(per_kind.items()):
        print(f"  {kind:8} {n:5.0f} files  {nbytes / n / 1024:6.1f} KB avg  "
              f"{n / secs:7.0f} files/s  {nbytes / 2**20 / secs:6.1f} MB/s")


if __name__ == "__main__":
    main()
