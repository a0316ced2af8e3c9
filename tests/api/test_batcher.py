"""MicroBatcher: shared batches across concurrent jobs, limits, failures, cancellation, shutdown.

Plain ``asyncio.run`` per test (no pytest-asyncio). Timing assertions are only generous upper bounds.
"""

from __future__ import annotations

import asyncio
import gc
import random
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from service.api.batcher import BatcherClosedError, BatchStats, JobTooLargeError, MicroBatcher, QueueFullError


@pytest.fixture
def executor() -> Iterator[ThreadPoolExecutor]:
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-inference")
    yield pool
    pool.shutdown(wait=True)


def run_async(main: Callable[[], Awaitable[None]]) -> None:
    """Run ``main`` on a fresh loop and fail on anything asyncio reports to the loop's exception
    handler (e.g. "Future exception was never retrieved", "Task exception was never retrieved")."""
    reported: list[dict[str, Any]] = []

    async def wrapper() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _loop, context: reported.append(context))
        await asyncio.wait_for(main(), timeout=10)
        # Unretrieved exceptions are reported when their futures are garbage-collected.
        gc.collect()
        await asyncio.sleep(0)

    asyncio.run(wrapper())
    gc.collect()
    assert reported == []


class Recorder:
    """A blocking ``run`` that appends "!" to each text and records every batch it saw."""

    def __init__(self, delay: float = 0.0) -> None:
        self.batches: list[list[str]] = []
        self.delay = delay
        self.lock = threading.Lock()

    def __call__(self, texts: list[str]) -> list[str]:
        with self.lock:
            self.batches.append(list(texts))
        if self.delay:
            time.sleep(self.delay)
        return [f"{text}!" for text in texts]

    @property
    def seen(self) -> list[str]:
        return [text for batch in self.batches for text in batch]


def test_concurrent_jobs_get_their_own_results_in_order(executor: ThreadPoolExecutor) -> None:
    recorder = Recorder(delay=0.002)
    stats: list[BatchStats] = []
    batcher: MicroBatcher[str] = MicroBatcher(
        recorder,
        executor=executor,
        count_tokens=len,
        max_batch_size=8,
        max_batch_tokens=60,
        max_wait_ms=5,
        on_batch=stats.append,
    )
    rng = random.Random(7)
    jobs = [
        [f"j{job}-s{seg}" + "x" * rng.randrange(0, 8) for seg in range(rng.randint(1, 5))]
        for job in range(50)
    ]

    async def one(texts: list[str]) -> list[str]:
        await asyncio.sleep(rng.random() / 100)  # stagger arrivals a little
        return await batcher.submit(texts)

    async def main() -> None:
        await batcher.start()
        results = await asyncio.gather(*(one(texts) for texts in jobs))
        for texts, result in zip(jobs, results, strict=True):
            assert result == [f"{text}!" for text in texts]
        assert batcher.queue_depth == 0
        await batcher.stop()

    run_async(main)
    assert sorted(recorder.seen) == sorted(text for texts in jobs for text in texts)
    sizes = [len(batch) for batch in recorder.batches]
    assert max(sizes) > 1
    assert max(sizes) <= 8
    assert all(sum(len(text) for text in batch) <= 60 for batch in recorder.batches)
    assert [s.segments for s in stats] == sizes
    assert [s.tokens for s in stats] == [sum(map(len, batch)) for batch in recorder.batches]
    assert all(s.seconds >= 0 for s in stats)


def test_segments_of_one_job_stay_in_order_across_batches(executor: ThreadPoolExecutor) -> None:
    recorder = Recorder()
    batcher: MicroBatcher[str] = MicroBatcher(recorder, executor=executor, max_batch_size=3)
    texts = [f"s{i}" for i in range(10)]

    async def main() -> None:
        await batcher.start()
        assert await batcher.submit(texts) == [f"{text}!" for text in texts]
        await batcher.stop()

    run_async(main)
    assert [len(batch) for batch in recorder.batches] == [3, 3, 3, 1]
    assert recorder.seen == texts


def test_oversized_segment_runs_alone(executor: ThreadPoolExecutor) -> None:
    recorder = Recorder()
    batcher: MicroBatcher[str] = MicroBatcher(
        recorder, executor=executor, count_tokens=len, max_batch_tokens=10, max_wait_ms=50
    )
    big = "B" * 25

    async def main() -> None:
        await batcher.start()
        assert await batcher.submit(["aaa", big, "bbb"]) == ["aaa!", f"{big}!", "bbb!"]
        await batcher.stop()

    run_async(main)
    # Strict FIFO: the big segment neither joins a batch nor lets "bbb" jump ahead of it.
    assert recorder.batches == [["aaa"], [big], ["bbb"]]


