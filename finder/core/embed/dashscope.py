"""DashScope native text embedding (text_type query/document, instruct, dense output; errors in 200s)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import httpx

from finder.core.config import Settings
from finder.core.embed.base import EmbeddingProvider
from finder.core.embed.http import (
    ErrorInfo,
    Sleep,
    finite_floats,
    generic_error,
    parse_error_body,
    parse_retry_after,
    quota_error,
    read_json,
)
from finder.core.embed.openai_compat import RemoteProvider
from finder.core.embed.presets import Resolved, resolve
from finder.core.errors import (
    AuthError,
    BadRequest,
    BadResponse,
    BatchTooLarge,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
)
from finder.core.keys import redact

PATH = "/services/embeddings/text-embedding/text-embedding"
_INSTRUCT_MODELS = ("text-embedding-v4",)


class DashScopeProvider(RemoteProvider):
    """The native DashScope API: {"input":{"texts"}, "parameters":{text_type, dimension…}}."""

    def __init__(self, settings: Settings, resolved: Resolved, *, client: httpx.Client | None,
                 sleep: Sleep) -> None:
        super().__init__(settings, resolved, client=client, sleep=sleep)
        self.url = resolved.base_url + PATH
        self.query_instruct = str(resolved.preset.extra.get("query_instruct", ""))
        self.workspace = ""  # optional X-DashScope-WorkSpace

    def _send(self, texts: list[str], titles: list[str | None], query: bool) -> list[Any]:
        key = self.api_key()
        params: dict[str, Any] = {"text_type": "query" if query else "document"}
        spec = self.resolved.spec
        if spec is None or spec.send_dimensions:
            if self.resolved.requested_dimension:
                params["dimension"] = self.resolved.requested_dimension
            params["output_type"] = "dense"
        if query and self.query_instruct and self.model in _INSTRUCT_MODELS:
            params["instruct"] = self.query_instruct
        body = {"model": self.model, "input": {"texts": texts}, "parameters": params}
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        if self.workspace:
            headers["X-DashScope-WorkSpace"] = self.workspace
        return self.transport.post(self.url, body, headers, lambda r: self._handle(r, len(texts)))

    def _handle(self, response: httpx.Response, count: int) -> list[Any]:
        if response.status_code >= 300:
            raise map_dashscope_error(self.label, response, self.transport.secrets)
        data = read_json(response, self.label)
        if isinstance(data, dict) and data.get("code"):
            # The gateway may answer 200 with a business error in the body.
            raise map_dashscope_error(self.label, response, self.transport.secrets)
        output = data.get("output") if isinstance(data, dict) else None
        items = output.get("embeddings") if isinstance(output, dict) else None
        if not isinstance(items, list) or len(items) != count:
            raise BadResponse(f"{self.label} sent a reply without one embedding per text.")
        rows: list[Any] = [None] * count
        for position, item in enumerate(items):
            if not isinstance(item, dict):
                raise BadResponse(f"{self.label} sent a malformed embedding entry.")
            index = item.get("text_index", position)
            if not isinstance(index, int) or not 0 <= index < count or rows[index] is not None:
                raise BadResponse(f"{self.label} sent embeddings with invalid text_index values.")
            rows[index] = finite_floats(item.get("embedding"), self.label)
        usage = data.get("usage")
        if isinstance(usage, dict):
            self.add_usage(usage.get("total_tokens"))
        return rows


def map_dashscope_error(label: str, response: httpx.Response,
                        secrets: Sequence[str | None] = ()) -> ProviderError:
    """Map a native DashScope error by its business code (the HTTP status may be 200)."""
    info: ErrorInfo = parse_error_body(response)
    code, status = info.code, response.status_code
    where = f"{status}, {code}" if code else str(status)
    message = redact(" ".join(info.message.split())[:200], secrets)
    if code in ("Arrearage", "insufficient_quota") or "Arrearage" in info.message:
        return quota_error(label, info, secrets)
    if code.startswith(("InvalidApiKey", "AccessDenied")) or status in (401, 403):
        if code.startswith("AccessDenied"):
            return AuthError(f"{label} refused access to this model ({where}); the model may "
                             "need to be activated for your account.", status_code=status, code=code)
        return AuthError(f"{label} rejected the API key ({where}). "
                         "Check the key in Settings → Provider.", status_code=status, code=code)
    if code.startswith("Throttling") or status == 429:
        return RateLimited(f"{label} is rate limiting requests ({where}); slowing down.",
                           retry_after=parse_retry_after(response.headers), code=code or None)
    if code in ("InternalError", "ServiceUnavailable", "GatewayTimeout") or status >= 500:
        return ProviderUnavailable(f"{label} had a temporary server error ({where}).",
                                   status_code=status, code=code or None)
    if status == 413 or "batch size" in message.lower():
        return BatchTooLarge(f"{label} wants smaller batches ({where}): {message}",
                             status_code=status, code=code or None)
    if code == "DataInspectionFailed":
        return BadRequest(f"{label} refused the text on content-inspection grounds ({where}).",
                          status_code=status, code=code)
    if code.startswith("Model.NotExist") or status == 404:
        return BadRequest(f"{label} does not know the model ({where}).",
                          status_code=status, code=code or None)
    if status < 400:  # an unknown business code in a 200 body
        return BadRequest(f"{label} rejected the request ({where}): {message}",
                          status_code=status, code=code or None)
    return generic_error(label, info, response.headers, secrets)


def create(settings: Settings, *, client: httpx.Client | None = None,
           sleep: Callable[[float], None] = time.sleep) -> EmbeddingProvider:
    """Build the native DashScope provider."""
    return DashScopeProvider(settings, resolve(settings), client=client, sleep=sleep)
