"""Micro-batching of translation segments from concurrent requests.

One model instance per process serves every request. Running each request's sentences on their own
wastes the model (padding-free batches of 1–3 sentences) and serialises the requests behind one
another anyway, because the model is not re-entrant. :class:`MicroBatcher` instead queues every
segment of every request, groups the oldest ones into batches bounded by a token budget and a size,
runs each batch in a worker thread (inference blocks; the event loop must not) and hands each request
its own results back, in order.

All mutable state lives on the event loop that called :meth:`MicroBatcher.start`; only
:meth:`MicroBatcher.submit_threadsafe` may be called from other threads.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from service.errors import MtsError

__all__ = ["BatchStats", "BatcherClosedError", "JobTooLargeError", "MicroBatcher", "QueueFullError"]

T = TypeVar("T")

log = logging.getLogger(__name__)


class QueueFullError(MtsError):
    """Too many segments are already waiting; the caller should retry later (the API answers 503)."""


class JobTooLargeError(MtsError):
    """One job has more segments than the whole queue holds; retrying cannot help (the API answers 413)."""


class BatcherClosedError(MtsError):
    """The batcher is stopped (the service is shutting down) and takes no more work."""


@dataclass(frozen=True)
class BatchStats:
    """What one batch cost, reported to ``on_batch`` after it ran (successfully or not)."""

    segments: int
    """Texts in the batch."""
    tokens: int
    """Sum of ``count_tokens`` over the batch."""
    seconds: float
    """Wall-clock time spent in ``run()``."""


def _approx_tokens(text: str) -> int:
    """A tokenizer-free estimate (about four characters per subword token); never zero."""
    return len(text) // 4 + 1


@dataclass(eq=False)
class _Job(Generic[T]):
    """One ``submit()`` call: its future and the results gathered so far."""

    future: asyncio.Future[list[T]]
    size: int
    results: dict[int, T] = field(default_factory=dict)
    waiting: int = 0
    """Segments of this job still queued or in the forming batch (not yet handed to ``run``)."""


@dataclass(eq=False, slots=True)
class _Segment(Generic[T]):
    """One text of one job."""

    job: _Job[T]
    index: int
    text: str
    tokens: int
    enqueued_at: float


class MicroBatcher(Generic[T]):
    """Runs texts from many concurrent jobs through one blocking ``run`` function in shared batches.

    ``run(texts)`` must return one result per text, in order. It runs in ``executor`` (which the
    batcher uses but does not own or shut down), never on the event loop, and at most one batch of
    this batcher is in flight at a time. Several batchers may share one single-thread executor to
    bound the number of inference threads in the process.

    A batch starts with the oldest waiting segment and takes the following ones, strictly in arrival
    order and from any job, while it stays within ``max_batch_tokens`` (as measured by
    ``count_tokens``) and ``max_batch_size``. It waits for more segments until ``max_wait_ms`` after
    its oldest segment was queued, and goes as soon as it is full. A segment larger than
    ``max_batch_tokens`` runs alone.
    """

    def __init__(
        self,
        run: Callable[[list[str]], list[T]],
        *,
        executor: concurrent.futures.Executor,
        count_tokens: Callable[[str], int] = _approx_tokens,
        max_batch_tokens: int = 4096,
        max_batch_size: int = 64,
        max_wait_ms: float = 5.0,
        max_queue: int = 1024,
        name: str = "",
        on_batch: Callable[[BatchStats], None] | None = None,
    ) -> None:
        if max_batch_tokens < 1:
            raise ValueError(f"max_batch_tokens must be at least 1, not {max_batch_tokens}")
        if max_batch_size < 1:
            raise ValueError(f"max_batch_size must be at least 1, not {max_batch_size}")
        if max_wait_ms < 0:
            raise ValueError(f"max_wait_ms must not be negative, not {max_wait_ms}")
        if max_queue < 1:
            raise ValueError(f"max_queue must be at least 1, not {max_queue}")
        self._run = run
        self._executor = executor
        self._count_tokens = count_tokens
        self._max_batch_tokens = max_batch_tokens
        self._max_batch_size = max_batch_size
        self._max_wait = max_wait_ms / 1000.0
        self._max_queue = max_queue
        self.name = name
        self._on_batch = on_batch

        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False
        # Segments waiting for a batch, oldest first.
        self._queue: collections.deque[_Segment[T]] = collections.deque()
        # Segments already taken for the next batch while it waits for more (still cancellable).
        self._forming: list[_Segment[T]] = []
        # Wakes the collector: a segment arrived, a job went away, or stop() was called.
        self._wake = asyncio.Event()

    def __repr__(self) -> str:
        return f"<MicroBatcher {self.name!r} queue_depth={self.queue_depth} closed={self._closed}>"

    @property
    def queue_depth(self) -> int:
        """Segments waiting (not yet in a running batch). Exact on the loop; a snapshot elsewhere."""
        return len(self._queue) + len(self._forming)

    @property
    def closed(self) -> bool:
        """Whether :meth:`stop` was called (or the collector died); no more work is accepted."""
        return self._closed

    def _label(self) -> str:
        return f"batcher {self.name!r}" if self.name else "batcher"

    # -- lifecycle ---------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the background collector on the running event loop. A batcher starts only once."""
        if self._closed:
            raise BatcherClosedError(f"{self._label()} is stopped and cannot be restarted")
        if self._task is not None:
            raise RuntimeError(f"{self._label()} is already started")
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._task = self._loop.create_task(self._collect(), name=f"microbatcher-{self.name}")

    async def stop(self) -> None:
        """Stop accepting work, fail every job still waiting with :class:`BatcherClosedError` and
        wait for the batch in flight (its jobs still get their results). Idempotent."""
        if not self._closed:
            self._closed = True
            self._fail_waiting(BatcherClosedError(f"{self._label()} stopped before this job ran"))
            self._wake.set()
        if self._task is not None:
            # Shielded: cancelling stop() must not cancel the collector mid-batch, or jobs in the
            # batch in flight would never hear back.
            await asyncio.shield(self._task)

    # -- submitting --------------------------------------------------------------------------------

    async def submit(self, texts: Sequence[str]) -> list[T]:
        """Run ``texts`` through the model, batched with other jobs; return one result per text, in order.

        Raises :class:`QueueFullError` at once (accepting none of the texts) when they would take the
        queue past ``max_queue`` segments, :class:`BatcherClosedError` once the batcher is stopped,
        and whatever ``run`` raised for a batch holding one of the texts. If the caller is cancelled
        (e.g. by ``asyncio.wait_for``), texts not yet running are dropped and never run.
        """
        if isinstance(texts, str):
            # A str is a Sequence[str]: it would silently be batched character by character.
            raise TypeError("submit() takes a sequence of texts, not a single str")
        items = list(texts)
        if not items:
            return []
        if self._closed:
            raise BatcherClosedError(f"{self._label()} is stopped; it takes no more work")
        loop = asyncio.get_running_loop()
        if self._task is None or loop is not self._loop:
            raise RuntimeError(
                f"{self._label()} must be started (start()) on this event loop before submit()"
            )
        depth = self.queue_depth
        if depth + len(items) > self._max_queue:
            if len(items) > self._max_queue:
                raise JobTooLargeError(
                    f"the translation queue{self._suffix()} cannot take {len(items)} segments at once "
                    f"(limit {self._max_queue}); send a shorter text"
                )
            raise QueueFullError(
                f"the translation queue{self._suffix()} is full ({depth} of {self._max_queue} segments "
                f"waiting); retry shortly"
            )
        # Count every token before queueing anything, so a count_tokens failure leaves nothing behind.
        tokens = [self._count_tokens(text) for text in items]
        job: _Job[T] = _Job(future=loop.create_future(), size=len(items), waiting=len(items))
        now = loop.time()
        self._queue.extend(
            _Segment(job, index, text, count, now)
            for index, (text, count) in enumerate(zip(items, tokens, strict=True))
        )
        self._wake.set()
        try:
            return await job.future
        except asyncio.CancelledError:
            self._drop_waiting(job)
            # The job may have finished with an exception just before the cancellation landed; mark it
            # retrieved so asyncio does not log "Future exception was never retrieved".
            if job.future.done() and not job.future.cancelled():
                job.future.exception()
            elif not job.future.done():
                job.future.cancel()
            raise

    def submit_threadsafe(self, texts: Sequence[str], timeout: float | None = None) -> list[T]:
        """Blocking :meth:`submit` for code running in another thread (e.g. a pipeline in a thread pool).

        Schedules the job on the batcher's event loop and waits up to ``timeout`` seconds; on timeout
        the job is cancelled (its queued texts are dropped) and :class:`TimeoutError` is raised.
        Must not be called from the loop's own thread, nor from a thread of the executor that runs
        this batcher's batches (either would wait on itself forever).
        """
        if isinstance(texts, str):
            raise TypeError("submit_threadsafe() takes a sequence of texts, not a single str")
        items = list(texts)
        if not items:
            return []
        if self._closed:
            raise BatcherClosedError(f"{self._label()} is stopped; it takes no more work")
        loop = self._loop
        if loop is None:
            raise RuntimeError(f"{self._label()} must be started (start()) before submit_threadsafe()")
        if threading.get_ident() == self._loop_thread:
            raise RuntimeError(
                f"{self._label()}: submit_threadsafe() called on the event loop's thread; await submit()"
            )
        coro = self.submit(items)
        try:
            future = asyncio.run_coroutine_threadsafe(coro, loop)
        except RuntimeError:
            # The loop is closed: the coroutine never ran; close it to avoid a never-awaited warning.
            coro.close()
            raise BatcherClosedError(f"{self._label()}: its event loop is closed") from None
        try:
            return future.result(timeout)
        except TimeoutError:
            # Cancelling the concurrent future cancels the task on the loop, which drops queued texts.
            future.cancel()
            raise TimeoutError(f"{self._label()}: no result within {timeout} s") from None

    # -- internals (all on the loop) ---------------------------------------------------------------

    def _suffix(self) -> str:
        return f" '{self.name}'" if self.name else ""

    def _drop_waiting(self, job: _Job[T]) -> None:
        """Remove the job's segments that have not reached ``run`` yet."""
        if job.waiting == 0:
            return
        job.waiting = 0
        # Rebuilding is O(queue) per dropped job, but keeps the queue free of dead entries, so memory
        # and queue_depth stay bounded by max_queue even when many clients time out.
        self._queue = collections.deque(seg for seg in self._queue if seg.job is not job)
        self._forming = [seg for seg in self._forming if seg.job is not job]
        self._wake.set()

    def _fail_waiting(self, error: BaseException) -> None:
        """Fail every job with a segment not yet handed to ``run`` and empty the queue."""
        jobs = {id(seg.job): seg.job for seg in (*self._forming, *self._queue)}
        self._queue.clear()
        self._forming = []
        for job in jobs.values():
            job.waiting = 0
            if not job.future.done():
                job.future.set_exception(error)

    def _batch_tokens(self) -> int:
        return sum(seg.tokens for seg in self._forming)

    def _fill(self) -> bool:
        """Move queued segments into the forming batch while they fit; return whether it is full."""
        if not self._forming:
            self._forming.append(self._queue.popleft())
        tokens = self._batch_tokens()
        while len(self._forming) < self._max_batch_size and tokens < self._max_batch_tokens:
            if not self._queue:
                return False
            head = self._queue[0]
            if tokens + head.tokens > self._max_batch_tokens:
                # Strict FIFO: later, smaller segments do not jump ahead, and waiting cannot help.
                return True
            self._forming.append(self._queue.popleft())
            tokens += head.tokens
        return True

    async def _sleep_until_woken(self, timeout: float | None) -> None:
        # No await between the caller's look at the state and this clear(), so no wake-up is lost.
        self._wake.clear()
        try:
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        except TimeoutError:
            pass

    async def _collect(self) -> None:
        """The collector task: form batches and run them, one at a time, until stopped."""
        assert self._loop is not None
        loop = self._loop
        in_flight: list[_Segment[T]] = []
        try:
            while not self._closed:
                if not self._forming and not self._queue:
                    await self._sleep_until_woken(None)
                    continue
                full = self._fill()
                if not full:
                    remaining = self._forming[0].enqueued_at + self._max_wait - loop.time()
                    if remaining > 0:
                        # Cancellations may empty or reorder the forming batch meanwhile; re-check.
                        await self._sleep_until_woken(remaining)
                        continue
                in_flight, self._forming = self._forming, []
                for seg in in_flight:
                    seg.job.waiting -= 1
                await self._run_batch(loop, in_flight)
                in_flight = []
        except Exception:
            # A bug here must not leave requests hanging: log it, then fail everything (below). Not
            # re-raised, so stop() still returns cleanly and the exception is not logged twice.
            log.exception("%s: collector crashed; failing all jobs", self._label())
        finally:
            # Normally a no-op (stop() already failed the waiting jobs); after a crash or a cancelled
            # collector, nobody must be left awaiting forever.
            self._closed = True
            error = BatcherClosedError(f"{self._label()} stopped before this job finished")
            for seg in in_flight:
                if not seg.job.future.done():
                    seg.job.future.set_exception(error)
            self._fail_waiting(error)

    async def _run_batch(self, loop: asyncio.AbstractEventLoop, batch: list[_Segment[T]]) -> None:
        texts = [seg.text for seg in batch]
        started = time.perf_counter()
        error: Exception | None = None
        results: list[T] = []
        try:
            # list() inside the try: a run() returning None or an iterator fails these jobs, not the
            # collector.
            results = list(await loop.run_in_executor(self._executor, self._run, texts))
        except Exception as exc:
            error = exc
        seconds = time.perf_counter() - started
        if error is None and len(results) != len(texts):
            error = RuntimeError(
                f"{self._label()}: run() returned {len(results)} results for a batch of {len(texts)} texts"
            )

        for position, seg in enumerate(batch):
            job = seg.job
            if job.future.done():
                # Cancelled by its caller, or already failed by an earlier segment of this batch.
                continue
            if error is not None:
                # The job fails once; its segments still queued would only produce discarded work.
                self._drop_waiting(job)
                job.future.set_exception(error)
                continue
            job.results[seg.index] = results[position]
            if len(job.results) == job.size:
                job.future.set_result([job.results[i] for i in range(job.size)])

        if self._on_batch is not None:
            stats = BatchStats(segments=len(batch), tokens=sum(seg.tokens for seg in batch), seconds=seconds)
            try:
                self._on_batch(stats)
            except Exception:
                # Metrics must never take the batcher down.
                log.exception("%s: on_batch callback failed", self._label())
