"""Results as they come: `stream: true` on /v1/dispatches and /v1/translate answers server-sent
events, each sentence as it is ready, then the answer the request gives without streaming."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from api_helpers import EchoTranslator
from fastapi.testclient import TestClient

from service.errors import BrokenModelError
from service.models.info import ModelInfo
from service.translation.base import Translation

DISPATCH = (
    "SÉOUL, 12 mars (Yonhap) -- La Corée du Sud et l'Union européenne ont tenu leur premier dialogue. "
    "Les exportations ont augmenté de 2,5 % en février.\n\n"
    "Le ministre a rencontré son homologue japonais à Tokyo. La réunion a duré deux heures. "
    "Une trentaine d'experts y ont participé. Le prochain dialogue aura lieu en 2027."
)
SENTENCES = 6


def events(response: Any) -> list[tuple[str, dict[str, Any]]]:
    """The server-sent events of a streamed answer: (name, data), in order."""
    assert response.headers["content-type"].startswith("text/event-stream")
    found = []
    for block in response.text.split("\n\n"):
        if not block.strip():
            continue
        lines = dict(line.split(": ", 1) for line in block.split("\n"))
        assert set(lines) == {"event", "data"}, block
        found.append((lines["event"], json.loads(lines["data"])))
    return found


def without_timings(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "timings_ms"}


def test_a_streamed_dispatch_sends_each_sentence_then_the_whole_answer(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    plain = client.post("/v1/dispatches", json={"text": DISPATCH})
    streamed = client.post("/v1/dispatches", json={"text": DISPATCH, "stream": True})
    assert plain.status_code == streamed.status_code == 200
    found = events(streamed)
    names = [name for name, _ in found]
    assert names == ["segment"] * (2 * SENTENCES) + ["result"]
    result, unstreamed = found[-1][1], plain.json()
    # The same answer, but for the model's output: the sentences went to it in other batches, and
    # an int8 model's text and scores depend on which sentences share a batch. Bullets that are
    # sentences of the dispatch take their translation, so only the French ones are the same.
    assert set(result) == set(unstreamed)
    assert (
        result["summaries"]["fr"] == unstreamed["summaries"]["fr"]
        and result["source"] == unstreamed["source"]
    )
    for lang in ("en", "ko"):
        assert [s["source"] for s in result["translations"][lang]["segments"]] == [
            s["source"] for s in unstreamed["translations"][lang]["segments"]
        ]
        assert len(result["summaries"][lang]) == len(unstreamed["summaries"][lang])
    # English sentences first, in order, then Korean; each as the result holds it.
    segments = [data for _, data in found[:-1]]
    assert [(s["lang"], s["index"]) for s in segments] == [
        (lang, i) for lang in ("en", "ko") for i in range(SENTENCES)
    ]
    for segment in segments:
        own = dict(segment)
        lang, index = own.pop("lang"), own.pop("index")
        assert own == result["translations"][lang]["segments"][index]


def test_a_streamed_translation_names_each_sentences_text(make_client: Callable[..., TestClient]) -> None:
    client = make_client()
    texts = [DISPATCH, "Le ministre est arrivé à Séoul mardi. Il repart jeudi."]
    body = {"text": texts, "target": "en"}
    plain = client.post("/v1/translate", json=body)
    found = events(client.post("/v1/translate", json=body | {"stream": True}))
    assert [name for name, _ in found] == ["segment"] * (SENTENCES + 2) + ["result"]
    result = found[-1][1]
    assert set(result) == set(plain.json()) and len(result["translations"]) == 2
    assert [(d["text"], d["index"]) for _, d in found[:-1]] == [(0, i) for i in range(SENTENCES)] + [
        (1, 0),
        (1, 1),
    ]
    for _, data in found[:-1]:
        own = {k: v for k, v in data.items() if k not in ("text", "index")}
        assert own == result["translations"][data["text"]]["segments"][data["index"]]


def test_streaming_sends_sentences_in_growing_runs_and_not_streaming_in_one(
    make_client: Callable[..., TestClient],
) -> None:
    fake = EchoTranslator()
    client = make_client(fake=fake)
    fake.batches.clear()  # the warm-up's
    body = {"text": DISPATCH, "target": "en"}
    plain = client.post("/v1/translate", json=body)
    assert fake.batches == [SENTENCES]
    fake.batches.clear()
    answer = client.post("/v1/translate", json=body | {"stream": True})
    assert fake.batches == [1, 2, 3]
    # With the same translations, the streamed answer is the unstreamed one.
    assert events(answer)[-1][1] == plain.json()
    dispatch = {"text": DISPATCH, "langs": ["en", "ko"]}
    unstreamed = client.post("/v1/dispatches", json=dispatch).json()
    streamed = events(client.post("/v1/dispatches", json=dispatch | {"stream": True}))[-1][1]
    assert without_timings(streamed) == without_timings(unstreamed)


def test_a_request_refused_before_its_first_sentence_is_answered_as_without_streaming(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client()
    pair = client.post("/v1/translate", json={"text": DISPATCH, "target": "de", "stream": True})
    assert pair.status_code == 400
    assert pair.headers["content-type"] == "application/json"
    assert pair.json()["error"]["type"] == "unsupported_language_pair"
    glossary = client.post(
        "/v1/dispatches",
        json={"text": DISPATCH, "stream": True, "glossary": [{"source": "", "en": "x"}]},
    )
    assert glossary.status_code in (400, 422), glossary.text
    assert glossary.headers["content-type"] == "application/json"
    empty = client.post("/v1/dispatches", json={"text": "  ", "stream": True})
    assert empty.status_code == 400 and empty.json()["error"]["message"] == "text 0 is empty"


class FailingAfterFirst:
    """Once ``calls`` is set to 0, translates its first call, then fails as a broken model does."""

    def __init__(self) -> None:
        self.calls = -1000  # the warm-up's calls succeed

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("fake/failing", "0")]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        self.calls += 1
        if self.calls > 1:
            raise BrokenModelError("the model produced no output")
        return [Translation(f"[{tgt}] {t}", -0.2) for t in texts]


def test_a_failure_after_the_first_sentence_ends_the_stream_with_an_error_event(
    make_client: Callable[..., TestClient],
) -> None:
    fake = FailingAfterFirst()
    client = make_client(fake=fake)
    fake.calls = 0
    answer = client.post(
        "/v1/dispatches", json={"text": DISPATCH, "stream": True}, headers={"X-Request-ID": "r1"}
    )
    assert answer.status_code == 200
    found = events(answer)
    assert [name for name, _ in found] == ["segment", "error"]
    assert found[-1][1] == {
        "status": 503,
        "error": {"type": "model_broken", "message": "the model produced no output"},
        "request_id": "r1",
    }


class HeldAfterFirst:
    """Once ``calls`` is set to 0, translates its first call, then waits on ``gate`` (checking its
    ticket) before each other."""

    def __init__(self) -> None:
        self.calls = -1000  # the warm-up's calls go through
        self.gate = threading.Event()

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("fake/held", "0")]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        from service.work import checkpoint

        self.calls += 1
        while self.calls > 1 and not self.gate.wait(0.05):
            checkpoint()
        return [Translation(f"[{tgt}] {t}", -0.2) for t in texts]


def test_a_stream_past_the_request_timeout_ends_with_a_timeout_event(
    make_client: Callable[..., TestClient],
) -> None:
    fake = HeldAfterFirst()
    client = make_client(fake=fake, request_timeout_s=1.0)
    fake.calls = 0
    found = events(client.post("/v1/translate", json={"text": DISPATCH, "target": "en", "stream": True}))
    fake.gate.set()
    assert [name for name, _ in found] == ["segment", "error"]
    assert found[-1][1]["status"] == 504 and found[-1][1]["error"]["type"] == "timeout"


@pytest.mark.parametrize("path", ["/v1/dispatches", "/v1/translate"])
def test_the_api_description_documents_the_event_stream(
    make_client: Callable[..., TestClient], path: str
) -> None:
    description = make_client(fake=EchoTranslator()).get("/openapi.json").json()
    operation = description["paths"][path]["post"]
    assert "text/event-stream" in operation["responses"]["200"]["content"]
    request = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert description["components"]["schemas"][request]["properties"]["stream"]["default"] is False


def test_a_client_that_leaves_mid_stream_stops_its_work(make_client: Callable[..., TestClient]) -> None:
    """Over a real connection (uvicorn on loopback): the client reads the first sentence and
    closes; the rest of the work is cancelled, long before the request's timeout."""
    import httpx
    import uvicorn
    from api_helpers import free_port

    fake = HeldAfterFirst()
    app = make_client(fake=fake, request_timeout_s=120.0).app
    state = app.state.service
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        fake.calls = 0
        body = {"text": DISPATCH, "target": "en", "stream": True}
        url = f"http://127.0.0.1:{port}/v1/translate"
        with httpx.Client(timeout=30) as client, client.stream("POST", url, json=body) as response:
            lines = response.iter_lines()  # kept: dropping it would close the response
            assert next(lines) == "event: segment"
            deadline = time.monotonic() + 10
            while fake.calls < 2 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert state.inflight == 1 and fake.calls == 2  # held in its second call
            response.close()
        deadline = time.monotonic() + 10
        while state.inflight and time.monotonic() < deadline:
            time.sleep(0.05)
        assert state.inflight == 0, "the work of a client that left must stop"
        assert fake.calls == 2 and not fake.gate.is_set()
    finally:
        fake.gate.set()
        server.should_exit = True
        thread.join(10)
