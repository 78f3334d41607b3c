"""Gemini batchEmbedContents against the loopback fake: text, limits, RetryInfo, quota, media."""

from __future__ import annotations

import io

import numpy as np
import pytest
from fake_api import KEY, FakeAPI, Reply

from finder.core.config import Settings
from finder.core.embed import gemini
from finder.core.errors import AuthError, BadRequest, QuotaExceeded


@pytest.fixture(autouse=True)
def _key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", KEY)


def make(api: FakeAPI, client, sleeps, **kw):  # type: ignore[no-untyped-def]
    settings = Settings(provider="gemini", base_url=api.base_url, **kw)
    return gemini.create(settings, client=client, sleep=sleeps.append)


def rate_body(quota_id: str, delay: str = "12s") -> dict:
    return {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED",
                      "message": f"You exceeded your current quota. Please retry in {delay[:-1]}.43s.",
                      "details": [
                          {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
                              {"quotaMetric": "generativelanguage.googleapis.com/embed_requests",
                               "quotaId": quota_id, "quotaValue": "100"}]},
                          {"@type": "type.googleapis.com/google.rpc.RetryInfo",
                           "retryDelay": delay}]}}


def test_documents_and_query(gemini_api: FakeAPI, client, sleeps) -> None:
    p = make(gemini_api, client, sleeps, dimensions=768)
    docs = p.embed_documents(["apple pie", "stock market"], titles=["a.txt", "b.txt"])
    q = p.embed_query("apple")
    assert docs.shape == (2, 768) and q.shape == (768,)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)  # re-normalised below 3072
    seen = gemini_api.seen
    assert seen[0].path == "/v1beta/models/gemini-embedding-001:batchEmbedContents"
    assert seen[0].headers["x-goog-api-key"] == KEY and "authorization" not in seen[0].headers
    req = seen[0].body["requests"][0]
    assert req == {"model": "models/gemini-embedding-001", "content": {"parts": [
        {"text": "apple pie"}]}, "taskType": "RETRIEVAL_DOCUMENT", "title": "a.txt",
        "outputDimensionality": 768}
    assert seen[1].body["requests"][0]["taskType"] == "RETRIEVAL_QUERY"
    assert "title" not in seen[1].body["requests"][0]
    assert p.model_id == "gemini/gemini-embedding-001@768" and p.supports_media is False


def test_default_dimension_3072(gemini_api: FakeAPI, client, sleeps) -> None:
    p = make(gemini_api, client, sleeps)
    assert p.embed_query("x").shape == (3072,)
    assert "outputDimensionality" not in gemini_api.seen[0].body["requests"][0]


def test_at_most_100_requests_per_call(gemini_api: FakeAPI, client, sleeps) -> None:
    p = make(gemini_api, client, sleeps, dimensions=128)
    assert p.embed_documents([f"t{i}" for i in range(250)]).shape == (250, 128)
    assert sorted(len(s.body["requests"]) for s in gemini_api.seen) == [50, 100, 100]


def test_server_batch_limit_splits(gemini_api: FakeAPI, client, sleeps) -> None:
    p = make(gemini_api, client, sleeps, dimensions=128)
    p.max_batch = 150
    vecs = p.embed_documents([f"t{i}" for i in range(150)])
    assert vecs.shape == (150, 128)
    assert [len(s.body["requests"]) for s in gemini_api.seen] == [150, 75, 75]


def test_body_size_budget(client, sleeps) -> None:
    api = FakeAPI("gemini", key=KEY, max_body=120_000)
    try:
        p = make(api, client, sleeps, dimensions=128)
        p.max_body_bytes = 120_000
        texts = ["word " * 400] * 200  # 2000 chars each → ~440 kB in all
        assert p.embed_documents(texts).shape == (200, 128)
        assert len(api.seen) >= 4 and all(s.size <= 120_000 for s in api.seen)
        # and if the server's limit is lower than we think, the 400 splits the batch
        api.max_body = 40_000
        assert p.embed_documents(texts[:40]).shape == (40, 128)
    finally:
        api.stop()


def test_retry_info_honoured(gemini_api: FakeAPI, client, sleeps) -> None:
    gemini_api.script.append(Reply(429, rate_body("EmbedContentRequestsPerMinutePerProject")))
    assert make(gemini_api, client, sleeps, dimensions=128).embed_query("x").shape == (128,)
    assert sleeps == [12.0] and len(gemini_api.seen) == 2


def test_daily_quota_not_retried(gemini_api: FakeAPI, client, sleeps) -> None:
    gemini_api.script.append(
        Reply(429, rate_body("EmbedContentRequestsPerDayPerProjectPerModel-FreeTier")))
    with pytest.raises(QuotaExceeded, match="retrying will not help"):
        make(gemini_api, client, sleeps, dimensions=128).embed_query("x")
    assert len(gemini_api.seen) == 1 and sleeps == []


def test_invalid_key_is_a_400(gemini_api: FakeAPI, client, sleeps, monkeypatch, caplog) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", "AIzaWRONG-key-000000")
    with pytest.raises(AuthError) as info:
        make(gemini_api, client, sleeps).embed_query("x")
    assert str(info.value) == ("Google Gemini rejected the API key (400 API_KEY_INVALID). "
                               "Check the key in Settings → Provider.")
    assert "AIzaWRONG" not in caplog.text and len(gemini_api.seen) == 1


def test_server_errors_retried(gemini_api: FakeAPI, client, sleeps) -> None:
    gemini_api.script += [Reply(503, {"error": {"code": 503, "message": "overloaded",
                                                "status": "UNAVAILABLE"}}),
                          Reply(504, {"error": {"code": 504, "message": "deadline",
                                                "status": "DEADLINE_EXCEEDED"}})]
    assert make(gemini_api, client, sleeps, dimensions=128).embed_query("x").shape == (128,)
    assert len(gemini_api.seen) == 3 and len(sleeps) == 2


def _pdf(pages: int) -> bytes:
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    for _ in range(pages):
        doc.new_page(200, 200)
    buf = io.BytesIO()
    doc.save(buf)
    doc.close()
    return buf.getvalue()


def test_media_requires_multimodal_model(gemini_api: FakeAPI, client, sleeps) -> None:
    p = make(gemini_api, client, sleeps)
    with pytest.raises(BadRequest, match="text only"):
        p.embed_media([(b"\x89PNG", "image/png")])


def test_media_images_and_pdf_windows(gemini_api: FakeAPI, client, sleeps) -> None:
    p = make(gemini_api, client, sleeps, multimodal=True, dimensions=256)
    assert p.supports_media and p.model == "gemini-embedding-2-preview"
    images = [(b"\x89PNG fake %d" % i, "image/png") for i in range(7)] + [(b"\xff\xd8jpg", "image/jpeg")]
    vecs = p.embed_media(images + [(_pdf(14), "application/pdf"), (_pdf(2), "application/pdf")])
    assert vecs.shape == (10, 256)
    assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
    counts = [len(s.body["requests"]) for s in gemini_api.seen]
    assert sorted(counts) == [1, 1, 1, 1, 2, 6]  # 6+2 images; 14 pages → 6+6+2, then 2 pages
    first = next(s for s in gemini_api.seen if len(s.body["requests"]) == 6)
    part = first.body["requests"][0]["content"]["parts"][0]
    assert part["inline_data"]["mime_type"] == "image/png"
    spans, windows = p.embed_pdf_windows(_pdf(13))
    assert spans == [(1, 6), (7, 12), (13, 13)] and windows.shape == (3, 256)
    with pytest.raises(BadRequest, match="video/mp4"):
        p.embed_media([(b"x", "video/mp4")])