def test_lone_job_runs_after_max_wait(executor: ThreadPoolExecutor) -> None:
    recorder = Recorder()
    batcher: MicroBatcher[str] = MicroBatcher(recorder, executor=executor, max_wait_ms=20)

    async def main() -> None:
        await batcher.start()
        started = time.monotonic()
        assert await asyncio.wait_for(batcher.submit(["seul"]), timeout=5) == ["seul!"]
        assert time.monotonic() - started < 5
        await batcher.stop()

    run_async(main)
    assert recorder.batches == [["seul"]]


def test_empty_job_returns_immediately(executor: ThreadPoolExecutor) -> None:
    recorder = Recorder()
    batcher: MicroBatcher[str] = MicroBatcher(recorder, executor=executor)

    async def main() -> None:
        await batcher.start()
        assert await batcher.submit([]) == []
        await batcher.stop()

    run_async(main)
    assert recorder.batches == []


def test_queue_full_rejects_the_whole_job(executor: ThreadPoolExecutor) -> None:
    gate = threading.Event()
    running = threading.Event()
    recorder = Recorder()

    def run(texts: list[str]) -> list[str]:
        running.set()
        gate.wait(5)
        return recorder(texts)

    batcher: MicroBatcher[str] = MicroBatcher(
        run, executor=executor, max_batch_size=1, max_queue=4, max_wait_ms=0, name="en"
    )

    async def main() -> None:
        await batcher.start()
        try:
            first = asyncio.create_task(batcher.submit(["held"]))
            await asyncio.to_thread(running.wait, 5)
            assert batcher.queue_depth == 0  # a running segment is no longer waiting
            waiting = asyncio.create_task(batcher.submit(["a", "b", "c"]))
            await asyncio.sleep(0)
            assert batcher.queue_depth == 3
            with pytest.raises(QueueFullError, match=r"full.*retry"):
                await batcher.submit(["d", "e"])
            assert batcher.queue_depth == 3  # nothing of the rejected job was accepted
            with pytest.raises(JobTooLargeError, match="cannot take 5 segments"):
                await batcher.submit([f"t{i}" for i in range(5)])  # larger than the whole queue
            just_fits = asyncio.create_task(batcher.submit(["d"]))
            await asyncio.sleep(0)
            assert batcher.queue_depth == 4
        finally:
            gate.set()
        assert await first == ["held!"]
        assert await waiting == ["a!", "b!", "c!"]
        assert await just_fits == ["d!"]
        assert batcher.queue_depth == 0
        await batcher.stop()

    run_async(main)
    assert recorder.seen == ["held", "a", "b", "c", "d"]


def test_run_error_fails_the_jobs_in_that_batch_only(executor: ThreadPoolExecutor) -> None:
    def run(texts: list[str]) -> list[str]:
        if "boom" in texts:
            raise ValueError("model exploded")
        return [f"{text}!" for text in texts]

    seen: list[list[str]] = []

    def recording_run(texts: list[str]) -> list[str]:
        seen.append(list(texts))
        return run(texts)

    batcher: MicroBatcher[str] = MicroBatcher(
        recording_run, executor=executor, max_batch_size=2, max_wait_ms=20
    )

    async def main() -> None:
        await batcher.start()
        # Batch 1 is ["ok1", "boom"]; the failed job's "never" is then dropped, so batch 2 is ["ok2"].
        ok1 = asyncio.create_task(batcher.submit(["ok1"]))
        bad = asyncio.create_task(batcher.submit(["boom", "never"]))
        ok2 = asyncio.create_task(batcher.submit(["ok2"]))
        results = await asyncio.gather(ok1, bad, ok2, return_exceptions=True)
        assert isinstance(results[0], ValueError)
        assert isinstance(results[1], ValueError)
        assert str(results[1]) == "model exploded"
        assert results[2] == ["ok2!"]
        assert await batcher.submit(["later"]) == ["later!"]
        assert batcher.queue_depth == 0
        await batcher.stop()

    run_async(main)
    assert seen[0] == ["ok1", "boom"]
    assert "never" not in [text for batch in seen for text in batch]


def test_wrong_result_count_is_a_runtime_error(executor: ThreadPoolExecutor) -> None:
    batcher: MicroBatcher[str] = MicroBatcher(lambda texts: ["only one"], executor=executor, name="ko")

    async def main() -> None:
        await batcher.start()
        with pytest.raises(RuntimeError, match="returned 1 results for a batch of 2"):
            await batcher.submit(["a", "b"])
        await batcher.stop()

    run_async(main)


