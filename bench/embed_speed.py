"""Speed and memory of the local embedding models: throughput, query latency, load time, peak RSS."""

# Usage: .venv/bin/python bench/embed_speed.py [--models use-m3 minilm] [--threads 1 2]
# Each (model, threads) runs in a fresh subprocess so load time and peak RSS are its own.
# Text lengths are measured in MiniLM (BERT WordPiece) tokens: English from SciFact
# abstracts, Chinese from the zh_CN manual pages (devset prepare.sh output or /usr/share/man).
# Run it on an otherwise idle machine: figures are per CPU-second and per wall-second.
# "RSS loaded" is VmRSS right after the model loaded (Python + NumPy + model); "peak" is
# VmHWM at the end, which also holds the benchmark's own text and tokenizer.

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SCIFACT = Path("/work/shared/bench/scifact/corpus.jsonl")
LENGTHS = (64, 128, 256)
N_CHUNKS = 96
N_QUERIES = 60
QUERIES = [
    "how do I create a child process", "quarterly sales report for Shanghai",
    "map a file into memory", "photos from the wedding last summer",
    "给系统添加一个新的用户账号", "查看网络连接和端口的状态", "去年的税务报表",
    "invoice from the plumber", "检查并修复文件系统的错误", "limit memory of a process",
]


def peak_rss_mb(field: str = "VmHWM") -> float:
    """Peak (VmHWM) or current (VmRSS) resident set size of this process, in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def english_source() -> str:
    out = []
    with open(SCIFACT, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            if i >= 400:
                break
            out.append(json.loads(line)["text"])
    return " ".join(out)


def chinese_source() -> str:
    texts = []
    for folder in (Path("/tmp/devset/zh"), Path("/tmp/devset_full/zh")):
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(folder.glob("*.txt"))]
    if not texts:
        for path in sorted(Path("/usr/share/man/zh_CN").rglob("*.gz"))[:200]:
            raw = gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")
            texts.append(re.sub(r"^\.\S*|\\f[BIRP]|\\-", " ", raw, flags=re.MULTILINE))
    text = " ".join(texts)
    # keep lines that are mostly Chinese so the sample is Chinese prose, not option lists
    lines = [ln.strip() for ln in text.splitlines()]
    lines = [ln for ln in lines if len(re.findall(r"[\u4e00-\u9fff]", ln)) > len(ln) * 0.4]
    if not lines:
        raise SystemExit("no Chinese text found: run bash /work/shared/devset/prepare.sh /tmp/devset")
    return "".join(lines)


def make_chunks(text: str, tokens: int, count: int) -> list[str]:
    """``count`` consecutive pieces of ``text`` that are each ``tokens`` MiniLM tokens long."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(ROOT / "finder" / "models" / "minilm" / "tokenizer.json"))
    tok.no_truncation()
    enc = tok.encode(text[: tokens * count * 12], add_special_tokens=False)
    offsets = enc.offsets
    chunks = []
    for i in range(count):
        a, b = i * tokens, (i + 1) * tokens - 1
        if b >= len(offsets):
            break
        chunks.append(text[offsets[a][0]:offsets[b][1]])
    return chunks


def child(model: str, threads: int) -> dict[str, object]:
    from finder.core.config import Settings
    from finder.core.embed.local import create

    provider = create(Settings(model=model, threads=threads))
    t0 = time.perf_counter()
    provider.embed_query("load")
    load = time.perf_counter() - t0
    result: dict[str, object] = {"model": model, "threads": threads, "load_s": round(load, 2),
                                 "rss_loaded_mb": round(peak_rss_mb("VmRSS"))}
    sources = {"en": english_source(), "zh": chinese_source()}
    for lang, src in sources.items():
        for n in LENGTHS:
            chunks = make_chunks(src, n, N_CHUNKS)
            provider.embed_documents(chunks[:8])  # warm this shape
            cpu0, wall0 = time.process_time(), time.perf_counter()
            for s in range(0, len(chunks), provider.max_batch):
                provider.embed_documents(chunks[s:s + provider.max_batch])
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            result[f"{lang}{n}_cpu"] = round(len(chunks) / cpu, 1)
            result[f"{lang}{n}_wall"] = round(len(chunks) / wall, 1)
    times = []
    for i in range(N_QUERIES):
        q = QUERIES[i % len(QUERIES)]
        start = time.perf_counter()
        provider.embed_query(q)
        times.append(time.perf_counter() - start)
    result["query_p50_ms"] = round(float(np.percentile(times, 50)) * 1000, 2)
    result["query_p95_ms"] = round(float(np.percentile(times, 95)) * 1000, 2)
    result["peak_rss_mb"] = round(peak_rss_mb())
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", nargs="+", default=["use-m3", "minilm"])
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--child", nargs=2, metavar=("MODEL", "THREADS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], int(args.child[1]))))
        return
    rows = []
    for model in args.models:
        for threads in args.threads:
            env = dict(os.environ, HF_HUB_OFFLINE="1")
            proc = subprocess.run([sys.executable, __file__, "--child", model, str(threads)],
                                  capture_output=True, text=True, env=env, check=False)
            if proc.returncode != 0:
                print(f"{model} threads={threads} failed:\n{proc.stderr[-2000:]}", file=sys.stderr)
                continue
            rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
            print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    head = ["model", "thr"] + [f"{lang}{n}" for lang in ("en", "zh") for n in LENGTHS]
    head += ["query p50/p95 ms", "load s", "RSS loaded / peak MB"]
    print("chunks per CPU-second (chunks per wall-second), by language and MiniLM-token length\n")
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in rows:
        cells = [str(r["model"]), str(r["threads"])]
        cells += [f"{r[f'{lang}{n}_cpu']} ({r[f'{lang}{n}_wall']})" for lang in ("en", "zh") for n in LENGTHS]
        cells += [f"{r['query_p50_ms']}/{r['query_p95_ms']}", str(r["load_s"]),
                  f"{r['rss_loaded_mb']} / {r['peak_rss_mb']}"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
