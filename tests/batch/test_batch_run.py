"""The batch job end to end on tiny models: exactly-once output, errors, resume after kill -9."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from service.batch.records import BatchOptions
from service.batch.runner import run_batch
from service.config import Settings
from service.errors import ModelNotAvailableError

MTS = str(Path(sys.executable).with_name("mts"))
POOL = [
    "Le ministre des Affaires étrangères a rencontré son homologue à Séoul mardi.",
    "La Corée du Nord a tiré un missile balistique vers la mer de l'Est.",
    "Le taux de chômage a atteint 2,5 % en mars, selon l'office des statistiques.",
    "Les exportations ont augmenté de 3.000 milliards de wons au premier trimestre.",
    "Une trentaine d'experts ont participé au dialogue sur la sécurité spatiale.",
    "Photo : YONHAP News",
    "Le président s'est rendu à Busan pour inaugurer un nouveau port.",
    "Les deux parties sont convenues de se revoir en 2026 à Bruxelles.",
]


def write_input(path: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            text = " ".join(rng.sample(POOL, 3)) + "\n\n" + rng.choice(POOL)
            handle.write(
                json.dumps({"id": f"yna-{i:04d}", "text": text, "desk": "fr"}, ensure_ascii=False) + "\n"
            )


def read_output(path: Path) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_id_once_with_errors_duplicates_and_carried_fields(settings: Settings, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    write_input(source, 20)
    with source.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "broken", "text": \n')
        handle.write('{"id": "yna-0003", "text": "Un doublon."}\n')
        handle.write('{"id": "empty", "text": "   "}\n')
    output = tmp_path / "out.jsonl"
    warnings: list[str] = []
    summary = run_batch(
        source, output, settings, BatchOptions(langs=("en",)), quiet=True, warn=warnings.append
    )
    lines = read_output(output)
    ids = [line["id"] for line in lines]
    assert len(ids) == len(set(ids)) == 22
    assert {line["id"] for line in lines if "error" in line} == {"line-21", "empty"}
    good = next(line for line in lines if line["id"] == "yna-0000")
    assert good["desk"] == "fr"
    assert set(good["translations"]) == {"en"} and len(good["summaries"]["fr"]) == 3
    assert (summary.total, summary.done, summary.failed, summary.duplicates) == (23, 22, 2, 1)
    assert warnings == ["duplicate id 'yna-0003' in the input: only its first record is used"]
    # The pool's sentences repeat from one model call to the next (bullets that are sentences of
    # their dispatch take its translation, without a lookup).
    assert summary.cache_hit_rate is not None and summary.cache_hit_rate > 0.1, "the pool repeats sentences"

    again = run_batch(source, output, settings, BatchOptions(langs=("en",)), quiet=True)
    assert (again.done, again.resumed) == (0, 22)
    assert len(read_output(output)) == 22


def test_resume_after_a_partial_write_redoes_nothing(settings: Settings, tmp_path: Path) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 12)
    run_batch(source, output, settings, BatchOptions(langs=("en",), summaries=False), quiet=True)
    complete = output.read_bytes().splitlines(keepends=True)
    output.write_bytes(b"".join(complete[:5]) + complete[5][:40])  # as a kill -9 mid-write leaves it
    summary = run_batch(source, output, settings, BatchOptions(langs=("en",), summaries=False), quiet=True)
    assert (summary.resumed, summary.done, summary.truncated_partial_line) == (5, 7, True)
    assert sorted(line["id"] for line in read_output(output)) == [f"yna-{i:04d}" for i in range(12)]


def test_missing_model_stops_before_any_output(tmp_path: Path) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 3)
    settings = Settings(models_dir=tmp_path / "empty-models", cache_path=tmp_path / "c.sqlite3")
    with pytest.raises(ModelNotAvailableError, match="mts models pull"):
        run_batch(source, output, settings, BatchOptions(langs=("en",)), quiet=True)
    assert not output.exists()


@pytest.mark.slow
def test_progress_and_summary_on_stderr(settings: Settings, tmp_path: Path, tiny_marian_fast: Path) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 6)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")}
    env.update(
        MTS_MODEL_FR_EN=str(tiny_marian_fast), MTS_NUM_BEAMS="1", MTS_CACHE_PATH=str(tmp_path / "c.sqlite3")
    )
    proc = subprocess.run(
        [MTS, "batch", str(source), str(output), "--langs", "en", "--no-summaries", "--summary-json"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "6/6 records" in proc.stderr or "records (" in proc.stderr
    assert "done: 6 records (0 failed)" in proc.stderr
    assert "translation cache hit rate:" in proc.stderr
    assert json.loads(proc.stdout)["done"] == 6
    quiet = subprocess.run(
        [MTS, "batch", str(source), str(output), "--langs", "en", "-q"],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert quiet.returncode == 0 and quiet.stderr == ""


@pytest.mark.slow
def test_kill_9_twice_then_rerun_gives_every_id_exactly_once(tiny_marian_fast: Path, tmp_path: Path) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 500, seed=1)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")}
    env.update(
        MTS_MODEL_FR_EN=str(tiny_marian_fast),
        MTS_NUM_BEAMS="1",
        MTS_DEVICE="cpu",
        MTS_CACHE_PATH=str(tmp_path / "cache.sqlite3"),
    )
    command = [MTS, "batch", str(source), str(output), "--langs", "en", "--no-summaries", "-q"]
    rng = random.Random(7)
    killed = 0
    for _ in range(2):
        before = len(output.read_bytes().splitlines()) if output.exists() else 0
        target = before + rng.randint(20, 120)
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if output.exists() and output.read_bytes().count(b"\n") >= target:
                break
            time.sleep(0.02)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait()
    assert killed == 2, "the job must still have been running when killed"
    partial = output.read_bytes().count(b"\n")
    assert 0 < partial < 500
    final = subprocess.run(
        [*command[:-1], "--summary-json"], env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert final.returncode == 0, final.stderr
    summary = json.loads(final.stdout)
    assert summary["resumed"] >= partial - 1 and summary["resumed"] + summary["done"] == 500
    raw = output.read_bytes().splitlines()
    lines = [json.loads(line) for line in raw]  # every line parses: no partial line survives
    ids = [line["id"] for line in lines]
    assert len(ids) == len(set(ids)) == 500
    assert "resumed" in final.stderr