def test_non_list_result_fails_the_job_not_the_batcher(executor: ThreadPoolExecutor) -> None:
    calls: list[list[str]] = []

    def run(texts: list[str]) -> list[str]:
        calls.append(texts)
        return None if len(calls) == 1 else [f"{text}!" for text in texts]  # type: ignore[return-value]

    batcher: MicroBatcher[str] = MicroBatcher(run, executor=executor)

    async def main() -> None:
        await batcher.start()
        with pytest.raises(TypeError):
            await batcher.submit(["a"])
        assert await batcher.submit(["b"]) == ["b!"]
        await batcher.stop()

    run_async(main)


def test_cancelled_job_never_reaches_run(executor: ThreadPoolExecutor) -> None:
    gate = threading.Event()
    running = threading.Event()
    recorder = Recorder()

    def run(texts: list[str]) -> list[str]:
        running.set()
        gate.wait(5)
        return recorder(texts)

    batcher: MicroBatcher[str] = MicroBatcher(run, executor=executor, max_wait_ms=0)

    async def main() -> None:
        await batcher.start()
        try:
            first = asyncio.create_task(batcher.submit(["held"]))
            await asyncio.to_thread(running.wait, 5)
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(batcher.submit(["doomed-1", "doomed-2"]), timeout=0.05)
            assert batcher.queue_depth == 0
        finally:
            gate.set()
        assert await first == ["held!"]
        assert await batcher.submit(["next"]) == ["next!"]
        await batcher.stop()

    run_async(main)
    assert recorder.batches == [["held"], ["next"]]


def test_cancelled_job_in_flight_has_its_results_discarded(executor: ThreadPoolExecutor) -> None:
    gate = threading.Event()
    running = threading.Event()

    def run(texts: list[str]) -> list[str]:
        running.set()
        gate.wait(5)
        return [f"{text}!" for text in texts]

    batcher: MicroBatcher[str] = MicroBatcher(run, executor=executor, max_wait_ms=0)

    async def main() -> None:
        await batcher.start()
        try:
            task = asyncio.create_task(batcher.submit(["running"]))
            await asyncio.to_thread(running.wait, 5)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        finally:
            gate.set()
        assert await batcher.submit(["next"]) == ["next!"]
        await batcher.stop()

    run_async(main)


def test_submit_threadsafe_joins_async_batches(executor: ThreadPoolExecutor) -> None:
    recorder = Recorder()
    batcher: MicroBatcher[str] = MicroBatcher(recorder, executor=executor, max_wait_ms=1000, max_batch_size=4)
    # A separate pool for the caller: the inference executor must never be the one waiting.
    callers = ThreadPoolExecutor(max_workers=1)

    async def main() -> None:
        await batcher.start()
        loop = asyncio.get_running_loop()
        from_thread = loop.run_in_executor(callers, batcher.submit_threadsafe, ["t1", "t2"], 5.0)
        while batcher.queue_depth < 2:
            await asyncio.sleep(0.001)
        from_loop = await batcher.submit(["a1", "a2"])
        assert from_loop == ["a1!", "a2!"]
        assert await from_thread == ["t1!", "t2!"]
        assert batcher.submit_threadsafe([]) == []
        with pytest.raises(RuntimeError, match="event loop's thread"):
            batcher.submit_threadsafe(["x"])
        await batcher.stop()

    try:
        run_async(main)
    finally:
        callers.shutdown(wait=True)
    assert recorder.batches == [["t1", "t2", "a1", "a2"]]


def test_submit_threadsafe_timeout_cancels_the_job(executor: ThreadPoolExecutor) -> None:
    gate = threading.Event()
    running = threading.Event()
    recorder = Recorder()

    def run(texts: list[str]) -> list[str]:
        running.set()
        gate.wait(5)
        return recorder(texts)

    batcher: MicroBatcher[str] = MicroBatcher(run, executor=executor, max_wait_ms=0)
    callers = ThreadPoolExecutor(max_workers=1)

    async def main() -> None:
        await batcher.start()
        loop = asyncio.get_running_loop()
        try:
            first = asyncio.create_task(batcher.submit(["held"]))
            await asyncio.to_thread(running.wait, 5)
            with pytest.raises(TimeoutError):
                await loop.run_in_executor(callers, batcher.submit_threadsafe, ["late"], 0.05)
            for _ in range(100):  # the cancellation hops back onto the loop
                if batcher.queue_depth == 0:
                    break
                await asyncio.sleep(0.005)
            assert batcher.queue_depth == 0
        finally:
            gate.set()
        assert await first == ["held!"]
        await batcher.stop()

    try:
        run_async(main)
    finally:
        callers.shutdown(wait=True)
    assert recorder.batches == [["held"]]


