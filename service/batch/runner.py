"""The batch job: input → pipeline → resumable JSONL output, locally or on Ray; with an items
folder, each translation also written as a file in the job's format (``--items``)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from service.batch.progress import Progress
from service.batch.reader import DEFAULT_PATTERN, count_records, read_records
from service.batch.records import BatchOptions, Record, check_options, error_line
from service.batch.worker import BatchWorker
from service.batch.writer import ResumableWriter
from service.config import Settings
from service.errors import MtsError
from service.formats import EXTENSIONS
from service.glossaries import open_store
from service.models.loading import cpu_threads

Engine = Literal["local", "ray"]


@dataclass
class BatchSummary:
    """What a run did."""

    total: int
    done: int
    resumed: int
    failed: int
    duplicates: int
    elapsed_s: float
    records_per_s: float
    tokens_per_s: float
    cache_hit_rate: float | None
    truncated_partial_line: bool
    #: Record error lines in OUTPUT after the run (this run's and earlier runs'), by error type.
    failures: dict[str, int] = field(default_factory=dict)
    #: Error lines of earlier runs (not of kind ``record``) removed so that their records were redone.
    retried: int = 0
    #: Extra lines of an id already in OUTPUT, removed.
    dropped_duplicates: int = 0
    #: Why the translation cache was turned off (None when it worked or was not used).
    cache_problem: str | None = None
    #: Translated files written into the items folder by this run (``--items``).
    items: int = 0

    @property
    def failed_total(self) -> int:
        """Records of OUTPUT whose line is an error (this run's and earlier runs')."""
        return sum(self.failures.values())

    def failure_text(self) -> str:
        """How many records failed and why, grouped by error type (most frequent first)."""
        kinds = ", ".join(
            f"{kind} {n}" for kind, n in sorted(self.failures.items(), key=lambda kv: (-kv[1], kv[0]))
        )
        return f"{self.failed_total} record(s) failed: {kinds}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return asdict(self)

    def text(self) -> str:
        """The closing summary, for people."""
        rate = "n/a" if self.cache_hit_rate is None else f"{self.cache_hit_rate:.0%}"
        lines = [
            f"done: {self.done} records ({self.failed} failed) in {self.elapsed_s:.1f} s "
            f"— {self.records_per_s:.2f} rec/s, {self.tokens_per_s:.0f} tok/s",
            f"skipped as already done (resumed): {self.resumed}",
            f"duplicate ids in the input (skipped): {self.duplicates}",
            f"translation cache hit rate: {rate}",
        ]
        if self.truncated_partial_line:
            lines.append("recovered: a partial last line left by an interrupted run was removed")
        if self.retried:
            lines.append(
                f"retried: {self.retried} error lines of earlier runs that were not the record's fault"
            )
        if self.dropped_duplicates:
            lines.append(f"removed: {self.dropped_duplicates} duplicate lines of ids already in the output")
        if self.failures:
            lines.append(f"failed records in the output: {self.failure_text()}")
        if self.items:
            lines.append(f"items written: {self.items}")
        return "\n".join(lines)


def item_names(record_id: str, fmt: str, langs: Iterable[str]) -> dict[str, PurePosixPath]:
    """Where each translation of a record goes in the items folder, by language: the record's id
    without its extension, then the language and the format's extension, in the id's subfolders
    (``2026/03/missile.xml`` → ``2026/03/missile.en.xml``; ``yna-42`` → ``yna-42.en.xml``).

    Raises ValueError for an id that names no file inside the folder (absolute, ``..``, hidden)."""
    path = PurePosixPath(record_id)
    if (
        not record_id.strip()
        or "\\" in record_id
        or "\x00" in record_id
        or path.is_absolute()
        or any(part in ("", ".", "..") or part.startswith(".") for part in path.parts)
    ):
        raise ValueError(f"the id {record_id!r} is not a relative file path inside the items folder")
    suffix = path.suffix if path.suffix.lower() in EXTENSIONS[fmt] else ""
    stem = path.name[: -len(suffix)] if suffix else path.name
    ext = suffix or EXTENSIONS[fmt][0]
    return {lang: path.with_name(f"{stem}.{lang}{ext}") for lang in langs}


def write_item(path: Path, data: bytes) -> None:
    """Write one item atomically: a hidden temporary file next to it, renamed over it, so that a
    reader (or a crash) never sees half an item; an existing item is replaced."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise


