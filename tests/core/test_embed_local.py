"""Tests of the offline embedding provider with the real shipped models (no network)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

from finder.core.config import Settings
from finder.core.embed import local
from finder.core.embed.base import EmbeddingProvider
from finder.core.errors import ModelMissing

MINILM = local.SHIPPED_DIR / "minilm"

PASSAGES_EN = [
    (
        "fork() creates a new process by duplicating the calling process. The new process is "
        "referred to as the child process."
    ),
    "mmap() creates a new mapping in the virtual address space of the calling process.",
    "Preheat the oven to 200 degrees and bake the bread for forty minutes.",
    "The committee approved the annual budget after a long debate about taxes.",
]
PASSAGES_ZH = [
    "fdisk 是一个用于创建和操作磁盘分区表的程序。",
    "今天的天气非常好，我们一起去公园散步吧。",
    "这家餐厅的红烧肉味道很好，价格也便宜。",
    "ping 命令向网络上的主机发送回显请求，用来测试主机是否可以到达。",
]


@pytest.fixture(scope="module")
def use_provider() -> Iterator[local.LocalProvider]:
    provider = local.create(Settings())
    yield provider
    provider.close()


def _rank(provider: EmbeddingProvider, query: str, passages: list[str]) -> int:
    docs = provider.embed_documents(passages)
    return int(np.argmax(docs @ provider.embed_query(query)))


def test_default_is_use_and_conforms(use_provider: local.LocalProvider) -> None:
    assert isinstance(use_provider, EmbeddingProvider)
    assert (use_provider.name, use_provider.model_id) == ("local", "local/use-m3")
    assert use_provider.dimension == 512 and use_provider.remote is False
    assert use_provider.max_batch > 0 and use_provider.max_input_chars > 0


def test_use_shapes_and_unit_norm(use_provider: local.LocalProvider) -> None:
    vecs = use_provider.embed_documents(PASSAGES_EN + PASSAGES_ZH)
    assert vecs.shape == (8, 512) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    q = use_provider.embed_query("进程")
    assert q.shape == (512,) and abs(float(np.linalg.norm(q)) - 1.0) < 1e-5
    assert use_provider.embed_documents([]).shape == (0, 512)


def test_use_ranks_matching_passage_first(use_provider: local.LocalProvider) -> None:
    assert _rank(use_provider, "how do I start a child process", PASSAGES_EN) == 0
    assert _rank(use_provider, "给硬盘分区", PASSAGES_ZH) == 0
    assert _rank(use_provider, "测试网络上另一台主机能否连通", PASSAGES_ZH) == 3
    # cross-language: a Chinese query finds the English passage
    assert _rank(use_provider, "创建一个子进程", PASSAGES_EN) == 0
    assert _rank(use_provider, "烤面包", PASSAGES_EN) == 2


def test_use_titles_and_order(use_provider: local.LocalProvider) -> None:
    plain = use_provider.embed_documents(PASSAGES_EN)
    reversed_ = use_provider.embed_documents(PASSAGES_EN[::-1])
    np.testing.assert_allclose(plain, reversed_[::-1], atol=1e-5)
    titled = use_provider.embed_documents(PASSAGES_EN[:2], titles=["fork(2)", ""])
    assert float(titled[0] @ plain[0]) < 0.9999  # the title went in
    np.testing.assert_allclose(titled[1], plain[1], atol=1e-6)


def test_use_query_is_fast(use_provider: local.LocalProvider) -> None:
    use_provider.embed_query("warm")
    times = []
    for _ in range(10):
        start = time.perf_counter()
        use_provider.embed_query("where is the quarterly report about sales in Shanghai")
        times.append(time.perf_counter() - start)
    assert sorted(times)[5] < 0.05  # measured ≈1.5 ms; generous for a busy CI box


@pytest.mark.skipif(not (MINILM / "model.onnx").exists(), reason="MiniLM is not shipped")
def test_minilm_matches_sentence_transformers_reference() -> None:
    provider = local.create(Settings(model="minilm"), threads=1)
    assert provider.model_id == "local/minilm" and provider.dimension == 384
    sentences = json.loads((MINILM / "reference.json").read_text(encoding="utf-8"))
    reference = np.load(MINILM / "reference.npy")
    vecs = provider.embed_documents(sentences)
    cos = (vecs * reference).sum(axis=1)
    assert (cos >= 0.99).all(), cos
    # Order is restored after the by-length sort. Dynamic int8 quantises activations with a
    # scale taken from the whole batch, so the same text in another batch differs slightly.
    again = provider.embed_documents(sentences[::-1])[::-1]
    assert ((again * vecs).sum(axis=1) >= 0.99).all()
    assert float(provider.embed_query(sentences[0]) @ vecs[0]) >= 0.99
    assert _rank(provider, "how do I start a child process", PASSAGES_EN) == 0
    provider.close()


def test_missing_user_model_raises(tmp_path: Path) -> None:
    with pytest.raises(ModelMissing, match="not installed"):
        local.create(Settings(model="multilingual-e5-small"), models_dir=tmp_path)
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "tokenizer.json").write_text("{}")
    with pytest.raises(ModelMissing, match="model.onnx"):
        local.create(Settings(model="half"), models_dir=tmp_path)
    with pytest.raises(ModelMissing):
        local.create(Settings(model="../etc"), models_dir=tmp_path)


@pytest.mark.skipif(not (MINILM / "model.onnx").exists(), reason="MiniLM is not shipped")
def test_user_model_folder_with_prefixes_and_cls(tmp_path: Path) -> None:
    folder = tmp_path / "my-e5"
    folder.mkdir()
    for name in ("model.onnx", "tokenizer.json"):
        (folder / name).symlink_to(MINILM / name)
    (folder / "finder-model.json").write_text(json.dumps(
        {"pooling": "cls", "query_prefix": "query: ", "passage_prefix": "passage: ",
         "max_seq_length": 128, "languages": ["en"]}))
    provider = local.create(Settings(model="my-e5"), models_dir=tmp_path, threads=1)
    assert provider.model_id == "local/my-e5"
    assert provider.dimension == 384  # found by loading, the folder does not say
    spec = provider.spec  # type: ignore[attr-defined]
    assert (spec.pooling, spec.query_prefix, spec.passage_prefix) == ("cls", "query: ", "passage: ")
    q, d = provider.embed_query("hello"), provider.embed_documents(["hello"])[0]
    assert q.shape == (384,) and float(q @ d) < 0.9999  # different prefixes → different vectors
    listed = {m["name"]: m for m in local.available_models(tmp_path)}
    assert listed["my-e5"]["installed"] and listed["my-e5"]["source"] == "user"
    assert listed["use-m3"]["installed"] and listed["use-m3"]["default"]
    assert listed["minilm"]["dimension"] == 384 and listed["minilm"]["size"] > 10_000_000


def test_family_defaults_apply_without_config(tmp_path: Path) -> None:
    from finder.core.embed.onnx_model import read_spec

    e5 = read_spec(tmp_path / "multilingual-e5-small")
    assert (e5.query_prefix, e5.passage_prefix, e5.pooling) == ("query: ", "passage: ", "mean")
    assert read_spec(tmp_path / "bge-m3").pooling == "cls"
    assert not e5.installed


def test_thread_count_is_explicit() -> None:
    assert local.default_threads(Settings(threads=3)) == 3
    assert 1 <= local.default_threads(Settings()) <= 2
    assert local.set_blas_threads(1) in (True, False)  # never raises


def test_registry_builds_the_local_provider() -> None:
    from finder.core.embed.registry import create_provider

    provider = create_provider(Settings(provider="local"))
    assert provider.model_id == "local/use-m3" and not provider.remote


@pytest.mark.skipif(not (MINILM / "model.onnx").exists(), reason="MiniLM is not shipped")
def test_lazy_load_is_thread_safe() -> None:
    from concurrent.futures import ThreadPoolExecutor

    provider = local.create(Settings(model="minilm"), threads=1)
    embedder = provider._embedder  # type: ignore[attr-defined]
    assert embedder._session is None  # constructing is cheap: nothing loaded yet
    with ThreadPoolExecutor(4) as pool:
        vecs = list(pool.map(provider.embed_query, ["open a file"] * 8))
    session = embedder._session
    assert session is not None
    for v in vecs[1:]:
        assert float(v @ vecs[0]) > 0.999
    provider.embed_query("again")
    assert embedder._session is session  # loaded once
