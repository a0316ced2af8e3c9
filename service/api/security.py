"""API keys and per-key rate limits."""

from __future__ import annotations

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
    """The caller's key when keys are configured; raises AuthError for a missing or unknown one."""
    if not keys:
        return None
    if not given:
        raise AuthError("an API key is required: send `Authorization: Bearer <key>` (or `api_key`)", 401)
    if given not in keys:
        raise AuthError("invalid API key", 403)
    return given


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
