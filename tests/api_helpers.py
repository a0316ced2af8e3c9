"""Helpers shared by the API tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
from fastapi.testclient import TestClient

from service.models.info import ModelInfo
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


# A stand-in engine that writes Korean in the polite register (as general models tend to), so
# that the style step has something to convert. English goes through tagged.
PHRASES = {
    "Le ministre est arrivé à Séoul mardi.": "장관은 화요일 서울에 도착했습니다.",
    "Il a rencontré 34 300 personnes.": "그는 3만4천300명을 만났습니다.",
    "La réunion est importante.": "회의는 중요합니다.",
}


class PoliteKorean:
    """Writes the Korean of :data:`PHRASES` (other sentences: one polite verb); tags English."""

    @property
    def models(self) -> list[ModelInfo]:
        return [ModelInfo("fake/polite", "0")]

    def translate(self, texts: Sequence[str], src: str, tgt: str) -> list[Translation]:
        if tgt == "ko":
            return [Translation(PHRASES.get(t, "확인했습니다."), -0.2) for t in texts]
        return [Translation(f"[{tgt}] {t}", -0.2) for t in texts]


def wait_ready(client: TestClient, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == 200:
            return
        time.sleep(0.05)
    raise AssertionError(f"not ready: {client.get('/readyz').json()}")


MTS = str(Path(sys.executable).with_name("mts"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until_serving(proc: subprocess.Popen[bytes], base: str, log: Path, timeout: float = 120.0) -> None:
    """Wait for a started `mts serve` to answer /readyz 200; fail with its log if it exits or
    stays unready."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server not ready: {log.read_text()}")


@contextmanager
def running_server(workdir: Path, **settings: str) -> Iterator[str]:
    """A real `mts serve` on a free loopback port with these MTS_ settings, once /readyz says
    ready; stopped afterwards, and its log must hold no traceback."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")}
    env["MTS_DOCUMENTS_PATH"] = str(workdir / "documents")
    env["MTS_GLOSSARIES_PATH"] = str(workdir / "glossaries.db")
    env.update(settings)
    log = workdir / "server.log"
    with log.open("wb") as sink:
        proc = subprocess.Popen([MTS, "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_until_serving(proc, base, log)
            yield base
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    assert "Traceback" not in log.read_text(), log.read_text()