class ItemWriter:
    """Writes each result's translations as files under the items folder (``--items``).

    Items go out before their output line: a run killed in between leaves items whose line is
    missing, and the resumed run processes the record again and replaces them; a line in OUTPUT
    therefore always has its items. A record whose id names no file inside the folder gets an
    error line of kind ``record`` instead of its result."""

    def __init__(self, root: Path, fmt: str) -> None:
        self.root = root
        self.fmt = fmt
        self.written = 0

    def write(self, line: dict[str, Any]) -> dict[str, Any]:
        """Write the items of a result line; returns the line to write to OUTPUT (the same line,
        or an error line). An item that cannot be written raises :class:`MtsError`."""
        translations = line.get("translations")
        if line.get("error") is not None or not isinstance(translations, dict):
            return line
        record_id = str(line["id"])
        try:
            names = item_names(record_id, self.fmt, translations)
        except ValueError as exc:
            return error_line(record_id, "invalid_item_name", str(exc))
        for lang, name in names.items():
            target = self.root / name
            try:
                write_item(target, str(translations[lang]["translation"]).encode("utf-8"))
            except OSError as exc:
                raise MtsError(
                    f"cannot write item {target}: {exc.strerror or exc}; nothing was counted as done for "
                    f"record {record_id!r} — fix the cause and rerun the same command to resume"
                ) from None
            self.written += 1
        return line


def _check_items_folder(items: Path, input_path: Path, output_path: Path) -> None:
    """Refuse an items folder that the job would read back as input, or that is a file."""
    if items.exists() and not items.is_dir():
        raise MtsError(f"--items {items} is a file; give a folder for the translated items")
    folder = items.resolve()
    if input_path.is_dir() and folder.is_relative_to(input_path.resolve()):
        raise MtsError(
            f"--items {items} is inside INPUT {input_path}: its translated files would be read as "
            "dispatches by the next run; choose a folder outside INPUT"
        )
    if folder == output_path.resolve():
        raise MtsError(f"--items {items} is the OUTPUT file; choose another folder")


def approx_tokens(text: str | None) -> int:
    """A cheap source-token estimate for throughput figures (about 4 characters a token)."""
    return len(text) // 4 + 1 if text else 0


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for record in records:
        chunk.append(record)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# One BatchWorker per worker process, built by the pool initializer.
_PROCESS_WORKER: BatchWorker | None = None


def _init_process(settings_data: dict[str, Any], options: BatchOptions) -> None:
    global _PROCESS_WORKER  # noqa: PLW0603 - the per-process model holder of a process pool
    _PROCESS_WORKER = BatchWorker(Settings(**settings_data), options)


def _process_in_pool(
    rows: list[dict[str, Any]],
) -> tuple[list[dict[str, Any]], tuple[int, int], str | None]:
    assert _PROCESS_WORKER is not None
    before = _PROCESS_WORKER.cache_stats()
    lines = _PROCESS_WORKER.process([Record.from_row(r) for r in rows])
    after = _PROCESS_WORKER.cache_stats()
    return lines, (after[0] - before[0], after[1] - before[1]), _PROCESS_WORKER.cache_problem


def run_batch(
    input_path: Path,
    output_path: Path,
    settings: Settings,
    options: BatchOptions,
    *,
    engine: Engine = "local",
    workers: int = 1,
    restart: bool = False,
    quiet: bool = False,
    warn: Any = None,
    pattern: str = DEFAULT_PATTERN,
    items: Path | None = None,
) -> BatchSummary:
    """Process every record of INPUT not yet in OUTPUT; fatal problems raise before any work.

    ``pattern`` chooses the files of a directory INPUT (``mts batch --glob``); ``options.format``
    says what a record's text is. With ``items``, each translation of a record this run processes
    is also written as a file there (:func:`item_names`), before its line.

    Raises :class:`MtsError` when OUTPUT is locked by another run, cannot be written (a full disk:
    nothing partial is counted as done) or a record fails for an environmental reason (nothing is
    written for it); the lines already written stay, and rerunning the same command resumes.
    """
    if not input_path.exists():
        raise MtsError(f"input {input_path} does not exist")
    if engine not in ("local", "ray"):
        raise MtsError(f"unknown engine {engine!r}; use local or ray")
    if workers < 1:
        raise MtsError("--workers must be at least 1")
    check_options(options)
    if options.glossary_id is not None:  # an unknown id stops the job before any model loads
        open_store(settings).owned(options.glossary_id, None)
    if items is not None:
        _check_items_folder(items, input_path, output_path)
    # Input that holds no dispatch, then a missing model, stop the job here, before the output is
    # touched; the input is checked first because it is cheap and a model check may download.
    total = count_records(input_path, pattern)
    BatchWorker.check_available(settings, options)
    writer = ResumableWriter(output_path, restart=restart)
    try:
        item_writer = ItemWriter(items, options.format) if items is not None else None
        summary = _run(
            input_path, writer, total, settings, options, engine, workers, quiet, warn, pattern, item_writer
        )
    except BaseException:
        with contextlib.suppress(MtsError):  # the first failure is the one to report
            writer.close()
        raise
    writer.close()
    return summary


