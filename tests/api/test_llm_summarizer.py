"""/v1/dispatches with an openai:<model> summarizer against a real ``transformers serve`` (through the
recording proxy): the bullets come from the server, a 503 is retried, and /metrics counts it all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from llm_server import GOOD, Proxy, answers


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
