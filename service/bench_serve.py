"""``mts bench --serve``: the HTTP API under concurrent load, against a plain FastAPI peer.

Both servers get the same randomly initialised models with the real architectures (as
``mts bench --pipeline`` builds them: opus-mt-fr-en for fr→en, m2m100_418M for fr→ko), every output
forced to 1.2× its source tokens, and the same requests from the same number of concurrent clients:

* **the service**: the app ``mts serve`` runs (:func:`service.api.app.create_app`, under uvicorn
  with ``mts serve``'s connection options), one worker, its engines loaded as the service loads
  them (CTranslate2 int8 on CPU) with the benchmark's forced lengths; each request is
  ``POST /v1/dispatches`` into English and Korean (bullets and checks included);
* **the peer**: what a user would otherwise deploy, a plain FastAPI app whose endpoint translates
  the request's sentences one at a time with stock ``transformers`` (the steps of
  ``pipeline("translation")``: tokenize, ``generate``, decode), float32, into English and Korean.

Each server runs in its own process; the clients are threads of this one, each sending its requests
one after another, all starting together. Reported per server: requests, errors, dispatches per
minute (completed requests over the wall time of the whole load), p50/p95/p99 latency, and the ratio
of the service's throughput to the peer's.
"""

from __future__ import annotations

import multiprocessing
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from service.bench import check_device, describe_device
from service.bench_pipeline import (
    Builders,
    PipelineBenchConfig,
    bench_settings,
    candidate_dispatches,
    force_lengths,
    pick_dispatches,
    stock_generate,
    stock_models,
)
from service.errors import MtsError
from service.languages import TARGETS

START_TIMEOUT_S = 600.0
REQUEST_TIMEOUT_S = 3600.0


@dataclass(frozen=True)
class ServeBenchConfig:
    """What one ``mts bench --serve`` run measures."""

    device: str = "cpu"
    clients: int = 16
    requests: int = 1  # per client
    sentences: int = 0  # the first sentences of each dispatch (0: the whole dispatch)
    beams: int = 4
    seed: int = 0


def request_texts(config: ServeBenchConfig, root: Path | None = None) -> list[str]:
    """One text per request: the dispatches drawn with the seed, cut to their first sentences."""
    from service.text.segment import segment

    count = config.clients * config.requests
    available = len(candidate_dispatches(root))
    dispatches = [
        d
        for i in range(0, count, available)
        for d in pick_dispatches(min(available, count - i), config.seed + i, root)
    ]
    if not config.sentences:
        return [d.text for d in dispatches]
    texts = []
    for dispatch in dispatches:
        sentences = segment(dispatch.text)[: config.sentences]
        texts.append(dispatch.text[sentences[0].start : sentences[-1].end])
    return texts


# -- the two servers, each in its own process -------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pipeline_config(config: ServeBenchConfig) -> PipelineBenchConfig:
    return PipelineBenchConfig(device=config.device, beams=config.beams)


def serve_service(paths: dict[str, str], config: ServeBenchConfig, port: int) -> None:
    """The API as ``mts serve`` runs it, over the benchmark models with forced output lengths."""
    import uvicorn

    from service.api.app import create_app
    from service.api.server import uvicorn_options
    from service.runtime.registry import Loaders, ModelSpec, load_translator_model
    from service.translation.seq2seq import Seq2SeqTranslator

    def load(spec: ModelSpec, settings: Any) -> Any:
        translator = load_translator_model(spec, settings)
        assert isinstance(translator, Seq2SeqTranslator)
        return force_lengths(translator)

    settings = bench_settings(paths, _pipeline_config(config)).model_copy(
        update={"host": "127.0.0.1", "port": port, "request_timeout_s": REQUEST_TIMEOUT_S}
    )
    app = create_app(settings, loaders=Loaders(translator=load))
    uvicorn.run(
        app, host="127.0.0.1", port=port, access_log=False, log_level="warning", **uvicorn_options(settings)
    )


