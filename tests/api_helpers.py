"""Helpers shared by the API tests."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from fastapi.testclient import TestClient

from service.catalog import ModelInfo
from service.translation.base import Translation


class EchoTranslator:
    """Fast deterministic stand-in: tags each text with the target language."""

    def __init__(self, delay: float = 0.0, gate: threading.Event | None = None) -> None:
        self.delay = delay
        self.gate = gate
        self.batches: list[int] = []
        self.entered = threading.Event()

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("fake/echo", "0")]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(30)
        if self.delay:
            time.sleep(self.delay)
        self.batches.append(len(texts))
        return [Translation(f"[{tgt}] {t}", -0.25) for t in texts]


def wait_ready(client: TestClient, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError(f"not ready: {client.get('/readyz').json()}")
