"""The Ray engine: same output lines as the local worker, written by the driver."""

from __future__ import annotations

import json
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ray = pytest.importorskip("ray", reason="the Ray engine tests need Ray (pip install 'mts[ray]')")

from tiny_models import FRENCH  # noqa: E402

from service.batch import ray_engine  # noqa: E402
from service.batch.ray_engine import ray_available, run_ray  # noqa: E402
from service.batch.records import BatchOptions, Record  # noqa: E402
from service.batch.worker import BatchWorker  # noqa: E402
from service.config import Settings  # noqa: E402
from service.errors import MtsError  # noqa: E402

OPTIONS = BatchOptions(langs=("en", "ko"), summaries=True, summarizer="extractive", records_per_batch=4)


def _records() -> list[Record]:
    """12 records in 3 groups of 4: short texts (the tiny models are slow), a bad line, extra fields.

    The third group repeats the first one's texts (cache hits). The second has texts of its own: with
    two actors it runs beside the first, and a tiny model's output depends on its batch's padding, so
    a sentence it shared with the first could come out differently depending on who translated it first.
    """
    bad = {"type": "invalid_json", "message": "Expecting value"}
    first = [FRENCH[0], f"{FRENCH[1]} {FRENCH[2]}", None, FRENCH[3]]
    second = [FRENCH[4], FRENCH[5], "   ", FRENCH[6]]
    records = [Record(f"r{i}", text) for i, text in enumerate(first + second + first)]
    records[2] = Record("r2", None, error=bad)
    records[10] = Record("r10", None, error=bad)
    records[5] = Record(
        "r5", FRENCH[5], extra={"source": "yonhap", "tags": ["nk", "missile"], "meta": {"n": 1, "x": None}}
    )
    records[7] = Record("r7", FRENCH[6], extra={"other": "only here"})
    return records


def _settings(tiny_marian: Path, tiny_m2m100: Path, cache: Path) -> Settings:
    return Settings(
        model_fr_en=str(tiny_marian),
        model_fr_ko=str(tiny_m2m100),
        num_beams=1,
        device="cpu",
        # One CTranslate2 replica in the local worker and in each actor: a translator with more
        # replicas splits small batches, and int8 output depends on which sentences share a batch.
        threads=1,
        cache_path=cache,
    )


def _comparable(line: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in line.items() if k != "timings_ms"}


def _run(
    records: list[Record], settings: Settings, **kwargs: Any
) -> tuple[list[dict[str, Any]], tuple[int, int]]:
    lines: list[dict[str, Any]] = []
    stats = run_ray(records, settings, OPTIONS, emit=lines.append, **kwargs)
    return lines, stats


@pytest.fixture
def no_ray_running() -> Iterator[None]:
    """The tests below start their own Ray (as ``mts batch`` does) and must leave none behind."""
    if ray.is_initialized():
        pytest.skip("a Ray session is already running in this process")
    yield
    assert not ray.is_initialized()


def test_ray_is_available() -> None:
    assert ray_available()


