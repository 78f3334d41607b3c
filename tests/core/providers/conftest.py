"""Fixtures for provider tests: loopback fake APIs, an isolated data home, no OS keyring."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from fake_api import KEY, FakeAPI


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("FINDER_HOME", str(tmp_path / "home"))
    for name in ("OPENAI_API_KEY", "DASHSCOPE_API_KEY", "ZHIPUAI_API_KEY", "ZHIPU_API_KEY",
                 "GEMINI_API_KEY", "GOOGLE_API_KEY", "FINDER_TEST_KEY"):
        monkeypatch.delenv(name, raising=False)
    from finder.core import keys

    monkeypatch.setattr(keys, "_keyring", lambda: None)


@pytest.fixture(scope="session")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=httpx.Timeout(5.0)) as c:
        yield c


@pytest.fixture
def sleeps() -> list[float]:
    return []


def _fake(flavor: str, **kw: object) -> Iterator[FakeAPI]:
    api = FakeAPI(flavor, key=KEY, **kw)  # type: ignore[arg-type]
    try:
        yield api
    finally:
        api.stop()


@pytest.fixture
def openai_api() -> Iterator[FakeAPI]:
    yield from _fake("openai")


@pytest.fixture
def dscompat_api() -> Iterator[FakeAPI]:
    yield from _fake("dashscope-compatible")


@pytest.fixture
def zhipu_api() -> Iterator[FakeAPI]:
    yield from _fake("zhipu")


@pytest.fixture
def gemini_api() -> Iterator[FakeAPI]:
    yield from _fake("gemini")


@pytest.fixture
def dsnative_api() -> Iterator[FakeAPI]:
    yield from _fake("dashscope")
