"""Indexing and search performance: time to first results, throughput, latency, restart, memory.

    python bench/perf.py [--chunks 10000,100000] [--files 500]

Rows:
- index: `finder index --no-wait` on a 500-file folder (SciFact abstracts + Chinese pages) →
  seconds until the first search answers, files/s, MB/s;
- efficiency: end-to-end embedding (Embedder.run) vs raw provider.embed_documents on the same chunks;
- latency at N chunks: query embed + name + keyword + vector channels + fusion, p50/p95 over real queries;
- restart at N chunks: a new process opens the catalog and the vector cache, answers a query,
  and re-embeds nothing;
- peak RSS while indexing and when idle.

Catalogs of 10k/100k chunks are built from SciFact text (real words, varied per copy) with vectors
derived from real embeddings of the base passages (plus noise), since embedding 100k chunks
takes an hour on 2 cores; the query path is the real one.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"

from finder.core.config import Settings  # noqa: E402
from finder.core.service import FinderService  # noqa: E402


def vm_hwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def vm_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def abstracts() -> list[tuple[str, str]]:
    out = []
    for line in (SHARED / "bench/scifact/corpus.jsonl").open(encoding="utf-8"):
        d = json.loads(line)
        out.append((d["_id"], f"{d['title']}\n\n{d['text']}\n"))
    return out


def queries() -> list[str]:
    return [json.loads(line)["text"] for line in (SHARED / "bench/scifact/queries.jsonl").open(encoding="utf-8")]


def finder_cli(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "FINDER_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "finder", *args], capture_output=True, text=True, env=env,
                          input=stdin)


def bench_index(tmp: Path, n_files: int) -> dict[str, float]:
    docs = tmp / "docs500"
    docs.mkdir()
    zh_dir = Path("/tmp/devset/zh")
    zh = sorted(zh_dir.glob("*.txt"))[:50] if zh_dir.exists() else []
    for p in zh:
        (docs / f"zh_{p.name}").write_bytes(p.read_bytes())
    for doc_id, text in abstracts()[: n_files - len(zh)]:
        (docs / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    size = sum(p.stat().st_size for p in docs.iterdir())
    home = tmp / "home500"
    t0 = time.perf_counter()
    proc = finder_cli(home, "index", "--no-wait", "-q", str(docs))
    t_index = time.perf_counter() - t0
    assert proc.returncode == 0, proc.stderr
    t1 = time.perf_counter()
    out = finder_cli(home, "search", "--json", "--mode", "lexical", "cancer treatment")
    t_first = time.perf_counter() - t0
    assert json.loads(out.stdout), "no results"
    return {"files": len(list(docs.iterdir())), "mb": size / 2**20, "index_s": t_index,
            "first_results_s": t_first, "search_cli_s": time.perf_counter() - t1}


def bench_efficiency(tmp: Path) -> dict[str, float]:
    """Embedder.run throughput over raw embed_documents throughput on the same chunks."""
    docs = tmp / "eff"
    docs.mkdir()
    for doc_id, text in abstracts()[600:900]:
        (docs / f"{doc_id}.txt").write_text(text, encoding="utf-8")
    svc = FinderService(home=tmp / "home-eff", settings=Settings())
    svc.index([docs], embed=False)
    texts = [r[0] for r in svc.catalog.reader().execute(
        "SELECT text FROM chunks c JOIN files f ON f.id=c.file_id ORDER BY (f.size > 1048576), f.mtime_ns DESC, "
        "c.file_id, c.ordinal")]
    names = [r[0] for r in svc.catalog.reader().execute(
        "SELECT f.name FROM chunks c JOIN files f ON f.id=c.file_id ORDER BY (f.size > 1048576), f.mtime_ns DESC, "
        "c.file_id, c.ordinal")]
    providers = [p for p in (svc.provider(), svc.secondary_provider()) if p is not None]
    for provider in providers:
        provider.embed_query("warm up")  # load the models outside both timings
    rss0 = vm_hwm_mb()
    t0 = time.perf_counter()
    stats = svc.embed()
    t_pipeline = time.perf_counter() - t0
    rss_indexing = vm_hwm_mb()
    # The same work without the pipeline: each model over the same chunks, same batches and titles.
    t0 = time.perf_counter()
    for provider in providers:
        batch = provider.max_batch
        for i in range(0, len(texts), batch):
            provider.embed_documents(texts[i : i + batch], titles=names[i : i + batch])
    t_raw = time.perf_counter() - t0
    raw_count = len(texts) * len(providers)
    svc.close()
    return {"chunks": stats.embedded, "pipeline_cps": stats.embedded / t_pipeline,
            "raw_cps": raw_count / t_raw, "ratio": (stats.embedded / t_pipeline) / (raw_count / t_raw),
            "rss_before_mb": rss0, "rss_peak_mb": rss_indexing, "models": len(providers)}


def build_catalog(tmp: Path, n_chunks: int) -> tuple[Path, Path]:
    """Files of SciFact text (varied per copy) with derived vectors for every chunk."""
    rng = random.Random(1)
    base = abstracts()
    words = sorted({w for _i, t in base[:500] for w in t.split() if w.isalpha() and len(w) > 4})
    docs = tmp / f"docs{n_chunks}"
    home = tmp / f"home{n_chunks}"
    per_file = 6
    n_files = n_chunks // per_file
    for i in range(n_files):
        folder = docs / f"d{i // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        parts = []
        for _k in range(per_file):
            _id, text = base[rng.randrange(len(base))]
            tag = " ".join(rng.sample(words, 3))
            parts.append(f"{text.strip()[:650]} {tag}")
        (folder / f"f{i:06d}.txt").write_text("\n\n".join(parts), encoding="utf-8")
    svc = FinderService(home=home, settings=Settings())
    t0 = time.perf_counter()
    svc.index([docs], embed=False)
    t_keyword = time.perf_counter() - t0
    # Real vectors for a sample of base passages, then noisy copies for every chunk text,
    # for the multilingual model and the English re-scorer alike.
    conn = svc.catalog.reader()
    rows = conn.execute("SELECT DISTINCT text_hash, text FROM chunks").fetchall()
    sample = [t for _h, t in rows[:400]]
    nprng = np.random.default_rng(2)
    for provider in [p for p in (svc.provider(), svc.secondary_provider()) if p is not None]:
        real = provider.embed_documents(sample)
        model = provider.model_id
        with svc.catalog.write() as w:
            for j in range(0, len(rows), 5000):
                part = rows[j : j + 5000]
                vecs = real[nprng.integers(0, len(real), len(part))] + 0.35 * nprng.normal(
                    size=(len(part), real.shape[1])).astype(np.float32) / np.sqrt(real.shape[1])
                vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
                w.executemany("INSERT OR IGNORE INTO vectors(model_id, text_hash, vector) VALUES(?,?,?)",
                              ((model, h, vecs[k].astype(np.float32).tobytes()) for k, (h, _t) in enumerate(part)))
        svc.vector_index(provider).save()
    svc._set_serving(svc.provider())
    n = conn.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    svc.close()
    print(f"  built {n} chunks in {n_files} files (keyword indexing {t_keyword:.0f} s)", file=sys.stderr)
    return docs, home


def bench_latency(home: Path) -> dict[str, float]:
    svc = FinderService(home=home, settings=Settings())
    qs = queries()[:200]
    svc.search(qs[0])  # load model and caches
    lat_lex, lat_hyb, lat_warm, parts = [], [], [], {"lexical": [], "vector": []}
    for q in qs:
        t0 = time.perf_counter()
        svc.search(q, 20, mode="lexical")
        lat_lex.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        svc.search(q, 20, mode="hybrid")  # as in the app: right after the keyword pass
        lat_warm.append(time.perf_counter() - t0)
        svc.searcher._qcache.clear()
        svc.searcher._kcache.clear()
        t0 = time.perf_counter()
        svc.search(q, 20, mode="hybrid")  # as `finder search`: everything from scratch
        lat_hyb.append(time.perf_counter() - t0)
        for k in parts:
            parts[k].append(svc.searcher.timings[k])
    uses_graph = svc.vector_index().uses_graph
    svc.close()

    def pct(xs: list[float], p: float) -> float:
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(len(xs) * p))] * 1000

    return {"lex_p50": pct(lat_lex, 0.5), "lex_p95": pct(lat_lex, 0.95), "hyb_p50": pct(lat_hyb, 0.5),
            "hyb_p95": pct(lat_hyb, 0.95), "vec_p95": pct(parts["vector"], 0.95), "graph": float(uses_graph),
            "warm_p50": pct(lat_warm, 0.5), "warm_p95": pct(lat_warm, 0.95)}


RESTART = r"""
import json, sys, time
t0 = time.perf_counter()
from finder.core.service import FinderService
from finder.core.config import Settings
svc = FinderService(settings=Settings())
hits = svc.search("protein folding in cells", 10)
ready = time.perf_counter() - t0
stats = svc.embed()
idx = svc.vector_index()
print(json.dumps({"ready_s": ready, "reembedded": stats.embedded, "rebuilt": idx.rebuilt, "hits": len(hits),
                  "rss_idle_mb": [int(l.split()[1]) / 1024 for l in open('/proc/self/status') if l.startswith('VmRSS')][0]}))
