"""`mts serve` as a real server on loopback: concurrency, batching, and a LibreTranslate client."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_helpers import running_server

SENTENCES = [
    "Le ministre des Affaires étrangères a rencontré son homologue à Séoul.",
    "La Corée du Nord a tiré un missile balistique vers la mer de l'Est.",
    "Le taux de chômage a atteint 2,5 % en mars.",
    "Les exportations ont augmenté de 3.000 milliards de wons.",
    "Une trentaine d'experts ont participé au dialogue.",
]


@pytest.fixture(scope="module")
def server(tiny_marian: Path, tiny_m2m100: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_server(
        tmp_path_factory.mktemp("server"),
        MTS_MODEL_FR_EN=str(tiny_marian),
        MTS_MODEL_FR_KO=str(tiny_m2m100),
        MTS_MODELS_DIR=str(tmp_path_factory.mktemp("models")),
        MTS_NUM_BEAMS="1",
        MTS_DEVICE="cpu",
        MTS_BATCH_WAIT_MS="20",
        MTS_LOG_JSON="true",
    ) as base:
        yield base


@pytest.mark.slow
def test_200_concurrent_requests_succeed_and_share_batches(server: str) -> None:
    # Random tiny weights make near-ties everywhere, so batched and single runs may pick different
    # tokens; that answers go back to the right request is checked exactly in test_app.py.

    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
        async with httpx.AsyncClient(base_url=server, timeout=120, limits=limits) as client:
            return await asyncio.gather(
                *(
                    client.post("/v1/translate", json={"text": SENTENCES[i % len(SENTENCES)], "target": "en"})
                    for i in range(200)
                )
            )

    responses = asyncio.run(burst())
    assert [r.status_code for r in responses] == [200] * 200
    for i, response in enumerate(responses):
        (result,) = response.json()["translations"]
        assert [s["source"] for s in result["segments"]] == [SENTENCES[i % len(SENTENCES)]]
        assert result["translation"]

    metrics = httpx.get(f"{server}/metrics").text
    count = float(re.search(r'mts_batch_size_count\{pair="fr-en"\} (\S+)', metrics).group(1))  # type: ignore[union-attr]
    total = float(re.search(r'mts_batch_size_sum\{pair="fr-en"\} (\S+)', metrics).group(1))  # type: ignore[union-attr]
    assert total >= 200
    assert total / count > 1.0, "concurrent requests must share batches"


def test_libretranslate_client_library_translates(server: str) -> None:
    from libretranslatepy import LibreTranslateAPI

    client = LibreTranslateAPI(server + "/")
    translated = client.translate("Le ministre est arrivé à Séoul.", source="fr", target="en")
    assert isinstance(translated, str) and translated
    assert {lang["code"] for lang in client.languages()} >= {"fr", "en", "ko"}
    assert client.detect("La Corée du Nord a tiré deux missiles balistiques mardi.")[0]["language"] == "fr"


def test_libretranslate_html_and_alternatives_as_its_clients_send_them(server: str) -> None:
    """libretranslatepy 2.1 posts form fields with urllib and has no argument for `format` or
    `alternatives`; a client that adds them to the same form gets LibreTranslate's answers."""
    import json as json_module
    from urllib import parse, request

    def post(**fields: str) -> dict[str, object]:
        data = parse.urlencode({"source": "fr", "target": "en", **fields}).encode()
        with request.urlopen(request.Request(server + "/translate", data=data), timeout=60) as answer:
            result: dict[str, object] = json_module.loads(answer.read().decode())
        return result

    html = post(q='<p>Le ministre est <a href="/cho">arrivé</a> à Séoul.</p>', format="html")
    translated = str(html["translatedText"])
    assert translated.startswith("<p>") and translated.count('<a href="/cho">') == 1
    assert translated.endswith("</p>") and "alternatives" not in html
    several = post(q="Le ministre est arrivé à Séoul.", alternatives="2")
    assert isinstance(several["translatedText"], str)
    assert isinstance(several["alternatives"], list) and len(several["alternatives"]) <= 2


@pytest.mark.slow
def test_a_streamed_dispatch_arrives_sentence_by_sentence_over_http(server: str) -> None:
    """Server-sent events over a real connection, read as they come: every sentence in order,
    English then Korean, before the whole answer; the answer holds the same sentences."""
    dispatch = " ".join(SENTENCES[:3]) + "\n\n" + " ".join(SENTENCES[3:])
    seen: list[tuple[str, dict[str, object]]] = []
    with (
        httpx.Client(timeout=120) as client,
        client.stream("POST", f"{server}/v1/dispatches", json={"text": dispatch, "stream": True}) as response,
    ):
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        name = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                name = line[len("event: ") :]
            elif line.startswith("data: "):
                assert name is not None
                seen.append((name, json.loads(line[len("data: ") :])))
                name = None
    assert [name for name, _ in seen] == ["segment"] * 10 + ["result"]
    result = seen[-1][1]
    assert isinstance(result, dict) and set(result) >= {"translations", "summaries", "timings_ms"}
    order = [(data["lang"], data["index"], data["paragraph"]) for _, data in seen[:-1]]
    assert order == [(lang, i, 0 if i < 3 else 1) for lang in ("en", "ko") for i in range(5)]
    for _, data in seen[:-1]:
        assert set(data) == {
            "lang",
            "index",
            "paragraph",
            "source",
            "translation",
            "score",
            "flags",
            "findings",
        }
        segment = {k: v for k, v in data.items() if k not in ("lang", "index")}
        assert segment == result["translations"][data["lang"]]["segments"][data["index"]]  # type: ignore[index]
