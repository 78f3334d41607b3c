"""File saved → searchable by keyword and by meaning: p50/p95 over N edits of small files (LiveIndex).

    .venv/bin/python bench/live_latency.py [--edits 100] [--files 20] [--model ""]

Uses the real local model (settings provider "local") and LiveIndex with the app's defaults
(debounce, cpu_cap). Each edit rewrites one small file with a unique word and a new sentence,
then polls: "keyword" = a lexical search for the unique word returns the file; "meaning" = the
new chunk's vector is committed and in the vector index (a vector search for the sentence then
returns the file first; misses are counted). Edits are sequential.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from finder.core.config import Settings
from finder.core.indexer import text_hash
from finder.core.live import LiveIndex
from finder.core.service import FinderService
from finder.core.store.db import fs_key

SUBJECTS = ("The harbour master", "A young violinist", "Our gardener", "The night nurse", "A retired pilot",
            "The bakery owner", "My neighbour", "The museum guide", "A glacier researcher", "The tax advisor")
ACTIONS = ("repaired an old clock", "planted tomatoes", "wrote a letter about rent", "studied whale songs",
           "baked rye bread", "fixed a leaking roof", "measured river pollution", "booked a train to Vienna",
           "painted the fence blue", "sorted the invoices")
PLACES = ("before sunrise", "in the rain", "after the meeting", "during the holidays", "near the lighthouse",
          "at the market", "in the basement", "on the mountain", "by the canal", "at the school")


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))]


def wait_until(pred, timeout: float, step: float = 0.01) -> float | None:  # type: ignore[no-untyped-def]
    """The perf_counter time at which ``pred`` first held, or None after ``timeout`` seconds."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if pred():
            return time.perf_counter()
        time.sleep(step)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=100)
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--model", default="", help='local model ("" = USE multilingual)')
    parser.add_argument("--timeout", type=float, default=30.0, help="give up on one edit after this long")
    args = parser.parse_args()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory(prefix="finder-live-") as tmp:
        root = Path(tmp) / "notes"
        root.mkdir()
        files = [root / f"note{i:03d}.txt" for i in range(args.files)]
        for i, path in enumerate(files):
            path.write_text(f"Initial note {i}. {rng.choice(SUBJECTS)} {rng.choice(ACTIONS)}.\n")
        svc = FinderService(home=Path(tmp) / "home", settings=Settings(provider="local", model=args.model))
        t0 = time.perf_counter()
        svc.index([root])  # loads the model and embeds the starting notes
        print(f"initial index of {args.files} notes (with model load): {time.perf_counter() - t0:.1f} s")
        live = LiveIndex(svc)
        live.start()
        keyword: list[float] = []
        meaning: list[float] = []
        misses = timeouts = 0
        try:
            for n in range(args.edits):
                path = files[n % len(files)]
                token = f"qz{n:04d}{rng.randrange(16**4):04x}"
                sentence = f"{rng.choice(SUBJECTS)} {rng.choice(ACTIONS)} {rng.choice(PLACES)} ({n})."
                body = f"{sentence} Reference {token}.\n"
                with open(path, "w", encoding="utf-8") as fh:
                    fh.write(body)
                saved = time.perf_counter()
                key = fs_key(path)

                def keyword_ok(path: Path = path, token: str = token) -> bool:
                    return any(h.path == str(path) for h in svc.search(token, 5, mode="lexical"))

                def meaning_ok(key: bytes = key, body: str = body) -> bool:
                    row = svc.catalog.reader().execute(
                        "SELECT v.id FROM files f JOIN chunks c ON c.file_id=f.id JOIN vectors v "
                        "ON v.text_hash=c.text_hash AND v.model_id=? WHERE f.path=? AND f.content_hash=?",
                        (svc.provider().model_id, key, text_hash(body))).fetchone()
                    return row is not None and svc.vector_index().count > 0

                k = wait_until(keyword_ok, args.timeout)
                m = wait_until(meaning_ok, args.timeout, step=0.005)
                if k is None or m is None:
                    timeouts += 1
                    continue
                keyword.append(k - saved)
                meaning.append(m - saved)
                top = svc.search(sentence, 1, mode="vector")
                if not top or top[0].path != str(path):
                    misses += 1
        finally:
            live.stop()
            svc.close()
    print()
    print(f"| save → searchable ({len(keyword)} edits of small files, LiveIndex, local model) | p50 (s) | p95 (s) | max (s) |")
    print("|---|---|---|---|")
    for label, values in (("keyword (lexical search finds the new word)", keyword),
                          ("meaning (new chunk's vector in the index)", meaning)):
        if values:
            print(f"| {label} | {statistics.median(values):.2f} | {pct(values, 95):.2f} | {max(values):.2f} |")
    print(f"\nvector search for the new sentence put another file first: {misses}; edits timed out: {timeouts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
