"""Dense-only retrieval quality of the local embedding models on the devsets and SciFact."""

# Usage:
#   bash /work/shared/devset/prepare.sh /tmp/devset      # corpora (see its README)
#   .venv/bin/python bench/model_bakeoff.py              # all models, all datasets
#   .venv/bin/python bench/model_bakeoff.py --models use-m3 --datasets scifact --threads 1
# Chunk embeddings are cached under /tmp/finder-bakeoff (keyed by model and chunk texts),
# so a second run only embeds queries. "use-m3+minilm" is not a model: it averages the two
# models' file scores (max chunk cosine each); "rrf(use-m3,minilm)" fuses the two ranked file
# lists by reciprocal rank (k=60), the way a second dense channel would join the hybrid search.

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from finder.core.config import Settings
from finder.core.embed.local import create

DEVSET = Path("/work/shared/devset")
SCIFACT = Path("/work/shared/bench/scifact")
CROSS = ROOT / "bench" / "data" / "cross_queries.tsv"
CACHE = Path("/tmp/finder-bakeoff")
MODELS = ["use-m3", "minilm"]
COMBOS = {"use-m3+minilm": ("use-m3", "minilm"), "rrf(use-m3,minilm)": ("use-m3", "minilm")}
RRF_K = 60
DATASETS = ["en", "zh", "zh→en", "en→zh", "scifact"]


def chunker(size: int = 800, overlap: int = 120) -> Callable[[str], list[str]]:
    """The app's chunker when present, else paragraph packing of ~800 chars with overlap."""
    try:
        from finder.core.chunk import chunk_text
    except ImportError:
        chunk_text = None

    def own(text: str) -> list[str]:
        paras = [p.strip() for p in text.split("\n\n") if p.strip()]
        out: list[str] = []
        cur = ""
        for p in paras:
            while len(p) > size:
                out.append(p[:size])
                p = p[size - overlap:]
            if cur and len(cur) + len(p) + 2 > size:
                out.append(cur)
                cur = cur[-overlap:] + "\n\n" + p
            else:
                cur = f"{cur}\n\n{p}" if cur else p
        if cur:
            out.append(cur)
        return out

    def app(text: str) -> list[str]:
        assert chunk_text is not None
        return [text[a:b] for a, b in chunk_text(text, size, overlap) if text[a:b].strip()]

    return app if chunk_text is not None else own


@dataclass
class Dataset:
    name: str
    docs: dict[str, str]  # doc id → text
    queries: list[tuple[str, set[str]]]  # (query, relevant doc ids)
    graded: bool  # nDCG@10 (SciFact) or hit@k/MRR (devsets)


