"""The batch job under faults: never loses or doubles work (real files, real SQLite, real tmpfs).

A corrupted or full translation cache is reported once and the job goes on without it; an output
on a full disk stops the job with one line and exit 2, nothing partial counted as done; a second
run on the same output refuses; failed records give exit 1; resume retries what was not the
record's fault; ``mts batch-verify`` finds missing, duplicate and failed ids.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest

from service.batch.records import BatchOptions
from service.batch.runner import run_batch
from service.batch.worker import BatchEnvironmentError
from service.batch.writer import ResumableWriter, lock_path
from service.config import Settings
from service.errors import MtsError
from service.pipeline import Pipeline
from service.translation.base import Translation
from service.translation.cache import CachingTranslator, TranslationCache

MTS = str(Path(sys.executable).with_name("mts"))
OPTIONS = BatchOptions(langs=("en",), summaries=False)
POOL = [
    "Le ministre des Affaires étrangères a rencontré son homologue à Séoul mardi.",
    "La Corée du Nord a tiré un missile balistique vers la mer de l'Est.",
    "Le taux de chômage a atteint 2,5 % en mars, selon l'office des statistiques.",
    "Les exportations ont augmenté de 3.000 milliards de wons au premier trimestre.",
    "Le président s'est rendu à Busan pour inaugurer un nouveau port.",
]


def write_input(path: Path, n: int, seed: int = 0) -> None:
    """``n`` records ``yna-0000``... of three sentences each (a different mix per record)."""
    with path.open("w", encoding="utf-8") as handle:
        for i in range(n):
            k = i + seed
            text = " ".join(POOL[(k + j) % len(POOL)] for j in range(3)) + f" Dépêche {i}."
            handle.write(json.dumps({"id": f"yna-{i:04d}", "text": text}, ensure_ascii=False) + "\n")


def _env(model: Path, cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")}
    env.update(
        MTS_MODEL_FR_EN=str(model),
        MTS_NUM_BEAMS="1",
        MTS_DEVICE="cpu",
        MTS_CACHE_PATH=str(cache),
        MTS_MODELS_DIR=str(cache.parent / "models"),
    )
    return env


def _mts(*args: str | Path, env: dict[str, str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MTS, *map(str, args)], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _batch(source: Path, output: Path, *extra: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return _mts("batch", source, output, "--langs", "en", "--no-summaries", *extra, env=env)


def _lines(path: Path) -> list[dict[str, Any]]:
    raw = path.read_bytes()
    assert not raw or raw.endswith(b"\n"), "no partial last line"
    return [json.loads(line) for line in raw.splitlines()]


def _ids_once(path: Path, n: int) -> list[dict[str, Any]]:
    lines = _lines(path)
    ids = [line["id"] for line in lines]
    assert sorted(ids) == [f"yna-{i:04d}" for i in range(n)], "every id exactly once"
    return lines


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("mts: warning:")]


@contextlib.contextmanager
def tmpfs(directory: Path, size: str) -> Iterator[Path]:
    """A real, small tmpfs at ``directory`` (skips when this machine refuses the mount)."""
    directory.mkdir(parents=True, exist_ok=True)
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mount.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mount.stderr.strip() or 'mount refused'}); needs root")
    try:
        yield directory
    finally:
        subprocess.run(["umount", "-l", str(directory)], check=False)


def _fill(directory: Path) -> None:
    """Take every free byte of the filesystem of ``directory``."""
    with (directory / "filler").open("wb", buffering=0) as handle:
        block = b"\0" * 4096
        with contextlib.suppress(OSError):
            while True:
                handle.write(block)
        with contextlib.suppress(OSError):
            while True:
                handle.write(b"\0")


def _populated_cache(settings: Settings, tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """An input of 6 records and a cache filled by a first run (its WAL folded into the file)."""
    source = tmp_path / "in.jsonl"
    write_input(source, 6)
    cache = settings.cache_path
    run_batch(source, tmp_path / "first.jsonl", settings, OPTIONS, quiet=True)
    with sqlite3.connect(cache) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        Path(f"{cache}{suffix}").unlink(missing_ok=True)
    assert cache.stat().st_size > 4096
    return source, cache, _env(Path(settings.model_fr_en), cache)


# -- the cache is an optimisation, never a source of failure ---------------------------------------


@pytest.mark.parametrize("damage", ["body", "header"])
@pytest.mark.slow
def test_corrupted_cache_job_completes_without_it(settings: Settings, tmp_path: Path, damage: str) -> None:
    source, cache, env = _populated_cache(settings, tmp_path)
    size = cache.stat().st_size
    with cache.open("r+b") as handle:
        if damage == "body":
            handle.seek(4096)
            handle.write(b"\xa5" * (size - 4096))
        else:
            handle.write(b"not a sqlite file" * 6)
    output = tmp_path / "out.jsonl"
    proc = _batch(source, output, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    [warning] = _warnings(proc.stderr)
    assert f"translation cache {cache} unusable" in warning
    assert "continuing without it" in warning and "MTS_CACHE_PATH" in warning
    assert ("malformed" if damage == "body" else "not a database") in warning, warning
    lines = _ids_once(output, 6)
    assert not any("error" in line for line in lines)
    assert "translation cache hit rate: n/a" in proc.stderr


@pytest.mark.slow
def test_cache_on_a_full_tmpfs_job_completes_without_it(
    settings: Settings, tiny_marian_fast: Path, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    write_input(source, 8)
    with tmpfs(tmp_path / "small", "100k") as small:
        cache = small / "cache.sqlite3"
        TranslationCache(cache)  # the cache opens fine...
        _fill(small)  # ...then its disk fills up
        output = tmp_path / "out.jsonl"
        env = _env(tiny_marian_fast, cache)
        proc = _batch(source, output, env=env)
        assert proc.returncode == 0, proc.stderr
        [warning] = _warnings(proc.stderr)
        assert f"translation cache {cache} unusable" in warning
        assert "database or disk is full" in warning, warning
        lines = _ids_once(output, 8)
        assert not any("error" in line for line in lines)
        settings = settings.model_copy(update={"cache_path": cache})
        again = run_batch(source, output, settings, OPTIONS, quiet=True)
        assert (again.resumed, again.done) == (8, 0)  # nothing to redo: no record lost to the cache


def _read_only_cache(path: Path) -> TranslationCache:
    """A real cache whose SQLite connection refuses writes (read-only mode; root ignores chmod)."""
    TranslationCache(path).put_many([("k0", Translation("zero", -0.1))])
    warnings: list[str] = []
    cache = TranslationCache(path, warnings.append)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    cache._local.db = db  # what a full or read-only disk gives: reads work, writes fail
    cache.warnings = warnings  # type: ignore[attr-defined]
    return cache


def test_a_cache_whose_writes_fail_turns_itself_off_once(tmp_path: Path) -> None:
    cache = _read_only_cache(tmp_path / "cache.sqlite3")
    inner_calls: list[list[str]] = []

    class Upper:
        models: ClassVar[list[Any]] = []

        def translate(self, texts: list[str], src: str, tgt: str) -> list[Translation]:
            inner_calls.append(list(texts))
            return [Translation(t.upper(), None) for t in texts]

    cached = CachingTranslator(Upper(), cache)  # type: ignore[arg-type]
    assert [t.text for t in cached.translate(["un", "deux"], "fr", "en")] == ["UN", "DEUX"]
    assert [t.text for t in cached.translate(["trois"], "fr", "en")] == ["TROIS"]
    assert not cache.usable
    [warning] = cache.warnings  # type: ignore[attr-defined]
    assert "readonly" in warning and str(cache.path) in warning
    assert inner_calls == [["un", "deux"], ["trois"]]


def test_batch_with_a_cache_whose_writes_fail(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full-disk path without a tmpfs: SQLite writes to the cache file fail, the job goes on."""
    cache_path = settings.cache_path
    cache_path.parent.mkdir(parents=True)
    original = TranslationCache._connection

    def read_only(self: TranslationCache) -> sqlite3.Connection:
        if getattr(self._local, "db", None) is None:
            original(self).close()
            self._local.db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, isolation_level=None)
        db: sqlite3.Connection = self._local.db
        return db

    TranslationCache(cache_path)
    monkeypatch.setattr(TranslationCache, "_connection", read_only)
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 5)
    warnings: list[str] = []
    summary = run_batch(source, output, settings, OPTIONS, quiet=True, warn=warnings.append)
    assert (summary.done, summary.failed, summary.failures) == (5, 0, {})
    [warning] = warnings
    assert "unusable" in warning and str(cache_path) in warning
    assert summary.cache_problem == warning
    _ids_once(output, 5)


