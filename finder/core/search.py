"""Query → ranked files: file-name, keyword and meaning channels fused by reciprocal rank."""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from finder.core.embed.base import EmbeddingProvider
from finder.core.snippet import make_snippet, terms_pattern
from finder.core.store import lexical
from finder.core.store.db import Catalog
from finder.core.store.vectors import VectorIndex
from finder.core.tokens import CJK_CHAR, WORD, has_cjk, highlight_terms, normalise, query_terms
from finder.core.types import Hit, Passage

CHANNELS = ("name", "lexical", "vector")
SMALL_FILE_CHUNKS = 12  # passages of files this small are chosen in Python, not by FTS5

# Below this cosine a passage is unrelated to the query for the model (measured on the dev
# sets: relevant passages score 0.3 and up with these models, unrelated ones below 0.1).
MIN_SIMILARITY = {"local/use-m3": 0.12, "local/minilm": 0.12}


def min_similarity(provider: EmbeddingProvider) -> float:
    floor = getattr(provider, "min_similarity", None)
    if isinstance(floor, (int, float)):
        return float(floor)
    return MIN_SIMILARITY.get(provider.model_id, -1.0)


@dataclass(frozen=True)
class SearchFilters:
    """Narrow results to a folder, file kinds and a modification window."""

    folder: str | None = None
    kinds: frozenset[str] = frozenset()
    modified_after: float | None = None
    modified_before: float | None = None

    @property
    def active(self) -> bool:
        return bool(self.folder or self.kinds or self.modified_after or self.modified_before)


@dataclass(frozen=True)
class Fusion:
    """Reciprocal-rank fusion weights (tuned on the dev sets, see docs/models.md)."""

    # When no passage of the best keyword file holds more than ``coverage_full`` of a query's
    # ``coverage_terms``+ words, the keywords matched only in passing (typically a translated
    # query hitting stray English words in Chinese pages): their weight drops to the floor.
    coverage_full: float = 1
    coverage_terms: float = 4
    coverage_floor: float = 0.2

    k: float = 10.0  # tuned: k=10 beats 20–60 on the EN, ZH and SciFact sets (docs/quality.md)
    name: float = 0.6
    lexical: float = 1.0
    vector: float = 1.0
    phrase_boost: float = 1.5


@dataclass
class _Channel:
    """One channel's file ranking: file id → (score, [(chunk id, score), …])."""

    files: dict[int, float] = field(default_factory=dict)
    passage_terms: list[str] = field(default_factory=list)  # keyword channel: terms that pick passages
    chunks: dict[int, list[tuple[int, float]]] = field(default_factory=dict)

    def ranked(self) -> list[int]:
        return sorted(self.files, key=lambda f: -self.files[f])


Semantic = Callable[[], "tuple[EmbeddingProvider, VectorIndex] | None"]


