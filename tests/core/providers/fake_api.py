"""A loopback fake of the OpenAI, DashScope, Zhipu and Gemini embedding APIs, wire format as documented."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

KEY = "sk-test-SECRET-0123456789"
DS_BATCH_BODY = {
    "error": {
        "code": "InvalidParameter", "param": None,
        "message": "<400> InternalError.Algo.InvalidParameter: Value error, batch size is invalid, "
                   "it should not be larger than 10.: input.contents",
        "type": "InvalidParameter"},
    "id": "fake-id", "request_id": "fake-request-id"}
GEMINI_KEY_BODY = {"error": {
    "code": 400, "message": "API key not valid. Please pass a valid API key.",
    "status": "INVALID_ARGUMENT",
    "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                 "domain": "googleapis.com",
                 "metadata": {"service": "generativelanguage.googleapis.com"}}]}}
DS_DIMS = {64, 128, 256, 512, 768, 1024, 1536, 2048}
ZHIPU_DIMS = {256, 512, 1024, 2048}


def fake_vector(text: str, dim: int) -> list[float]:
    """Deterministic bag-of-words vector: texts sharing words point the same way."""
    vec = [0.0] * dim
    tokens = re.findall(r"[a-z0-9]+|[\u3400-\u9fff]", text.lower()) or [text]
    for tok in tokens:
        h = hashlib.sha256(tok.encode("utf-8")).digest()
        for j in range(3):
            vec[h[j] % dim] += 1.0 if h[j + 3] % 2 else -1.0
    norm = math.sqrt(sum(v * v for v in vec)) or 1.0
    return [v / norm for v in vec]


@dataclass
class Reply:
    """A scripted answer, served before the default behaviour. ``body=None`` → default reply,
    passed through ``transform`` when given; ``delay`` seconds are slept first."""

    status: int = 200
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    transform: Callable[[dict[str, Any]], dict[str, Any]] | None = None


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: Any
    size: int


class FakeAPI:
    """flavor: "openai", "dashscope-compatible", "zhipu", "gemini" or "dashscope"."""

    def __init__(self, flavor: str, *, key: str = "sk-test-SECRET-0123456789", dim: int = 16,
                 max_body: int = 4_194_304) -> None:
        self.flavor, self.key, self.dim, self.max_body = flavor, key, dim, max_body
        self.script: list[Reply] = []
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                fake._handle(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)
        self.thread.start()
        host, port = self.server.server_address[:2]
        self.root = f"http://{host}:{port}"

    @property
    def base_url(self) -> str:
        return self.root + {"openai": "/v1", "dashscope-compatible": "/compatible-mode/v1",
                            "zhipu": "/api/paas/v4", "gemini": "/v1beta",
                            "dashscope": "/api/v1"}[self.flavor]

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    # -- plumbing ------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        size = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(size)
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        with self.lock:
            self.seen.append(Seen(h.path, {k.lower(): v for k, v in h.headers.items()}, body, size))
            reply = self.script.pop(0) if self.script else Reply()
        if reply.delay:
            time.sleep(reply.delay)
        if reply.body is not None:
            status, out, headers = reply.status, reply.body, reply.headers
        else:
            status, out = self._default(h.path, h.headers, body, size)
            headers = reply.headers
            if reply.transform is not None and status == 200:
                out = reply.transform(out)
        data = out if isinstance(out, bytes) else (
            out.encode() if isinstance(out, str) else json.dumps(out).encode())
        try:
            h.send_response(status)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            for k, v in headers.items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except OSError:
            pass  # the client gave up (timeout tests)

    def _default(self, path: str, headers: Any, body: Any, size: int) -> tuple[int, Any]:
        if self.flavor == "gemini":
            return self._gemini(path, headers, body, size)
        if self.flavor == "dashscope":
            return self._dashscope(path, headers, body)
        return self._openai(path, headers, body)

    # -- OpenAI shape (OpenAI, DashScope compatible mode, Zhipu) ---------------------------

    def _oa_error(self, status: int, message: str, code: str | None, kind: str) -> tuple[int, Any]:
        if self.flavor == "zhipu":
            return status, {"error": {"code": code or "1214", "message": message}}
        return status, {"error": {"message": message, "type": kind, "param": None, "code": code}}

    def _openai(self, path: str, headers: Any, body: Any) -> tuple[int, Any]:
        if not path.endswith("/embeddings") or not path.startswith(self.base_url[len(self.root):]):
            return self._oa_error(404, f"Unknown path {path}", "unknown_url", "invalid_request_error")
        auth = headers.get("Authorization", "")
        if auth != f"Bearer {self.key}":
            # Worst case for redaction tests: echo the whole presented key.
            given = auth.removeprefix("Bearer ")
            return self._oa_error(401, f"Incorrect API key provided: {given}.",
                                  "1000" if self.flavor == "zhipu" else "invalid_api_key",
                                  "invalid_request_error")
        if not isinstance(body, dict) or "input" not in body or "model" not in body:
            return self._oa_error(400, "We could not parse the JSON body of your request.", None,
                                  "invalid_request_error")
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        if not texts or any(not isinstance(t, str) or t == "" for t in texts):
            return self._oa_error(400, "'$.input' is invalid.", None, "invalid_request_error")
        limit = {"openai": 2048, "dashscope-compatible": 10, "zhipu": 64}[self.flavor]
        if len(texts) > limit:
            if self.flavor == "dashscope-compatible":
                return 400, DS_BATCH_BODY
            return self._oa_error(400, f"input must have at most {limit} items", "1214",
                                  "invalid_request_error")
        dim = self.dim
        if "dimensions" in body:
            dim = body["dimensions"]
            ok = {"openai": 1 <= dim <= 1536, "dashscope-compatible": dim in DS_DIMS,
                  "zhipu": dim in ZHIPU_DIMS}[self.flavor]
            if not ok:
                return self._oa_error(400, f"dimensions {dim} is not supported", "1214",
                                      "invalid_request_error")
        fmt = body.get("encoding_format", "float")
        if self.flavor == "zhipu" and fmt == "base64":
            return self._oa_error(400, "encoding_format base64 is not supported", "1214", "x")
        data = []
        for i, text in enumerate(texts):
            vec = fake_vector(text, dim)
            emb: Any = vec
            if fmt == "base64":
                emb = base64.b64encode(struct.pack(f"<{dim}f", *vec)).decode()
            data.append({"object": "embedding", "index": i, "embedding": emb})
        data.reverse()  # clients must sort by index
        tokens = sum(len(t.split()) for t in texts)
        return 200, {"object": "list", "data": data, "model": body["model"],
                     "usage": {"prompt_tokens": tokens, "total_tokens": tokens}}

    # -- Gemini ------------------------------------------------------------------------

    def _g_error(self, status: int, message: str, kind: str) -> tuple[int, Any]:
        return status, {"error": {"code": status, "message": message, "status": kind}}

    def _gemini(self, path: str, headers: Any, body: Any, size: int) -> tuple[int, Any]:
        m = re.fullmatch(r"/v1beta/models/([^/:]+):batchEmbedContents", path)
        if not m:
            return self._g_error(404, f"Unknown path {path}", "NOT_FOUND")
        if headers.get("x-goog-api-key") != self.key:
            return 400, GEMINI_KEY_BODY
        if size > self.max_body:
            return self._g_error(400, f"Request payload size exceeds the limit: {self.max_body} "
                                      "bytes.", "INVALID_ARGUMENT")
        reqs = body.get("requests") if isinstance(body, dict) else None
        if not isinstance(reqs, list) or not reqs:
            return self._g_error(400, "Invalid JSON payload received.", "INVALID_ARGUMENT")
        if len(reqs) > 100:
            return self._g_error(400, "* BatchEmbedContentsRequest.requests: at most 100 requests "
                                      "can be in one batch\n", "INVALID_ARGUMENT")
        model = m.group(1)
        images = sum(1 for r in reqs for p in r.get("content", {}).get("parts", [])
                     if p.get("inline_data", {}).get("mime_type", "").startswith("image/"))
        if images > 6:
            return self._g_error(400, "At most 6 images per request.", "INVALID_ARGUMENT")
        out = []
        for r in reqs:
            if r.get("model") != f"models/{model}":
                return self._g_error(400, "* BatchEmbedContentsRequest.model: model must match "
                                          "the URL\n", "INVALID_ARGUMENT")
            parts = r.get("content", {}).get("parts")
            if not isinstance(parts, list) or not parts:
                return self._g_error(400, "parts must be an array", "INVALID_ARGUMENT")
            if "title" in r and r.get("taskType") != "RETRIEVAL_DOCUMENT":
                return self._g_error(400, "title is only for RETRIEVAL_DOCUMENT", "INVALID_ARGUMENT")
            key = ""
            for p in parts:
                if "text" in p:
                    key += p["text"]
                elif "inline_data" in p:
                    blob = base64.b64decode(p["inline_data"]["data"])
                    if "embedding-2" not in model:
                        return self._g_error(400, "This model only supports text.",
                                             "INVALID_ARGUMENT")
                    if p["inline_data"]["mime_type"] == "application/pdf":
                        import pypdfium2 as pdfium

                        pages = len(pdfium.PdfDocument(blob))
                        if pages > 6:
                            return self._g_error(400, "PDF has more than 6 pages.",
                                                 "INVALID_ARGUMENT")
                        key += f"pdf{pages}:"
                    key += hashlib.sha256(blob).hexdigest()
            n = r.get("outputDimensionality") or 3072
            scale = 1.0 if n == 3072 else 0.37  # smaller MRL sizes are NOT unit length
            out.append({"values": [v * scale for v in fake_vector(key, n)]})
        return 200, {"embeddings": out}

    # -- DashScope native ---------------------------------------------------------------

    def _dashscope(self, path: str, headers: Any, body: Any) -> tuple[int, Any]:
        rid = str(uuid.uuid4())
        if path != "/api/v1/services/embeddings/text-embedding/text-embedding":
            return 404, {"code": "NotFound", "message": "not found", "request_id": rid}
        if headers.get("Authorization") != f"Bearer {self.key}":
            return 401, {"code": "InvalidApiKey", "message": "Invalid API-key provided.",
                         "request_id": rid}
        texts = body.get("input", {}).get("texts") if isinstance(body, dict) else None
        if not isinstance(texts, list) or not texts:
            return 400, {"code": "InvalidParameter", "message": "input.texts is required",
                         "request_id": rid}
        if len(texts) > 10:
            return 400, {"code": "InvalidParameter", "message": DS_BATCH_BODY["error"]["message"],
                         "request_id": rid}
        params = body.get("parameters", {})
        dim = params.get("dimension", self.dim)
        if "dimension" in params and dim not in DS_DIMS:
            return 400, {"code": "InvalidParameter", "message": "dimension is invalid",
                         "request_id": rid}
        items = [{"text_index": i, "embedding": fake_vector(t, dim)} for i, t in enumerate(texts)]
        items.reverse()
        return 200, {"output": {"embeddings": items},
                     "usage": {"total_tokens": sum(len(t.split()) for t in texts)},
                     "request_id": rid}
