"""Shared plumbing for remote providers: httpx client, the one retry policy, error mapping, batching."""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from finder.core.errors import (
    AuthError,
    BadRequest,
    BadResponse,
    BatchTooLarge,
    ConfigError,
    ProviderError,
    ProviderUnavailable,
    QuotaExceeded,
    RateLimited,
)
from finder.core.keys import redact

log = logging.getLogger(__name__)

T = TypeVar("T")
Sleep = Callable[[float], None]

DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
DEFAULT_CONCURRENCY = 3
USER_AGENT = "semantic-finder/0.1"
SETTINGS_HINT = "Check the key in Settings → Provider."

# Messages that mean "send fewer or smaller inputs per request" (split the batch and resend).
_BATCH_TOO_LARGE = re.compile(
    r"batch size is invalid|at most \d+ requests can be in one batch|payload size exceeds"
    r"|request entity too large|too many inputs|batch size|max(imum)?[ _-]client[ _-]batch"
    r"|tokens per request",
    re.IGNORECASE,
)
# Messages that mean one input is longer than the model accepts (splitting cannot help).
_INPUT_TOO_LONG = re.compile(
    r"maximum context length|too large to process|must have less than \d+ tokens"
    r"|range of input length|input length|too long",
    re.IGNORECASE,
)


def make_client(timeout: httpx.Timeout | float | None = None) -> httpx.Client:
    """An httpx client with our timeouts; keys are sent per request, never stored on the client."""
    return httpx.Client(
        timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
        headers={"User-Agent": USER_AGENT},
        follow_redirects=False,
    )


def is_loopback(url: str) -> bool:
    """True when ``url`` points at this machine (text sent there never leaves it)."""
    host = (urlsplit(url).hostname or "").lower()
    return host in ("localhost", "::1", "[::1]") or host.startswith("127.")


# ---------------------------------------------------------------------------------------------
# Retry policy


def parse_duration(value: Any) -> float | None:
    """Seconds from "12s", "1.5s", "250ms", "6m0s" (Google RetryInfo, OpenAI reset headers)."""
    if not isinstance(value, str):
        return None
    total, found = 0.0, False
    for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|h|m|s)", value.strip()):
        found = True
        total += float(number) * {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}[unit]
    return total if found else None


