"""docker-compose.yml and the Dockerfile point at what the app really serves (no Docker engine needed)."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from service.api.app import create_app
from service.cli import app as cli_app
from service.config import Settings

REPO = Path(__file__).resolve().parent.parent


def compose() -> dict:  # type: ignore[type-arg]
    return yaml.safe_load((REPO / "docker-compose.yml").read_text(encoding="utf-8"))


def test_api_command_port_and_healthcheck_match_the_app() -> None:
    api = compose()["services"]["api"]
    command = api["command"]
    assert command[:2] == ["mts", "serve"]
    port = command[command.index("--port") + 1]
    assert command[command.index("--host") + 1] == "0.0.0.0"
    assert f"{port}:{port}" in api["ports"]
    probe = " ".join(api["healthcheck"]["test"])
    url = re.search(r"http://127\.0\.0\.1:(\d+)(/\w+)", probe)
    assert url is not None
    assert url.group(1) == port
    paths = set(create_app(Settings()).openapi()["paths"])
    assert url.group(2) == "/readyz" and url.group(2) in paths
    serve = [c for c in cli_app.registered_commands if (c.name or c.callback.__name__) == "serve"]  # type: ignore[union-attr]
    assert len(serve) == 1


def test_models_volume_is_the_models_dir() -> None:
    spec = compose()
    for name in ("api", "models"):
        service = spec["services"][name]
        models_dir = service["environment"]["MTS_MODELS_DIR"]
        volume, target = service["volumes"][0].split(":")
        assert volume in spec["volumes"]
        assert target == models_dir
    assert spec["services"]["models"]["command"] == ["mts", "models", "pull"]


def test_every_mts_variable_is_a_setting() -> None:
    fields = {f"MTS_{name.upper()}" for name in Settings.model_fields}
    for service in compose()["services"].values():
        for variable in service.get("environment", {}):
            if variable.startswith("MTS_"):
                assert variable in fields, variable


def test_dockerfile_serves_the_same_port_and_ships_prompts() -> None:
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "EXPOSE 8000" in dockerfile
    assert 'CMD ["mts", "serve", "--host", "0.0.0.0", "--port", "8000"]' in dockerfile
    assert "COPY prompts ./prompts" in dockerfile
    assert "-c constraints.txt" in dockerfile