# -- the output: full disk, lock --------------------------------------------------------------------


@pytest.mark.slow
def test_output_on_a_full_tmpfs_exit_2_then_rerun_completes_once(
    settings: Settings, tiny_marian_fast: Path, tmp_path: Path
) -> None:
    source = tmp_path / "in.jsonl"
    write_input(source, 24)
    env = _env(tiny_marian_fast, tmp_path / "cache.sqlite3")
    with tmpfs(tmp_path / "small", "12k") as small:
        output = small / "out.jsonl"
        proc = _batch(source, output, "-q", env=env)
        assert proc.returncode == 2, proc.stderr
        [line] = proc.stderr.splitlines()
        assert line.startswith(f"mts: error: cannot write output {output}: No space left on device")
        partial = _lines(output)  # every line complete: nothing partial left to count as done
        assert 0 < len(partial) < 24
        noisy = _batch(source, output, env=env)  # with progress on: still one error line
        assert noisy.returncode == 2
        assert [x for x in noisy.stderr.splitlines() if x.startswith("mts: error:")] == [line]
        assert "Traceback" not in noisy.stderr
        subprocess.run(["mount", "-o", "remount,size=1m", str(small)], check=True)
        again = run_batch(source, output, settings, OPTIONS, quiet=True)
        assert again.resumed >= len(partial) and again.resumed + again.done == 24
        _ids_once(output, 24)
        verify = _mts("batch-verify", source, output, env=env)
        assert verify.returncode == 0, verify.stdout