def parse_retry_after(headers: httpx.Headers, now: float | None = None) -> float | None:
    """Seconds to wait from retry-after-ms or retry-after (seconds or an HTTP date)."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000.0)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


@dataclass
class RetryPolicy:
    """openai-python's rule: 2 retries, 0.5 s·2ⁿ capped at 8 s minus up to 25 % jitter.

    A server-given delay (Retry-After, RetryInfo) is used when it is at most ``max_wait``;
    a longer one is not waited for: the error goes up so the caller can pause instead.
    """

    max_retries: int = 2
    initial: float = 0.5
    cap: float = 8.0
    max_wait: float = 60.0
    deadline: float = 180.0  # seconds for one batch, waits included
    sleep: Sleep = time.sleep
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = random.random

    def backoff(self, retry: int) -> float:
        return min(self.initial * 2.0**retry, self.cap) * (1.0 - 0.25 * self.rand())

    def run(self, call: Callable[[], T], what: str = "request") -> T:
        """Run ``call``, retrying retryable ProviderErrors by this policy."""
        start = self.clock()
        retry = 0
        while True:
            try:
                return call()
            except ProviderError as exc:
                if not exc.retryable or retry >= self.max_retries:
                    raise
                hinted = getattr(exc, "retry_after", None)
                if hinted is not None and hinted > self.max_wait:
                    raise
                delay = hinted if hinted is not None else self.backoff(retry)
                if self.clock() - start + delay > self.deadline:
                    raise
                retry += 1
                log.warning("%s failed (%s); retry %d in %.1f s", what, exc, retry, delay)
                self.sleep(delay)


# ---------------------------------------------------------------------------------------------
# Error mapping


@dataclass
class ErrorInfo:
    """What an error body says, whatever its shape."""

    status: int
    message: str = ""
    code: str = ""
    kind: str = ""  # OpenAI "type" / Google "status"
    body: Any = None


def parse_error_body(response: httpx.Response) -> ErrorInfo:
    """Read {"error":{…}}, {"error":"…"}, {"detail":…}, {"code","message"} or plain text."""
    info = ErrorInfo(status=response.status_code)
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        info.message = response.text.strip()[:300]
        return info
    info.body = body
    if not isinstance(body, dict):
        info.message = str(body)[:300]
        return info
    err = body.get("error", body)
    if isinstance(err, str):
        info.message = err
        info.kind = str(body.get("error_type") or "")
        return info
    if not isinstance(err, dict):
        err = body
    detail = err.get("detail", body.get("detail"))
    message = err.get("message")
    if message is None and detail is not None:
        message = detail if isinstance(detail, str) else json.dumps(detail)[:300]
    info.message = str(message or "")
    code = err.get("code")
    info.code = "" if code is None else str(code)
    info.kind = str(err.get("type") or err.get("status") or "")
    return info


def _clip(message: str, secrets: Sequence[str | None]) -> str:
    message = redact(" ".join(message.split()), secrets)
    return message if len(message) <= 240 else message[:237] + "…"


def generic_error(label: str, info: ErrorInfo, headers: httpx.Headers,
                  secrets: Sequence[str | None] = ()) -> ProviderError:
    """Map a non-2xx reply to our error tree by status and message, one sentence each."""
    status, code = info.status, info.code or None
    detail = _clip(info.message, secrets)
    suffix = f": {detail}" if detail else "."
    retry_after = parse_retry_after(headers)
    err: ProviderError
    if status == 401:
        err = AuthError(f"{label} rejected the API key ({status}). {SETTINGS_HINT}",
                        status_code=status, code=code)
    elif status == 403:
        err = AuthError(f"{label} refused access ({status}){suffix}", status_code=status, code=code)
    elif status == 429:
        err = RateLimited(f"{label} is rate limiting requests (429); slowing down.",
                          retry_after=retry_after, code=code)
    elif status == 413 or (status in (400, 422) and _BATCH_TOO_LARGE.search(info.message)):
        err = BatchTooLarge(f"{label} wants smaller batches ({status}){suffix}",
                            status_code=status, code=code)
    elif _INPUT_TOO_LONG.search(info.message) and status in (400, 500):
        err = BadRequest(f"{label} says an input is too long for the model ({status}){suffix}",
                         status_code=status, code=code)
    elif 300 <= status < 400:
        err = BadRequest(f"{label} redirected the request ({status}); check the base URL.",
                         status_code=status, code=code)
    elif status == 404:
        err = BadRequest(f"{label} does not know this model or URL (404){suffix}",
                         status_code=status, code=code)
    elif status in (408, 409) or status >= 500:
        err = ProviderUnavailable(f"{label} had a temporary server error ({status}){suffix}",
                                  status_code=status, code=code)
        if retry_after is not None:
            err.retry_after = retry_after  # type: ignore[attr-defined]
    else:
        err = BadRequest(f"{label} rejected the request ({status}){suffix}",
                         status_code=status, code=code)
    should = headers.get("x-should-retry")
    if should in ("true", "false") and not isinstance(err, (QuotaExceeded, AuthError)):
        err.retryable = should == "true"
    return err


def quota_error(label: str, info: ErrorInfo, secrets: Sequence[str | None] = ()) -> QuotaExceeded:
    detail = _clip(info.message, secrets)
    return QuotaExceeded(
        f"{label} reports the account's quota or credit is used up ({info.status}"
        f"{', ' + info.code if info.code else ''}); retrying will not help{': ' + detail if detail else '.'}",
        status_code=info.status, code=info.code or None)


def read_json(response: httpx.Response, label: str) -> Any:
    """Parse a 2xx body as JSON; a truncated or non-JSON body is a BadResponse."""
    try:
        return json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        raise BadResponse(
            f"{label} sent a reply that is not valid JSON ({len(response.content)} bytes, "
            "maybe truncated).", status_code=response.status_code) from None


# ---------------------------------------------------------------------------------------------
# Transport: one place that sends, maps transport errors, limits concurrency and retries


class Transport:
    """Sends JSON requests for one provider with bounded concurrency and the retry policy."""

    def __init__(self, label: str, *, client: httpx.Client | None = None, sleep: Sleep = time.sleep,
                 concurrency: int = DEFAULT_CONCURRENCY, policy: RetryPolicy | None = None) -> None:
        self.label = label
        self._own_client = client is None
        self._client = client
        self.policy = policy or RetryPolicy(sleep=sleep)
        self.concurrency = max(1, concurrency)
        self._gate = threading.BoundedSemaphore(self.concurrency)
        self._lock = threading.Lock()
        self.secrets: list[str] = []
        self.requests_sent = 0

    def __repr__(self) -> str:
        return f"<Transport {self.label} concurrency={self.concurrency}>"

    @property
    def client(self) -> httpx.Client:
        with self._lock:
            if self._client is None:
                self._client = make_client()
            return self._client

    def close(self) -> None:
        with self._lock:
            if self._client is not None and self._own_client:
                self._client.close()
                self._client = None

    def post(self, url: str, body: Any, headers: dict[str, str],
             handle: Callable[[httpx.Response], T]) -> T:
        """POST ``body`` as JSON; ``handle`` turns the reply into a value or raises ProviderError.

        Retryable errors (transport, 408/409/429/5xx, errors in 2xx bodies marked retryable) are
        retried by the policy; the whole exchange is one attempt.
        """
        content = json.dumps(body, ensure_ascii=False, allow_nan=False).encode("utf-8")
        send_headers = {"Content-Type": "application/json", **headers}

        def attempt() -> T:
            with self._lock:
                self.requests_sent += 1
            with self._gate:
                response = self._send(url, content, send_headers)
            return handle(response)

        return self.policy.run(attempt, what=f"{self.label} request")

    def _send(self, url: str, content: bytes, headers: dict[str, str]) -> httpx.Response:
        host = urlsplit(url).netloc or url
        try:
            return self.client.post(url, content=content, headers=headers)
        except httpx.TimeoutException:
            raise ProviderUnavailable(
                f"{self.label} did not answer in time ({host}); will retry later.") from None
        except httpx.ConnectError as exc:
            reason = redact(str(exc), self.secrets) or "connection failed"
            raise ProviderUnavailable(f"Cannot reach {self.label} at {host} ({reason}).") from None
        except (httpx.UnsupportedProtocol, httpx.InvalidURL):
            raise ConfigError(f"The {self.label} URL '{url}' is not a valid http(s) address.") from None
        except httpx.TransportError as exc:
            reason = redact(str(exc), self.secrets) or type(exc).__name__
            raise ProviderUnavailable(
                f"The connection to {self.label} at {host} failed ({reason}).") from None


# ---------------------------------------------------------------------------------------------
# Batching


def make_batches(count: int, max_items: int, sizes: Sequence[int] | None = None,
                 max_bytes: int | None = None) -> list[range]:
    """Split ``range(count)`` into consecutive runs of ≤ max_items and (if given) ≤ max_bytes."""
    batches: list[range] = []
    start, used = 0, 0
    for i in range(count):
        size = sizes[i] if sizes is not None else 0
        full = i - start >= max_items or (
            max_bytes is not None and i > start and used + size > max_bytes)
        if full:
            batches.append(range(start, i))
            start, used = i, 0
        used += size
    if count > start:
        batches.append(range(start, count))
    return batches


def run_split(items: Sequence[T], send: Callable[[Sequence[T]], list[Any]],
              on_split: Callable[[int], None] | None = None) -> list[Any]:
    """Send ``items``; on BatchTooLarge split in half and resend each half (recursively)."""
    try:
        return send(items)
    except BatchTooLarge as exc:
        if len(items) <= 1:
            raise BadRequest(f"{exc} (even a single input is too large)",
                             status_code=exc.status_code, code=exc.code) from None
        half = len(items) // 2
        if on_split is not None:
            on_split(half)
        log.info("batch of %d too large; splitting in two", len(items))
        return run_split(items[:half], send, on_split) + run_split(items[half:], send, on_split)


def run_concurrently(jobs: Sequence[Callable[[], T]], workers: int) -> list[T]:
    """Run jobs on up to ``workers`` threads; results in job order; the first error is raised."""
    if len(jobs) <= 1 or workers <= 1:
        return [job() for job in jobs]
    with ThreadPoolExecutor(max_workers=min(workers, len(jobs)),
                            thread_name_prefix="finder-embed") as pool:
        futures = [pool.submit(job) for job in jobs]
        try:
            return [f.result() for f in futures]
        except BaseException:
            for f in futures:
                f.cancel()
            raise


def finite_floats(values: Any, label: str) -> list[float]:
    """A JSON list of numbers as floats; anything else is a BadResponse."""
    if not isinstance(values, list) or not values:
        raise BadResponse(f"{label} sent an embedding that is not a list of numbers.")
    out: list[float] = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise BadResponse(f"{label} sent an embedding that is not a list of numbers.")
        out.append(float(v))
    if not all(math.isfinite(v) for v in out):
        raise BadResponse(f"{label} returned vectors containing NaN or infinity.")
    return out
