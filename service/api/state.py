"""Per-process service state: models behind micro-batchers, worker threads, readiness, limits."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

from service.api.batcher import BatchStats, MicroBatcher
from service.api.metrics import Metrics
from service.api.security import RateLimiter
from service.catalog import ModelInfo
from service.config import Settings
from service.errors import MtsError
from service.pipeline import Pipeline
from service.translation.base import Translation, Translator
from service.translation.engine import LoadedModelSpec, TranslationEngine, default_loader

log = logging.getLogger("mts.api")
T = TypeVar("T")

WARMUP_TEXT = "Le ministre des Affaires étrangères s'est rendu à Séoul mardi."


class NotReadyError(MtsError):
    """Models are still loading (or failed to load); 503."""


class BusyError(MtsError):
    """Too many requests in flight; 503 with Retry-After."""


class RequestTimeoutError(MtsError):
    """The request took longer than the per-request limit; 504."""


class PayloadTooLargeError(MtsError):
    """A text, the number of texts or the body is over its limit; 413."""


class BatchedTranslator:
    """A translator whose calls go through a micro-batcher, so concurrent requests share batches.

    Called from worker threads (the pipeline is blocking code); the batcher runs on the event loop
    and executes batches on the single inference thread.
    """

    def __init__(self, inner: Translator, state: ServiceState) -> None:
        self.inner = inner
        self.state = state
        self._batchers: dict[tuple[str, str], MicroBatcher[Translation]] = {}
        self._lock = threading.Lock()

    @property
    def models(self) -> list[ModelInfo]:
        """The wrapped translator's models."""
        return self.inner.models

    def batcher(self, src: str, tgt: str) -> MicroBatcher[Translation]:
        """The batcher of one language pair, created on the event loop on first use."""
        with self._lock:
            batcher = self._batchers.get((src, tgt))
            if batcher is None:
                batcher = self.state.make_batcher(self.inner, src, tgt)
                self._batchers[(src, tgt)] = batcher
            return batcher

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        """Translate through the pair's batcher (blocking; call from a worker thread)."""
        return self.batcher(src, tgt).submit_threadsafe(list(texts))


class ServiceState:
    """Everything one API process holds: settings, models, threads, limits and readiness."""

    def __init__(self, settings: Settings, engine_loader: Callable[..., Translator] | None = None) -> None:
        self.settings = settings
        self.metrics = Metrics()
        self.limiter = RateLimiter(settings.rate_limit_per_minute)
        self.ready = False
        self.reason = "starting"
        self.loop: asyncio.AbstractEventLoop | None = None
        # One inference thread: one model instance per process, never two batches at once.
        self.inference = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="mts-infer")
        # Pipeline code (segmentation, summaries, support checks) runs here and mostly waits on
        # the batchers; bounded by max_inflight.
        self.workers = concurrent.futures.ThreadPoolExecutor(
            min(settings.max_inflight, 64), thread_name_prefix="mts-work"
        )
        self.inflight = 0
        self.batchers: list[tuple[str, MicroBatcher[Translation]]] = []
        self._engine_loader = engine_loader or default_loader
        self.engine = TranslationEngine(settings, loader=self._load_batched)
        self.pipeline = Pipeline(settings, engine=self.engine)

    def _load_batched(self, spec: LoadedModelSpec, settings: Settings) -> Translator:
        translator = BatchedTranslator(self._engine_loader(spec, settings), self)
        return translator

    def make_batcher(self, inner: Translator, src: str, tgt: str) -> MicroBatcher[Translation]:
        """A started batcher for ``inner`` on ``src``→``tgt`` (safe to call from any thread)."""
        if self.loop is None:
            raise NotReadyError("the service is not running")
        pair = f"{src}-{tgt}"
        count = getattr(inner, "count_tokens", None)

        def run(texts: list[str]) -> list[Translation]:
            return inner.translate(texts, src, tgt)

        def on_batch(stats: BatchStats) -> None:
            self.metrics.batch_size.labels(pair).observe(stats.segments)
            self.metrics.batch_tokens.labels(pair).inc(stats.tokens)
            self.metrics.batch_seconds.labels(pair).inc(stats.seconds)
            if stats.seconds > 0:
                self.metrics.tokens_per_second.labels(pair).set(stats.tokens / stats.seconds)
            log.debug("batch", extra={"pair": pair, "segments": stats.segments, "tokens": stats.tokens})

        batcher: MicroBatcher[Translation] = MicroBatcher(
            run,
            executor=self.inference,
            count_tokens=count if callable(count) else (lambda text: len(text) // 4 + 1),
            max_batch_tokens=self.settings.batch_tokens,
            max_wait_ms=self.settings.batch_wait_ms,
            max_queue=self.settings.max_queue,
            name=pair,
            on_batch=on_batch,
        )

        async def start() -> None:
            await batcher.start()

        if _on_loop(self.loop):
            raise RuntimeError("make_batcher must be called from a worker thread")
        asyncio.run_coroutine_threadsafe(start(), self.loop).result()
        self.batchers.append((pair, batcher))
        self.metrics.queue_depth.labels(pair).set_function(lambda: batcher.queue_depth)
        self.metrics.model_loaded.labels(pair).set(1)
        return batcher

    def warm_up(self) -> None:
        """Load the translation models and run one sentence through each (blocking)."""
        for src, tgt in (("fr", "en"), ("fr", "ko")):
            self.reason = f"loading the {src}→{tgt} model"
            self.engine.translator(src, tgt).translate([WARMUP_TEXT], src, tgt)
        spec = self.settings.summarizer
        if spec != "extractive":
            self.reason = f"loading the summarizer {spec}"
            from service.summarization.registry import make_summarizer

            make_summarizer(spec, self.settings)

    async def run_blocking(self, fn: Callable[[], T]) -> T:
        """Run pipeline code in a worker thread under the in-flight bound and the request timeout."""
        if not self.ready:
            raise NotReadyError(f"not ready: {self.reason}")
        if self.inflight >= self.settings.max_inflight:
            raise BusyError(f"{self.inflight} requests in flight (limit {self.settings.max_inflight}); retry")
        loop = asyncio.get_running_loop()
        self.inflight += 1
        self.metrics.inflight.set(self.inflight)
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(self.workers, fn), timeout=self.settings.request_timeout_s
            )
        except TimeoutError:
            raise RequestTimeoutError(
                f"the request took longer than {self.settings.request_timeout_s:g} s"
            ) from None
        finally:
            self.inflight -= 1
            self.metrics.inflight.set(self.inflight)

    async def close(self) -> None:
        """Stop batchers and threads."""
        for _, batcher in self.batchers:
            await batcher.stop()
        self.workers.shutdown(wait=False, cancel_futures=True)
        self.inference.shutdown(wait=False, cancel_futures=True)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:
        return False