"""


def bench_restart(home: Path) -> dict[str, float]:
    env = {**os.environ, "FINDER_HOME": str(home)}
    out = subprocess.run([sys.executable, "-c", RESTART], capture_output=True, text=True, env=env, cwd=ROOT)
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--chunks", default="10000,100000")
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--skip", default="", help="comma list of: index,efficiency")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    with tempfile.TemporaryDirectory(prefix="finder-perf-") as tmp_s:
        tmp = Path(tmp_s)
        print("| measure | value |\n|---|---|")
        if "index" not in skip:
            r = bench_index(tmp, args.files)
            print(f"| `finder index --no-wait` {r['files']} files ({r['mb']:.1f} MB) | {r['index_s']:.2f} s "
                  f"({r['files'] / r['index_s']:.0f} files/s, {r['mb'] / r['index_s']:.2f} MB/s incl. start-up) |")
            print(f"| time from `finder index` to first search results | {r['first_results_s']:.2f} s |", flush=True)
        if "efficiency" not in skip:
            r = bench_efficiency(tmp)
            print(f"| embedding ({r['models']} models): pipeline vs raw embed_documents ({r['chunks']} embeddings) | "
                  f"{r['pipeline_cps']:.1f} vs "
                  f"{r['raw_cps']:.1f} per s → ratio {r['ratio']:.2f} |")
            print(f"| peak RSS while embedding (in-process) | {r['rss_peak_mb']:.0f} MB |", flush=True)
        for n in [int(x) for x in args.chunks.split(",") if x]:
            _docs, home = build_catalog(tmp, n)
            lat = bench_latency(home)
            kind = "hnswlib" if lat["graph"] else "exact"
            print(f"| latency @ {n} chunks ({kind}): keyword+name p50 / p95 | {lat['lex_p50']:.1f} / "
                  f"{lat['lex_p95']:.1f} ms |")
            print(f"| latency @ {n} chunks: hybrid (query embed + all channels + fusion) p50 / p95 | "
                  f"{lat['hyb_p50']:.1f} / {lat['hyb_p95']:.1f} ms (vector part p95 {lat['vec_p95']:.1f} ms) |")
            print(f"| latency @ {n} chunks: meaning pass right after the keyword pass (app) p50 / p95 | "
                  f"{lat['warm_p50']:.1f} / {lat['warm_p95']:.1f} ms |")
            rs = bench_restart(home)
            print(f"| restart @ {n} chunks: time to first answer / re-embedded / cache rebuilt | "
                  f"{rs['ready_s']:.2f} s / {rs['reembedded']} / {rs['rebuilt']} |")
            print(f"| idle RSS after restart @ {n} chunks | {rs['rss_idle_mb']:.0f} MB |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
