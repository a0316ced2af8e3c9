"""Timed-out requests leave no work behind: their segments never reach the model, in-flight counts
until the work has stopped, and the next request is served within its own timeout."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from api_helpers import wait_ready
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.models.info import ModelInfo
from service.runtime.registry import Loaders, ModelSpec
from service.summarization.base import Summarizer
from service.summarization.registry import SummarizerSpec
from service.translation.base import Translation, Translator
from service.work import checkpoint

SENTENCE = "Le ministre a rencontré son homologue à Séoul mardi."


class SlowTranslator:
    """A model that takes ``delay`` seconds per sentence and checks between sentences, as the real
    translators check between batches; ``gate`` holds it inside a call."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.seen = 0
        self.gate = threading.Event()
        self.gate.set()
        self.entered = threading.Event()
        self.threads: set[str] = set()

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("fake/slow", "0")]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        self.threads.add(threading.current_thread().name)
        self.entered.set()
        self.gate.wait(30)
        out = []
        for text in texts:
            checkpoint()
            time.sleep(self.delay)
            self.seen += 1
            out.append(Translation(f"[{tgt}] {text}", -0.2))
        return out


class ThreadRecordingSummarizer:
    """A model summarizer that records the thread each call runs on."""

    input_lang = "fr"
    output_langs = frozenset({"fr", "en", "ko"})
    prompt_ref = None

    def __init__(self, name: str) -> None:
        self.name = name
        self.threads: list[str] = []

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("fake/summarizer", "0")]

    def summarize(self, document: str, lang: str, n: int) -> list[str]:
        self.threads.append(threading.current_thread().name)
        return [f"Point {i} ({lang})." for i in range(n)]


@pytest.fixture
def app_with(tiny_marian: Path, tiny_m2m100: Path) -> Iterator[object]:
    clients: list[TestClient] = []

    def build(
        translator: Translator, summary_model: Summarizer | None = None, **overrides: object
    ) -> TestClient:
        settings = Settings(model_fr_en=str(tiny_marian), model_fr_ko=str(tiny_m2m100), **overrides)  # type: ignore[arg-type]

        def summarizers(parsed: SummarizerSpec, spec: ModelSpec | None, _s: Settings) -> Summarizer:
            assert summary_model is not None
            return summary_model

        def translators(spec: ModelSpec, _s: Settings) -> Translator:
            return translator

        app = create_app(settings, loaders=Loaders(translators, summarizers))
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        wait_ready(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def _inflight(client: TestClient) -> int:
    return int(client.app.state.service.inflight)  # type: ignore[attr-defined]


def _wait_for(condition: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.01)
    return False


def test_a_timed_out_requests_segments_never_reach_the_model(app_with: object) -> None:
    model = SlowTranslator(delay=0.02)
    client = app_with(model, request_timeout_s=1.0)  # type: ignore[operator]
    model.seen = 0  # the warm-up sentences
    texts = [" ".join([SENTENCE] * 50) for _ in range(8)]  # 400 sentences: about 8 s of model time
    started = time.monotonic()
    answer = client.post("/v1/translate", json={"text": texts, "target": "en"})
    assert answer.status_code == 504, answer.text
    assert answer.json()["error"]["type"] == "timeout"
    assert time.monotonic() - started < 3.0
    assert _wait_for(lambda: _inflight(client) == 0), "the work must stop soon after the timeout"
    seen = model.seen
    time.sleep(0.5)
    assert model.seen == seen, "no segment of the timed-out request reached the model afterwards"
    assert seen < 150, f"{seen} of 400 segments ran for a request that gave up after 1 s"
    # The next short request is served within its own timeout.
    started = time.monotonic()
    ok = client.post("/v1/translate", json={"text": "Bonjour.", "target": "en"})
    assert ok.status_code == 200, ok.text
    assert time.monotonic() - started < 1.0
    assert model.threads == {"mts-infer"}


def test_inflight_counts_a_timed_out_request_until_its_work_has_stopped(app_with: object) -> None:
    model = SlowTranslator(delay=0.0)
    client = app_with(model, request_timeout_s=0.5)  # type: ignore[operator]
    model.gate.clear()
    model.entered.clear()
    answer = client.post("/v1/translate", json={"text": "Un. Deux. Trois.", "target": "en"})
    assert answer.status_code == 504
    assert model.entered.is_set()
    assert _inflight(client) == 1, "the model is still busy with the request's call"
    metrics = client.get("/metrics").text
    assert "mts_inflight_requests 1.0" in metrics
    model.gate.set()
    assert _wait_for(lambda: _inflight(client) == 0)
    assert "mts_inflight_requests 0.0" in client.get("/metrics").text


def test_summarizer_calls_run_through_the_executor(app_with: object, tiny_causal_lm: Path) -> None:
    summarizer = ThreadRecordingSummarizer(f"instruct:{tiny_causal_lm}")
    client = app_with(  # type: ignore[operator]
        SlowTranslator(delay=0.0), summarizer, summarizer=f"instruct:{tiny_causal_lm}"
    )
    answer = client.post("/v1/summarize", json={"text": "Le ministre est arrivé à Séoul mardi. Il a parlé."})
    assert answer.status_code == 200, answer.text
    assert answer.json()["summarizer"]["used"] == summarizer.name
    assert summarizer.threads, "the summarizer was called"
    assert set(summarizer.threads) == {"mts-infer"}, "summaries run on the inference thread, not the API's"
