"""Crash safety: SIGKILL the indexer many times (bench/crash_harness.py), then check every invariant."""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
sys.path.insert(0, str(BENCH))

import crash_harness

# Rename + same-size edit and delete + same-size create (inode reuse) hit a reconcile bug that has
# nothing to do with crashes (see test_rename_and_same_size_edit_*); the kill test leaves them out.
CRASH_OPS = [op for op in crash_harness.OPS if op not in ("rename_edit", "delete_add")]


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.timeout(120)
def test_sigkill_at_random_moments_leaves_a_consistent_index(tmp_path: Path) -> None:
    res = crash_harness.run_harness(tmp_path, kills=8, seed=7, files=40, exact_limit=30, run_timeout=40.0,
                                    ops=CRASH_OPS)
    report = res.table()
    assert res.problems == [], report
    assert res.kills == 8, report
    assert res.finished_reembedded == 0, report
    assert res.max_in_flight <= crash_harness.HASH_BATCH, report
    # The small exact limit means the hnswlib graph, its saves and its reload were exercised.
    assert res.graph_mode, report
    assert res.final_vectors > 30 and res.final_files >= 30, report


def test_verify_notices_damage(tmp_path: Path) -> None:
    """The checker is not vacuous: a lost FTS row, a lost vector and a damaged graph file are seen."""
    harness = crash_harness.Harness(tmp_path, files=12, seed=3, exact_limit=5, run_timeout=40.0)
    res = harness.run(kills=0)
    assert res.problems == [] and res.graph_mode, res.table()
    graph = next((tmp_path / "home/index").glob("*.hnsw"))
    data = bytearray(graph.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = bytes(b ^ 0xFF for b in data[len(data) // 2 : len(data) // 2 + 64])
    graph.write_bytes(bytes(data))  # same size, wrong checksum
    conn = sqlite3.connect(tmp_path / "home/catalog.sqlite3")
    conn.execute("DELETE FROM chunks_fts WHERE rowid=(SELECT MIN(id) FROM chunks)")
    conn.commit()
    conn.close()
    problems = crash_harness.verify(tmp_path / "home", tmp_path / "corpus", crash_harness.HASH_MODEL_ID, 5,
                                    crash_harness.HarnessResult())
    assert any("chunks_fts" in p for p in problems), problems
    assert any("rebuilt" in p for p in problems), problems  # detected by checksum and rebuilt …
    assert not any("labels differ" in p for p in problems), problems  # … exactly from SQLite


def test_rename_and_same_size_edit_while_stopped_is_reindexed(make_service, hash_provider,
                                                              tmp_path: Path) -> None:
    """BUG (finder/core/indexer.py, Indexer._scan_one rename branch): a file renamed and then edited
    in place with the same size while the app was closed keeps its old text after the start-up
    reconcile, because it is matched by (dev, inode, size) and its mtime is never compared; only
    the next reconcile (15 min later in LiveIndex) notices. Inode reuse after delete + create of a
    same-size file (common on ext4) has the same effect. Fails until the fix is in."""
    root = tmp_path / "docs"
    write(root / "a.txt", "alpha apple orchard notes\n")
    svc = make_service(hash_provider)
    svc.index([root], embed=False)
    os.rename(root / "a.txt", root / "b.txt")
    with open(root / "b.txt", "r+b") as fh:
        fh.write(b"bravo")  # same size, new words, new mtime
    result = svc.scan()
    svc.extract_pending()
    assert result.renamed == 1
    assert [Path(h.path).name for h in svc.search("bravo", mode="lexical")] == ["b.txt"]
    assert svc.search("alpha", mode="lexical") == []
