"""Fixtures for API tests: apps over tiny models or over deterministic fake translators."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from api_helpers import EchoTranslator, wait_ready
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from service.runtime.registry import Loaders


@pytest.fixture
def make_client(tiny_marian: Path, tiny_m2m100: Path) -> Iterator[Callable[..., TestClient]]:
    """Build a started TestClient; ``fake=`` swaps the models for an EchoTranslator."""
    clients: list[TestClient] = []

    def build(fake: EchoTranslator | None = None, ready: bool = True, **overrides: Any) -> TestClient:
        base: dict[str, Any] = {
            "model_fr_en": str(tiny_marian),
            "model_fr_ko": str(tiny_m2m100),
            "num_beams": 1,
            "device": "cpu",
        }
        settings = Settings(**(base | overrides))
        loaders = Loaders(translator=lambda spec, s: fake) if fake is not None else None
        client = TestClient(create_app(settings, loaders=loaders), raise_server_exceptions=False)
        client.__enter__()
        clients.append(client)
        if ready:
            wait_ready(client)
        return client

    yield build
    for client in clients:
        client.__exit__(None, None, None)
