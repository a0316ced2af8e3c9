"""The CLI and the API accept and refuse exactly the same language pairs (one table, both fronts),
and `mts models list` and GET /v1/models are the same report."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from api_helpers import EchoTranslator
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from service.cli import app as cli_app
from service.errors import UnsupportedLanguagePairError

ACCEPTED = ["fr→en", "fr→ko", "auto→en", "auto→ko"]
REFUSED = ["en→ko", "ko→en", "en→fr", "ko→fr", "fr→fr", "auto→fr", "fr→de", "de→en"]
# (source, target, accepted)
PAIRS = [(*pair.split("→"), ok) for ok, pairs in ((True, ACCEPTED), (False, REFUSED)) for pair in pairs]
TEXT = "Le ministre est arrivé à Séoul mardi."


@pytest.fixture
def cli_env(models_env: dict[str, str]) -> dict[str, str]:
    return {**models_env, "MTS_BACKEND": "torch"}


@pytest.mark.parametrize(("source", "target", "accepted"), PAIRS)
def test_cli_and_api_agree_on_every_pair(
    source: str,
    target: str,
    accepted: bool,
    cli_env: dict[str, str],
    make_client: Callable[..., TestClient],
) -> None:
    cli = CliRunner().invoke(
        cli_app,
        ["translate", "--from", source, "--to", target, "--json", "--allow-flags"],
        input=TEXT,
        env=cli_env,
    )
    client = make_client(fake=EchoTranslator())
    api = client.post("/v1/translate", json={"text": TEXT, "source": source, "target": target})
    libre = client.post("/translate", json={"q": TEXT, "source": source, "target": target})
    if accepted:
        assert cli.exit_code == 0, cli.output
        assert json.loads(cli.stdout)["target_lang"] == target
        assert api.status_code == 200, api.text
        assert libre.status_code == 200, libre.text
    else:
        assert isinstance(cli.exception, UnsupportedLanguagePairError), cli.output
        assert api.status_code == 400, api.text
        assert api.json()["error"]["type"] == "unsupported_language_pair"
        assert libre.status_code == 400
        # One message, from one place.
        assert str(cli.exception) == api.json()["error"]["message"] == libre.json()["error"]
        assert "supported pairs: fr→en, fr→ko" in str(cli.exception)


def test_languages_routes_list_the_declared_pairs(make_client: Callable[..., TestClient]) -> None:
    client = make_client(fake=EchoTranslator())
    accepted = sorted((s, t) for s, t, ok in PAIRS if ok and s != "auto")
    v1 = client.get("/v1/languages").json()
    assert sorted((p["source"], p["target"]) for p in v1["pairs"]) == accepted
    libre = {lang["code"]: lang["targets"] for lang in client.get("/languages").json()}
    assert sorted((s, t) for s, targets in libre.items() for t in targets) == accepted


def test_models_list_and_v1_models_are_the_same_report(
    cli_env: dict[str, str], make_client: Callable[..., TestClient], tiny_marian: Path, tiny_m2m100: Path
) -> None:
    cli = CliRunner().invoke(cli_app, ["models", "list", "--json"], env=cli_env)
    assert cli.exit_code == 0, cli.output
    # The operator's view: an admin key sees local paths as the CLI does (others see folder names).
    client = make_client(fake=EchoTranslator(), admin_keys="adm")
    api = client.get("/v1/models", headers={"Authorization": "Bearer adm"}).json()

    def rows(report: dict[str, object]) -> list[tuple[object, ...]]:
        return [
            (m["name"], m["id"], m["revision"], m["family"], m["licence"], m["status"], tuple(m["used_by"]))
            for m in report["models"]  # type: ignore[attr-defined]
        ]

    assert rows(json.loads(cli.stdout)) == rows(api)
    assert set(json.loads(cli.stdout)) == set(api)
    used = {m["id"]: m["used_by"] for m in api["models"] if m["used_by"]}
    assert used == {str(tiny_marian): ["MTS_MODEL_FR_EN"], str(tiny_m2m100): ["MTS_MODEL_FR_KO"]}
