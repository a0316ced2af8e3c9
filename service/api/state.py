"""Per-process API state: the runtime, work threads, readiness, limits and metrics.

Models, routing and inference belong to the runtime (:mod:`service.runtime`); this module only
adapts it to HTTP: each request's pipeline code runs in a work thread with a ticket (its deadline),
and the request counts as in flight until that work has really stopped.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

from service.api.metrics import Metrics, multiprocess_mode
from service.api.security import FailureThrottle, RateLimiter
from service.api.store import Store
from service.config import Settings
from service.errors import MtsError
from service.llm.client import RemoteCall
from service.runtime import Runtime
from service.runtime.executor import CallStats
from service.runtime.registry import Loaders
from service.work import Ticket, WorkCancelledError, working_for

log = logging.getLogger("mts.api")
T = TypeVar("T")

# How often a waiting request checks whether its client is still there.
DISCONNECT_POLL_S = 0.25
# How often a worker writes its queue depths to the shared metrics files (multiprocess mode).
QUEUE_DEPTH_REFRESH_S = 1.0


class NotReadyError(MtsError):
    """Models are still loading (or failed to load); 503."""


class BusyError(MtsError):
    """Too many requests in flight; 503 with Retry-After."""


class RequestTimeoutError(MtsError):
    """The request took longer than the per-request limit; 504."""


class PayloadTooLargeError(MtsError):
    """A text, the number of texts or the body is over its limit; 413."""


def _pair(key: object) -> str:
    """The metrics label of an executor call: the language pair, or ``summarize``."""
    if isinstance(key, tuple) and len(key) == 3 and key[0] == "translate":
        return f"{key[1]}-{key[2]}"
    return "summarize"


class ServiceState:
    """Everything one API process holds: settings, runtime, work threads, limits and readiness."""

    def __init__(self, settings: Settings, loaders: Loaders | None = None) -> None:
        self.settings = settings
        self.metrics = Metrics()
        # Rate limits, invalid-key counts and usage counters: in this process, or in the Redis
        # every serving process shares (MTS_STORE_URL).
        self.store = Store(settings.store_url)
        self.limiter = RateLimiter(self.store, settings.rate_limit_per_minute)
        self.auth_failures = FailureThrottle(self.store, settings.auth_max_failures)
        self.ready = False
        # Set when model loading failed: the service will not become ready without a restart.
        self.failed = False
        self.reason = "starting"
        self.runtime = Runtime(settings, loaders=loaders, on_call=self._on_call, on_remote=self._on_remote)
        # Pipeline code (segmentation, checks, summaries) runs here and mostly waits on the
        # runtime's executor; bounded by max_inflight.
        self.workers = concurrent.futures.ThreadPoolExecutor(
            min(settings.max_inflight, 64), thread_name_prefix="mts-work"
        )
        self._inflight = 0
        self._lock = threading.Lock()
        # Request glossaries compile one at a time: compiling is pure Python, so several at once
        # would share the interpreter with the event loop and slow every other request.
        self.glossary_lock = threading.Lock()
        self._write_depths = multiprocess_mode()
        if not self._write_depths:
            for src, tgt in self.runtime.plan.pairs:
                key = ("translate", src, tgt)
                self.metrics.queue_depth.labels(f"{src}-{tgt}").set_function(
                    lambda key=key: self.runtime.executor.depth(key)  # type: ignore[misc]
                )

    def refresh_queue_depth(self) -> None:
        """Write the queue depths as plain values: in multiprocess mode a gauge cannot compute its
        value at scrape time (the scrape may be answered by another worker), so each worker
        writes its own depths: when a request's work ends, and every QUEUE_DEPTH_REFRESH_S while
        requests wait (:meth:`track_queue_depth`)."""
        for src, tgt in self.runtime.plan.pairs:
            depth = self.runtime.executor.depth(("translate", src, tgt))
            self.metrics.queue_depth.labels(f"{src}-{tgt}").set(depth)

    async def track_queue_depth(self) -> None:
        """Refresh the queue depths every QUEUE_DEPTH_REFRESH_S until cancelled (multiprocess mode)."""
        while True:
            self.refresh_queue_depth()
            await asyncio.sleep(QUEUE_DEPTH_REFRESH_S)

    @property
    def inflight(self) -> int:
        """Requests whose work has not stopped yet."""
        return self._inflight

    def _on_call(self, stats: CallStats) -> None:
        pair = _pair(stats.key)
        tokens = sum(len(item) // 4 + 1 for item in stats.items if isinstance(item, str))
        self.metrics.batch_size.labels(pair).observe(len(stats.items))
        self.metrics.batch_tokens.labels(pair).inc(tokens)
        self.metrics.batch_seconds.labels(pair).inc(stats.seconds)
        if stats.seconds > 0:
            self.metrics.tokens_per_second.labels(pair).set(tokens / stats.seconds)
        log.debug("model call", extra={"pair": pair, "segments": len(stats.items), "jobs": stats.jobs})

    def _on_remote(self, call: RemoteCall) -> None:
        self.metrics.llm_requests.labels(call.endpoint, call.model, call.outcome).inc()
        self.metrics.llm_latency.labels(call.endpoint).observe(call.seconds)
        self.metrics.llm_tokens.labels(call.endpoint, "prompt").inc(call.prompt_tokens)
        self.metrics.llm_tokens.labels(call.endpoint, "completion").inc(call.completion_tokens)

    def warm_up(self) -> None:
        """Load every model the service's declared pairs and summarizer need (blocking)."""

        def progress(message: str) -> None:
            self.reason = message

        self.runtime.warm(progress=progress)
        for src, tgt in self.runtime.plan.pairs:
            self.metrics.model_loaded.labels(f"{src}-{tgt}").set(1)

    def _enter(self) -> None:
        with self._lock:
            if self._inflight >= self.settings.max_inflight:
                raise BusyError(
                    f"{self._inflight} requests in flight (limit {self.settings.max_inflight}); retry"
                )
            self._inflight += 1
            self.metrics.inflight.set(self._inflight)

    def _leave(self) -> None:
        with self._lock:
            self._inflight -= 1
            self.metrics.inflight.set(self._inflight)
        if self._write_depths:
            self.refresh_queue_depth()

    async def run_blocking(
        self, fn: Callable[[], T], is_disconnected: Callable[[], object] | None = None
    ) -> T:
        """Run pipeline code in a work thread under the in-flight bound and the request timeout.

        On timeout (or when ``is_disconnected`` says the client has gone) the request's ticket is
        cancelled: its waiting model work is withdrawn, a running model call stops at its next
        batch, and the request stays counted in flight until its work has stopped."""
        if not self.ready:
            raise NotReadyError(f"not ready: {self.reason}")
        self._enter()
        ticket = Ticket(self.settings.request_timeout_s)

        def work() -> T:
            with working_for(ticket):
                return fn()

        try:
            future = self.workers.submit(work)
        except RuntimeError:
            self._leave()
            raise NotReadyError("the service is shutting down") from None
        future.add_done_callback(lambda _: self._leave())
        waiting = asyncio.wrap_future(future)
        # After a timeout nobody awaits the work's outcome: retrieve it, so that its error
        # (WorkCancelledError, as a rule) is not reported as never retrieved.
        waiting.add_done_callback(lambda f: f.cancelled() or f.exception())
        watcher = (
            asyncio.create_task(_watch_client(is_disconnected, ticket))
            if is_disconnected is not None
            else None
        )
        try:
            return await asyncio.wait_for(asyncio.shield(waiting), timeout=self.settings.request_timeout_s)
        except (TimeoutError, WorkCancelledError):
            ticket.cancel("the request timed out")
            raise RequestTimeoutError(
                f"the request took longer than {self.settings.request_timeout_s:g} s"
            ) from None
        except asyncio.CancelledError:
            ticket.cancel("the client went away")
            raise
        finally:
            if watcher is not None:
                watcher.cancel()

    async def close(self) -> None:
        """Stop the runtime and the work threads, release the store, and (with several workers)
        drop this worker's live gauges from the shared metrics."""
        await asyncio.to_thread(self.runtime.close)
        self.workers.shutdown(wait=False, cancel_futures=True)
        self.store.close()
        self.metrics.close()


async def _watch_client(is_disconnected: Callable[[], object], ticket: Ticket) -> None:
    """Cancel the ticket when the client disconnects (the request's work is then dropped)."""
    while not ticket.dead:
        answer = is_disconnected()
        if asyncio.iscoroutine(answer):
            answer = await answer
        if answer:
            ticket.cancel("the client went away")
            return
        await asyncio.sleep(DISCONNECT_POLL_S)
