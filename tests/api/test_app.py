"""The HTTP API through the real app (lifespan included)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from api_helpers import EchoTranslator, wait_ready
from conftest import SAMPLE
from fastapi.testclient import TestClient

from service.text.segment import segment

Client = Callable[..., TestClient]


def test_health_and_readiness_flip_after_warm_up(make_client: Client) -> None:
    gate = threading.Event()
    client = make_client(fake=EchoTranslator(gate=gate), ready=False)
    assert client.get("/livez").json() == {"status": "alive"}
    not_ready = client.get("/readyz")
    assert not_ready.status_code == 503
    assert "loading" in not_ready.json()["reason"]
    early = client.post("/v1/translate", json={"text": "Bonjour.", "target": "en"})
    assert early.status_code == 503
    assert early.json()["error"]["type"] == "not_ready"
    assert early.headers["Retry-After"]
    gate.set()
    wait_ready(client)
    assert client.get("/readyz").json() == {"status": "ready"}


def test_translate_with_tiny_models(make_client: Client) -> None:
    client = make_client()
    text = SAMPLE.read_text(encoding="utf-8")
    response = client.post("/v1/translate", json={"text": text, "source": "fr", "target": "ko"})
    assert response.status_code == 200, response.text
    (result,) = response.json()["translations"]
    assert result["target_lang"] == "ko"
    assert [s["source"] for s in result["segments"]] == [s.text for s in segment(text)]
    assert result["translation"].strip().count("\n\n") == text.strip().count("\n\n")
    assert response.headers["X-Request-ID"]

    many = client.post("/v1/translate", json={"text": ["Un.", "Deux phrases. Ici."], "target": "en"})
    assert many.status_code == 200
    assert [len(r["segments"]) for r in many.json()["translations"]] == [1, 2]


def test_source_auto_reports_detection(make_client: Client) -> None:
    client = make_client(fake=EchoTranslator())
    body = {
        "text": "La Corée du Nord a tiré deux missiles balistiques vers la mer de l'Est.",
        "source": "auto",
        "target": "en",
    }
    data = client.post("/v1/translate", json=body).json()
    assert data["detected_language"][0]["language"] == "fr"
    assert data["translations"][0]["translation"].startswith("[en] ")


def test_dispatches_and_summarize(make_client: Client) -> None:
    client = make_client(fake=EchoTranslator())
    text = SAMPLE.read_text(encoding="utf-8")
    full = client.post("/v1/dispatches", json={"text": text, "id": "yna-1", "bullets": 4})
    assert full.status_code == 200, full.text
    data = full.json()
    assert data["id"] == "yna-1"
    assert set(data["translations"]) == {"en", "ko"}
    assert {lang: len(b) for lang, b in data["summaries"].items()} == {"fr": 4, "en": 4, "ko": 4}
    summary = client.post("/v1/summarize", json={"text": text, "langs": ["ko"]})
    assert summary.status_code == 200, summary.text
    assert set(summary.json()["summaries"]) == {"fr", "ko"}
    assert "translations" not in summary.json()


def test_languages_and_models(make_client: Client) -> None:
    client = make_client()
    languages = client.get("/v1/languages").json()
    assert languages["pairs"] == [{"source": "fr", "target": "en"}, {"source": "fr", "target": "ko"}]
    models = client.get("/v1/models").json()["models"]
    configured = {setting: m for m in models for setting in m["used_by"]}
    assert set(configured) == {"MTS_MODEL_FR_EN", "MTS_MODEL_FR_KO"}
    assert all(m["loaded"] for m in configured.values())
    assert {m["backend"] for m in configured.values()} == {"ctranslate2-int8"}
    assert configured["MTS_MODEL_FR_EN"]["revision"] == "local"
    assert not any(m["loaded"] for m in models if not m["used_by"]), "catalog models are not loaded"


def test_libretranslate_shapes(make_client: Client) -> None:
    client = make_client(fake=EchoTranslator())
    one = client.post("/translate", json={"q": "Bonjour le monde.", "source": "fr", "target": "en"})
    assert one.json() == {"translatedText": "[en] Bonjour le monde."}
    form = client.post("/translate", data={"q": "Bonjour.", "source": "fr", "target": "ko", "format": "text"})
    assert form.json() == {"translatedText": "[ko] Bonjour."}
    auto = client.post(
        "/translate",
        json={
            "q": ["Le ministre est arrivé à Séoul mardi soir.", "Salut."],
            "source": "auto",
            "target": "en",
        },
    ).json()
    assert isinstance(auto["translatedText"], list) and len(auto["translatedText"]) == 2
    assert auto["detectedLanguage"][0]["language"] == "fr"
    html = client.post(
        "/translate", json={"q": "<b>Salut</b>", "source": "fr", "target": "en", "format": "html"}
    )
    # The echo translator aligns nothing: the tag covers its whole translated sentence.
    assert html.json() == {"translatedText": "<b>[en] Salut</b>"}
    unknown = client.post("/translate", json={"q": "Salut", "source": "fr", "target": "en", "format": "xml"})
    assert unknown.status_code == 400 and isinstance(unknown.json()["error"], str)
    bad_pair = client.post("/translate", json={"q": "Salut.", "source": "fr", "target": "de"})
    assert bad_pair.status_code == 400 and "fr→en" in bad_pair.json()["error"]
    languages = client.get("/languages").json()
    assert {"code": "fr", "name": "French", "targets": ["en", "ko"]} in languages
    detected = client.post("/detect", data={"q": "조태열 외교부 장관은 화요일 서울에서 회담했다."}).json()
    assert detected[0]["language"] == "ko" and 0 <= detected[0]["confidence"] <= 100


BAD_INPUTS: list[tuple[str, str, dict[str, Any], int]] = [
    ("missing target", "/v1/translate", {"json": {"text": "Salut."}}, 422),
    ("wrong type", "/v1/translate", {"json": {"text": 42, "target": "en"}}, 422),
    ("unknown field", "/v1/translate", {"json": {"text": "Salut.", "target": "en", "tgt": "ko"}}, 422),
    ("empty text", "/v1/translate", {"json": {"text": "", "target": "en"}}, 400),
    ("blank text", "/v1/translate", {"json": {"text": "   ", "target": "en"}}, 400),
    ("empty list", "/v1/translate", {"json": {"text": [], "target": "en"}}, 400),
    ("unsupported pair", "/v1/translate", {"json": {"text": "Salut.", "source": "de", "target": "en"}}, 400),
    ("unsupported target", "/v1/translate", {"json": {"text": "Salut.", "target": "ja"}}, 400),
    ("too many texts", "/v1/translate", {"json": {"text": ["a"] * 65, "target": "en"}}, 413),
    ("text too long", "/v1/translate", {"json": {"text": "a" * 20_001, "target": "en"}}, 413),
    ("body too large", "/v1/translate", {"content": b'{"text": "' + b"a" * 2_100_000 + b'"}'}, 413),
    (
        "not json",
        "/v1/translate",
        {"content": b"text=Salut", "headers": {"content-type": "application/json"}},
        422,
    ),
    (
        "not utf-8",
        "/v1/translate",
        {"content": b'{"text": "S\xe9oul", "target": "en"}', "headers": {"content-type": "application/json"}},
        400,
    ),
    (
        "deeply nested",
        "/v1/translate",
        {"content": b"[" * 100_000 + b"]" * 100_000, "headers": {"content-type": "application/json"}},
        400,
    ),
    ("json array", "/v1/translate", {"json": ["Salut."]}, 422),
    ("bullets out of range", "/v1/dispatches", {"json": {"text": "Salut.", "bullets": 9}}, 422),
    (
        "unknown summarizer",
        "/v1/dispatches",
        {"json": {"text": "Salut tout le monde.", "summarizer": "magic"}},
        400,
    ),
    ("bad langs", "/v1/dispatches", {"json": {"text": "Salut.", "langs": ["de"]}}, 400),
    ("lt missing q", "/translate", {"json": {"source": "fr", "target": "en"}}, 400),
    ("lt bad json", "/translate", {"content": b"{", "headers": {"content-type": "application/json"}}, 400),
    (
        "lt nested",
        "/translate",
        {"content": b"[" * 100_000, "headers": {"content-type": "application/json"}},
        400,
    ),
    ("lt detect empty", "/detect", {"json": {"q": ""}}, 400),
]


@pytest.mark.parametrize(("case", "path", "kwargs", "status"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_bad_input_gets_a_clear_4xx(
    make_client: Client, case: str, path: str, kwargs: dict[str, Any], status: int
) -> None:
    client = make_client(fake=EchoTranslator())
    response = client.post(path, **kwargs)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    message = error if isinstance(error, str) else error["message"]
    assert message and "Traceback" not in message


def test_wrong_method_and_unknown_route(make_client: Client) -> None:
    client = make_client(fake=EchoTranslator())
    assert client.get("/v1/translate").status_code == 405
    assert client.get("/v1/nope").json()["error"]["type"] == "not_found"


def test_api_keys_and_rate_limits(make_client: Client) -> None:
    client = make_client(fake=EchoTranslator(), api_keys="k1,k2", rate_limit_per_minute=2)
    body = {"text": "Salut.", "target": "en"}
    missing = client.post("/v1/translate", json=body)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"] == "Bearer"
    assert (
        client.post("/v1/translate", json=body, headers={"Authorization": "Bearer nope"}).status_code == 403
    )
    ok = client.post("/v1/translate", json=body, headers={"Authorization": "Bearer k1"})
    assert ok.status_code == 200
    lt = client.post("/translate", json={"q": "Salut.", "source": "fr", "target": "en", "api_key": "k1"})
    assert lt.status_code == 200
    limited = client.post("/v1/translate", json=body, headers={"Authorization": "Bearer k1"})
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert client.post("/v1/translate", json=body, headers={"Authorization": "Bearer k2"}).status_code == 200
    assert client.post("/translate", json={"q": "Salut.", "target": "en"}).status_code == 401
    assert client.get("/livez").status_code == 200 and client.get("/readyz").status_code == 200


def test_queue_full_and_timeout(make_client: Client) -> None:
    gate = threading.Event()
    fake = EchoTranslator(gate=gate)
    client = make_client(fake=fake, ready=False, max_queue=3)
    gate.set()
    wait_ready(client)
    too_big = client.post("/v1/translate", json={"text": "Un. Deux. Trois. Quatre.", "target": "en"})
    assert too_big.status_code == 413, "a request larger than the whole queue can never fit"
    gate.clear()
    fake.entered.clear()
    with ThreadPoolExecutor(2) as pool:
        held = pool.submit(client.post, "/v1/translate", json={"text": "Un.", "target": "en"})
        assert fake.entered.wait(10), "the first request must be running (and blocked) in the model"
        queued = pool.submit(client.post, "/v1/translate", json={"text": "Un. Deux.", "target": "en"})
        deadline = time.monotonic() + 10
        while client.app.state.service.runtime.executor.queue_depth < 2 and time.monotonic() < deadline:  # type: ignore[attr-defined]
            time.sleep(0.01)
        full = client.post("/v1/translate", json={"text": "Un. Deux.", "target": "en"})
        gate.set()
        assert held.result().status_code == 200 and queued.result().status_code == 200
    assert full.status_code == 503 and full.headers["Retry-After"]
    assert full.json()["error"]["type"] == "queue_full"

    slow_fake = EchoTranslator(delay=0.0)
    slow = make_client(fake=slow_fake, request_timeout_s=0.3)
    slow_fake.delay = 1.0
    timed_out = slow.post("/v1/translate", json={"text": "Salut.", "target": "en"})
    assert timed_out.status_code == 504


def test_concurrent_answers_match_sequential_answers_and_share_batches(make_client: Client) -> None:
    fake = EchoTranslator(delay=0.02)
    client = make_client(fake=fake, batch_wait_ms=20)
    texts = [f"Phrase numéro {i}. Elle a {i % 3 + 1} parties." for i in range(100)]
    sequential = [client.post("/v1/translate", json={"text": t, "target": "ko"}).json() for t in texts[:5]]
    fake.batches.clear()
    with ThreadPoolExecutor(32) as pool:
        answers = list(
            pool.map(lambda t: client.post("/v1/translate", json={"text": t, "target": "ko"}), texts)
        )
    assert [a.status_code for a in answers] == [200] * 100
    for text, answer in zip(texts, answers, strict=True):
        (result,) = answer.json()["translations"]
        assert [s["translation"] for s in result["segments"]] == [f"[ko] {s.text}" for s in segment(text)]
    assert [a.json() for a in answers[:5]] == sequential
    assert max(fake.batches) > 1, "concurrent requests must share model batches"


def test_metrics_report_requests_batches_and_state(make_client: Client) -> None:
    client = make_client(fake=EchoTranslator())
    client.post("/v1/translate", json={"text": "Un. Deux.", "target": "en"})
    client.post("/v1/translate", json={"target": "en"})
    text = client.get("/metrics").text
    assert 'mts_requests_total{method="POST",route="/v1/translate",status="200"}' in text
    assert 'mts_errors_total{route="/v1/translate",status="422"}' in text
    assert 'mts_batch_size_count{pair="fr-en"}' in text
    assert 'mts_model_loaded{pair="fr-ko"} 1.0' in text
    assert "mts_ready 1.0" in text
    assert 'mts_queue_depth{pair="fr-en"} 0.0' in text


def test_openapi_documents_every_route(make_client: Client) -> None:
    client = make_client(fake=EchoTranslator())
    schema = client.get("/openapi.json").json()
    for path in ("/v1/translate", "/v1/dispatches", "/v1/summarize", "/v1/languages", "/v1/models",
                 "/translate", "/languages", "/detect", "/livez", "/readyz", "/metrics"):  # fmt: skip
        assert path in schema["paths"], path
    translate = schema["components"]["schemas"]["TranslateRequest"]
    assert translate["properties"]["text"]["examples"]
    assert json.dumps(schema)
