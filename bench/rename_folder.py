"""Rename a folder of 1,000 indexed files: time until searchable under the new paths, and re-embeddings.

    .venv/bin/python bench/rename_folder.py [--files 1000] [--provider local|hash]

Indexes the files with the real local model (default) through a provider wrapper that counts
every text it embeds, then renames the folder (os.rename) twice: once with LiveIndex running
(watcher path: one moved event → Indexer.move) and once while nothing runs, followed by a cold
reconcile (service.scan → inode matching). "Searchable" = every file is in the catalog under
its new path and a keyword search for a sample of unique words returns the new paths.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from finder.core.config import Settings
from finder.core.embed.registry import create_provider
from finder.core.live import LiveIndex
from finder.core.service import FinderService
from finder.core.store.db import fs_key

WORDS = ("river", "ledger", "orchard", "protocol", "harvest", "compiler", "glacier", "invoice", "violin",
         "meadow", "server", "quartz", "budget", "lantern", "archive", "tundra", "socket", "pepper")


class CountingProvider:
    """Delegates to a real provider and counts the texts it embeds."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.embedded = 0

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self.inner, name)

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> np.ndarray:
        self.embedded += len(texts)
        return self.inner.embed_documents(texts, titles)


class HashEmbedder:
    name, model_id, dimension, max_batch, max_input_chars, remote = "hash", "bench/hash-64", 64, 64, 4000, False

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for i, t in enumerate(texts):
            for w in t.split():
                out[i, hash(w) % 64] += 1
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-6)

    def embed_query(self, text: str) -> np.ndarray:
        return self.embed_documents([text])[0]

    def close(self) -> None:
        pass


def poll(pred, timeout: float) -> float | None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if pred():
            return time.perf_counter() - start
        time.sleep(0.01)
    return None


def all_moved(svc: FinderService, new: Path, count: int, sample: list[tuple[str, str]]) -> bool:
    key = fs_key(new)
    n = svc.catalog.reader().execute(
        "SELECT COUNT(*) FROM files WHERE status='indexed' AND path>=? AND path<?",
        (key + b"/", key + b"0")).fetchone()[0]
    if n != count:
        return False
    return all(any(h.path == str(new / rel) for h in svc.search(tok, 5, mode="lexical")) for tok, rel in sample)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--provider", choices=("local", "hash"), default="local")
    args = parser.parse_args()
    rng = random.Random(5)
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="finder-rename-") as tmp:
        top = Path(tmp) / "root"
        folder = top / "projects"
        files: list[tuple[str, str]] = []
        for i in range(args.files):
            rel = f"sub{i % 25:02d}/file{i:04d}.txt"
            path = folder / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            tok = f"uniq{i:04d}x"
            path.write_text(f"File {tok}: " + " ".join(rng.choice(WORDS) for _ in range(40)) + ".\n")
            files.append((tok, rel))
        sample = rng.sample(files, 20)
        inner = create_provider(Settings()) if args.provider == "local" else HashEmbedder()
        provider = CountingProvider(inner)
        svc = FinderService(home=Path(tmp) / "home", settings=Settings(), provider=provider)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        svc.index([top])
        index_s = time.perf_counter() - t0
        st = svc.status()
        print(f"indexed {st.indexed} files, {st.chunks} chunks, {provider.embedded} embedded "
              f"({provider.inner.model_id}) in {index_s:.1f} s")
        # 1. With LiveIndex running: the watcher reports one folder move.
        live = LiveIndex(svc)
        live.start()
        try:
            before = provider.embedded
            poll(lambda: svc.indexer.pending_count() == 0, 30)
            moved = top / "projects_renamed"
            t0 = time.perf_counter()
            os.rename(folder, moved)
            seconds = poll(lambda: all_moved(svc, moved, args.files, sample), 120)
            # Let the worker finish a full loop (embedding step included) before counting.
            poll(lambda: svc.indexer.pending_count() == 0 and svc.status().embedded_chunks == svc.status().chunks, 30)
            rows.append(("LiveIndex (watcher moved event)", f"{seconds:.2f}" if seconds is not None else "timeout",
                         str(provider.embedded - before), str(svc.status().indexed)))
        finally:
            live.stop()
        # 2. Renamed while nothing runs, then the start-up reconcile.
        before = provider.embedded
        cold = top / "projects_cold"
        os.rename(moved, cold)
        t0 = time.perf_counter()
        result = svc.scan()
        svc.extract_pending()
        seconds_scan = time.perf_counter() - t0
        ok = all_moved(svc, cold, args.files, sample)
        svc.embed()
        rows.append(("cold reconcile (service.scan + extract_pending)", f"{seconds_scan:.2f}" + ("" if ok else " (NOT all found)"),
                     str(provider.embedded - before), f"{svc.status().indexed} (renamed {result.renamed})"))
        svc.close()
    print()
    print(f"| rename of a folder with {args.files} files | seconds until searchable under new paths "
          "| re-embedded chunks | files indexed after |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
