"""Where the API's shared counters live: rate limits, invalid-key counts and usage per API key.

One process can keep them in memory (the embedded store, MTS_STORE_URL empty). Several serving
processes (``mts serve --workers N``, Ray Serve replicas) must share them, or every limit would
silently multiply by the number of processes: MTS_STORE_URL names a Redis they all use.

Rate windows are kept by the ``limits`` library (moving windows: "3 per minute" admits exactly 3
in any 60 s); usage counters are a Redis hash per key (a dict here for the embedded store). Keys
are never stored: callers are named by :func:`key_id`, a short SHA-256 prefix.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import math
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import redis
from limits import RateLimitItem, RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import MovingWindowRateLimiter
from redis.backoff import NoBackoff
from redis.retry import Retry

from service.config import Settings
from service.errors import ConfigurationError, MtsError

log = logging.getLogger("mts.api")
T = TypeVar("T")

#: How long one Redis connect or command may take before the store counts as unreachable.
STORE_TIMEOUT_S = 1.0
#: Retry-After (seconds) of an answer refused because the store is unreachable.
STORE_RETRY_AFTER_S = 5
#: The prefix of every Redis key the service writes.
KEY_PREFIX = "mts"
REDIS_SCHEMES = ("redis", "rediss", "redis+unix")


class StoreUnavailableError(MtsError):
    """The shared store (MTS_STORE_URL) cannot be reached; 503 with Retry-After."""


@dataclass(frozen=True)
class Usage:
    """What one API key (named by its :func:`key_id`) has used."""

    key: str
    requests: int
    characters: int


def key_id(key: str | None) -> str:
    """The name a caller's counters go by: the first 12 hex digits of the key's SHA-256, or
    ``anonymous`` without a key. The key itself is never stored or shown."""
    if not key:
        return "anonymous"
    return hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:12]


def describe_url(url: str) -> str:
    """The store for logs and messages: ``embedded (in-process)`` or the URL without its password."""
    if not url:
        return "embedded (in-process)"
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urllib.parse.urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def require_shared_store(settings: Settings, processes: int) -> None:
    """Refuse (ConfigurationError, one line) to serve from several processes with a rate limit or
    an invalid-key throttle on but no MTS_STORE_URL: each process would count on its own, so every
    limit would silently be multiplied by the number of processes."""
    if processes <= 1 or settings.store_url:
        return
    limits = []
    if settings.rate_limit_per_minute > 0:
        limits.append(f"MTS_RATE_LIMIT_PER_MINUTE={settings.rate_limit_per_minute}")
    if settings.api_key_set and settings.auth_max_failures > 0:
        limits.append(f"MTS_AUTH_MAX_FAILURES={settings.auth_max_failures}")
    if limits:
        raise ConfigurationError(
            f"{processes} serving processes with {' and '.join(limits)} need a shared store: set "
            "MTS_STORE_URL=redis://host:6379/0 (or serve from one process), else each process "
            "would count on its own and multiply the limits"
        )


class Store:
    """Rate windows and usage counters, in this process or in a shared Redis.

    Every operation raises :class:`StoreUnavailableError` when Redis cannot be reached (never
    admitting a request unlimited); the outage is logged once, when it starts, and its end once."""

    def __init__(self, url: str = "") -> None:
        self.url = url
        self.description = describe_url(url)
        self._redis: redis.Redis | None = None
        self._storage: MemoryStorage | RedisStorage
        if url:
            if url.partition("://")[0] not in REDIS_SCHEMES:
                raise ConfigurationError(
                    f"MTS_STORE_URL must start with one of {', '.join(s + '://' for s in REDIS_SCHEMES)}"
                )
            pool = redis.ConnectionPool.from_url(
                url.replace("redis+unix://", "unix://"),
                socket_timeout=STORE_TIMEOUT_S,
                socket_connect_timeout=STORE_TIMEOUT_S,
                # One quick retry covers a pooled connection Redis has closed; more would only
                # hold requests up during an outage.
                retry=Retry(NoBackoff(), 1),
            )
            self._redis = redis.Redis(connection_pool=pool)
            self._storage = RedisStorage(
                url, connection_pool=pool, key_prefix=KEY_PREFIX, wrap_exceptions=True
            )
        else:
            self._storage = MemoryStorage(wrap_exceptions=True)
        self._window = MovingWindowRateLimiter(self._storage)
        self._usage: dict[str, list[int]] = {}
        self._lock = threading.Lock()
        self._down = False

    @property
    def shared(self) -> bool:
        """Whether the counters live in Redis (shared by every process that uses the same URL)."""
        return self._redis is not None

    # -- outage bookkeeping ----------------------------------------------------------------------

    def _call(self, fn: Callable[[], T]) -> T:
        try:
            result = fn()
        except (StorageError, redis.RedisError, OSError) as exc:
            reason = str(getattr(exc, "storage_error", exc)) or type(exc).__name__
            with self._lock:
                first = not self._down
                self._down = True
            if first:
                log.error("shared store unreachable", extra={"store": self.description, "error": reason})
            raise StoreUnavailableError(
                f"the shared store ({self.description}) is unreachable: {reason}"
            ) from None
        if self._down:
            with self._lock:
                recovered, self._down = self._down, False
            if recovered:
                log.warning("shared store reachable again", extra={"store": self.description})
        return result

    async def run(self, fn: Callable[[], T]) -> T:
        """Run store work from the event loop: Redis round trips in a thread, memory ones inline."""
        if self._redis is None:
            return fn()
        return await asyncio.to_thread(fn)

    def ping(self) -> str | None:
        """None when the store answers, else why not (for /readyz)."""
        if self._redis is None:
            return None
        client = self._redis
        try:
            self._call(client.ping)
        except StoreUnavailableError as exc:
            return str(exc)
        return None

    # -- moving windows --------------------------------------------------------------------------

    def hit(self, limit: RateLimitItem, *names: str) -> bool:
        """Count one event in ``names``' window; False (and nothing counted) when it is full."""
        return self._call(lambda: self._window.hit(limit, *names))

    def has_room(self, limit: RateLimitItem, *names: str) -> bool:
        """Whether ``names``' window has room for one more event (counts nothing)."""
        return self._call(lambda: self._window.test(limit, *names))

    def retry_after(self, limit: RateLimitItem, *names: str) -> int:
        """Whole seconds until ``names``' window has room again (at least 1)."""
        stats = self._call(lambda: self._window.get_window_stats(limit, *names))
        return max(1, math.ceil(stats.reset_time - time.time()))

    # -- usage counters --------------------------------------------------------------------------

    def add_usage(self, key: str, *, requests: int = 0, characters: int = 0) -> None:
        """Add to the counters of the key named ``key`` (a :func:`key_id`)."""
        client = self._redis
        if client is None:
            with self._lock:
                counts = self._usage.setdefault(key, [0, 0])
                counts[0] += requests
                counts[1] += characters
            return

        def add() -> None:
            pipe = client.pipeline(transaction=False)
            pipe.sadd(f"{KEY_PREFIX}:usage:keys", key)
            if requests:
                pipe.hincrby(f"{KEY_PREFIX}:usage:{key}", "requests", requests)
            if characters:
                pipe.hincrby(f"{KEY_PREFIX}:usage:{key}", "characters", characters)
            pipe.execute()

        self._call(add)

    def usage(self, key: str | None = None) -> list[Usage]:
        """The counters of one key (``key``; zeros when it has none yet) or of every key (None)."""
        client = self._redis
        if client is None:
            with self._lock:
                names = [key] if key is not None else sorted(self._usage)
                counts = {name: list(self._usage.get(name, [0, 0])) for name in names}
            return [Usage(name, *counts[name]) for name in names]

        def read() -> list[Usage]:
            if key is not None:
                names = [key]
            else:
                members = client.smembers(f"{KEY_PREFIX}:usage:keys")
                names = sorted(n.decode() if isinstance(n, bytes) else str(n) for n in members)
            pipe = client.pipeline(transaction=False)
            for name in names:
                pipe.hmget(f"{KEY_PREFIX}:usage:{name}", ["requests", "characters"])
            found = pipe.execute()
            return [
                Usage(name, int(requests or 0), int(characters or 0))
                for name, (requests, characters) in zip(names, found, strict=True)
            ]

        return self._call(read)

    def close(self) -> None:
        """Release the Redis connections (the embedded store holds none)."""
        if self._redis is not None:
            self._redis.close()
            self._redis.connection_pool.disconnect()


def window(amount: int, seconds: int, namespace: str) -> RateLimitItem:
    """A moving window of ``amount`` events in any ``seconds`` s, kept apart from other limits by
    ``namespace``."""
    return RateLimitItemPerSecond(amount, seconds, namespace=namespace)
