"""OpenAI-shaped /embeddings providers (OpenAI, DashScope compatible, Zhipu, local servers) and the shared base."""

from __future__ import annotations

import base64
import binascii
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np

from finder.core.config import Settings
from finder.core.embed.base import EmbeddingProvider, Vectors, check_vectors
from finder.core.embed.http import (
    ErrorInfo,
    Sleep,
    Transport,
    finite_floats,
    generic_error,
    is_loopback,
    make_batches,
    parse_error_body,
    quota_error,
    read_json,
    run_concurrently,
    run_split,
)
from finder.core.embed.presets import Resolved, resolve
from finder.core.errors import AuthError, BadResponse, ProviderError

log = logging.getLogger(__name__)

# Business codes that mean "no money / no quota left": never retried.
QUOTA_CODES = frozenset({"insufficient_quota", "Arrearage", "1113", "1304", "1308", "1310"})
ZHIPU_AUTH_CODES = frozenset({"1000", "1001", "1002", "1003", "1004", "1005"})


class RemoteProvider:
    """Common behaviour of HTTP providers; subclasses implement ``_send``."""

    supports_media = False

    def __init__(self, settings: Settings, resolved: Resolved, *, client: httpx.Client | None,
                 sleep: Sleep, concurrency: int | None = None) -> None:
        self.name = settings.provider
        self.settings = settings
        self.resolved = resolved
        self.model = resolved.model
        self.base_url = resolved.base_url
        self.max_batch = resolved.max_batch
        self.max_input_chars = resolved.max_input_chars
        self.remote = not is_loopback(resolved.base_url)
        self.usage_tokens = 0
        self.transport = Transport(resolved.label, client=client, sleep=sleep,
                                   concurrency=concurrency or resolved.preset.concurrency)
        self._dimension = resolved.dimension
        self._lock = threading.Lock()
        self._key: str | None = None
        self._key_loaded = False

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} model={self.model!r} url={self.base_url!r}>"

    @property
    def label(self) -> str:
        return self.resolved.label

    @property
    def dimension(self) -> int:
        """Vector size; for a server whose size is unknown, one short request learns it."""
        if not self._dimension:
            self.embed_query("dimension probe")
        return self._dimension

    @dimension.setter
    def dimension(self, value: int) -> None:
        self._dimension = value

    @property
    def model_id(self) -> str:
        return f"{self.name}/{self.model}@{self.dimension}"

    @model_id.setter
    def model_id(self, value: str) -> None:
        raise AttributeError("model_id is derived from the provider, model and dimension")

    def api_key(self) -> str | None:
        """The key (looked up once, lazily); AuthError when the preset needs one and none is set."""
        with self._lock:
            if not self._key_loaded:
                from finder.core.keys import get_api_key

                self._key = get_api_key(self.name, self.settings)
                self._key_loaded = True
                if self._key:
                    self.transport.secrets.append(self._key)
        if not self._key and self.resolved.preset.needs_key:
            envs = ([self.settings.api_key_env] if self.settings.api_key_env else []) + list(
                self.resolved.preset.key_envs)
            raise AuthError(f"No API key is set for {self.label}; set {' or '.join(envs)} or add "
                            "the key in Settings → Provider.")
        return self._key

    def add_usage(self, tokens: Any) -> None:
        if isinstance(tokens, int) and not isinstance(tokens, bool):
            with self._lock:
                self.usage_tokens += tokens

    def close(self) -> None:
        self.transport.close()

    # -- embedding -------------------------------------------------------------------------

    def _prepare(self, text: str, prefix: str) -> str:
        text = (prefix + text)[: self.max_input_chars]
        return text if text.strip() else " "

    def embed_documents(self, texts: Sequence[str], titles: Sequence[str] | None = None) -> Vectors:
        """Embed passages in batches within the provider's limits; rows keep the input order."""
        if titles is not None and len(titles) != len(texts):
            raise ValueError("titles must have one entry per text")
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        prefix = self.resolved.style.document_prefix
        prepared = [self._prepare(t, prefix) for t in texts]
        names: list[str | None] = list(titles) if titles is not None else [None] * len(texts)
        items = list(zip(prepared, names))
        return self._embed_items(items, query=False)

    def embed_query(self, text: str) -> Vectors:
        """Embed one search query as a unit vector."""
        prepared = self._prepare(text, self.resolved.style.query_prefix)
        row: Vectors = self._embed_items([(prepared, None)], query=True)[0]
        return row

    def _item_size(self, item: tuple[str, str | None]) -> int:
        return len(item[0])

    def _embed_items(self, items: list[tuple[str, str | None]], *, query: bool) -> Vectors:
        sizes = [self._item_size(it) for it in items]
        batches = make_batches(len(items), self.max_batch, sizes, self._max_batch_size())

        def send(chunk: Sequence[tuple[str, str | None]]) -> list[Any]:
            rows = self._send([t for t, _ in chunk], [n for _, n in chunk], query)
            if len(rows) != len(chunk):
                raise BadResponse(f"{self.label} returned {len(rows)} vectors for "
                                  f"{len(chunk)} inputs.")
            self._learn([len(r) for r in rows])
            return rows

        def shrink(size: int) -> None:
            self.max_batch = max(1, min(self.max_batch, size))

        jobs = [lambda b=b: run_split([items[i] for i in b], send, shrink) for b in batches]
        rows: list[Any] = [row for part in run_concurrently(jobs, self.transport.concurrency)
                           for row in part]
        return check_vectors(np.asarray(rows, dtype=np.float32), len(items), self._dimension)

    def _max_batch_size(self) -> int | None:
        return self.resolved.max_batch_chars

    def _learn(self, lengths: list[int]) -> None:
        """Fix the dimension from the first reply; any later mismatch is a BadResponse."""
        with self._lock:
            if not self._dimension and lengths:
                self._dimension = lengths[0]
                asked = self.resolved.requested_dimension
                if asked and asked != lengths[0]:
                    log.warning("%s ignored dimensions=%d and returns %d-dimensional vectors",
                                self.label, asked, lengths[0])
        for n in lengths:
            if n != self._dimension:
                raise BadResponse(f"{self.label} returned a {n}-dimensional vector; "
                                  f"expected {self._dimension}.")

    def _send(self, texts: list[str], titles: list[str | None], query: bool) -> list[Any]:
        raise NotImplementedError