def _tsv_queries(path: Path, corpus: str | None = None) -> list[tuple[str, set[str]]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if corpus is not None:
            if parts[0] != corpus:
                continue
            parts = parts[1:]
        out.append((parts[0], {f.strip() for f in parts[1].split(",")}))
    return out


def _folder(path: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8", errors="replace") for p in sorted(path.glob("*.txt"))}


def load_dataset(name: str, corpora: Path) -> Dataset:
    if name in ("en", "zh"):
        return Dataset(name, _folder(corpora / name), _tsv_queries(DEVSET / f"{name}_queries.tsv"), False)
    if name in ("zh→en", "en→zh"):
        corpus = name.split("→")[1]
        return Dataset(name, _folder(corpora / corpus), _tsv_queries(CROSS, corpus), False)
    docs = {}
    with open(SCIFACT / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            docs[d["_id"]] = f"{d['title']}\n{d['text']}"
    queries_text = {}
    with open(SCIFACT / "queries.jsonl", encoding="utf-8") as fh:
        for line in fh:
            q = json.loads(line)
            queries_text[q["_id"]] = q["text"]
    rel: dict[str, set[str]] = {}
    for line in (SCIFACT / "qrels_test.tsv").read_text().splitlines()[1:]:
        qid, cid, score = line.split("\t")
        if int(score) > 0:
            rel.setdefault(qid, set()).add(cid)
    return Dataset("scifact", docs, [(queries_text[q], r) for q, r in rel.items()], True)


def chunk_corpus(ds: Dataset, chunk: Callable[[str], list[str]]) -> tuple[list[str], np.ndarray, list[str]]:
    texts: list[str] = []
    owner: list[int] = []
    ids = list(ds.docs)
    for i, doc_id in enumerate(ids):
        for piece in chunk(ds.docs[doc_id]) or [ds.docs[doc_id][:800]]:
            texts.append(piece)
            owner.append(i)
    return texts, np.asarray(owner), ids


def cached_embeddings(model: str, texts: list[str], embed: Callable[[list[str]], np.ndarray],
                      batch: int, label: str) -> tuple[np.ndarray, float]:
    """Embed (or load) chunk vectors; returns them and the CPU seconds spent embedding."""
    key = hashlib.sha1("\x00".join(texts).encode("utf-8")).hexdigest()[:16]
    path = CACHE / model / f"{key}.npy"
    if path.exists():
        return np.load(path), 0.0
    path.parent.mkdir(parents=True, exist_ok=True)
    out = []
    cpu0 = time.process_time()
    for start in range(0, len(texts), batch):
        out.append(embed(texts[start:start + batch]))
        if start // batch % 20 == 0:
            print(f"  {model} {label}: {start + batch}/{len(texts)} chunks", file=sys.stderr, flush=True)
    cpu = time.process_time() - cpu0
    vecs = np.concatenate(out).astype(np.float32)
    np.save(path, vecs)
    return vecs, cpu


def doc_scores(chunk_vecs: np.ndarray, owner: np.ndarray, n_docs: int, q: np.ndarray) -> np.ndarray:
    """File score = max chunk cosine."""
    sims = chunk_vecs @ q
    scores = np.full(n_docs, -np.inf, dtype=np.float32)
    np.maximum.at(scores, owner, sims)
    return scores


def metrics(ranked: list[list[str]], queries: list[tuple[str, set[str]]], graded: bool) -> dict[str, float]:
    if graded:
        ndcg = []
        for ids, (_, rel) in zip(ranked, queries):
            dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ids[:10]) if d in rel)
            ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(rel))))
            ndcg.append(dcg / ideal)
        return {"nDCG@10": float(np.mean(ndcg))}
    h1, h10, mrr = [], [], []
    for ids, (_, rel) in zip(ranked, queries):
        first = next((i for i, d in enumerate(ids[:10]) if d in rel), None)
        h1.append(first == 0)
        h10.append(first is not None)
        mrr.append(0.0 if first is None else 1 / (first + 1))
    return {"hit@1": float(np.mean(h1)), "hit@10": float(np.mean(h10)), "MRR@10": float(np.mean(mrr))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", nargs="+", default=MODELS + list(COMBOS))
    parser.add_argument("--datasets", nargs="+", default=DATASETS)
    parser.add_argument("--corpora", type=Path, default=Path("/tmp/devset"),
                        help="prepare.sh output folder (en/, zh/)")
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--chunk-chars", type=int, default=800)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()

    chunk = chunker(args.chunk_chars, min(120, args.chunk_chars // 4))
    providers = {}
    for m in args.models:
        for part in COMBOS.get(m, (m,)):
            if part not in providers:
                providers[part] = create(Settings(model=part), threads=args.threads or None)

    rows = []
    for ds_name in args.datasets:
        ds = load_dataset(ds_name, args.corpora)
        if ds_name.endswith("zh") and len(ds.docs) < 90:
            # prepare.sh skips manpages-zh when the passwd package already created
            # /usr/share/man/zh_CN/man8; install manpages-zh and render into a fresh folder.
            print(f"warning: only {len(ds.docs)} Chinese pages in {args.corpora}/zh (expected 92+); "
                  "run apt-get install manpages-zh and prepare.sh into a new folder",
                  file=sys.stderr)
        texts, owner, ids = chunk_corpus(ds, chunk)
        print(f"{ds_name}: {len(ds.docs)} docs, {len(texts)} chunks, {len(ds.queries)} queries",
              file=sys.stderr, flush=True)
        doc_vecs: dict[str, np.ndarray] = {}
        query_vecs: dict[str, np.ndarray] = {}
        for name, prov in providers.items():
            vecs, cpu = cached_embeddings(name, texts, prov.embed_documents, prov.max_batch, ds_name)
            doc_vecs[name] = vecs
            query_vecs[name] = np.stack([prov.embed_query(q) for q, _ in ds.queries])
            if cpu:
                print(f"  {name} {ds_name}: {len(texts) / cpu:.1f} chunks per CPU-second",
                      file=sys.stderr, flush=True)
        for m in args.models:
            parts = COMBOS.get(m, (m,))
            ranked = []
            for qi in range(len(ds.queries)):
                per = [doc_scores(doc_vecs[p], owner, len(ids), query_vecs[p][qi]) for p in parts]
                if m.startswith("rrf("):
                    scores = np.zeros(len(ids))
                    for sc in per:
                        rank = np.empty(len(ids))
                        rank[np.argsort(-sc, kind="stable")] = np.arange(len(ids))
                        scores += 1.0 / (RRF_K + 1 + rank)
                else:
                    scores = sum(per)
                order = np.argsort(-scores, kind="stable")[:10]
                ranked.append([ids[i] for i in order])
            rows.append({"model": m, "dataset": ds_name, **metrics(ranked, ds.queries, ds.graded)})
            print(json.dumps(rows[-1], ensure_ascii=False), flush=True)

    print("\n| model | dataset | hit@1 | hit@10 | MRR@10 | nDCG@10 |\n|---|---|---|---|---|---|")
    for r in rows:
        cells = [f"{r[k]:.3f}" if k in r else "" for k in ("hit@1", "hit@10", "MRR@10", "nDCG@10")]
        print(f"| {r['model']} | {r['dataset']} | " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
