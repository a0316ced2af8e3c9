"""API keys, which routes are open, throttling of failed keys, and per-key rate limits."""

from __future__ import annotations

import hmac

from service.api.store import Store, window
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
# /download_file/ (LibreTranslate): as there, the URL a /translate_file answer gives is fetched with
# no key; its job id (192 random bits) is the permission.
OPEN_PREFIXES = ("/static/", "/download_file/")
METRICS_PATHS = frozenset({"/metrics"})
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
# The documentation pages' scripts, styles and icon (service/api/app.py DOCS_ASSETS_PATH).
DOCS_PREFIXES = ("/docs/assets/",)


def is_open(path: str, *, open_metrics: bool, open_docs: bool) -> bool:
    """Whether ``path`` is served without an API key (the one place that decides)."""
    if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
        return True
    if path in METRICS_PATHS:
        return open_metrics
    if path in DOCS_PATHS or path.startswith(DOCS_PREFIXES):
        return open_docs
    return False


class FailureThrottle:
    """Invalid keys per client address: after ``max_failures`` in ``window_s`` seconds, the address
    gets 429 (whatever key it sends) until its oldest failure leaves the window.

    The failures are counted in the store, so every serving process sharing it sees them."""

    def __init__(self, store: Store, max_failures: int, window_s: int = 60) -> None:
        self.store = store
        self.max_failures = max_failures
        self.window_s = window_s
        self._window = window(max(max_failures, 1), window_s, "mts-auth-failures")

    def check(self, client: str) -> None:
        """Raise RateLimitedError while ``client`` is over its failures."""
        if self.max_failures <= 0 or self.store.has_room(self._window, client):
            return
        wait = self.store.retry_after(self._window, client)
        raise RateLimitedError(f"too many invalid API keys from this address; retry in {wait} s", wait)

    def record(self, client: str) -> None:
        """Count one invalid key from ``client``."""
        if self.max_failures > 0:
            self.store.hit(self._window, client)


class RateLimiter:
    """``per_minute`` requests per caller in any 60 s (a moving window: never more, whatever the
    timing, and counted in the store so that every serving process sharing it shares the limit)."""

    def __init__(self, store: Store, per_minute: int) -> None:
        self.store = store
        self.per_minute = per_minute
        self._window = window(max(per_minute, 1), 60, "mts-rate")

    def check(self, caller: str) -> None:
        """Count one request of ``caller`` or raise RateLimitedError when its minute is full."""
        if self.per_minute <= 0 or self.store.hit(self._window, caller):
            return
        wait = self.store.retry_after(self._window, caller)
        raise RateLimitedError(
            f"rate limit of {self.per_minute} requests per minute exceeded; retry in {wait} s", wait
        )