def _run(
    input_path: Path,
    writer: ResumableWriter,
    total: int,
    settings: Settings,
    options: BatchOptions,
    engine: Engine,
    workers: int,
    quiet: bool,
    warn: Any,
    pattern: str,
    item_writer: ItemWriter | None,
) -> BatchSummary:
    started = time.monotonic()
    resumed = len(writer.done)
    seen: set[str] = set()
    duplicates = 0

    def pending() -> Iterator[Record]:
        nonlocal duplicates
        for record in read_records(input_path, pattern):
            if record.id in seen:
                duplicates += 1
                if warn is not None:
                    warn(f"duplicate id {record.id!r} in the input: only its first record is used")
                continue
            seen.add(record.id)
            if record.id not in writer.done:
                yield record

    progress = Progress(total=total, already_done=resumed, quiet=quiet)
    failures: Counter[str] = Counter(writer.kept_failures)
    failed = 0
    hits = misses = 0
    cache_problem: str | None = None

    def cache_warning(problem: str | None) -> None:
        # Every worker process (or actor) finds the same broken cache: one line for the job.
        nonlocal cache_problem
        if problem is None or cache_problem is not None:
            return
        cache_problem = problem
        if warn is not None:
            warn(problem)

    def emit(line: dict[str, Any], text: str | None = None) -> None:
        nonlocal failed
        if item_writer is not None:
            line = item_writer.write(line)
        writer.write(line)
        error = line.get("error")
        if error is not None:
            failed += 1
            failures[str(error.get("type", "error"))] += 1
        progress.update(1, int(error is not None), approx_tokens(text))

    if engine == "ray":
        from service.batch.ray_engine import run_ray

        texts: dict[str, str | None] = {}

        def remember(records: Iterable[Record]) -> Iterator[Record]:
            for record in records:
                texts[record.id] = record.text
                yield record

        hits, misses = run_ray(
            remember(pending()), settings, options, workers=workers,
            emit=lambda line: emit(line, texts.pop(str(line["id"]), None)), warn=cache_warning,
        )  # fmt: skip
    elif workers == 1:
        worker = BatchWorker(settings, options, on_cache_problem=cache_warning)
        try:
            worker.preload()
            for chunk in _chunks(pending(), options.records_per_batch):
                for record, line in zip(chunk, worker.process(chunk), strict=True):
                    emit(line, record.text)
            hits, misses = worker.cache_stats()
        finally:
            worker.close()
    else:
        # Each process gets its share of the cores, so the pool never oversubscribes the machine.
        share = settings.model_copy(update={"threads": cpu_threads(settings.threads, workers)})
        pool = concurrent.futures.ProcessPoolExecutor(
            workers, initializer=_init_process, initargs=(share.model_dump(mode="json"), options)
        )
        try:
            chunks = _chunks(pending(), options.records_per_batch)
            running: dict[concurrent.futures.Future[Any], list[Record]] = {}
            for chunk in chunks:
                running[pool.submit(_process_in_pool, [r.as_row() for r in chunk])] = chunk
                if len(running) >= workers * 2:
                    hits, misses = _drain(running, emit, cache_warning, hits, misses)
            while running:
                hits, misses = _drain(running, emit, cache_warning, hits, misses)
        except BaseException:
            # A failure stops the job: the chunks not started yet are dropped, not processed.
            pool.shutdown(wait=True, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
    progress.finish()
    elapsed = time.monotonic() - started
    done = progress.done
    return BatchSummary(
        total=total,
        done=done,
        resumed=resumed,
        failed=failed,
        duplicates=duplicates,
        elapsed_s=round(elapsed, 2),
        records_per_s=round(done / elapsed, 3) if elapsed > 0 else 0.0,
        tokens_per_s=round(progress.tokens / elapsed, 1) if elapsed > 0 else 0.0,
        cache_hit_rate=(hits / (hits + misses)) if hits + misses else None,
        truncated_partial_line=writer.truncated_bytes > 0,
        failures=dict(failures),
        retried=writer.retried,
        dropped_duplicates=writer.dropped_duplicates,
        cache_problem=cache_problem,
        items=item_writer.written if item_writer is not None else 0,
    )


def _drain(
    running: dict[concurrent.futures.Future[Any], list[Record]],
    emit: Any,
    cache_warning: Callable[[str | None], None],
    hits: int,
    misses: int,
) -> tuple[int, int]:
    finished, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
    for future in finished:
        chunk = running.pop(future)
        lines, (h, m), problem = future.result()
        cache_warning(problem)
        for record, line in zip(chunk, lines, strict=True):
            emit(line, record.text)
        hits, misses = hits + h, misses + m
    return hits, misses