@pytest.mark.usefixtures("no_ray_running")
@pytest.mark.slow
def test_same_lines_as_the_local_worker(
    tiny_marian: Path, tiny_m2m100: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    records = _records()
    # The local engine's groups of records_per_batch, one after the other.
    worker = BatchWorker(_settings(tiny_marian, tiny_m2m100, tmp_path / "local.sqlite3"), OPTIONS)
    size = OPTIONS.records_per_batch
    local = [line for i in range(0, len(records), size) for line in worker.process(records[i : i + size])]

    settings = _settings(tiny_marian, tiny_m2m100, tmp_path / "ray.sqlite3")
    lines, (hits, misses) = _run(records, settings, workers=2)

    assert [line["id"] for line in lines] == [r.id for r in records]  # input order, even with two actors
    by_id = {line["id"]: _comparable(line) for line in lines}
    assert by_id == {line["id"]: _comparable(line) for line in local}
    bad = {"type": "invalid_json", "message": "Expecting value", "kind": "record"}
    assert by_id["r2"] == {"id": "r2", "error": bad}
    assert by_id["r5"]["meta"] == {"n": 1, "x": None}
    assert by_id["r7"]["other"] == "only here"
    assert "other" not in by_id["r5"]  # extras of one record never leak into another
    # Summed over the actors. The third group usually finds the first's sentences in the cache; it
    # misses them only if it ran beside the first.
    local_hits, local_misses = worker.cache_stats()
    assert local_hits > 0
    assert hits + misses == local_hits + local_misses
    assert misses >= local_misses
    # Ray's own processes write to this process's stderr (fd 2): a successful run has no error there.
    assert _ray_error_lines(capfd.readouterr().err) == []


def _ray_error_lines(stderr: str) -> list[str]:
    """Error-level lines of Ray's C++ logging (``[time E pid tid] file.cc:line: ...``) or its JSON form."""
    return [
        line
        for line in stderr.splitlines()
        if re.match(r"\[[^\]]* [EF] \d+ \d+\]", line) or '"levelname":"E"' in line
    ]


def _kill_actors_of_this_process() -> int:
    """SIGKILL the Ray Data actors whose raylet this process started (not other Ray sessions')."""
    parents: dict[int, int] = {}
    titles: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            titles[int(entry.name)] = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    ours = [
        pid
        for pid, title in titles.items()
        if title.startswith("ray::MapWorker") and parents.get(parents.get(pid, 0), 0) == os.getpid()
    ]
    for pid in ours:
        os.kill(pid, signal.SIGKILL)
    return len(ours)


@pytest.mark.slow
@pytest.mark.usefixtures("no_ray_running")
def test_dead_actors_are_replaced_and_every_line_comes_once(
    tiny_marian: Path, tiny_m2m100: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Eight groups, every sentence new to the cache: when the first line reaches the driver, most of
    # the work is still ahead of the actors (cache hits would finish it before the kill).
    records = [
        Record(f"r{i}", f"Le {i + 1} mars, {FRENCH[i % len(FRENCH)][0].lower()}{FRENCH[i % len(FRENCH)][1:]}")
        for i in range(32)
    ]
    lines: list[dict[str, Any]] = []
    killed: list[int] = []

    def emit(line: dict[str, Any]) -> None:
        lines.append(line)
        if len(lines) == 1:  # the later groups are still to come
            killed.append(_kill_actors_of_this_process())

    settings = _settings(tiny_marian, tiny_m2m100, tmp_path / "ray.sqlite3")
    run_ray(records, settings, OPTIONS, emit=emit, workers=2)
    assert killed[0] >= 1
    assert [line["id"] for line in lines] == [r.id for r in records]
    assert "a Ray actor died" in caplog.text


@pytest.mark.usefixtures("no_ray_running")
@pytest.mark.slow
def test_a_model_that_cannot_load_is_an_mts_error(tiny_m2m100: Path, tmp_path: Path) -> None:
    settings = Settings(
        model_fr_en=str(tmp_path / "no-such-model"),
        model_fr_ko=str(tiny_m2m100),
        device="cpu",
        auto_pull=False,
        cache_path=tmp_path / "cache.sqlite3",
    )
    with pytest.raises(MtsError, match="no-such-model"):
        _run(_records()[:2], settings)


def test_windows_hold_whole_rows() -> None:
    records = _records()[:5]
    windows = list(ray_engine._windows(records, 2))
    assert [len(w) for w in windows] == [2, 2, 1]
    assert [Record.from_row(json.loads(row["record"])) for w in windows for row in w] == records


class _FakeRay:
    def __init__(self, cpus: int, gpus: int = 0, nodes: int = 1) -> None:
        self.cpus, self.gpus, self.node_count = cpus, gpus, nodes

    def cluster_resources(self) -> dict[str, float]:
        return {"CPU": self.cpus * self.node_count, "GPU": self.gpus * self.node_count}

    def nodes(self) -> list[dict[str, Any]]:
        return [{"Alive": True, "Resources": {"CPU": self.cpus}}] * self.node_count


@pytest.mark.parametrize(
    ("cluster", "workers", "cpus_per_worker", "plan"),
    [
        (_FakeRay(cpus=16), 1, None, (1, 16.0, 0.0)),  # one actor gets the machine
        (_FakeRay(cpus=16), 4, None, (4, 4.0, 0.0)),
        (_FakeRay(cpus=8, nodes=4), 2, None, (2, 8.0, 0.0)),  # never more than one node holds
        (_FakeRay(cpus=2), 3, None, (2, 1.0, 0.0)),  # capped at the CPUs
        (_FakeRay(cpus=8), 2, 1.0, (2, 1.0, 0.0)),
        (_FakeRay(cpus=16, gpus=2), 2, None, (2, 1.0, 1.0)),  # one GPU each
        (_FakeRay(cpus=16, gpus=2), 5, None, (2, 1.0, 1.0)),  # capped at the GPUs
    ],
)
def test_cluster_plan(
    cluster: _FakeRay, workers: int, cpus_per_worker: float | None, plan: tuple[int, float, float]
) -> None:
    assert ray_engine._cluster_plan(cluster, workers, cpus_per_worker) == plan


def test_nothing_to_do_starts_no_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_init(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("ray.init called")

    monkeypatch.setattr(ray, "init", no_init)
    assert _run([], Settings()) == ([], (0, 0))


def test_without_ray_the_engine_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ray_engine, "ray_available", lambda: False)
    with pytest.raises(MtsError, match=r"pip install 'mts\[ray\]'"):
        _run(_records(), Settings())
