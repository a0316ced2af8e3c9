"""The Korean style option on every HTTP entry point: `/v1/translate`, `/v1/dispatches`,
`/v1/summarize` and document jobs, with the server's setting as the default and a clear error for
a style that does not exist."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from api_helpers import PHRASES, PoliteKorean, wait_ready
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.api.documents import install_documents
from service.config import Settings
from service.runtime.registry import Loaders

TEXT = " ".join(PHRASES)
NEWS = "장관은 화요일 서울에 도착했다. 그는 3만4천300명을 만났다. 회의는 중요하다."
POLITE = " ".join(PHRASES.values())


@pytest.fixture
def make_polite_client(
    tiny_marian: Path, tiny_m2m100: Path, tmp_path: Path
) -> Iterator[Callable[..., TestClient]]:
    """A started app (with document jobs) whose engine writes polite Korean (the tiny models'
    folders stand for the configured models)."""
    clients: list[TestClient] = []

    def build(**overrides: Any) -> TestClient:
        settings = Settings(
            **(
                {
                    "model_fr_en": str(tiny_marian),
                    "model_fr_ko": str(tiny_m2m100),
                    "summarizer": "extractive",
                    "documents_path": tmp_path / "documents",
                }
                | overrides
            )
        )
        app = create_app(settings, loaders=Loaders(translator=lambda spec, s: PoliteKorean()))
        install_documents(app, app.state.service)
        client = TestClient(app, raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        wait_ready(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def _translate(client: TestClient, **fields: Any) -> str:
    response = client.post("/v1/translate", json={"text": TEXT, "target": "ko", **fields})
    assert response.status_code == 200, response.text
    text: str = response.json()["translations"][0]["translation"]
    return text


def test_translate_takes_the_style_and_defaults_to_the_setting(
    make_polite_client: Callable[..., TestClient],
) -> None:
    client = make_polite_client()
    assert _translate(client) == NEWS
    assert _translate(client, style="polite") == POLITE
    assert _translate(client, style="news") == NEWS
    polite_server = make_polite_client(korean_style="polite")
    assert _translate(polite_server) == POLITE
    assert _translate(polite_server, style="news") == NEWS


def test_dispatches_and_summaries_write_korean_in_the_style(
    make_polite_client: Callable[..., TestClient],
) -> None:
    client = make_polite_client()
    body = {"text": TEXT, "langs": ["ko"], "bullets": 3}
    polite = client.post("/v1/dispatches", json=body | {"style": "polite"})
    assert polite.status_code == 200, polite.text
    assert polite.json()["translations"]["ko"]["translation"] == POLITE
    assert all(b["text"].endswith("니다.") for b in polite.json()["summaries"]["ko"])
    news = client.post("/v1/summarize", json=body)
    assert news.status_code == 200, news.text
    bullets = news.json()["summaries"]["ko"]
    assert bullets
    assert not [b["text"] for b in bullets if b["text"].endswith("니다.")]


def test_an_unknown_style_is_refused_with_the_choices(make_polite_client: Callable[..., TestClient]) -> None:
    client = make_polite_client()
    for route, body in (
        ("/v1/translate", {"text": TEXT, "target": "ko"}),
        ("/v1/dispatches", {"text": TEXT}),
        ("/v1/summarize", {"text": TEXT}),
    ):
        response = client.post(route, json=body | {"style": "formal"})
        assert response.status_code == 422, (route, response.text)
        assert "style" in response.text and "polite" in response.text
    upload = client.post(
        "/v1/documents",
        files={"file": ("dispatch.txt", TEXT.encode())},
        data={"target": "ko", "style": "formal"},
    )
    assert upload.status_code == 400, upload.text
    assert "unknown style 'formal'; the styles are: news, polite" in upload.json()["error"]["message"]
    assert client.get("/v1/documents").json()["jobs"] == []  # nothing queued


def _document(client: TestClient, **fields: str) -> str:
    created = client.post(
        "/v1/documents", files={"file": ("dispatch.txt", TEXT.encode())}, data={"target": "ko", **fields}
    )
    assert created.status_code == 202, created.text
    job_id = created.json()["id"]
    deadline = time.monotonic() + 60
    while client.get(f"/v1/documents/{job_id}").json()["status"] not in ("done", "failed"):
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.05)
    result = client.get(f"/v1/documents/{job_id}/result")
    assert result.status_code == 200, result.text
    return result.content.decode("utf-8").strip()


def test_document_jobs_keep_the_style_given_at_upload(make_polite_client: Callable[..., TestClient]) -> None:
    client = make_polite_client()
    assert _document(client, style="polite") == POLITE
    assert _document(client) == NEWS