class OpenAICompatProvider(RemoteProvider):
    """POST {base}/embeddings with the OpenAI request and reply shapes."""

    def __init__(self, settings: Settings, resolved: Resolved, *, client: httpx.Client | None,
                 sleep: Sleep) -> None:
        super().__init__(settings, resolved, client=client, sleep=sleep)
        host = (urlsplit(resolved.base_url).hostname or "").lower()
        self.encoding_format = ("base64" if host == "api.openai.com"
                                and not resolved.preset.float_only else "float")
        self.url = resolved.base_url + "/embeddings"

    def _send(self, texts: list[str], titles: list[str | None], query: bool) -> list[Any]:
        key = self.api_key()
        body: dict[str, Any] = {"model": self.model, "input": texts,
                                "encoding_format": self.encoding_format}
        if self.resolved.requested_dimension:
            body["dimensions"] = self.resolved.requested_dimension
        style = self.resolved.style
        body.update(style.query_fields if query else style.document_fields)
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return self.transport.post(self.url, body, headers,
                                   lambda r: self._handle(r, len(texts)))

    def _handle(self, response: httpx.Response, count: int) -> list[Any]:
        if response.status_code >= 300:
            raise map_openai_error(self.label, response, self.transport.secrets)
        data = read_json(response, self.label)
        items = data.get("data") if isinstance(data, dict) else None
        if not isinstance(items, list) or len(items) != count:
            raise BadResponse(f"{self.label} sent a reply without one embedding per input.")
        rows: list[Any] = [None] * count
        for position, item in enumerate(items):
            if not isinstance(item, dict):
                raise BadResponse(f"{self.label} sent a malformed embedding entry.")
            index = item.get("index", position)
            if not isinstance(index, int) or not 0 <= index < count or rows[index] is not None:
                raise BadResponse(f"{self.label} sent embeddings with invalid indexes.")
            rows[index] = self._decode(item.get("embedding"))
        usage = data.get("usage")
        if isinstance(usage, dict):
            self.add_usage(usage.get("total_tokens", usage.get("prompt_tokens")))
        return rows

    def _decode(self, value: Any) -> Any:
        if isinstance(value, str):
            try:
                raw = base64.b64decode(value, validate=True)
            except (binascii.Error, ValueError):
                raise BadResponse(f"{self.label} sent an embedding that is not valid base64.") from None
            if not raw or len(raw) % 4:
                raise BadResponse(f"{self.label} sent a base64 embedding of {len(raw)} bytes, "
                                  "not whole float32 values.")
            arr = np.frombuffer(raw, dtype="<f4").astype(np.float32)
            if not np.isfinite(arr).all():
                raise BadResponse(f"{self.label} returned vectors containing NaN or infinity.")
            return arr
        return finite_floats(value, self.label)


def map_openai_error(label: str, response: httpx.Response,
                     secrets: Sequence[str | None] = ()) -> ProviderError:
    """Map an OpenAI-shaped error reply (OpenAI, DashScope, Zhipu, local servers)."""
    info: ErrorInfo = parse_error_body(response)
    if info.code in QUOTA_CODES or info.kind in QUOTA_CODES:
        return quota_error(label, info, secrets)
    if info.code == "invalid_api_key" or info.code in ZHIPU_AUTH_CODES:
        return AuthError(f"{label} rejected the API key ({info.status}). "
                         "Check the key in Settings → Provider.",
                         status_code=info.status, code=info.code)
    return generic_error(label, info, response.headers, secrets)


def create(settings: Settings, *, client: httpx.Client | None = None,
           sleep: Callable[[float], None] = time.sleep) -> EmbeddingProvider:
    """Build an OpenAI-shaped provider for the preset the settings select."""
    resolved = resolve(settings)
    return OpenAICompatProvider(settings, resolved, client=client, sleep=sleep)
