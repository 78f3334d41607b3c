"""Fixtures for core tests: a deterministic hashing provider and ready-made services."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from finder.core.config import Settings
from finder.core.service import FinderService


class HashProvider:
    """A tiny bag-of-words embedder: deterministic, instant, counts its calls.

    For pipeline tests only (what gets embedded, when, how often); meaning tests use the
    real local model.
    """

    name = "hash"
    model_id = "test/hash-64"
    dimension = 64
    max_batch = 8
    max_input_chars = 4000
    remote = False

    def __init__(self) -> None:
        self.embedded: list[str] = []
        self.queries: list[str] = []

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dimension, dtype=np.float32)
        for word in re.findall(r"\w+", text.lower()):
            h = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=4).digest(), "little")
            v[h % self.dimension] += 1.0
        if not v.any():
            v[0] = 1.0
        return v / np.linalg.norm(v)

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> np.ndarray:
        self.embedded.extend(texts)
        return np.stack([self._vec(t) for t in texts])

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return self._vec(text)

    def close(self) -> None:
        pass


@pytest.fixture
def hash_provider() -> HashProvider:
    return HashProvider()


@pytest.fixture
def make_service(tmp_path: Path):
    """Build FinderServices on a temp home; all are closed at teardown."""
    made: list[FinderService] = []

    def make(provider=None, home: Path | None = None, **settings) -> FinderService:  # type: ignore[no-untyped-def]
        svc = FinderService(home=home or tmp_path / "home", settings=Settings(**settings), provider=provider)
        made.append(svc)
        return svc

    yield make
    for svc in made:
        svc.close()


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding=encoding)
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A small mixed English/Chinese folder."""
    root = tmp_path / "docs"
    write(root / "recipes/banana_bread.md", "# Banana bread\n\nMash three ripe bananas, mix with flour, "
          "sugar and butter, then bake for an hour at 180 degrees.\n")
    write(root / "travel/kyoto_trip.txt", "Our itinerary for Kyoto: temples in the morning, the bamboo "
          "forest of Arashiyama in the afternoon, and a tea ceremony at dusk.\n")
    write(root / "work/quarterly_report.txt", "Quarterly revenue grew by twelve percent while operating "
          "costs fell. The board approved the budget for next year.\n")
    write(root / "code/server.py", "def start_http_server(port):\n    \"\"\"Listen for HTTP requests on the "
          "given port and dispatch them to handlers.\"\"\"\n    ...\n")
    write(root / "中文/账户管理.txt", "如何给系统添加一个新的用户账号：使用 useradd 命令创建用户，然后用 passwd 设置密码。\n")
    write(root / "中文/磁盘.txt", "使用 fdisk 对硬盘进行分区，然后用 mkfs 创建文件系统。\n")
    write(root / "中文/天气.md", "今天的天气很好，适合去公园散步和野餐。\n")
    return root
