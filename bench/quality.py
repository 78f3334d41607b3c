"""Search quality on the dev sets and SciFact: hit@1, hit@10, MRR@10, nDCG@10 per channel.

    python bench/quality.py [--sets en,zh,zh2en,en2zh,scifact] [--modes phrase,lexical,vector,hybrid] [--model use-m3]

Corpora: ../shared/devset (run its prepare.sh into /tmp/devset first, or pass --devset DIR)
and ../shared/bench/scifact (written out once as one .txt file per abstract). Each
(set, model) gets its own catalog under bench/out/, so re-runs only search.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from finder.core.config import Settings  # noqa: E402
from finder.core.service import FinderService  # noqa: E402
from finder.core.tokens import fts_quote, index_text  # noqa: E402

SHARED = HERE.parent.parent / "shared"


def load_devset(lang: str, devset: Path) -> tuple[Path, list[tuple[str, set[str]]]]:
    queries = []
    for line in (SHARED / "devset" / f"{lang}_queries.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        q, rel = line.split("\t")
        queries.append((q, {r.strip() for r in rel.split(",")}))
    return devset / lang, queries


def load_cross(corpus_lang: str, devset: Path) -> tuple[Path, list[tuple[str, set[str]]]]:
    """Hand-translated queries in the other language (bench/data/cross_queries.tsv)."""
    queries = []
    for line in (HERE / "data" / "cross_queries.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        lang, q, rel = line.split("\t")
        if lang == corpus_lang:
            queries.append((q, {r.strip() for r in rel.split(",")}))
    return devset / corpus_lang, queries


def load_scifact(out: Path) -> tuple[Path, list[tuple[str, dict[str, int]]]]:
    folder = out / "scifact_corpus"
    src = SHARED / "bench" / "scifact"
    if not folder.exists():
        tmp = folder.with_suffix(".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        for line in (src / "corpus.jsonl").open(encoding="utf-8"):
            doc = json.loads(line)
            (tmp / f"{doc['_id']}.txt").write_text(f"{doc['title']}\n\n{doc['text']}\n", encoding="utf-8")
        tmp.rename(folder)
    qrels: dict[str, dict[str, int]] = {}
    for line in (src / "qrels_test.tsv").read_text().splitlines()[1:]:
        qid, did, score = line.split("\t")
        qrels.setdefault(qid, {})[f"{did}.txt"] = int(score)
    queries = []
    for line in (src / "queries.jsonl").open(encoding="utf-8"):
        q = json.loads(line)
        if q["_id"] in qrels:
            queries.append((q["text"], qrels[q["_id"]]))
    return folder, queries


def phrase_baseline(service: FinderService, query: str, limit: int) -> list[str]:
    """Treat the whole query as one phrase (what a naive FTS setup does with Chinese)."""
    conn = service.catalog.reader()
    expr = fts_quote(index_text(query).strip())
    try:
        hits = conn.execute(
            "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? ORDER BY rank LIMIT 200", (expr,)
        ).fetchall()
    except Exception:  # noqa: BLE001
        return []
    out: list[str] = []
    for (cid,) in hits:
        row = conn.execute("SELECT f.name FROM chunks c JOIN files f ON f.id=c.file_id WHERE c.id=?", (cid,)).fetchone()
        if row and row[0] not in out:
            out.append(row[0])
    return out[:limit]


def metrics(ranked: list[str], relevant: dict[str, int] | set[str]) -> dict[str, float]:
    rel = relevant if isinstance(relevant, dict) else {r: 1 for r in relevant}
    top = ranked[:10]
    first = next((i for i, name in enumerate(top) if name in rel), None)
    dcg = sum(rel.get(name, 0) / math.log2(i + 2) for i, name in enumerate(top))
    ideal = sorted(rel.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return {
        "hit@1": 1.0 if first == 0 else 0.0,
        "hit@10": 1.0 if first is not None else 0.0,
        "mrr@10": 1.0 / (first + 1) if first is not None else 0.0,
        "ndcg@10": dcg / idcg if idcg else 0.0,
    }


def open_indexed(corpus: Path, home: Path, model: str) -> FinderService:
    settings = Settings(provider="local", model=model)
    service = FinderService(home=home, settings=settings)
    t0 = time.perf_counter()
    service.index([corpus], embed=True)
    spent = time.perf_counter() - t0
    if spent > 5:
        print(f"  indexed {corpus.name} with {model} in {spent:.0f} s", file=sys.stderr)
    return service


def evaluate(service: FinderService, queries: list, mode: str) -> tuple[dict[str, float], list[float]]:
    totals: dict[str, float] = {}
    latencies = []
    for query, relevant in queries:
        t0 = time.perf_counter()
        if mode == "phrase":
            ranked = phrase_baseline(service, query, 10)
        else:
            ranked = [Path(h.path).name for h in service.search(query, 10, mode=mode)]
        latencies.append(time.perf_counter() - t0)
        for k, v in metrics(ranked, relevant).items():
            totals[k] = totals.get(k, 0.0) + v
    return {k: v / len(queries) for k, v in totals.items()}, latencies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default="en,zh,zh2en,en2zh,scifact")
    parser.add_argument("--modes", default="phrase,lexical,vector,hybrid")
    parser.add_argument("--model", default="use-m3")
    parser.add_argument("--devset", default=os.environ.get("FINDER_DEVSET", "/tmp/devset"))
    parser.add_argument("--out", default=str(HERE / "out"))
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in args.sets.split(","):
        if name == "scifact":
            corpus, queries = load_scifact(out)
        elif name in ("zh2en", "en2zh"):  # Chinese queries over English pages, and the reverse
            corpus, queries = load_cross("en" if name == "zh2en" else "zh", Path(args.devset))
        else:
            corpus, queries = load_devset(name, Path(args.devset))
            if not corpus.exists():
                print(f"missing {corpus}: run ../shared/devset/prepare.sh {args.devset}", file=sys.stderr)
                return 2
        home_name = {"zh2en": "en", "en2zh": "zh"}.get(name, name)
        service = open_indexed(corpus, out / f"home-{home_name}-{args.model}", args.model)
        for mode in args.modes.split(","):
            scores, lat = evaluate(service, queries, mode)
            lat.sort()
            rows.append((name, args.model, mode, len(queries), scores, lat[len(lat) // 2] * 1000,
                         lat[int(len(lat) * 0.95) - 1] * 1000))
        service.close()
    print("| set | model | channel | queries | hit@1 | hit@10 | MRR@10 | nDCG@10 | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, model, mode, n, s, p50, p95 in rows:
        print(f"| {name} | {model} | {mode} | {n} | {s['hit@1']:.3f} | {s['hit@10']:.3f} | {s['mrr@10']:.3f} "
              f"| {s['ndcg@10']:.3f} | {p50:.1f} | {p95:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
