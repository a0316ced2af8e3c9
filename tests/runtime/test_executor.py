"""The inference executor: one thread, merged calls, fair slices, and no work for nobody."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from service.runtime.executor import (
    CallStats,
    Executor,
    ExecutorClosedError,
    JobTooLargeError,
    QueueFullError,
)
from service.work import Ticket, WorkCancelledError, checkpoint, working_for


class SlowModel:
    """Takes ``delay`` seconds per item, checking between items as a translator does between batches."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.seen: list[str] = []
        self.calls: list[list[str]] = []
        self.threads: set[str] = set()
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()

    def __call__(self, items: list[str]) -> list[str]:
        self.threads.add(threading.current_thread().name)
        self.calls.append(list(items))
        self.entered.set()
        self.gate.wait(30)
        out = []
        for item in items:
            checkpoint()
            self.seen.append(item)
            time.sleep(self.delay)
            out.append(item.upper())
        return out


@pytest.fixture
def executor() -> Iterator[Executor]:
    ex = Executor(max_queue=100, call_items=4, wait_ms=0)
    yield ex
    ex.close()


def in_thread(fn: object) -> tuple[threading.Thread, dict[str, object]]:
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["result"] = fn()  # type: ignore[operator]
        except Exception as exc:
            box["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, box


def test_results_come_back_in_order_from_the_inference_thread(executor: Executor) -> None:
    model = SlowModel()
    items = [f"s{i}" for i in range(10)]
    assert executor.call("k", items, model) == [i.upper() for i in items]
    assert model.threads == {"mts-infer"}
    assert [len(c) for c in model.calls] == [4, 4, 2], "one call takes at most call_items"
    assert executor.run(lambda: threading.current_thread().name) == "mts-infer"


def test_a_timed_out_jobs_items_never_reach_the_model(executor: Executor) -> None:
    model = SlowModel(delay=0.05)
    items = [f"s{i}" for i in range(40)]
    ticket = Ticket(timeout_s=0.3)
    started = time.monotonic()
    with working_for(ticket), pytest.raises(WorkCancelledError, match="timed out"):
        executor.call("k", items, model)
    waited = time.monotonic() - started
    seen = len(model.seen)
    time.sleep(0.3)
    assert len(model.seen) == seen, "nothing ran after the request gave up"
    assert seen < 12, f"{seen} of 40 items reached the model after a 0.3 s timeout"
    assert waited < 1.0
    assert executor.queue_depth == 0
    # The next job is served at once.
    assert executor.call("k", ["ok"], model) == ["OK"]


def test_a_cancelled_job_stops_its_running_call_at_the_next_checkpoint(executor: Executor) -> None:
    model = SlowModel(delay=0.02)
    model.gate.clear()
    ticket = Ticket()

    def job() -> object:
        with working_for(ticket):
            return executor.call("k", ["a", "b", "c", "d"], model)

    thread, box = in_thread(job)
    assert model.entered.wait(5)
    ticket.cancel("the client went away")
    time.sleep(0.1)
    assert thread.is_alive(), "the caller waits until the running call has stopped"
    model.gate.set()
    thread.join(5)
    assert isinstance(box.get("error"), WorkCancelledError)
    assert model.seen == [], "the call stopped before its first item"


def test_concurrent_jobs_share_calls_with_a_fair_share_each() -> None:
    executor = Executor(max_queue=100, call_items=8, wait_ms=0)
    try:
        model = SlowModel()
        model.gate.clear()
        blocker, _ = in_thread(lambda: executor.call("k", ["block"], model))
        assert model.entered.wait(5)
        long_job, long_box = in_thread(lambda: executor.call("k", [f"long{i}" for i in range(30)], model))
        time.sleep(0.05)
        short_job, short_box = in_thread(lambda: executor.call("k", ["short1", "short2"], model))
        time.sleep(0.05)
        model.gate.set()
        for thread in (blocker, long_job, short_job):
            thread.join(10)
        assert short_box["result"] == ["SHORT1", "SHORT2"]
        assert long_box["result"] == [f"LONG{i}" for i in range(30)]
        second = model.calls[1]
        assert "short1" in second and "short2" in second, "the short job rides in the next call"
        assert len(second) == 8
    finally:
        executor.close()


def test_other_keys_are_not_merged(executor: Executor) -> None:
    model = SlowModel()
    model.gate.clear()
    first, _ = in_thread(lambda: executor.call("fr-en", ["a"], model))
    assert model.entered.wait(5)
    second, _ = in_thread(lambda: executor.call("fr-ko", ["b"], model))
    third, _ = in_thread(lambda: executor.call("fr-en", ["c"], model))
    time.sleep(0.05)
    model.gate.set()
    for thread in (first, second, third):
        thread.join(5)
    assert all(len({item[0] for item in call}) == 1 for call in model.calls)
    assert sorted(map(tuple, model.calls)) == [("a",), ("b",), ("c",)]


def test_queue_limits() -> None:
    executor = Executor(max_queue=5, call_items=5)
    try:
        model = SlowModel()
        model.gate.clear()
        blocker, _ = in_thread(lambda: executor.call("k", ["x"], model))
        assert model.entered.wait(5)
        with pytest.raises(JobTooLargeError, match="cannot take 6 segments"):
            executor.call("k", ["y"] * 6, model)
        waiting, _ = in_thread(lambda: executor.call("k", ["y"] * 4, model))
        deadline = time.monotonic() + 5
        while executor.queue_depth < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(QueueFullError, match="4 of 5"):
            executor.call("k", ["z"] * 2, model)
        model.gate.set()
        blocker.join(5)
        waiting.join(5)
        assert executor.queue_depth == 0
    finally:
        executor.close()


def test_close_fails_waiting_work_and_refuses_more() -> None:
    executor = Executor(max_queue=10, call_items=1)
    model = SlowModel()
    model.gate.clear()
    running, running_box = in_thread(lambda: executor.call("k", ["a"], model))
    assert model.entered.wait(5)
    waiting, waiting_box = in_thread(lambda: executor.call("k", ["b"], model))
    time.sleep(0.05)
    closer, _ = in_thread(executor.close)
    time.sleep(0.05)
    model.gate.set()
    for thread in (running, waiting, closer):
        thread.join(5)
    assert running_box["result"] == ["A"], "the call in flight finishes"
    assert isinstance(waiting_box["error"], ExecutorClosedError)
    with pytest.raises(ExecutorClosedError):
        executor.call("k", ["c"], model)


def test_a_failing_call_fails_its_jobs_and_the_executor_goes_on(executor: Executor) -> None:
    def broken(items: list[str]) -> list[str]:
        raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError, match="model crashed"):
        executor.call("k", ["a"], broken)
    with pytest.raises(RuntimeError, match="2 results for 1 items"):
        executor.call("k", ["a"], lambda items: items * 2)
    assert executor.call("k", ["a"], SlowModel()) == ["A"]


def test_calls_are_reported() -> None:
    stats: list[CallStats] = []
    executor = Executor(call_items=3, on_call=stats.append)
    try:
        executor.call("k", ["a", "b", "c", "d"], SlowModel())
    finally:
        executor.close()
    assert [(s.key, list(s.items), s.jobs) for s in stats] == [("k", ["a", "b", "c"], 1), ("k", ["d"], 1)]
