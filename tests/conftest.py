"""Shared fixtures. The hub is off for every test: nothing here downloads weights."""

from __future__ import annotations

import os

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "samples" / "dispatch-ue-espace.fr.txt"


@pytest.fixture(autouse=True)
def _isolated_settings(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test sees the developer's MTS_* variables, .env or models directory."""
    for name in list(os.environ):
        if name.startswith("MTS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MTS_MODELS_DIR", str(tmp_path_factory.mktemp("models-dir")))
    monkeypatch.setenv("MTS_DOCUMENTS_PATH", str(tmp_path_factory.mktemp("documents")))
    monkeypatch.setenv("MTS_GLOSSARIES_PATH", str(tmp_path_factory.mktemp("glossaries") / "glossaries.db"))
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture(scope="session")
def tiny_marian(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny fr→en Marian model directory."""
    from tiny_models import build_marian

    return build_marian(tmp_path_factory.mktemp("tiny") / "marian-fr-en")


@pytest.fixture(scope="session")
def tiny_marian_fast(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny fr→en Marian model whose outputs end after a few tokens (for large batch runs)."""
    from tiny_models import build_marian

    return build_marian(tmp_path_factory.mktemp("tiny") / "marian-fast", eos_bias=4.0)


@pytest.fixture(scope="session")
def tiny_marian_broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny Marian export whose vocab.json does not cover its source.spm."""
    from tiny_models import build_marian

    return build_marian(tmp_path_factory.mktemp("tiny") / "marian-broken", broken_vocab=True)


@pytest.fixture(scope="session")
def tiny_m2m100(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny multilingual M2M100 model directory."""
    from tiny_models import build_m2m100

    return build_m2m100(tmp_path_factory.mktemp("tiny") / "m2m100")


@pytest.fixture
def models_env(tiny_marian: Path, tiny_m2m100: Path, tmp_path: Path) -> dict[str, str]:
    """MTS_ variables for a command run over the tiny models."""
    return {
        "MTS_MODEL_FR_EN": str(tiny_marian),
        "MTS_MODEL_FR_KO": str(tiny_m2m100),
        "MTS_MODELS_DIR": str(tmp_path / "models"),
        "MTS_NUM_BEAMS": "2",
    }


@pytest.fixture
def sample_text() -> str:
    """The sample dispatch shipped in the repository."""
    return SAMPLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def tiny_bart(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny BART summarization model directory."""
    from tiny_models import build_bart

    return build_bart(tmp_path_factory.mktemp("tiny") / "bart")


@pytest.fixture(scope="session")
def tiny_causal_lm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny instruction-style causal LM directory with a chat template."""
    from tiny_models import build_causal_lm

    return build_causal_lm(tmp_path_factory.mktemp("tiny") / "causal-lm")


@pytest.fixture(scope="session")
def llm_server(tiny_causal_lm: Path) -> Iterator[str]:
    """The base URL (``…/v1``) of a real ``transformers serve`` serving the tiny causal LM."""
    from llm_server import transformers_serve

    with transformers_serve(tiny_causal_lm) as url:
        yield url


@pytest.fixture
def llm_proxy(llm_server: str) -> Iterator[Any]:
    """A recording, fault-injecting proxy in front of :func:`llm_server` (see tests/llm_server.py)."""
    from llm_server import Proxy

    proxy = Proxy(llm_server)
    yield proxy
    proxy.close()


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a real redis-server shared by the tests of one session (flush what you use)."""
    from redis_server import redis_server

    with redis_server() as url:
        yield url