def serve_peer(paths: dict[str, str], config: ServeBenchConfig, port: int) -> None:
    """A plain FastAPI app: each request's sentences through stock ``generate``, one at a time."""
    import uvicorn
    from fastapi import FastAPI

    from service.text.segment import segment

    models = stock_models(paths, config.device)

    def translate(lang: str, sentence: str) -> str:
        tokenizer, model = models[lang]
        return stock_generate(tokenizer, model, lang, [sentence], config.beams, config.device)[0][0]

    app = FastAPI()

    @app.get("/ready")
    def ready() -> dict[str, bool]:
        return {"ready": True}

    @app.post("/translate")
    def translate_dispatch(body: dict[str, Any]) -> dict[str, list[str]]:
        sentences = [s.text for s in segment(str(body["text"]))]
        return {lang: [translate(lang, s) for s in sentences] for lang in TARGETS}

    uvicorn.run(app, host="127.0.0.1", port=port, access_log=False, log_level="warning")


_SERVERS: dict[str, Callable[[dict[str, str], ServeBenchConfig, int], None]] = {
    "service": serve_service,
    "peer": serve_peer,
}


def _run_server(name: str, paths: dict[str, str], config: ServeBenchConfig, port: int) -> None:
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the models are local; nothing is downloaded
    _SERVERS[name](paths, config, port)


class _Server:
    """One server in a spawned process, stopped on exit."""

    def __init__(self, name: str, paths: dict[str, str], config: ServeBenchConfig, ready_path: str) -> None:
        self.name = name
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ready_path = ready_path
        context = multiprocessing.get_context("spawn")
        self.process = context.Process(target=_run_server, args=(name, paths, config, self.port), daemon=True)

    def __enter__(self) -> _Server:
        import httpx

        self.process.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if httpx.get(self.url + self.ready_path, timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if not self.process.is_alive():
                raise MtsError(
                    f"benchmark of the {self.name}: its server exited with {self.process.exitcode}"
                )
            if time.monotonic() > deadline:
                self.__exit__()
                raise MtsError(
                    f"benchmark of the {self.name}: its server was not ready in {START_TIMEOUT_S:g} s"
                )
            time.sleep(0.5)

    def __exit__(self, *exc: object) -> None:
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(30)
            if self.process.is_alive():
                self.process.kill()
                self.process.join()


# -- the load ---------------------------------------------------------------------------------------


def run_load(url: str, bodies: list[dict[str, Any]], clients: int) -> dict[str, Any]:
    """``clients`` threads, starting together, each sending its share of ``bodies`` in turn; the
    latency of each request, its status, and the wall time of the whole load."""
    import httpx

    shares = [bodies[i::clients] for i in range(clients)]
    latencies: list[float] = []
    errors: dict[str, int] = {}
    span: list[float] = []  # when requests began and ended: the load's wall time is their spread
    lock = threading.Lock()

    def client(share: list[dict[str, Any]]) -> None:
        with httpx.Client(timeout=REQUEST_TIMEOUT_S) as http:
            start.wait()
            for body in share:
                began = time.perf_counter()
                try:
                    status = http.post(url, json=body).status_code
                    outcome = "ok" if status == 200 else f"http_{status}"
                except httpx.HTTPError as exc:
                    outcome = type(exc).__name__
                ended = time.perf_counter()
                with lock:
                    span.extend((began, ended))
                    if outcome == "ok":
                        latencies.append(ended - began)
                    else:
                        errors[outcome] = errors.get(outcome, 0) + 1

    threads = [threading.Thread(target=client, args=(share,), daemon=True) for share in shares if share]
    start = threading.Barrier(len(threads) + 1)
    for thread in threads:
        thread.start()
    start.wait()
    for thread in threads:
        thread.join()
    wall = max(span) - min(span) if span else 0.0
    return _figures(latencies, errors, wall, len(bodies))


def _percentile(ordered: list[float], share: float) -> float:
    return round(ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))], 2) if ordered else 0.0


def _figures(latencies: list[float], errors: dict[str, int], wall: float, sent: int) -> dict[str, Any]:
    ordered = sorted(latencies)
    return {
        "requests": sent,
        "completed": len(latencies),
        "errors": errors,
        "wall_s": round(wall, 2),
        "dispatches_per_min": round(len(latencies) / wall * 60, 2) if wall else 0.0,
        "p50_s": _percentile(ordered, 0.5),
        "p95_s": _percentile(ordered, 0.95),
        "p99_s": _percentile(ordered, 0.99),
    }


