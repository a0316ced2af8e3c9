"""The API with an LLM server (through the recording proxy in front of a real ``transformers serve``):
openai:<model> bullets, a 503 retried, the requests counted in /metrics, and a translation route
whose server is down."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from llm_server import GOOD, Proxy, answers, free_port


@pytest.mark.slow
def test_dispatches_route_uses_the_server_and_counts_its_requests(
    make_client: Callable[..., TestClient], llm_proxy: Proxy, tiny_causal_lm: Path
) -> None:
    spec = f"openai:{tiny_causal_lm}"
    client = make_client(llm_url=llm_proxy.url, summarizers=f"extractive,{spec}")
    llm_proxy.script = ["status:503", *answers()]
    response = client.post(
        "/v1/dispatches",
        json={
            "text": "Le ministre s'est rendu à Tokyo mardi. Il y a signé trois accords.",
            "summarizer": spec,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["summarizer"]["used"] == spec
    assert [b["text"] for b in body["summaries"]["en"]] == GOOD["en"]
    metrics = client.get("/metrics").text
    endpoint = llm_proxy.origin
    assert (
        f'mts_llm_requests_total{{endpoint="{endpoint}",model="{tiny_causal_lm}",outcome="ok"}} 3.0'
        in metrics
    )
    assert (
        f'mts_llm_requests_total{{endpoint="{endpoint}",model="{tiny_causal_lm}",outcome="http_503"}} 1.0'
        in metrics
    )
    assert f'mts_llm_request_duration_seconds_count{{endpoint="{endpoint}"}} 4.0' in metrics
    prompt_tokens = [
        line for line in metrics.splitlines() if line.startswith("mts_llm_tokens_total") and "prompt" in line
    ]
    assert prompt_tokens and float(prompt_tokens[0].rsplit(" ", 1)[1]) > 0


def test_a_translation_route_through_a_server_that_is_down_is_502(
    make_client: Callable[..., TestClient], tiny_causal_lm: Path
) -> None:
    """The service starts and is ready without the server (it may start later); a request that needs
    it gets 502 with the reason, not a 500, and the English route still works."""
    url = f"http://127.0.0.1:{free_port()}/v1"
    client = make_client(model_fr_ko=f"openai:{tiny_causal_lm}", llm_url=url, llm_retries=0)
    response = client.post("/v1/translate", json={"text": "Le ministre est arrivé.", "target": "ko"})
    assert response.status_code == 502, response.text
    error = response.json()["error"]
    assert error["type"] == "llm_unavailable" and "cannot connect" in error["message"]
    assert (
        client.post("/v1/translate", json={"text": "Le ministre est arrivé.", "target": "en"}).status_code
        == 200
    )
    models = client.get("/v1/models").json()["models"]
    assert any(m["status"] == "remote" and m["used_by"] == ["MTS_MODEL_FR_KO"] for m in models)