def test_writer_cuts_off_a_failed_write(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    writer = ResumableWriter(path)
    writer.write({"id": "a"})
    real_write = os.write

    def half_then_full(fd: int, data: Any) -> int:
        if fd == writer._fd and len(data) > 4:
            return real_write(fd, bytes(data[:4]))  # a short write, then the disk is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(os, "write", half_then_full)
        with pytest.raises(MtsError, match="No space left on device"):
            writer.write({"id": "b", "text": "x" * 100})
    assert "b" not in writer.done
    writer.close()
    assert path.read_bytes() == b'{"id": "a"}\n'


def test_second_writer_on_one_output_refuses(tmp_path: Path) -> None:
    path = tmp_path / "out.jsonl"
    first = ResumableWriter(path)
    with pytest.raises(MtsError, match=rf"is being written by another mts batch \(pid {os.getpid()}\)"):
        ResumableWriter(path)
    first.close()
    ResumableWriter(path).close()  # free again once the first is done
    assert lock_path(path).exists()


@pytest.mark.slow
def test_two_concurrent_runs_second_refuses(tiny_marian_fast: Path, tmp_path: Path) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 40)
    env = _env(tiny_marian_fast, tmp_path / "cache.sqlite3")
    command = [MTS, "batch", str(source), str(output), "--langs", "en", "--no-summaries", "-q"]
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and first.poll() is None:
            if output.exists() and output.read_bytes().count(b"\n") >= 1:
                break
            time.sleep(0.01)
        # Frozen mid-job (lock held, output half written) while the second run tries.
        os.kill(first.pid, signal.SIGSTOP)
        assert first.poll() is None and output.read_bytes().count(b"\n") < 40
        second = _batch(source, output, "-q", env=env)
        os.kill(first.pid, signal.SIGCONT)
        _, first_err = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert second.returncode == 2
    assert second.stderr == (
        f"mts: error: output {output} is being written by another mts batch (pid {first.pid})\n"
    )
    assert first.returncode == 0, first_err
    _ids_once(output, 40)


# -- failures: exit codes, resume, environmental errors ---------------------------------------------


@pytest.mark.slow
def test_failed_records_exit_1_with_a_summary_and_allow_failures(
    settings: Settings, tiny_marian_fast: Path, tmp_path: Path
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 3)
    with source.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "broken", "text": \n{"id": "empty", "text": " "}\n{"id": "none"}\n')
    env = _env(tiny_marian_fast, tmp_path / "cache.sqlite3")
    proc = _batch(source, output, "-q", env=env)
    assert proc.returncode == 1
    assert proc.stderr == (
        f"mts: error: 3 record(s) failed: empty_text 2, invalid_json 1 (error lines in {output}; "
        "--allow-failures exits 0)\n"
    )
    errors = {line["id"]: line["error"] for line in _lines(output) if "error" in line}
    assert set(errors) == {"line-4", "empty", "none"}
    assert all(error["kind"] == "record" for error in errors.values())
    # A rerun redoes nothing (record errors are final), still reports them, and may exit 0.
    relaxed = _batch(source, output, "--allow-failures", "--summary-json", env=env)
    assert relaxed.returncode == 0, relaxed.stderr
    assert json.loads(relaxed.stdout)["resumed"] == 6
    assert "failed records in the output: 3 record(s) failed" in relaxed.stderr
    assert "mts: error" not in relaxed.stderr
    strict = run_batch(source, output, settings, OPTIONS, quiet=True)
    assert strict.failures == {"empty_text": 2, "invalid_json": 1}  # what makes a plain rerun exit 1


