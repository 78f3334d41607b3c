"""The error tree of Semantic Finder.

    FinderError                    anything we raise on purpose
    ├── ConfigError                settings file unreadable or a value out of range
    ├── StoreError                 catalog or vector index cannot be used (disk full, locked, corrupt)
    ├── ExtractError               one file could not be read; recorded on the file, indexing goes on
    │   ├── SkippedFile            not a document we index (binary, too large, FIFO, device …)
    │   └── FileChanged            the file vanished or changed while it was being read
    └── ProviderError              an embedding provider failed; ``.retryable`` tells the policy
        ├── ProviderUnavailable    connection refused, DNS, timeout, 5xx       (retryable)
        ├── RateLimited            429 without a quota code; ``.retry_after``  (retryable)
        ├── QuotaExceeded          billing/quota exhausted                     (never retried)
        ├── AuthError              401/403: bad or missing key                 (never retried)
        ├── BadRequest             400/404/422: model name, input too long …  (never retried)
        │   └── BatchTooLarge      the server wants smaller batches (split and resend)
        ├── BadResponse            truncated JSON, wrong dimension, NaN, zero vector
        └── ModelMissing           local model files are not installed

Per-file errors (ExtractError) are recorded on the file and never stop indexing.
Environment errors (StoreError, ProviderError) pause the work and reach the user as one
sentence (``str(error)``); anything else is a bug.
"""

from __future__ import annotations


class FinderError(Exception):
    """Base of every error Semantic Finder raises on purpose."""


class ConfigError(FinderError):
    """The settings cannot be read or hold an invalid value."""


class StoreError(FinderError):
    """The catalog or the vector index cannot be used."""


class ExtractError(FinderError):
    """A file could not be turned into text; ``reason`` is shown to the user."""

    status = "failed"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SkippedFile(ExtractError):
    """The file is deliberately not indexed (binary, too large, special file…)."""

    status = "skipped"


class FileChanged(ExtractError):
    """The file disappeared or changed while being read; it is retried later."""

    status = "changed"


class ProviderError(FinderError):
    """An embedding provider failed."""

    retryable = False

    def __init__(self, message: str, *, status_code: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code


class ProviderUnavailable(ProviderError):
    """The provider cannot be reached right now (network, timeout, 5xx)."""

    retryable = True


class RateLimited(ProviderError):
    """The provider asks us to slow down; ``retry_after`` is in seconds when known."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None, status_code: int | None = 429,
                 code: str | None = None) -> None:
        super().__init__(message, status_code=status_code, code=code)
        self.retry_after = retry_after


class QuotaExceeded(ProviderError):
    """The account has no quota or credit left; retrying cannot help."""


class AuthError(ProviderError):
    """The API key is missing, wrong or not allowed to use this model."""


class BadRequest(ProviderError):
    """The provider rejected the request itself (unknown model, input too long…)."""


class BatchTooLarge(BadRequest):
    """The provider wants fewer or smaller inputs per request."""


class BadResponse(ProviderError):
    """The provider answered with something we cannot use."""


class ModelMissing(ProviderError):
    """The local model's files are not installed."""
