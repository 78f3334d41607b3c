"""DashScope native text embedding against the loopback fake, including errors inside HTTP 200."""

from __future__ import annotations

import numpy as np
import pytest
from fake_api import KEY, FakeAPI, Reply, fake_vector

from finder.core.config import Settings
from finder.core.embed import dashscope
from finder.core.errors import AuthError, BadRequest, QuotaExceeded


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DASHSCOPE_API_KEY", KEY)


def make(api: FakeAPI, client, sleeps, **kw):  # type: ignore[no-untyped-def]
    settings = Settings(provider="dashscope", base_url=api.base_url, **kw)
    return dashscope.create(settings, client=client, sleep=sleeps.append)


def test_documents_and_query(dsnative_api: FakeAPI, client, sleeps) -> None:
    p = make(dsnative_api, client, sleeps, dimensions=512)
    texts = [f"文档 {i} text" for i in range(23)]
    vecs = p.embed_documents(texts)
    assert vecs.shape == (23, 512)
    for row, text in zip(vecs, texts):
        assert np.allclose(row, fake_vector(text, 512), atol=1e-6)  # text_index order restored
    assert sorted(len(s.body["input"]["texts"]) for s in dsnative_api.seen) == [3, 10, 10]
    params = dsnative_api.seen[0].body["parameters"]
    assert params == {"text_type": "document", "dimension": 512, "output_type": "dense"}
    p.embed_query("查询")
    qparams = dsnative_api.seen[-1].body["parameters"]
    assert qparams["text_type"] == "query" and qparams["instruct"]
    assert p.usage_tokens > 0 and p.model_id == "dashscope/text-embedding-v4@512"


def test_default_dimension(dsnative_api: FakeAPI, client, sleeps) -> None:
    dsnative_api.dim = 1024
    p = make(dsnative_api, client, sleeps)
    assert p.embed_query("x").shape == (1024,) and p.dimension == 1024


def test_arrearage_in_200_body_not_retried(dsnative_api: FakeAPI, client, sleeps) -> None:
    dsnative_api.script.append(Reply(200, {"code": "Arrearage", "message": "Access denied, please "
                                           "make sure your account is in good standing.",
                                           "request_id": "r1"}))
    with pytest.raises(QuotaExceeded):
        make(dsnative_api, client, sleeps, dimensions=64).embed_query("x")
    assert len(dsnative_api.seen) == 1 and sleeps == []


def test_throttling_in_200_body_retried(dsnative_api: FakeAPI, client, sleeps) -> None:
    dsnative_api.script.append(Reply(200, {"code": "Throttling.RateQuota",
                                           "message": "Requests rate limit exceeded",
                                           "request_id": "r2"}))
    assert make(dsnative_api, client, sleeps, dimensions=64).embed_query("x").shape == (64,)
    assert len(dsnative_api.seen) == 2 and len(sleeps) == 1


def test_invalid_parameter_in_200_body(dsnative_api: FakeAPI, client, sleeps) -> None:
    dsnative_api.script.append(Reply(200, {"code": "InvalidParameter", "message": "bad value",
                                           "request_id": "r3"}))
    with pytest.raises(BadRequest, match="InvalidParameter"):
        make(dsnative_api, client, sleeps, dimensions=64).embed_query("x")
    assert len(dsnative_api.seen) == 1


def test_batch_too_large_splits(dsnative_api: FakeAPI, client, sleeps) -> None:
    p = make(dsnative_api, client, sleeps, dimensions=64)
    p.max_batch = 16
    assert p.embed_documents([f"t{i}" for i in range(16)]).shape == (16, 64)
    assert [len(s.body["input"]["texts"]) for s in dsnative_api.seen] == [16, 8, 8]


def test_bad_key(dsnative_api: FakeAPI, client, sleeps, monkeypatch) -> None:
    monkeypatch.setenv("DASHSCOPE_API_KEY", "sk-bad-000000")
    with pytest.raises(AuthError, match=r"rejected the API key \(401, InvalidApiKey\)") as info:
        make(dsnative_api, client, sleeps).embed_query("x")
    assert "sk-bad" not in str(info.value)


def test_500_internal_error_retried(dsnative_api: FakeAPI, client, sleeps) -> None:
    dsnative_api.script.append(Reply(500, {"code": "InternalError", "message": "oops",
                                           "request_id": "r4"}))
    assert make(dsnative_api, client, sleeps, dimensions=64).embed_query("x").shape == (64,)
    assert len(dsnative_api.seen) == 2