def test_stop_fails_waiting_jobs_and_rejects_new_ones(executor: ThreadPoolExecutor) -> None:
    gate = threading.Event()
    running = threading.Event()
    recorder = Recorder()

    def run(texts: list[str]) -> list[str]:
        running.set()
        gate.wait(5)
        return recorder(texts)

    batcher: MicroBatcher[str] = MicroBatcher(run, executor=executor, max_wait_ms=0)

    async def main() -> None:
        await batcher.start()
        try:
            in_flight = asyncio.create_task(batcher.submit(["in-flight"]))
            await asyncio.to_thread(running.wait, 5)
            pending = asyncio.create_task(batcher.submit(["pending"]))
            await asyncio.sleep(0)
            stopping = asyncio.create_task(batcher.stop())
            with pytest.raises(BatcherClosedError):
                await pending
            await asyncio.sleep(0.02)
            assert not stopping.done()  # stop() waits for the batch in flight
        finally:
            gate.set()
        await stopping
        assert await in_flight == ["in-flight!"]  # the batch in flight still delivers
        assert batcher.queue_depth == 0
        with pytest.raises(BatcherClosedError):
            await batcher.submit(["after"])
        with pytest.raises(BatcherClosedError):
            batcher.submit_threadsafe(["after"])
        await batcher.stop()  # idempotent

    run_async(main)
    assert recorder.batches == [["in-flight"]]


def test_event_loop_stays_responsive_while_run_blocks(executor: ThreadPoolExecutor) -> None:
    batcher: MicroBatcher[str] = MicroBatcher(Recorder(delay=0.3), executor=executor, max_wait_ms=0)

    async def main() -> None:
        await batcher.start()
        ticks = 0
        done = False

        async def ticker() -> None:
            nonlocal ticks
            while not done:
                ticks += 1
                await asyncio.sleep(0.01)

        ticking = asyncio.create_task(ticker())
        assert await batcher.submit(["slow"]) == ["slow!"]
        done = True
        await ticking
        # ~30 ticks if the loop is free; a blocked loop would manage one or two.
        assert ticks >= 5
        await batcher.stop()

    run_async(main)


def test_batchers_share_one_executor_and_one_batch_each_in_flight(executor: ThreadPoolExecutor) -> None:
    active = 0
    peak = 0
    lock = threading.Lock()

    def make_run(tag: str) -> Callable[[list[str]], list[str]]:
        def run(texts: list[str]) -> list[str]:
            nonlocal active, peak
            with lock:
                active += 1
                peak = max(peak, active)
            time.sleep(0.005)
            with lock:
                active -= 1
            return [f"{text}>{tag}" for text in texts]

        return run

    en: MicroBatcher[str] = MicroBatcher(make_run("en"), executor=executor, max_batch_size=3, name="en")
    ko: MicroBatcher[str] = MicroBatcher(make_run("ko"), executor=executor, max_batch_size=3, name="ko")

    async def main() -> None:
        await en.start()
        await ko.start()
        jobs = [(en if i % 2 else ko, [f"{i}-{k}" for k in range(3)]) for i in range(12)]
        results = await asyncio.gather(*(b.submit(texts) for b, texts in jobs))
        for (b, texts), result in zip(jobs, results, strict=True):
            assert result == [f"{text}>{b.name}" for text in texts]
        await en.stop()
        await ko.stop()

    run_async(main)
    assert peak == 1


def test_on_batch_failure_does_not_stop_the_batcher(executor: ThreadPoolExecutor) -> None:
    def broken(stats: BatchStats) -> None:
        raise ValueError("metrics down")

    batcher: MicroBatcher[str] = MicroBatcher(Recorder(), executor=executor, on_batch=broken)

    async def main() -> None:
        await batcher.start()
        assert await batcher.submit(["a"]) == ["a!"]
        assert await batcher.submit(["b"]) == ["b!"]
        await batcher.stop()

    run_async(main)


def test_misuse_is_reported(executor: ThreadPoolExecutor) -> None:
    with pytest.raises(ValueError, match="max_batch_size"):
        MicroBatcher(Recorder(), executor=executor, max_batch_size=0)
    batcher: MicroBatcher[str] = MicroBatcher(Recorder(), executor=executor)

    async def main() -> None:
        with pytest.raises(RuntimeError, match="start"):
            await batcher.submit(["too early"])
        await batcher.start()
        with pytest.raises(RuntimeError, match="already started"):
            await batcher.start()
        with pytest.raises(TypeError, match="single str"):
            await batcher.submit("not a list")
        await batcher.stop()
        with pytest.raises(BatcherClosedError):
            await batcher.start()

    run_async(main)
