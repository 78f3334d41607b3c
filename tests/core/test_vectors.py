"""The hnswlib cache: exact below the threshold, graph above, healed when damaged or deleted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from finder.core.store.db import Catalog
from finder.core.store.vectors import VectorIndex

DIM = 32


def fill(catalog: Catalog, n: int, model: str = "m") -> np.ndarray:
    rng = np.random.default_rng(7)
    mat = rng.normal(size=(n, DIM)).astype(np.float32)
    mat /= np.linalg.norm(mat, axis=1, keepdims=True)
    with catalog.write() as conn:
        conn.executemany(
            "INSERT INTO vectors(model_id, text_hash, vector) VALUES(?,?,?)",
            ((model, f"h{i}", mat[i].tobytes()) for i in range(n)),
        )
    return mat


@pytest.fixture
def catalog(tmp_path: Path):
    cat = Catalog(tmp_path)
    yield cat
    cat.close()


def test_exact_mode_finds_itself(catalog: Catalog, tmp_path: Path) -> None:
    mat = fill(catalog, 500)
    index = VectorIndex(catalog, "m", DIM, tmp_path / "index", exact_limit=1000)
    index.load()
    assert not index.uses_graph and index.count == 500
    label, score = index.search(mat[42], 5)[0]
    assert label == 43 and score == pytest.approx(1.0, abs=1e-5)  # ids start at 1


def graph_index(catalog: Catalog, tmp_path: Path) -> tuple[VectorIndex, np.ndarray]:
    mat = fill(catalog, 1500)
    index = VectorIndex(catalog, "m", DIM, tmp_path / "index", exact_limit=1000)
    index.load()
    assert index.uses_graph and index.rebuilt
    return index, mat


def test_graph_saved_with_checksum_and_reloaded(catalog: Catalog, tmp_path: Path) -> None:
    index, mat = graph_index(catalog, tmp_path)
    assert index.path.exists()
    meta = json.loads(catalog.get_meta(index.meta_key) or "{}")
    assert meta["count"] == 1500 and meta["dimension"] == DIM and len(meta["checksum"]) == 32
    again = VectorIndex(catalog, "m", DIM, tmp_path / "index", exact_limit=1000)
    again.load()
    assert not again.rebuilt
    assert again.search(mat[7], 1)[0][0] == 8


@pytest.mark.parametrize("damage", ["corrupt", "truncate", "delete", "other_model"])
def test_damaged_cache_heals_from_sqlite(catalog: Catalog, tmp_path: Path, damage: str) -> None:
    index, mat = graph_index(catalog, tmp_path)
    data = index.path.read_bytes()
    if damage == "corrupt":
        index.path.write_bytes(data[:1000] + bytes(4096) + data[5096:])  # same size, bad bytes
    elif damage == "truncate":
        index.path.write_bytes(data[: len(data) // 2])
    elif damage == "delete":
        index.path.unlink()
    else:
        meta = json.loads(catalog.get_meta(index.meta_key) or "{}")
        meta["dimension"] = 99
        catalog.set_meta(index.meta_key, json.dumps(meta))
    healed = VectorIndex(catalog, "m", DIM, tmp_path / "index", exact_limit=1000)
    healed.load()  # must not crash (corrupt bytes can segfault hnswlib: checksum first)
    assert healed.rebuilt and healed.count == 1500
    assert healed.search(mat[100], 1)[0][0] == 101


def test_catch_up_after_crash_between_commit_and_save(catalog: Catalog, tmp_path: Path) -> None:
    index, _mat = graph_index(catalog, tmp_path)
    rng = np.random.default_rng(1)
    v = rng.normal(size=DIM).astype(np.float32)
    v /= np.linalg.norm(v)
    with catalog.write() as conn:
        conn.execute("INSERT INTO vectors(model_id, text_hash, vector) VALUES('m','late',?)", (v.tobytes(),))
    # No save(): the process "died". The next load adds the missing vector.
    again = VectorIndex(catalog, "m", DIM, tmp_path / "index", exact_limit=1000)
    again.load()
    assert not again.rebuilt and again.count == 1501
    assert again.search(v, 1)[0][0] == 1501


def test_growth_promotes_to_graph(catalog: Catalog, tmp_path: Path) -> None:
    index = VectorIndex(catalog, "m", DIM, tmp_path / "index", exact_limit=300)
    index.load()
    mat = fill(catalog, 400)
    index.add(np.arange(1, 401), mat)
    assert index.uses_graph and index.count == 400
    index.remove([5])
    assert all(label != 5 for label, _s in index.search(mat[4], 10))
