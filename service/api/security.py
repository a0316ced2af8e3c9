"""API keys, which routes are open, throttling of failed keys, and per-key rate limits."""

from __future__ import annotations

import collections
import hmac
import math
import threading
import time
from dataclasses import dataclass

from service.errors import MtsError


class AuthError(MtsError):
    """No API key (401) or an unknown one (403)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class RateLimitedError(MtsError):
    """Too many requests for this key; retry after ``retry_after`` seconds."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def bearer_token(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def check_key(keys: frozenset[str], given: str | None) -> str | None:
    """The caller's key when keys are configured; raises AuthError for a missing or unknown one.

    The given key is compared with every configured key in constant time (no early exit), so the
    answer's timing tells nothing about how close a guess was or which key it resembled."""
    if not keys:
        return None
    if not given:
        raise AuthError("an API key is required: send `Authorization: Bearer <key>` (or `api_key`)", 401)
    given_bytes = given.encode("utf-8", "surrogateescape")
    match: str | None = None
    for key in sorted(keys):
        if hmac.compare_digest(key.encode("utf-8", "surrogateescape"), given_bytes):
            match = key
    if match is None:
        raise AuthError("invalid API key", 403)
    return match


def is_admin(admin_keys: frozenset[str], given: str | None) -> bool:
    """Whether ``given`` is one of the admin keys (constant-time, like :func:`check_key`)."""
    if not given or not admin_keys:
        return False
    given_bytes = given.encode("utf-8", "surrogateescape")
    found = False
    for key in sorted(admin_keys):
        found |= hmac.compare_digest(key.encode("utf-8", "surrogateescape"), given_bytes)
    return found


# The routes that never need a key: health checks, the editor page's shell and its files.
# /metrics and the API documentation are open unless MTS_OPEN_METRICS / MTS_OPEN_DOCS say no.
# Every other path, including routes added later and unknown paths, needs a key when keys are set.
OPEN_PATHS = frozenset({"/livez", "/readyz", "/"})
OPEN_PREFIXES = ("/static/",)
METRICS_PATHS = frozenset({"/metrics"})
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})


def is_open(path: str, *, open_metrics: bool, open_docs: bool) -> bool:
    """Whether ``path`` is served without an API key (the one place that decides)."""
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return True
    if path in METRICS_PATHS:
        return open_metrics
    if path in DOCS_PATHS:
        return open_docs
    return False


class FailureThrottle:
    """Invalid keys per client address: after ``max_failures`` in ``window_s`` seconds, the address
    gets 429 (whatever key it sends) until its oldest failure leaves the window."""

    def __init__(self, max_failures: int, window_s: float = 60.0, max_clients: int = 100_000) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.max_clients = max_clients
        self._failures: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> collections.deque[float] | None:
        failures = self._failures.get(client)
        if failures is None:
            return None
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            del self._failures[client]
            return None
        return failures

    def check(self, client: str) -> None:
        """Raise RateLimitedError while ``client`` is over its failures."""
        if self.max_failures <= 0:
            return
        now = time.monotonic()
        with self._lock:
            failures = self._recent(client, now)
            if failures is not None and len(failures) >= self.max_failures:
                wait = max(1, math.ceil(failures[0] + self.window_s - now))
                raise RateLimitedError(
                    f"too many invalid API keys from this address; retry in {wait} s", wait
                )

    def record(self, client: str) -> None:
        """Count one invalid key from ``client``."""
        if self.max_failures <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._failures) >= self.max_clients:
                for stale in [c for c in list(self._failures) if self._recent(c, now) is None]:
                    self._failures.pop(stale, None)
                if len(self._failures) >= self.max_clients:
                    self._failures.pop(next(iter(self._failures)))
            self._failures.setdefault(client, collections.deque()).append(now)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per caller: ``per_minute`` requests a minute, bursts up to the same number."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def check(self, caller: str) -> None:
        """Take one request from the caller's bucket or raise RateLimitedError."""
        if self.per_minute <= 0:
            return
        rate = self.per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.setdefault(caller, _Bucket(float(self.per_minute), now))
            bucket.tokens = min(float(self.per_minute), bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            if bucket.tokens < 1.0:
                wait = math.ceil((1.0 - bucket.tokens) / rate)
                raise RateLimitedError(
                    f"rate limit of {self.per_minute} requests per minute exceeded; retry in {wait} s", wait
                )
            bucket.tokens -= 1.0
