"""The lexical index: FTS5 over chunk bodies and over file names and folders, ranked by bm25."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import PurePath

from finder.core.tokens import fts_quote, index_text

_NAME_SPLIT = re.compile(r"(?<=[a-z])(?=[A-Z])|[_\-.+~]+")
MAX_TERMS = 32  # more OR-ed terms than this only slow bm25 down (SciFact claims use up to ~25)
COMMON_FRACTION = 0.25  # a term in more than this share of chunks is dropped if others remain


def name_text(name: str) -> str:
    """File name as searchable words: 'myReport_2024-final.pdf' → 'my report 2024 final pdf'."""
    return index_text(_NAME_SPLIT.sub(" ", name))


def folder_text(path: str) -> str:
    parts = PurePath(path).parts[:-1]
    return index_text(" ".join(_NAME_SPLIT.sub(" ", p) for p in parts[-4:]))


def add_chunks(conn: sqlite3.Connection, rows: Iterable[tuple[int, str]]) -> None:
    conn.executemany(
        "INSERT INTO chunks_fts(rowid, body) VALUES(?, ?)", ((cid, index_text(text)) for cid, text in rows)
    )


def delete_chunks(conn: sqlite3.Connection, chunk_ids: Sequence[int]) -> None:
    conn.executemany("DELETE FROM chunks_fts WHERE rowid=?", ((cid,) for cid in chunk_ids))


def set_body(conn: sqlite3.Connection, file_id: int, text: str) -> None:
    """The whole text of a file, for document-level ranking."""
    conn.execute("DELETE FROM docs_fts WHERE rowid=?", (file_id,))
    conn.execute("INSERT INTO docs_fts(rowid, body) VALUES(?, ?)", (file_id, index_text(text)))


def delete_body(conn: sqlite3.Connection, file_id: int) -> None:
    conn.execute("DELETE FROM docs_fts WHERE rowid=?", (file_id,))


def set_name(conn: sqlite3.Connection, file_id: int, display: str) -> None:
    name = PurePath(display).name
    conn.execute("DELETE FROM names_fts WHERE rowid=?", (file_id,))
    conn.execute(
        "INSERT INTO names_fts(rowid, name, folder) VALUES(?, ?, ?)",
        (file_id, name_text(name), folder_text(display)),
    )


def delete_name(conn: sqlite3.Connection, file_id: int) -> None:
    conn.execute("DELETE FROM names_fts WHERE rowid=?", (file_id,))


def doc_freqs(conn: sqlite3.Connection, terms: list[str]) -> dict[str, int]:
    """How many documents hold each term (0 for stems not found as typed)."""
    dfs: dict[str, int] = {}
    for term in terms:
        probe = index_text(term).split()
        key = probe[0] if probe else term
        row = conn.execute("SELECT doc FROM docs_vocab WHERE term=?", (key,)).fetchone()
        dfs[term] = row[0] if row else 0
    return dfs


def rarest_terms(conn: sqlite3.Connection, terms: list[str], count: int,
                 dfs: dict[str, int] | None = None) -> list[str]:
    """The ``count`` terms found in the fewest documents (unknown stems count as rare)."""
    if len(terms) <= count:
        return terms
    dfs = dfs if dfs is not None else doc_freqs(conn, terms)
    return sorted(terms, key=lambda t: dfs[t])[:count]


def prune_terms(conn: sqlite3.Connection, terms: list[str], dfs: dict[str, int] | None = None) -> list[str]:
    """Drop very common terms (when rarer ones remain) and keep the rarest MAX_TERMS."""
    if len(terms) <= 1:
        return terms
    dfs = dfs if dfs is not None else doc_freqs(conn, terms)
    total = max(1, conn.execute("SELECT COUNT(*) FROM files WHERE status='indexed'").fetchone()[0] or 1)
    # Stemmed terms are not found in the vocabulary as typed (df 0): they are kept, never dropped.
    rare = [t for t in terms if dfs[t] <= COMMON_FRACTION * total]
    kept = rare or terms
    if len(kept) > MAX_TERMS:
        kept = sorted(kept, key=lambda t: dfs[t])[:MAX_TERMS]
    return kept


def _ranked(conn: sqlite3.Connection, table: str, parts: list[str], limit: int,
            weights: str = "") -> list[tuple[int, float]]:
    """Rowids of ``table`` matching any of the quoted ``parts``, best first, bm25 made positive."""
    if not parts:
        return []
    try:
        rows = conn.execute(
            f"SELECT rowid, bm25({table}{weights}) FROM {table} WHERE {table} MATCH ? ORDER BY rank LIMIT ?",
            (" OR ".join(parts), limit),
        ).fetchall()
    except sqlite3.OperationalError:  # a query FTS5 cannot parse finds nothing, it does not fail
        return []
    return [(int(r[0]), -float(r[1])) for r in rows]


def search_docs(conn: sqlite3.Connection, terms: list[str], limit: int = 200) -> list[tuple[int, float]]:
    """File ids whose whole text matches any term, best first (document-level bm25)."""
    return _ranked(conn, "docs_fts", [fts_quote(t) for t in terms], limit)


def best_chunks_of(conn: sqlite3.Connection, file_id: int, terms: list[str], limit: int = 3) -> list[int]:
    """The chunks of one file that match the terms best (passages of a document-level hit).

    A file's chunks are written in one transaction, so their ids form one range: FTS5 seeks
    to it instead of ranking every matching chunk of the collection.
    """
    if not terms:
        return []
    lo, hi = conn.execute("SELECT MIN(id), MAX(id) FROM chunks WHERE file_id=?", (file_id,)).fetchone()
    if lo is None:
        return []
    expr = " OR ".join(fts_quote(t) for t in terms)
    try:
        rows = conn.execute(
            "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH ? AND rowid BETWEEN ? AND ? "
            "ORDER BY rank LIMIT ?",
            (expr, lo, hi, limit),
        ).fetchall()
    except sqlite3.OperationalError:
        return []
    return [int(r[0]) for r in rows]


def search_names(
    conn: sqlite3.Connection, terms: list[str], prefix: str | None = None, limit: int = 100
) -> list[tuple[int, float]]:
    """File ids whose name (weighted 10×) or folder matches, best first."""
    parts = [fts_quote(t) for t in terms]
    if prefix and len(prefix) >= 3 and prefix.isascii():
        parts.append(fts_quote(prefix) + "*")  # as-you-type; shorter prefixes are too slow
    return _ranked(conn, "names_fts", parts, limit, ", 10.0, 1.0")
