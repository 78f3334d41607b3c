"""Google Gemini embeddings (Developer API batchEmbedContents): text, and images/PDFs when multimodal."""

from __future__ import annotations

import base64
import io
import json
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx
import numpy as np

from finder.core.config import Settings
from finder.core.embed.base import EmbeddingProvider, Vectors, check_vectors
from finder.core.embed.http import (
    Sleep,
    finite_floats,
    generic_error,
    parse_duration,
    parse_error_body,
    quota_error,
    read_json,
    run_concurrently,
    run_split,
)
from finder.core.embed.openai_compat import RemoteProvider
from finder.core.embed.presets import Resolved, resolve
from finder.core.errors import AuthError, BadRequest, BadResponse, ProviderError, RateLimited

MEDIA_TYPES = frozenset({"image/png", "image/jpeg", "application/pdf"})
_BODY_MARGIN = 64 * 1024  # JSON framing and headers on top of the measured requests


class GeminiProvider(RemoteProvider):
    """models/{model}:batchEmbedContents with x-goog-api-key; one vector per request entry."""

    def __init__(self, settings: Settings, resolved: Resolved, *, client: httpx.Client | None,
                 sleep: Sleep) -> None:
        super().__init__(settings, resolved, client=client, sleep=sleep)
        self.model = resolved.model.removeprefix("models/")
        self.url = f"{resolved.base_url}/models/{self.model}:batchEmbedContents"
        extra = resolved.preset.extra
        self.max_body_bytes = int(extra.get("max_body_bytes", 4_194_304))
        self.max_images = int(extra.get("max_images", 6))
        self.max_pdf_pages = int(extra.get("max_pdf_pages", 6))
        self.supports_media = bool(settings.multimodal and resolved.spec is not None
                                   and resolved.spec.multimodal)

    # -- text ------------------------------------------------------------------------------

    def _item_size(self, item: tuple[str, str | None]) -> int:
        text, title = item
        return len(text.encode("utf-8")) + len((title or "").encode("utf-8")) + 200

    def _max_batch_size(self) -> int | None:
        return self.max_body_bytes - _BODY_MARGIN

    def _request(self, parts: list[dict[str, Any]], task: str, title: str | None) -> dict[str, Any]:
        req: dict[str, Any] = {"model": f"models/{self.model}", "content": {"parts": parts},
                               "taskType": task}
        if title and task == "RETRIEVAL_DOCUMENT":
            req["title"] = title
        if self.resolved.requested_dimension:
            req["outputDimensionality"] = self.resolved.requested_dimension
        return req

    def _send(self, texts: list[str], titles: list[str | None], query: bool) -> list[Any]:
        task = "RETRIEVAL_QUERY" if query else "RETRIEVAL_DOCUMENT"
        return self._post([self._request([{"text": t}], task, n) for t, n in zip(texts, titles)])

    def _post(self, requests: list[dict[str, Any]]) -> list[Any]:
        key = self.api_key()
        headers = {"x-goog-api-key": key} if key else {}
        return self.transport.post(self.url, {"requests": requests}, headers,
                                   lambda r: self._handle(r, len(requests)))

    def _handle(self, response: httpx.Response, count: int) -> list[Any]:
        if response.status_code >= 300:
            raise map_gemini_error(self.label, response, self.transport.secrets)
        data = read_json(response, self.label)
        items = data.get("embeddings") if isinstance(data, dict) else None
        if not isinstance(items, list) or len(items) != count:
            raise BadResponse(f"{self.label} sent a reply without one embedding per request.")
        rows = []
        for item in items:
            values = item.get("values") if isinstance(item, dict) else None
            rows.append(finite_floats(values, self.label))
        meta = data.get("usageMetadata") or data.get("metadata")
        if isinstance(meta, dict):
            self.add_usage(meta.get("totalTokenCount", meta.get("promptTokenCount")))
        return rows

    # -- media -----------------------------------------------------------------------------

    def embed_media(self, items: Sequence[tuple[bytes, str]]) -> Vectors:
        """One unit vector per (bytes, mime) item; a PDF over the page limit is embedded in
        windows whose vectors are averaged (use ``embed_pdf_windows`` to keep them apart)."""
        self._require_media()
        groups: list[list[int]] = []  # request indexes per item
        requests: list[dict[str, Any]] = []
        kinds: list[str] = []
        for data, mime in items:
            if mime not in MEDIA_TYPES:
                raise BadRequest(f"{self.label} cannot embed files of type {mime}.")
            blobs = [data] if mime != "application/pdf" else [w for _, w in self._pdf_windows(data)]
            groups.append([])
            for blob in blobs:
                groups[-1].append(len(requests))
                requests.append(self._media_request(blob, mime))
                kinds.append(mime)
        rows = self._send_media(requests, kinds)
        pooled = [np.mean(np.asarray([rows[i] for i in g], dtype=np.float32), axis=0)
                  for g in groups]
        if not pooled:
            return np.zeros((0, self._dimension), dtype=np.float32)
        return check_vectors(np.asarray(pooled), len(items), self._dimension)

    def embed_pdf_windows(self, data: bytes) -> tuple[list[tuple[int, int]], Vectors]:
        """Split a PDF into windows of ≤ max_pdf_pages pages; (1-based page spans, vectors)."""
        self._require_media()
        windows = self._pdf_windows(data)
        requests = [self._media_request(blob, "application/pdf") for _, blob in windows]
        rows = self._send_media(requests, ["application/pdf"] * len(requests))
        return [span for span, _ in windows], check_vectors(
            np.asarray(rows, dtype=np.float32), len(windows), self._dimension)

    def _require_media(self) -> None:
        if not self.supports_media:
            raise BadRequest(f"{self.model} embeds text only; turn on multimodal and choose "
                             "gemini-embedding-2-preview to embed images and PDFs.")

    def _media_request(self, blob: bytes, mime: str) -> dict[str, Any]:
        part = {"inline_data": {"mime_type": mime, "data": base64.b64encode(blob).decode("ascii")}}
        req = self._request([part], "RETRIEVAL_DOCUMENT", None)
        if len(json.dumps(req)) > self.max_body_bytes - _BODY_MARGIN:
            raise BadRequest(f"A {mime} file of {len(blob) // 1024} KB is over the "
                             f"{self.max_body_bytes // 1_048_576} MB {self.label} request limit.")
        return req

    def _send_media(self, requests: list[dict[str, Any]], kinds: list[str]) -> list[Any]:
        """Group media requests: ≤ max_images images or one PDF per call, within the body limit."""
        calls: list[list[int]] = []
        size = 0
        for i, (req, kind) in enumerate(zip(requests, kinds)):
            req_size = len(json.dumps(req))
            last = calls[-1] if calls else None
            fits = (last is not None and kind != "application/pdf"
                    and kinds[last[0]] != "application/pdf" and len(last) < self.max_images
                    and size + req_size <= self.max_body_bytes - _BODY_MARGIN)
            if fits and last is not None:
                last.append(i)
                size += req_size
            else:
                calls.append([i])
                size = req_size

        def send(chunk: Sequence[dict[str, Any]]) -> list[Any]:
            rows = self._post(list(chunk))
            self._learn([len(r) for r in rows])
            return rows

        jobs = [lambda c=c: run_split([requests[i] for i in c], send) for c in calls]
        return [row for part in run_concurrently(jobs, self.transport.concurrency) for row in part]

    def _pdf_windows(self, data: bytes) -> list[tuple[tuple[int, int], bytes]]:
        try:
            import pypdfium2 as pdfium
        except ImportError:  # pragma: no cover - a declared dependency
            raise BadRequest("pypdfium2 is needed to split PDFs for Gemini.") from None
        try:
            src = pdfium.PdfDocument(data)
        except pdfium.PdfiumError:
            raise BadRequest("The PDF could not be opened to send it to Gemini.") from None
        try:
            pages = len(src)
            if pages <= self.max_pdf_pages:
                return [((1, max(pages, 1)), data)]
            windows = []
            for start in range(0, pages, self.max_pdf_pages):
                end = min(pages, start + self.max_pdf_pages)
                dst = pdfium.PdfDocument.new()
                try:
                    dst.import_pages(src, list(range(start, end)))
                    buf = io.BytesIO()
                    dst.save(buf)
                finally:
                    dst.close()
                windows.append(((start + 1, end), buf.getvalue()))
            return windows
        finally:
            src.close()


