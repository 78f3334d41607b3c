"""Fixtures for core tests: a deterministic hashing provider and ready-made services."""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import HashProvider, write

from finder.core.config import Settings
from finder.core.service import FinderService


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
