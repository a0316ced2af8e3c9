"""The inference executor: every model call of the process goes through it.

One thread runs model calls, one at a time: one model instance per process, never two batches
at once, and the callers' threads (API work threads, the CLI, batch workers) only wait.

Work carries the liveness of its request (:mod:`service.work`): work whose request has timed out
or whose client has gone is withdrawn before it reaches a model, and a call already running stops at
its next checkpoint (between the model's batches) once nobody waits for any of its items.

Calls with the same key (a translation route) from concurrent requests are merged: one call takes
up to ``call_items`` items, a fair share from each waiting job first, so a long document never
holds a short request back for longer than one call. How the items of a call are cut into model
batches (the token budget) is the translator's business, decided in one place
(:mod:`service.translation.seq2seq`): the executor only decides which items go together.
"""

from __future__ import annotations

import collections
import concurrent.futures
import logging
import threading
import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from service.errors import MtsError
from service.work import AllDead, Liveness, WorkCancelledError, current, working_for

__all__ = [
    "CallStats",
    "Executor",
    "ExecutorClosedError",
    "JobTooLargeError",
    "QueueFullError",
]

log = logging.getLogger(__name__)
R = TypeVar("R")


class QueueFullError(MtsError):
    """Too many items are already waiting; the caller should retry later (the API answers 503)."""


class JobTooLargeError(MtsError):
    """One job has more items than the whole queue holds; retrying cannot help (the API answers 413)."""


class ExecutorClosedError(MtsError):
    """The executor is stopped (the service is shutting down) and takes no more work."""


@dataclass(frozen=True)
class CallStats:
    """What one model call cost, reported to ``on_call`` after it ran (successfully or not)."""

    key: Hashable | None
    items: Sequence[Any]
    jobs: int
    seconds: float


class _Alive:
    """The liveness of work nobody can cancel (a CLI run, a batch job)."""

    dead = False
    reason = ""


_ALIVE = _Alive()


@dataclass(eq=False)
class _Job:
    key: Hashable | None
    items: list[Any]
    fn: Callable[[list[Any]], list[Any]]
    liveness: Liveness
    future: concurrent.futures.Future[list[Any]] = field(default_factory=concurrent.futures.Future)
    enqueued_at: float = field(default_factory=time.monotonic)
    taken: int = 0  # items handed to calls so far
    running: int = 0  # items in the call running now
    results: dict[int, Any] = field(default_factory=dict)

    @property
    def waiting(self) -> int:
        return len(self.items) - self.taken