# -- the run ----------------------------------------------------------------------------------------


def run_serve_bench(
    config: ServeBenchConfig,
    progress: Callable[[str], None] = lambda _: None,
    builders: Builders | None = None,
    root: Path | None = None,
) -> dict[str, Any]:
    """Build the models, load the service and then the peer with the same requests, and compare."""
    check_device(config.device)
    if config.clients < 1 or config.requests < 1 or config.sentences < 0 or config.beams < 1:
        raise MtsError("--clients, --requests and --beams must be at least 1, --lead at least 0")
    build = builders or Builders()
    texts = request_texts(config, root)
    corpus = [d.text for d in candidate_dispatches(root)]
    with tempfile.TemporaryDirectory(prefix="mts-bench-serve-") as tmp:
        work = Path(tmp)
        progress("building a random model with the opus-mt-fr-en architecture")
        fr_en = build.fr_en(work / "opus-mt-fr-en", corpus)
        progress("building a random model with the m2m100_418M architecture")
        fr_ko = build.fr_ko(work / "m2m100_418M", corpus, 0.5)
        paths = {"fr_en": str(fr_en), "fr_ko": str(fr_ko), "work": str(work)}
        progress("starting the service (mts serve's app; loads, converts and warms both models)")
        with _Server("service", paths, config, "/readyz") as server:
            progress(f"{config.clients} clients, {len(texts)} requests to the service")
            bodies = [{"text": text, "langs": list(TARGETS)} for text in texts]
            service = run_load(f"{server.url}/v1/dispatches", bodies, config.clients)
        progress("starting the plain FastAPI peer (stock generate, sentence by sentence)")
        with _Server("peer", paths, config, "/ready") as server:
            progress(f"{config.clients} clients, {len(texts)} requests to the peer")
            peer = run_load(f"{server.url}/translate", [{"text": t} for t in texts], config.clients)
    ratio = (
        round(service["dispatches_per_min"] / peer["dispatches_per_min"], 2)
        if peer["dispatches_per_min"]
        else 0.0
    )
    report: dict[str, Any] = {
        "device": describe_device(config.device),
        "config": asdict(config),
        "words_per_request": round(sum(len(t.split()) for t in texts) / len(texts), 1),
        "service": service,
        "peer": peer,
        "ratio": ratio,
    }
    report["targets"] = [
        {
            "target": f"service ÷ plain FastAPI peer, dispatches/min at {config.clients} clients",
            "goal": "≥ 5",
            "measured": ratio,
            "met": ratio >= 5,
        },
        {
            "target": "service p95 below the peer's (s)",
            "goal": f"< {peer['p95_s']}",
            "measured": service["p95_s"],
            "met": bool(service["completed"]) and service["p95_s"] < peer["p95_s"],
        },
    ]
    return report


def format_serve_table(report: dict[str, Any]) -> str:
    """The report as a Markdown table."""
    config = report["config"]
    lines = [
        f"device: {report['device']}; {config['clients']} clients × {config['requests']} requests, "
        f"{report['words_per_request']} words per request, beam {config['beams']}",
        "",
        "| server | completed | errors | dispatches/min | p50 s | p95 s | p99 s |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, label in (("service", "service (`mts serve` app)"), ("peer", "plain FastAPI + stock generate")):
        row = report[name]
        errors = sum(row["errors"].values())
        lines.append(
            f"| {label} | {row['completed']}/{row['requests']} | {errors} | {row['dispatches_per_min']} | "
            f"{row['p50_s']} | {row['p95_s']} | {row['p99_s']} |"
        )
    lines += ["", f"service ÷ peer: {report['ratio']}×", ""]
    for target in report["targets"]:
        verdict = "met" if target["met"] else "NOT met"
        lines.append(f"- {target['target']}: {target['measured']} (goal {target['goal']}): {verdict}")
    return "\n".join(lines)
