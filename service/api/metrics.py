"""Prometheus metrics of one app instance.

In one process each app keeps its own registry (so several apps can live in one process, as in
the tests). When `mts serve` runs several worker processes it sets PROMETHEUS_MULTIPROC_DIR before
they start; prometheus_client then writes every value to files there (it chooses at import time),
and /metrics sums the files of all workers (:func:`exposition`), whichever worker answers.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)


def multiprocess_mode() -> bool:
    """Whether this process writes its metrics to the shared multiprocess directory: decided by
    prometheus_client when it was imported, from PROMETHEUS_MULTIPROC_DIR."""
    return values.ValueClass is not values.MutexValue


class Metrics:
    """Requests, latency, errors by route; queue depth; batch sizes; tokens/s; model load state."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "mts_requests_total", "HTTP requests by route, method and status.",
            ["route", "method", "status"], registry=self.registry,
        )  # fmt: skip
        self.errors = Counter(
            "mts_errors_total", "HTTP responses with status >= 400, by route and status.",
            ["route", "status"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "mts_request_duration_seconds", "Request latency by route.", ["route"], registry=self.registry,
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
        )  # fmt: skip
        # Gauges say how workers combine: summed over the live ones, or the lowest of them (a pair
        # counts as loaded, the service as ready, only when every live worker is).
        self.queue_depth = Gauge(
            "mts_queue_depth", "Segments waiting for a model, by language pair.", ["pair"],
            registry=self.registry, multiprocess_mode="livesum",
        )  # fmt: skip
        self.batch_size = Histogram(
            "mts_batch_size", "Segments per model batch, by language pair.", ["pair"], registry=self.registry,
            buckets=(1, 2, 4, 8, 16, 32, 64, 128),
        )  # fmt: skip
        self.batch_tokens = Counter(
            "mts_batch_tokens_total",
            "Source tokens run through the models.",
            ["pair"],
            registry=self.registry,
        )
        self.batch_seconds = Counter(
            "mts_batch_seconds_total", "Time spent in model batches.", ["pair"], registry=self.registry
        )
        self.tokens_per_second = Gauge(
            "mts_tokens_per_second", "Source tokens per second of the last batch.", ["pair"],
            registry=self.registry, multiprocess_mode="liveall",
        )  # fmt: skip
        self.model_loaded = Gauge(
            "mts_model_loaded", "1 when the model of a language pair is loaded.", ["pair"],
            registry=self.registry, multiprocess_mode="livemin",
        )  # fmt: skip
        self.ready = Gauge(
            "mts_ready",
            "1 when models are loaded and warm.",
            registry=self.registry,
            multiprocess_mode="livemin",
        )
        self.inflight = Gauge(
            "mts_inflight_requests", "Requests being processed.", registry=self.registry,
            multiprocess_mode="livesum",
        )  # fmt: skip
        # Remote models (an OpenAI-compatible server): one count per HTTP request, retries included.
        self.llm_requests = Counter(
            "mts_llm_requests_total", "Requests to the LLM server by endpoint, model and outcome "
            "(ok, http_<status>, timeout, connection, cancelled, bad_answer).",
            ["endpoint", "model", "outcome"], registry=self.registry,
        )  # fmt: skip
        self.llm_latency = Histogram(
            "mts_llm_request_duration_seconds", "LLM server request latency by endpoint.", ["endpoint"],
            registry=self.registry, buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120),
        )  # fmt: skip
        self.llm_tokens = Counter(
            "mts_llm_tokens_total",
            "Tokens the LLM server reported, by endpoint and kind (prompt or completion).",
            ["endpoint", "kind"], registry=self.registry,
        )  # fmt: skip

    def exposition(self) -> bytes:
        """The text /metrics answers: this app's registry, or every worker's values combined."""
        if not multiprocess_mode():
            return generate_latest(self.registry)
        combined = CollectorRegistry()
        multiprocess.MultiProcessCollector(combined)  # type: ignore[no-untyped-call]
        return generate_latest(combined)

    def close(self) -> None:
        """On shutdown in multiprocess mode: drop this worker's live gauges from the totals."""
        if multiprocess_mode():
            multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
