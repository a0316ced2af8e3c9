"""The Ray engine of the batch job: the same :class:`BatchWorker` in Ray actors, one model copy each.

The driver (``mts batch``) keeps the single output writer: the pending records go into a Ray
Dataset, actors turn groups of them into output lines, and the lines come back to the driver,
which hands each one to ``emit`` as it arrives. Resume, progress and the output file therefore
work as with the local engine.

Cluster: ``RAY_ADDRESS`` selects one (``auto``: the cluster ``ray start`` runs on this machine);
without it a private local Ray instance is started for the call and stopped after it. The settings
of the driver travel to the actors, so every node needs the ``mts`` package, the models where
``MTS_MODELS_DIR`` says (or hub access and ``MTS_AUTO_PULL``) and a writable ``MTS_CACHE_PATH``.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import logging
import math
import os
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from service.batch.records import BatchOptions, Record
from service.config import Settings
from service.errors import MtsError

if TYPE_CHECKING:
    import numpy.typing as npt

    from service.batch.worker import BatchWorker

log = logging.getLogger("mts.batch")

#: Environment variables of the driver that the actors need too (the hub's offline switches).
FORWARDED_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")

#: Records per Ray Dataset: the driver holds one window of pending records at a time, not the archive.
WINDOW = 50_000

#: Runs of a window's remaining records, after its actors died (the OOM killer, a lost node).
ACTOR_ATTEMPTS = 3

RAY_MISSING = "the Ray engine needs Ray: pip install 'mts[ray]'"
NO_PACKAGE = (
    "the Ray workers cannot import the mts package: install it (with the same version) on every node of "
    "the Ray cluster"
)


def ray_available() -> bool:
    """Whether Ray (with Ray Data) can be imported."""
    try:
        import ray.data  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


class _PipelineActor:
    """One Ray actor: loads the models once, then turns batches of records into output lines.

    Input rows carry each record as a JSON string (column ``record``) and output rows carry each
    line as a JSON string (column ``line``): Arrow would otherwise infer struct types for the
    free-form ``extra`` fields and add or drop keys. The translation cache hits and misses of a
    batch are reported on its first row (``cache_hits``, ``cache_misses``). A model that cannot
    load does not kill the actor (Ray would only pass the driver a traceback as text): every row
    then carries the error message in ``fatal`` and the driver raises it as an :class:`MtsError`.
    An environmental failure while processing a batch is reported the same way (nothing is written
    for the records of that batch), and an unusable translation cache in ``cache_problem``.
    """

    def __init__(self, settings: dict[str, Any], options: dict[str, Any], env: dict[str, str]) -> None:
        os.environ.update(env)  # before the hub client is imported in this process
        from service.batch.worker import BatchWorker

        self.worker: BatchWorker | None = None
        self.fatal = ""
        self.stats = (0, 0)
        try:
            worker = BatchWorker(
                Settings(**settings), BatchOptions(**{**options, "langs": tuple(options["langs"])})
            )
            worker.preload()
        except MtsError as exc:
            self.fatal = str(exc) or type(exc).__name__
            return
        self.worker = worker
        self.stats = worker.cache_stats()

    def __call__(self, batch: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[Any]]:
        import numpy as np

        rows = batch["record"]
        hits = np.zeros(len(rows), dtype=np.int64)
        misses = np.zeros(len(rows), dtype=np.int64)
        fatal = self.fatal
        problem = ""
        if self.worker is None:
            lines = [""] * len(rows)
        else:
            records = [Record.from_row(json.loads(str(row))) for row in rows]
            try:
                lines = [json.dumps(line, ensure_ascii=False) for line in self.worker.process(records)]
            except MtsError as exc:  # an environmental failure: nothing is written for this batch
                lines, fatal = [""] * len(rows), str(exc) or type(exc).__name__
            stats = self.worker.cache_stats()
            if len(rows):
                hits[0], misses[0] = stats[0] - self.stats[0], stats[1] - self.stats[1]
            self.stats = stats
            problem = self.worker.cache_problem or ""
        return {
            "line": np.array(lines, dtype=object),
            "cache_hits": hits,
            "cache_misses": misses,
            "fatal": np.array([fatal] * len(rows), dtype=object),
            "cache_problem": np.array([problem] * len(rows), dtype=object),
        }


def _actor_died(ray: Any, exc: BaseException) -> bool:
    """Whether a Ray error (or the error it wraps) is the death of an actor."""
    cause = exc.cause if isinstance(exc, ray.exceptions.RayTaskError) else exc
    return isinstance(exc, ray.exceptions.RayActorError) or isinstance(cause, ray.exceptions.RayActorError)


def _cluster_plan(ray: Any, workers: int, cpus_per_worker: float | None) -> tuple[int, float, float]:
    """(actors, CPUs per actor, GPUs per actor) for this cluster."""
    resources = ray.cluster_resources()
    gpus = int(resources.get("GPU", 0))
    if gpus > 0:
        if workers > gpus:
            log.warning("%d workers asked for, but the cluster has %d GPUs: using %d", workers, gpus, gpus)
            workers = gpus
        return workers, cpus_per_worker or 1.0, 1.0
    cpus = int(resources.get("CPU", 1))
    if cpus_per_worker is None:
        # CPU only: share the cores among the actors (torch runs as many threads as its actor has
        # CPUs), without asking for more than the largest node holds.
        largest = max((n["Resources"].get("CPU", 0) for n in ray.nodes() if n.get("Alive")), default=1)
        cpus_per_worker = float(max(1, min(int(largest), cpus // workers)))
    fits = max(1, int(cpus // cpus_per_worker))
    if workers > fits:
        log.warning("%d workers asked for, but the cluster has CPUs for %d: using %d", workers, fits, fits)
        workers = fits
    return workers, cpus_per_worker, 0.0


def _windows(records: Iterable[Record], size: int) -> Iterator[list[dict[str, str]]]:
    """Dataset rows (one JSON string per record), ``size`` records at a time."""
    window: list[dict[str, str]] = []
    for record in records:
        window.append({"record": json.dumps(record.as_row(), ensure_ascii=False)})
        if len(window) >= size:
            yield window
            window = []
    if window:
        yield window


def run_ray(
    records: Iterable[Record],
    settings: Settings,
    options: BatchOptions,
    *,
    workers: int = 1,
    emit: Callable[[dict[str, Any]], None],
    cpus_per_worker: float | None = None,
    window: int = WINDOW,
    warn: Callable[[str | None], None] | None = None,
) -> tuple[int, int]:
    """Process ``records`` (the ones still to do) in ``workers`` Ray actors; ``emit`` each output line.

    Records go to the actors in groups of ``options.records_per_batch``, in input order: the local
    engine's groups, hence its lines. Lines come back to the driver in input order. With GPUs in the
    cluster each actor takes one (``workers`` is capped at their number); without, the CPUs are
    shared among the actors unless ``cpus_per_worker`` says otherwise. Returns the translation
    cache (hits, misses) summed over the actors; ``warn`` hears of an actor's unusable cache.

    The driver reads ``records`` (the reader's error records and the resume filter stay the
    driver's) ``window`` records at a time (rounded up to whole groups), each window one Ray
    Dataset (``ray.data.from_items``): memory stays bounded on an archive of millions, at the
    cost of loading the models again in every window (negligible next to 50,000 dispatches).
    """
    if not ray_available():
        raise MtsError(RAY_MISSING)
    # Ray ships type hints; the ignores only matter where it is not installed.
    import ray  # type: ignore[import-not-found,unused-ignore]
    import ray.data  # type: ignore[import-not-found,unused-ignore]

    if workers < 1:
        raise MtsError("--workers must be at least 1")
    group = max(1, options.records_per_batch)
    windows = _windows(records, math.ceil(max(1, window) / group) * group)
    first = next(windows, None)
    if first is None:
        return (0, 0)
    env = {name: os.environ[name] for name in FORWARDED_ENV if name in os.environ}

    started = not ray.is_initialized()
    if started:
        local: dict[str, Any] = {"address": "local", "num_cpus": os.cpu_count() or 1}
        ray.init(
            **({} if os.environ.get("RAY_ADDRESS") else local),
            ignore_reinit_error=True,
            include_dashboard=False,
            log_to_driver=False,
            logging_level=logging.ERROR,
            runtime_env={"env_vars": env} if env else None,
        )
    context = ray.data.DataContext.get_current()
    saved = (
        context.enable_progress_bars,
        context.print_on_execution_start,
        context.execution_options.preserve_order,
    )
    # Ray Data logs its plan at INFO and warns once that progress bars are off: neither is news here.
    quieted = {name: logging.getLogger(name) for name in ("ray.data", "ray.data._internal.progress")}
    saved_levels = {name: logger.level for name, logger in quieted.items()}
    try:
        context.enable_progress_bars = False
        context.print_on_execution_start = False
        # Groups reach an actor in input order (the cache fills as in the local engine), lines the driver.
        context.execution_options.preserve_order = True
        quieted["ray.data"].setLevel(logging.WARNING)
        quieted["ray.data._internal.progress"].setLevel(logging.ERROR)
        actors, cpus, gpus = _cluster_plan(ray, workers, cpus_per_worker)
        constructor = {
            # The API keys are no business of the actors.
            # Each actor's model uses the CPUs Ray reserved for it, unless MTS_THREADS says otherwise.
            "settings": settings.model_dump(mode="json", exclude={"api_keys", "admin_keys"})
            | {"threads": settings.threads or max(1, int(cpus))},
            "options": {**dataclasses.asdict(options), "langs": list(options.langs)},
            "env": env,
        }
        total_hits = total_misses = 0
        for rows in itertools.chain([first], windows):
            done = 0  # lines arrive in input order: the window's first ``done`` rows are written
            for attempt in itertools.count(1):
                # No actor restarts (Ray Data's default is unlimited): its actors take object-store
                # references as constructor arguments, and Ray logs an error for every restartable
                # actor created so. A dead actor instead fails the dataset, and the rows not
                # written yet go to fresh actors, up to ACTOR_ATTEMPTS times per window.
                with warnings.catch_warnings():
                    # Ray Data 2.60 deprecates actor options as extra keyword arguments without
                    # offering max_restarts as a named one yet.
                    warnings.filterwarnings("ignore", "`ray_remote_args` is deprecated", DeprecationWarning)
                    dataset = ray.data.from_items(rows[done:]).map_batches(
                        _PipelineActor,
                        fn_constructor_kwargs=constructor,
                        batch_size=group,
                        batch_format="numpy",
                        compute=ray.data.ActorPoolStrategy(size=actors),
                        num_cpus=cpus,
                        num_gpus=gpus,
                        zero_copy_batch=True,
                        max_restarts=0,
                    )
                try:
                    for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
                        for line, hits, misses, fatal, problem in zip(
                            batch["line"],
                            batch["cache_hits"],
                            batch["cache_misses"],
                            batch["fatal"],
                            batch["cache_problem"],
                            strict=True,
                        ):
                            if problem and warn is not None:
                                warn(str(problem))
                            if fatal:
                                raise MtsError(str(fatal))
                            total_hits += int(hits)
                            total_misses += int(misses)
                            emit(json.loads(line))
                            done += 1
                    break
                except ray.exceptions.RayError as exc:
                    if "No module named 'service'" in str(exc):
                        raise MtsError(NO_PACKAGE) from None
                    if not _actor_died(ray, exc) or attempt >= ACTOR_ATTEMPTS:
                        raise
                    log.warning(
                        "a Ray actor died (%s): %d records of this window go to new actors",
                        type(exc).__name__,
                        len(rows) - done,
                    )
        return (total_hits, total_misses)
    finally:
        (
            context.enable_progress_bars,
            context.print_on_execution_start,
            context.execution_options.preserve_order,
        ) = saved
        for name, logger in quieted.items():
            logger.setLevel(saved_levels[name])
        if started:
            ray.shutdown()
