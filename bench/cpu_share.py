"""CPU used by background indexing at the default cpu_cap while searches run, and search latency.

    .venv/bin/python bench/cpu_share.py [--files 150] [--idle-seconds 10]

LiveIndex embeds a fresh corpus with the real local model at settings.cpu_cap (default 50 =
"half of one core on average") while another thread issues hybrid searches back to back (each
query is new, so each embeds its query). CPU time per thread comes from
/proc/self/task/<tid>/stat (utime+stime): the indexer thread, the search thread, and the
native threads (OpenBLAS/ONNX Runtime pools, shared by document and query embedding). The
same search loop then runs alone on the finished index for comparison.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from finder.core.config import Settings
from finder.core.live import LiveIndex
from finder.core.service import FinderService

TICK = os.sysconf("SC_CLK_TCK")
WORDS = ("river", "ledger", "orchard", "protocol", "harvest", "compiler", "glacier", "invoice", "violin",
         "meadow", "server", "quartz", "budget", "lantern", "archive", "tundra", "socket", "pepper", "winter",
         "kitchen", "garden", "contract", "engine", "theatre", "mountain", "hospital", "railway", "festival")


def thread_cpu() -> dict[int, float]:
    """CPU seconds (user + system) of every live thread of this process, by native id."""
    out: dict[int, float] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(tid)] = (int(fields[11]) + int(fields[12])) / TICK
    return out


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, round(q / 100 * (len(values) - 1))))]


class SearchLoop(threading.Thread):
    def __init__(self, svc: FinderService, interval: float = 0.0) -> None:
        super().__init__(name="bench-search", daemon=True)
        self.svc = svc
        self.interval = interval
        self.stop_event = threading.Event()
        self.latencies: list[float] = []
        self.rng = random.Random(3)

    def run(self) -> None:
        n = 0
        while not self.stop_event.is_set():
            n += 1
            query = " ".join(self.rng.sample(WORDS, 3)) + f" {n}"
            t0 = time.perf_counter()
            self.svc.search(query, 20, mode="hybrid")
            self.latencies.append(time.perf_counter() - t0)
            if self.interval:
                self.stop_event.wait(self.interval)  # a person typing, not a tight loop


def measure(svc: FinderService, live: LiveIndex | None, done, limit: float,  # type: ignore[no-untyped-def]
            interval: float = 0.0) -> dict[str, float]:
    """Run a search loop until ``done()``; returns CPU seconds per thread group, wall time, latencies."""
    loop = SearchLoop(svc, interval)
    main_tid = threading.get_native_id()
    cpu0, proc0, wall0 = thread_cpu(), os.times(), time.perf_counter()
    loop.start()
    try:
        deadline = time.monotonic() + limit
        while not done() and time.monotonic() < deadline:
            time.sleep(0.25)  # sampling period of the completion check, not a result
        # Sample while every thread is still alive: a finished thread leaves /proc/self/task.
        cpu1, proc1, wall = thread_cpu(), os.times(), time.perf_counter() - wall0
    finally:
        loop.stop_event.set()
        loop.join()
    delta = {tid: cpu1[tid] - cpu0.get(tid, 0.0) for tid in cpu1}
    python_tids = {t.native_id for t in threading.enumerate()}
    indexer = live._thread.native_id if live is not None and live._thread is not None else -1
    groups = {
        "indexer thread": delta.get(indexer, 0.0),
        "search thread": delta.get(loop.native_id or -1, 0.0),
        "main thread (polling)": delta.get(main_tid, 0.0),
        "watcher threads": sum(v for t, v in delta.items() if t in python_tids
                               and t not in (indexer, loop.native_id, main_tid)),
        "native pool threads (BLAS/ORT)": sum(v for t, v in delta.items() if t not in python_tids
                                              and t != loop.native_id),
    }
    groups["process total"] = (proc1.user + proc1.system) - (proc0.user + proc0.system)
    groups["wall"] = wall
    groups["searches"] = len(loop.latencies)
    groups["p50"] = statistics.median(loop.latencies) if loop.latencies else float("nan")
    groups["p95"] = pct(loop.latencies, 95) if loop.latencies else float("nan")
    return groups


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=150)
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=0.0,
                        help="pause between searches (0 = back to back, the worst case)")
    parser.add_argument("--limit", type=float, default=600.0, help="stop measuring indexing after this long")
    args = parser.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="finder-cpu-") as tmp:
        root = Path(tmp) / "docs"
        for i in range(args.files):
            path = root / f"d{i % 10}" / f"doc{i:04d}.txt"
            path.parent.mkdir(parents=True, exist_ok=True)
            sentences = [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(20)]
            path.write_text(" ".join(sentences) + "\n")
        settings = Settings()
        svc = FinderService(home=Path(tmp) / "home", settings=settings)
        svc.add_roots([root])
        svc.provider().embed_query("warm up")  # load the model outside the measurement
        print(f"cpu_cap = {svc.settings.cpu_cap} (percent of one core), {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f} before the run, search interval {args.interval} s")
        live = LiveIndex(svc)
        live.start()

        def indexed() -> bool:
            st = svc.status()
            return st.files >= args.files and st.pending == 0 and st.chunks > 0 and st.embedded_chunks == st.chunks

        try:
            busy = measure(svc, live, indexed, args.limit, args.interval)
            st = svc.status()
            finished = indexed()
        finally:
            live.stop()
        idle = measure(svc, None, lambda: False, args.idle_seconds, args.interval)
        svc.close()
    print(f"load average {os.getloadavg()[0]:.1f} after the run")
    print(f"\nindexing: {st.files} files, {st.embedded_chunks}/{st.chunks} chunks embedded in {busy['wall']:.1f} s"
          f"{'' if finished else ' (NOT finished: limit reached)'}")
    print()
    print("| CPU, % of one core (cpu seconds / wall seconds) | during indexing | search only (idle index) |")
    print("|---|---|---|")
    for key in ("indexer thread", "native pool threads (BLAS/ORT)", "search thread", "watcher threads",
                "main thread (polling)", "process total"):
        print(f"| {key} | {100 * busy[key] / busy['wall']:.0f} | {100 * idle[key] / idle['wall']:.0f} |")
    est = busy["process total"] - busy["search thread"] - busy["main thread (polling)"]
    est -= idle["native pool threads (BLAS/ORT)"] / idle["wall"] * busy["wall"] * (busy["searches"] / busy["wall"]) / max(
        idle["searches"] / idle["wall"], 1e-9)
    print(f"| **indexing share** (total − search − main − query-embedding pool time) | **{100 * est / busy['wall']:.0f}** | |")
    print()
    print("| hybrid search latency | during indexing | idle |")
    print("|---|---|---|")
    print(f"| searches | {busy['searches']:.0f} | {idle['searches']:.0f} |")
    print(f"| p50 (ms) | {1000 * busy['p50']:.0f} | {1000 * idle['p50']:.0f} |")
    print(f"| p95 (ms) | {1000 * busy['p95']:.0f} | {1000 * idle['p95']:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