class Executor:
    """Runs model calls on one inference thread, merging same-key calls and dropping dead work."""

    def __init__(
        self,
        *,
        max_queue: int = 2048,
        call_items: int = 64,
        wait_ms: float = 0.0,
        on_call: Callable[[CallStats], None] | None = None,
        name: str = "mts-infer",
    ) -> None:
        if max_queue < 1 or call_items < 1 or wait_ms < 0:
            raise ValueError("max_queue and call_items must be at least 1, wait_ms not negative")
        self.max_queue = max_queue
        self.call_items = call_items
        self.wait_s = wait_ms / 1000.0
        self.on_call = on_call
        self.name = name
        self._cond = threading.Condition()
        self._queue: collections.deque[_Job] = collections.deque()
        self._depth = 0
        self._closed = False
        self._thread: threading.Thread | None = None
        self.calls = 0

    # -- submitting ----------------------------------------------------------------------------

    def call(
        self, key: Hashable | None, items: Sequence[Any], fn: Callable[[list[Any]], list[Any]]
    ) -> list[Any]:
        """Run ``fn`` over ``items`` on the inference thread, merged with other jobs of ``key``.

        ``fn`` must return one result per item, in order, for any list of items of this key.
        Blocks until every item has a result; raises :class:`WorkCancelledError` when the work of
        the current context (:func:`service.work.current`) dies first, :class:`QueueFullError` /
        :class:`JobTooLargeError` when the queue cannot take the items, and whatever ``fn`` raised.
        """
        items = list(items)
        if not items:
            return []
        liveness = current() or _ALIVE
        if threading.current_thread() is self._thread:
            # Work started from a model call (a pivot inside a translation): already on the thread.
            return fn(items)
        if liveness.dead:
            raise WorkCancelledError(liveness.reason or "cancelled")
        job = _Job(key, items, fn, liveness)
        with self._cond:
            if self._closed:
                raise ExecutorClosedError("the service is shutting down; it takes no more work")
            if len(items) > self.max_queue:
                raise JobTooLargeError(
                    f"the model queue cannot take {len(items)} segments at once (limit {self.max_queue}); "
                    "send a shorter text"
                )
            if self._depth + len(items) > self.max_queue:
                raise QueueFullError(
                    f"the model queue is full ({self._depth} of {self.max_queue} segments waiting); "
                    "retry shortly"
                )
            self._queue.append(job)
            self._depth += len(items)
            self._start()
            self._cond.notify_all()
        on_cancel = getattr(liveness, "on_cancel", None)
        if callable(on_cancel):
            on_cancel(lambda: self._withdraw(job))
        return self._wait(job)

    def run(self, fn: Callable[[], R]) -> R:
        """Run ``fn`` alone on the inference thread (a summarizer call); see :meth:`call`."""
        result: list[R] = self.call(None, [None], lambda _items: [fn()])
        return result[0]

    def _wait(self, job: _Job) -> list[Any]:
        remaining = getattr(job.liveness, "remaining", None)
        timeout = remaining() if callable(remaining) else None
        try:
            return job.future.result(timeout)
        except concurrent.futures.TimeoutError:
            cancel = getattr(job.liveness, "cancel", None)
            if callable(cancel):
                cancel("the request timed out")
            else:
                self._withdraw(job)
        # Withdrawn: failed at once if nothing was running, else when the running call stops.
        return job.future.result()

    # -- state -----------------------------------------------------------------------------------

    @property
    def queue_depth(self) -> int:
        """Items waiting for a model call."""
        return self._depth

    def depth(self, key: Hashable | None) -> int:
        """Items of ``key`` waiting for a model call."""
        with self._cond:
            return sum(job.waiting for job in self._queue if job.key == key)

    def close(self, timeout: float = 30.0) -> None:
        """Take no more work, fail what is waiting, and let the running call finish."""
        with self._cond:
            self._closed = True
            waiting = list(self._queue)
            self._queue.clear()
            self._depth = 0
            self._cond.notify_all()
        for job in waiting:
            if not job.future.done() and job.running == 0:
                job.future.set_exception(ExecutorClosedError("the service stopped before this work ran"))
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # -- internals -------------------------------------------------------------------------------

    def _start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
            self._thread.start()

    def _withdraw(self, job: _Job) -> None:
        """Take a job's waiting items out of the queue; fail it now unless a call is running it."""
        with self._cond:
            if job in self._queue:
                self._queue.remove(job)
                self._depth -= job.waiting
                job.taken = len(job.items)
            fail_now = job.running == 0
            self._cond.notify_all()
        if fail_now and not job.future.done():
            job.future.set_exception(WorkCancelledError(job.liveness.reason or "cancelled"))

    def _serve(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                head = self._queue[0]
                if head.key is not None and self.wait_s > 0:
                    until = head.enqueued_at + self.wait_s
                    while not self._closed and self._waiting_items(head.key) < self.call_items:
                        left = until - time.monotonic()
                        if left <= 0:
                            break
                        self._cond.wait(left)
                    if self._closed:
                        return
                    if not self._queue:
                        continue
                    head = self._queue[0]
                taken, dead = self._take(head.key)
            for job in dead:
                if not job.future.done():
                    job.future.set_exception(WorkCancelledError(job.liveness.reason or "cancelled"))
            if taken:
                self._execute(taken)

    def _waiting_items(self, key: Hashable) -> int:
        return sum(job.waiting for job in self._queue if job.key == key)

    def _take(self, key: Hashable | None) -> tuple[list[tuple[_Job, int, int]], list[_Job]]:
        """The slices of waiting jobs that make the next call; dead jobs leave the queue."""
        dead = [job for job in self._queue if job.key == key and job.liveness.dead]
        for job in dead:
            self._queue.remove(job)
            self._depth -= job.waiting
        jobs = [job for job in self._queue if job.key == key]
        if not jobs:
            return [], dead
        if key is None:
            jobs = jobs[:1]
        share = max(1, self.call_items // len(jobs))
        counts = {id(job): min(share, job.waiting) for job in jobs}
        room = self.call_items - sum(counts.values())
        for job in jobs:
            extra = min(room, job.waiting - counts[id(job)])
            if extra > 0:
                counts[id(job)] += extra
                room -= extra
        taken = []
        for job in jobs:
            n = counts[id(job)]
            if n <= 0:
                continue
            taken.append((job, job.taken, job.taken + n))
            job.taken += n
            job.running = n
            self._depth -= n
            if job.waiting == 0:
                self._queue.remove(job)
        return taken, dead

    def _execute(self, taken: list[tuple[_Job, int, int]]) -> None:
        items = [item for job, start, end in taken for item in job.items[start:end]]
        fn = taken[0][0].fn
        liveness = AllDead([job.liveness for job, _, _ in taken])
        started = time.perf_counter()
        error: BaseException | None = None
        results: list[Any] = []
        try:
            with working_for(liveness):
                results = fn(items)
            if len(results) != len(items):
                raise RuntimeError(f"a model call returned {len(results)} results for {len(items)} items")
        except Exception as exc:
            error = exc
        seconds = time.perf_counter() - started
        self.calls += 1
        offset = 0
        finished: list[tuple[_Job, BaseException | list[Any]]] = []
        with self._cond:
            for job, start, end in taken:
                job.running = 0
                own = results[offset : offset + end - start] if error is None else []
                offset += end - start
                if job.future.done():
                    continue
                if error is not None or job.liveness.dead:
                    if job in self._queue:
                        self._queue.remove(job)
                        self._depth -= job.waiting
                    job.taken = len(job.items)
                    reason = job.liveness.reason or "cancelled"
                    finished.append((job, error if error is not None else WorkCancelledError(reason)))
                    continue
                for index, value in zip(range(start, end), own, strict=True):
                    job.results[index] = value
                if len(job.results) == len(job.items):
                    finished.append((job, [job.results[i] for i in range(len(job.items))]))
            self._cond.notify_all()
        for job, outcome in finished:
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                job.future.set_result(outcome)
        if self.on_call is not None:
            try:
                self.on_call(CallStats(taken[0][0].key, items, len(taken), seconds))
            except Exception:
                # Metrics must never take inference down.
                log.exception("executor: on_call callback failed")