def _details(info: Any) -> list[dict[str, Any]]:
    body = info.body if isinstance(info.body, dict) else {}
    err = body.get("error")
    details = err.get("details") if isinstance(err, dict) else None
    return [d for d in details if isinstance(d, dict)] if isinstance(details, list) else []


def map_gemini_error(label: str, response: httpx.Response,
                     secrets: Sequence[str | None] = ()) -> ProviderError:
    """Google error bodies: API_KEY_INVALID is a 400; 429 carries QuotaFailure and RetryInfo."""
    info = parse_error_body(response)
    details = _details(info)
    reasons = {str(d.get("reason", "")) for d in details}
    if "API_KEY_INVALID" in reasons or response.status_code == 401:
        return AuthError(f"{label} rejected the API key ({response.status_code} API_KEY_INVALID). "
                         "Check the key in Settings → Provider.",
                         status_code=response.status_code, code="API_KEY_INVALID")
    if response.status_code == 429 or info.kind == "RESOURCE_EXHAUSTED":
        quota_ids = [str(v.get("quotaId", "")) + " " + str(v.get("quotaMetric", ""))
                     for d in details if str(d.get("@type", "")).endswith("QuotaFailure")
                     for v in d.get("violations", []) if isinstance(v, dict)]
        if any(re.search(r"per ?day", q, re.IGNORECASE) for q in quota_ids):
            info.code = "RESOURCE_EXHAUSTED"
            return quota_error(label, info, secrets)
        delay = next((parse_duration(d.get("retryDelay")) for d in details
                      if str(d.get("@type", "")).endswith("RetryInfo")), None)
        if delay is None:
            m = re.search(r"retry in (\d+(?:\.\d+)?)\s*s", info.message, re.IGNORECASE)
            delay = float(m.group(1)) if m else None
        return RateLimited(f"{label} is rate limiting requests (429); slowing down.",
                           retry_after=delay, code="RESOURCE_EXHAUSTED")
    if info.kind == "FAILED_PRECONDITION":
        return BadRequest(f"{label} is not available for this account or region "
                          f"({response.status_code} FAILED_PRECONDITION).",
                          status_code=response.status_code, code=info.kind)
    return generic_error(label, info, response.headers, secrets)


def create(settings: Settings, *, client: httpx.Client | None = None,
           sleep: Callable[[float], None] = time.sleep) -> EmbeddingProvider:
    """Build the Gemini provider (multimodal when the settings ask and the model allows)."""
    return GeminiProvider(settings, resolve(settings), client=client, sleep=sleep)
