"""`mts serve` as a real server on loopback: concurrency, batching, and a LibreTranslate client."""

from __future__ import annotations

import asyncio
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

MTS = str(Path(sys.executable).with_name("mts"))
SENTENCES = [
    "Le ministre des Affaires étrangères a rencontré son homologue à Séoul.",
    "La Corée du Nord a tiré un missile balistique vers la mer de l'Est.",
    "Le taux de chômage a atteint 2,5 % en mars.",
    "Les exportations ont augmenté de 3.000 milliards de wons.",
    "Une trentaine d'experts ont participé au dialogue.",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tiny_marian: Path, tiny_m2m100: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")}
    env.update(
        MTS_MODEL_FR_EN=str(tiny_marian),
        MTS_MODEL_FR_KO=str(tiny_m2m100),
        MTS_MODELS_DIR=str(tmp_path_factory.mktemp("models")),
        MTS_NUM_BEAMS="1",
        MTS_DEVICE="cpu",
        MTS_BATCH_WAIT_MS="20",
        MTS_LOG_JSON="true",
    )
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([MTS, "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                assert proc.poll() is None, log.read_text()
                try:
                    if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            else:
                raise AssertionError(f"server not ready: {log.read_text()}")
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert "Traceback" not in log.read_text(), log.read_text()


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