class Searcher:
    """Runs queries against the catalog; the semantic part is optional and pluggable."""

    def __init__(self, catalog: Catalog, semantic: Semantic | None = None, fusion: Fusion | None = None,
                 secondary: Semantic | None = None) -> None:
        self.catalog = catalog
        self.semantic = semantic or (lambda: None)
        self.secondary = secondary or (lambda: None)
        self.fusion = fusion or Fusion()
        self._qcache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._kcache: OrderedDict[tuple[str, int], dict[str, _Channel]] = OrderedDict()
        self._cache_lock = threading.Lock()  # keyword and meaning passes may run on two threads
        self.timings: dict[str, float] = {}

    # -- channels --------------------------------------------------------------------
    def _chunk_files(self, conn: sqlite3.Connection, chunk_ids: Sequence[int]) -> dict[int, int]:
        out: dict[int, int] = {}
        ids = list(chunk_ids)
        for i in range(0, len(ids), 500):
            part = ids[i : i + 500]
            marks = ",".join("?" * len(part))
            out.update(conn.execute(f"SELECT id, file_id FROM chunks WHERE id IN ({marks})", part).fetchall())
        return out

    def lexical_channel(self, query: str, limit: int = 200) -> _Channel:
        """Files ranked by document-level bm25 (passages are picked later, for shown hits only)."""
        conn = self.catalog.reader()
        every = query_terms(query)
        # One vocabulary lookup per term serves both the ranking and the passage choice.
        dfs = lexical.doc_freqs(conn, every) if len(every) > 1 else None
        terms = lexical.prune_terms(conn, every, dfs)
        channel = _Channel(passage_terms=lexical.rarest_terms(conn, every, 6, dfs))
        docs = lexical.search_docs(conn, terms, limit)
        if not docs:
            return channel
        channel.files = dict(docs)
        return channel

    def name_channel(self, query: str) -> _Channel:
        conn = self.catalog.reader()
        terms = query_terms(query)
        words = WORD.findall(normalise(query))
        prefix = words[-1] if words and not query.endswith(" ") else None
        channel = _Channel()
        hits = lexical.search_names(conn, terms, prefix)
        if hits and terms:
            # A name counts only when it covers much of the query: a long question that shares
            # one common word with many file names says nothing about those files.
            marks = ",".join("?" * len(hits))
            names = dict(conn.execute(f"SELECT rowid, name FROM names_fts WHERE rowid IN ({marks})",
                                      [f for f, _s in hits]).fetchall())
            for file_id, score in hits:
                name_words = set(names.get(file_id, "").split())
                covered = sum(1 for t in terms if t in name_words or any(w.startswith(t) for w in name_words))
                if covered / len(terms) >= 0.5 or covered >= 3:
                    channel.files[file_id] = score * covered / len(terms)
        else:
            for file_id, score in hits:
                channel.files[file_id] = score
        exact = query.strip()
        if exact and len(exact) >= 2:
            for (file_id,) in conn.execute(
                "SELECT id FROM files WHERE name=? COLLATE NOCASE LIMIT 20", (exact,)
            ):
                channel.files[file_id] = channel.files.get(file_id, 0.0) + 1000.0
        return channel

    def _keyword_channels(self, query: str) -> dict[str, _Channel]:
        """Name and keyword channels, reused while the catalog is unchanged.

        Search-as-you-type asks for the same text twice (keywords at once, meaning after a
        pause); SQLite's data_version tells whether anything was committed in between.
        """
        version = self.catalog.reader().execute("PRAGMA data_version").fetchone()[0]
        key = (query, version)
        with self._cache_lock:
            cached = self._kcache.get(key)
        if cached is None:
            cached = {"name": self.name_channel(query), "lexical": self.lexical_channel(query)}
            with self._cache_lock:
                self._kcache[key] = cached
                if len(self._kcache) > 32:
                    self._kcache.popitem(last=False)
        return cached

    def embed_query(self, provider: EmbeddingProvider, query: str) -> np.ndarray:
        key = (provider.model_id, query)
        with self._cache_lock:
            vec = self._qcache.get(key)
            if vec is not None:
                self._qcache.move_to_end(key)
        if vec is None:
            vec = provider.embed_query(query)
            with self._cache_lock:
                self._qcache[key] = vec
                if len(self._qcache) > 4096:
                    self._qcache.popitem(last=False)
        return vec

    def vector_channel_for(self, index: VectorIndex, qvecs: np.ndarray, k: int = 200,
                           exclude_file: int | None = None, floor: float = -1.0) -> _Channel:
        conn = self.catalog.reader()
        best: dict[int, float] = {}
        for q in np.atleast_2d(qvecs):
            for label, score in index.search(q.astype(np.float32), k):
                if score >= floor and score > best.get(label, -2.0):
                    best[label] = score
        channel = _Channel()
        if not best:
            return channel
        labels = list(best)
        hash_score: dict[str, float] = {}
        for i in range(0, len(labels), 500):
            part = labels[i : i + 500]
            marks = ",".join("?" * len(part))
            for vid, h in conn.execute(f"SELECT id, text_hash FROM vectors WHERE id IN ({marks})", part):
                hash_score[h] = max(hash_score.get(h, -2.0), best[vid])
        hashes = list(hash_score)
        for i in range(0, len(hashes), 500):
            hpart = hashes[i : i + 500]
            marks = ",".join("?" * len(hpart))
            for cid, fid, h in conn.execute(
                f"SELECT id, file_id, text_hash FROM chunks WHERE text_hash IN ({marks})", hpart
            ):
                if fid == exclude_file:
                    continue
                channel.chunks.setdefault(fid, []).append((cid, hash_score[h]))
        for fid, items in channel.chunks.items():
            items.sort(key=lambda x: -x[1])
            channel.files[fid] = items[0][1]
        return channel

    # -- fusion --------------------------------------------------------------------------
    def search(self, query: str, limit: int = 20, *, mode: str = "hybrid",
               filters: SearchFilters | None = None) -> list[Hit]:
        """Files best matching ``query``. ``mode``: hybrid, lexical (name + keywords) or vector."""
        query = query.strip()
        if not query:
            return []
        t0 = time.perf_counter()
        channels: dict[str, _Channel] = {}
        if mode in ("hybrid", "lexical"):
            channels.update(self._keyword_channels(query))
        t1 = time.perf_counter()
        if mode in ("hybrid", "vector"):
            sem = self.semantic()
            if sem is not None and sem[1].count:
                provider, index = sem
                qvec = self.embed_query(provider, query)
                channels["vector"] = self.vector_channel_for(index, qvec, floor=min_similarity(provider))
                second = self.secondary() if not has_cjk(query) else None
                if second is not None:
                    qvec2 = self.embed_query(second[0], query)
                    extra = self.vector_channel_for(second[1], qvec2, floor=min_similarity(second[0]))
                    channels["vector"] = _sum_channels(channels["vector"], extra)
        t2 = time.perf_counter()
        hits = self._fuse(channels, query, limit, filters)
        self.timings = {"lexical": t1 - t0, "vector": t2 - t1, "fuse": time.perf_counter() - t2}
        return hits

    def _fuse(self, channels: dict[str, _Channel], query: str, limit: int,
              filters: SearchFilters | None) -> list[Hit]:
        f = self.fusion
        weight = {"name": f.name, "lexical": f.lexical, "vector": f.vector}
        lex = channels.get("lexical")
        if lex is not None and lex.files and "vector" in channels and f.coverage_full > 0:
            # Keyword evidence is only as strong as the share of the query its best file holds:
            # a translated query matching stray English words in Chinese pages barely counts.
            top = max(lex.files, key=lambda fid: lex.files[fid])
            found, total = self._coverage(top, query)
            if total >= f.coverage_terms and found <= f.coverage_full:
                weight["lexical"] *= f.coverage_floor
        scores: dict[int, float] = {}
        matched: dict[int, list[str]] = {}
        for name, channel in channels.items():
            for rank, file_id in enumerate(channel.ranked()):
                scores[file_id] = scores.get(file_id, 0.0) + weight[name] / (f.k + rank + 1)
                matched.setdefault(file_id, []).append(name)
        # Exact file-name matches go first whatever the other channels say.
        name_ch = channels.get("name")
        if name_ch:
            for file_id, s in name_ch.files.items():
                if s >= 1000.0:
                    scores[file_id] += 1.0
        order = sorted(scores, key=lambda fid: -scores[fid])
        return self._hits(order, scores, matched, channels, query, limit, filters)

    def _hits(self, order: list[int], scores: dict[int, float], matched: dict[int, list[str]],
              channels: dict[str, _Channel], query: str, limit: int, filters: SearchFilters | None) -> list[Hit]:
        conn = self.catalog.reader()
        hits: list[Hit] = []
        by_content: dict[str, Hit] = {}
        name_scores = channels["name"].files if "name" in channels else {}
        pos = 0
        while len(hits) < limit and pos < len(order):
            # Fetch file rows a page at a time: most queries need one page.
            page = order[pos : pos + max(2 * limit, 32)]
            pos += len(page)
            marks = ",".join("?" * len(page))
            rows = {r[0]: r[1:] for r in conn.execute(
                f"SELECT id, display, size, mtime_ns, kind, status, content_hash FROM files WHERE id IN ({marks})",
                page)}
            for file_id in page:
                if len(hits) >= limit:
                    break
                row = rows.get(file_id)
                if row is None or row[4] not in ("indexed", "pending"):
                    continue
                display, size, mtime_ns, kind, _status, content_hash = row
                if filters is not None and filters.active and not _passes(filters, display, kind, mtime_ns / 1e9):
                    continue
                if content_hash and size and content_hash in by_content:
                    # Identical copies are one result: a name match, else the shortest name, leads.
                    first = by_content[content_hash]
                    if _lead_key(display, file_id, name_scores) < _lead_key(first.path, first.file_id, name_scores):
                        first.duplicates.append(first.path)
                        first.path, first.file_id = display, file_id
                    else:
                        first.duplicates.append(display)
                    continue
                hit = Hit(display, scores[file_id], file_id, [], matched.get(file_id, []), size,
                          mtime_ns / 1e9, kind)
                hits.append(hit)
                if content_hash and size:
                    by_content[content_hash] = hit
        self._add_passages(hits, channels, query)
        return hits

    def _add_passages(self, hits: list[Hit], channels: dict[str, _Channel], query: str) -> None:
        """Up to three passages per hit: best keyword matches first, then meaning matches."""
        conn = self.catalog.reader()
        terms = highlight_terms(query)
        # The rarest terms pick the passage; all of them would only slow the per-file query.
        lex = channels.get("lexical")
        lex_terms = lex.passage_terms if lex is not None else []
        vec = channels.get("vector")
        best_lexical = self._best_lexical_chunks(
            [h.file_id for h in hits if "lexical" in h.channels], lex_terms, terms)
        wanted: dict[int, list[int]] = {}
        for hit in hits:
            ids = list(best_lexical.get(hit.file_id, []))
            for cid, _s in (vec.chunks.get(hit.file_id, []) if vec else [])[:3]:
                if cid not in ids:
                    ids.append(cid)
            wanted[hit.file_id] = ids[:3]
        all_ids = [c for ids in wanted.values() for c in ids]
        rows: dict[int, tuple[int, str, int | None, int, int]] = {}
        if all_ids:
            marks = ",".join("?" * len(all_ids))
            rows = {r[0]: r for r in conn.execute(
                f"SELECT id, text, page, start, end FROM chunks WHERE id IN ({marks})", all_ids)}
        for hit in hits:
            picked = [rows[c] for c in wanted[hit.file_id] if c in rows]
            if not picked:  # matched by name only: show how the file begins
                picked = conn.execute(
                    "SELECT id, text, page, start, end FROM chunks WHERE file_id=? ORDER BY ordinal LIMIT 1",
                    (hit.file_id,)).fetchall()
            for cid, text, page, start, end in picked:
                snippet, spans = make_snippet(text, terms)
                hit.passages.append(Passage(cid, snippet, spans, page, 0.0, start, end))
        # Exact phrases people type verbatim (2–6 words) lift the results that contain them.
        phrase = normalise(query).strip()
        words = len(WORD.findall(phrase))
        if (2 <= words <= 6 and not has_cjk(phrase)) or (has_cjk(phrase) and 3 <= len(phrase) <= 12):
            flat = " ".join(phrase.split())
            for hit in hits:
                if any(flat in " ".join(normalise(rows[p.chunk_id][1]).split())
                       for p in hit.passages if p.chunk_id in rows):
                    hit.score *= self.fusion.phrase_boost
            hits.sort(key=lambda h: -h.score)

    def _coverage(self, file_id: int, query: str) -> tuple[int, int]:
        """Most of the query's words (or CJK bigrams) found in one passage of the file, and how many there are."""
        wanted = set(highlight_terms(query))
        if not wanted:
            return 0, 0
        patterns = [re.compile(_term_regex(t)) for t in wanted]
        conn = self.catalog.reader()
        best = 0
        for (text,) in conn.execute(
                "SELECT text FROM chunks WHERE file_id=? ORDER BY ordinal LIMIT ?", (file_id, SMALL_FILE_CHUNKS)):
            low = text.lower()
            best = max(best, sum(1 for p in patterns if p.search(low)))
        return best, len(wanted)

    def _best_lexical_chunks(self, file_ids: list[int], lex_terms: list[str],
                             terms: list[str]) -> dict[int, list[int]]:
        """The two chunks of each file that hold the most query terms.

        Small files (most of them) are scored here from their chunk texts in one query; a file
        with many chunks asks FTS5 for its best ones within its own id range.
        """
        if not file_ids:
            return {}
        conn = self.catalog.reader()
        marks = ",".join("?" * len(file_ids))
        sizes = dict(conn.execute(
            f"SELECT file_id, COUNT(*) FROM chunks WHERE file_id IN ({marks}) GROUP BY file_id", file_ids))
        small = [f for f in file_ids if sizes.get(f, 0) <= SMALL_FILE_CHUNKS]
        out: dict[int, list[int]] = {}
        pattern = terms_pattern(tuple(terms))
        if small and pattern is not None:
            marks = ",".join("?" * len(small))
            scored: dict[int, list[tuple[float, int]]] = {}
            for cid, fid, text in conn.execute(
                    f"SELECT id, file_id, text FROM chunks WHERE file_id IN ({marks})", small):
                found = [m.lower() for m in pattern.findall(text.lower())]
                if found:
                    scored.setdefault(fid, []).append((len(set(found)) + 0.1 * len(found), cid))
            for fid, items in scored.items():
                items.sort(key=lambda x: (-x[0], x[1]))
                out[fid] = [cid for _s, cid in items[:2]]
        for fid in file_ids:
            if sizes.get(fid, 0) > SMALL_FILE_CHUNKS:
                out[fid] = lexical.best_chunks_of(conn, fid, lex_terms, 2)
        return out

    # -- more like this ------------------------------------------------------------------
    def similar(self, file_id: int, vectors: np.ndarray, limit: int = 20) -> list[Hit]:
        """Files closest in meaning to the file whose chunk vectors are given."""
        sem = self.semantic()
        if sem is None or len(vectors) == 0:
            return []
        _provider, index = sem
        step = max(1, len(vectors) // 16)
        probes = vectors[::step][:16]
        channel = self.vector_channel_for(index, probes, k=100, exclude_file=file_id)
        # Identical copies of the file itself are not "like" it: they are it.
        same = {r[0] for r in self.catalog.reader().execute(
            "SELECT id FROM files WHERE content_hash=(SELECT content_hash FROM files WHERE id=?) AND size>0",
            (file_id,))}
        scores = {fid: s for fid, s in channel.files.items() if fid not in same}
        order = sorted(scores, key=lambda fid: -scores[fid])
        return self._hits(order, scores, {fid: ["vector"] for fid in order}, {"vector": channel}, "", limit, None)


def _sum_channels(a: _Channel, b: _Channel) -> _Channel:
    """Add two models' file scores (a file missing from one gets that model's lowest score)."""
    if not b.files:
        return a
    if not a.files:
        return b
    floor_a, floor_b = min(a.files.values()), min(b.files.values())
    out = _Channel()
    for fid in set(a.files) | set(b.files):
        out.files[fid] = a.files.get(fid, floor_a) + b.files.get(fid, floor_b)
        merged = dict(b.chunks.get(fid, []))
        for cid, score in a.chunks.get(fid, []):
            merged[cid] = max(score, merged.get(cid, -2.0))
        out.chunks[fid] = sorted(merged.items(), key=lambda x: -x[1])
    return out


def _term_regex(term: str) -> str:
    if CJK_CHAR.search(term):
        return re.escape(term)
    return r"\b" + re.escape(term[: max(3, len(term) - 2)])


def _lead_key(display: str, file_id: int, name_scores: dict[int, float]) -> tuple[float, int, str]:
    """Which of identical copies leads: a file-name match, then the shortest, then A–Z name."""
    name = Path(display).name
    return (-name_scores.get(file_id, 0.0), len(name), name)


def _passes(filters: SearchFilters, display: str, kind: str, mtime: float) -> bool:
    if filters.folder:
        folder = filters.folder.rstrip("/") + "/"
        if not display.startswith(folder):
            return False
    if filters.kinds and kind not in filters.kinds:
        return False
    if filters.modified_after is not None and mtime < filters.modified_after:
        return False
    if filters.modified_before is not None and mtime > filters.modified_before:
        return False
    return True
