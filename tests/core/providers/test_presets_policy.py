"""Preset choice/validation, describe_provider, and the retry/batching helpers of http.py."""

from __future__ import annotations

import email.utils
import time

import httpx
import pytest

from finder.core.config import Settings
from finder.core.embed import registry
from finder.core.embed.http import (
    RetryPolicy,
    make_batches,
    parse_duration,
    parse_retry_after,
    run_split,
)
from finder.core.embed.presets import PRESETS, apply_provider_choice, describe_provider, resolve
from finder.core.errors import (
    BadRequest,
    BatchTooLarge,
    ConfigError,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
)


def test_every_preset_is_registered() -> None:
    assert set(PRESETS) | {"local"} == set(registry.PROVIDERS)


def test_apply_choice_defaults_and_validation() -> None:
    s = apply_provider_choice(Settings(), "dashscope-compatible", dimensions=512)
    r = resolve(s)
    assert r.model == "text-embedding-v4" and r.dimension == 512 and r.max_batch == 10
    assert r.base_url == "https://dashscope.aliyuncs.com/compatible-mode/v1"
    with pytest.raises(ConfigError, match="cannot return 500 dimensions; choose one of 64, 128"):
        apply_provider_choice(Settings(), "dashscope", dimensions=500)
    with pytest.raises(ConfigError, match="Unknown embedding provider 'openia'"):
        apply_provider_choice(Settings(), "openia")
    with pytest.raises(ConfigError, match="embedding-2 always returns 1024"):
        apply_provider_choice(Settings(), "zhipu", model="embedding-2", dimensions=512)
    with pytest.raises(ConfigError, match="between 1 and 1536"):
        apply_provider_choice(Settings(), "openai", dimensions=3072)
    assert resolve(apply_provider_choice(Settings(), "openai", model="text-embedding-3-large",
                                         dimensions=3072)).dimension == 3072
    with pytest.raises(ConfigError, match="needs a server URL"):
        apply_provider_choice(Settings(), "openai-compatible", model="m")
    with pytest.raises(ConfigError, match="needs a model name"):
        apply_provider_choice(Settings(), "vllm")
    with pytest.raises(ConfigError, match="not an http"):
        apply_provider_choice(Settings(), "ollama", base_url="ftp://x")
    with pytest.raises(ConfigError, match="between 128 and 3072"):
        apply_provider_choice(Settings(), "gemini", dimensions=64)


def test_apply_choice_keeps_or_resets() -> None:
    s = apply_provider_choice(Settings(), "zhipu", dimensions=512)
    assert apply_provider_choice(s, "zhipu").dimensions == 512  # same provider: kept
    assert apply_provider_choice(s, "openai").dimensions == 0  # new provider: reset
    assert apply_provider_choice(s, "local").provider == "local"
    g = apply_provider_choice(Settings(multimodal=True), "gemini")
    assert resolve(g).model == "gemini-embedding-2-preview"


def test_describe_never_shows_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-very-secret-1234")
    d = describe_provider(apply_provider_choice(Settings(), "openai", dimensions=512))
    assert d["name"] == "openai" and d["dimension"] == 512 and d["remote"] is True
    assert d["key_source"] == "environment variable OPENAI_API_KEY"
    assert "sk-very-secret" not in repr(d)
    o = describe_provider(apply_provider_choice(Settings(), "ollama"))
    assert o["remote"] is False and o["key_source"] == "not set" and o["dimension"] is None
    assert describe_provider(Settings())["remote"] is False


def test_parse_retry_headers() -> None:
    assert parse_retry_after(httpx.Headers({"retry-after-ms": "250"})) == 0.25
    assert parse_retry_after(httpx.Headers({"retry-after": "3"})) == 3.0
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    assert 28 <= (parse_retry_after(httpx.Headers({"retry-after": date})) or 0) <= 31
    assert parse_retry_after(httpx.Headers({"retry-after": "soon"})) is None
    assert parse_retry_after(httpx.Headers()) is None
    assert parse_duration("12s") == 12 and parse_duration("6m0s") == 360
    assert parse_duration("250ms") == 0.25 and parse_duration("0.5s") == 0.5
    assert parse_duration(None) is None


def test_policy_backoff_and_non_retryable() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(sleep=sleeps.append, rand=lambda: 0.0)
    assert [policy.backoff(n) for n in range(6)] == [0.5, 1, 2, 4, 8, 8]
    calls = []

    def quota() -> None:
        calls.append(1)
        raise QuotaExceeded("no credit")

    with pytest.raises(QuotaExceeded):
        policy.run(quota)
    assert len(calls) == 1 and sleeps == []
    outcomes: list[Exception | None] = [RateLimited("slow", retry_after=2.0),
                                        ProviderUnavailable("down"), None]

    def flaky() -> str:
        err = outcomes.pop(0)
        if err:
            raise err
        return "ok"

    assert policy.run(flaky) == "ok" and sleeps == [2.0, 1.0]


def test_policy_deadline() -> None:
    now = [0.0]
    policy = RetryPolicy(sleep=lambda s: now.__setitem__(0, now[0] + s), clock=lambda: now[0],
                         deadline=5.0, max_retries=10)

    def always() -> None:
        raise RateLimited("slow", retry_after=2.0)

    with pytest.raises(RateLimited):
        policy.run(always)
    assert now[0] == 4.0


def test_make_batches() -> None:
    assert make_batches(5, 2) == [range(2), range(2, 4), range(4, 5)]
    assert make_batches(0, 3) == []
    assert make_batches(4, 10, [5, 5, 5, 20], max_bytes=12) == [range(2), range(2, 3),
                                                                range(3, 4)]


def test_run_split() -> None:
    sent: list[int] = []

    def send(items):  # type: ignore[no-untyped-def]
        sent.append(len(items))
        if len(items) > 3:
            raise BatchTooLarge("too many")
        return list(items)

    assert run_split(list(range(8)), send) == list(range(8))
    assert sent == [8, 4, 2, 2, 4, 2, 2]

    def never(items):  # type: ignore[no-untyped-def]
        raise BatchTooLarge("too big")

    with pytest.raises(BadRequest, match="even a single input"):
        run_split([1], never)