def test_resume_retries_error_lines_that_are_not_the_records_fault(
    settings: Settings, tmp_path: Path
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 5)
    with source.open("a", encoding="utf-8") as handle:
        handle.write('{"id": "empty", "text": ""}\n')
    run_batch(source, output, settings, OPTIONS, quiet=True)
    lines = _lines(output)
    # As older versions left them: environmental failures written as results (no kind), a pipeline
    # error, and a duplicate line from two runs that shared the output.
    by_id = {line["id"]: line for line in lines}
    by_id["yna-0001"] = {"id": "yna-0001", "error": {"type": "DatabaseError", "message": "malformed"}}
    by_id["yna-0002"] = {
        "id": "yna-0002",
        "error": {"type": "OSError", "message": "full", "kind": "pipeline"},
    }
    rows = [*by_id.values(), by_id["yna-0003"]]
    output.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")

    summary = run_batch(source, output, settings, OPTIONS, quiet=True)
    assert (summary.retried, summary.dropped_duplicates, summary.resumed, summary.done) == (2, 1, 4, 2)
    assert summary.failures == {"empty_text": 1}
    final = {line["id"]: line for line in _lines(output)}
    assert len(final) == len(_lines(output)) == 6
    assert "translations" in final["yna-0001"] and "translations" in final["yna-0002"]
    assert final["empty"]["error"]["kind"] == "record"


def test_an_environmental_failure_stops_the_job_with_nothing_written_for_the_record(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 6)
    poison = json.loads(source.read_text(encoding="utf-8").splitlines()[3])["text"]
    real = Pipeline.process_many

    def crash_on_the_fourth(self: Pipeline, requests: Any) -> Any:
        if any(r.text == poison for r in requests):
            raise RuntimeError("CUDA error: an illegal memory access was encountered")
        return real(self, requests)

    monkeypatch.setattr(Pipeline, "process_many", crash_on_the_fourth)
    options = BatchOptions(langs=("en",), summaries=False, records_per_batch=2)
    with pytest.raises(BatchEnvironmentError, match=r"'yna-0003' could not be processed .*RuntimeError"):
        run_batch(source, output, settings, options, quiet=True)
    assert [line["id"] for line in _lines(output)] == ["yna-0000", "yna-0001"]  # nothing for 2 and 3
    monkeypatch.setattr(Pipeline, "process_many", real)
    summary = run_batch(source, output, settings, options, quiet=True)
    assert (summary.resumed, summary.done, summary.failed) == (2, 4, 0)
    _ids_once(output, 6)


def test_a_pipeline_bug_on_one_record_is_an_error_line_retried_on_resume(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    write_input(source, 3)
    poison = json.loads(source.read_text(encoding="utf-8").splitlines()[1])["text"]
    real = Pipeline.process_many

    def bug(self: Pipeline, requests: Any) -> Any:
        if any(r.text == poison for r in requests):
            raise ValueError("a bug this text triggers")
        return real(self, requests)

    monkeypatch.setattr(Pipeline, "process_many", bug)
    summary = run_batch(source, output, settings, OPTIONS, quiet=True)
    assert summary.failures == {"ValueError": 1}
    line = next(x for x in _lines(output) if x["id"] == "yna-0001")
    assert line["error"] == {"type": "ValueError", "message": "a bug this text triggers", "kind": "pipeline"}
    monkeypatch.setattr(Pipeline, "process_many", real)  # the bug is fixed
    again = run_batch(source, output, settings, OPTIONS, quiet=True)
    assert (again.retried, again.done, again.failures) == (1, 1, {})
    assert not any("error" in x for x in _ids_once(output, 3))


# -- verify -----------------------------------------------------------------------------------------


def test_verify_finds_missing_duplicate_and_failed_ids(tmp_path: Path) -> None:
    source, output = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_text(
        "".join(json.dumps({"id": i, "text": "Bonjour."}) + "\n" for i in "abcde"), encoding="utf-8"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")}
    rows = [
        {"id": "a", "translations": {}},
        {"id": "b", "translations": {}},
        {"id": "b", "translations": {}},
        {"id": "c", "error": {"type": "empty_text", "message": "x", "kind": "record"}},
        {"id": "zz", "translations": {}},
    ]
    output.write_text("".join(json.dumps(row) + "\n" for row in rows) + '{"id": "d"', encoding="utf-8")
    proc = _mts("batch-verify", source, output, "--json", env=env)
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["ok"] is False
    assert report["missing"] == ["d", "e"]
    assert report["duplicates"] == ["b"]
    assert list(report["failed"]) == ["c"] and report["failed"]["c"]["type"] == "empty_text"
    assert report["unexpected"] == ["zz"]
    assert report["bad_lines"] == [6]
    text = _mts("batch-verify", source, output, env=env)
    assert text.returncode == 1
    assert "missing: 2: d, e" in text.stdout and "duplicate: 1: b" in text.stdout
    assert "failed: 1 (empty_text 1): c" in text.stdout and "NOT OK" in text.stdout

    good = [{"id": i, "translations": {}} for i in "abcde"]
    output.write_text("".join(json.dumps(row) + "\n" for row in good), encoding="utf-8")
    clean = _mts("batch-verify", source, output, "--json", env=env)
    assert clean.returncode == 0 and json.loads(clean.stdout)["ok"] is True
    missing = _mts("batch-verify", source, tmp_path / "absent.jsonl", env=env)
    assert missing.returncode == 2 and missing.stderr.startswith("mts: error: output")
