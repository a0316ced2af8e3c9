"""The deployment files agree with the code: every setting reaches the containers, `models` pulls
what the api loads, the GPU override really asks for a GPU, the Dockerfile has both builds, and
the Makefile's install and test targets do what they say. No Docker engine needed."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from service.config import Settings

REPO = Path(__file__).resolve().parent.parent
# Settings the containers fix rather than pass through: the models volume, the address and port the
# port mapping and healthcheck use, and no download while serving (`models` pulls explicitly).
FIXED = {"MTS_MODELS_DIR": "/models", "MTS_HOST": "0.0.0.0", "MTS_PORT": "8000", "MTS_AUTO_PULL": "false"}
# Settings passed through with a container default other than the service's.
CONTAINER_DEFAULTS = {"MTS_LOG_JSON": "true", "MTS_STORE_URL": "redis://redis:6379/0"}
PASSTHROUGH = re.compile(r"^\$\{(\w+):-(.*)\}$")


def _load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((REPO / name).read_text(encoding="utf-8"))
    return document


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Compose's merge of an override file, for mappings (environment, build, deploy): key by key."""
    result = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merged(result[key], value)
        else:
            result[key] = value
    return result


def _services(*files: str) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    for name in files:
        spec = _merged(spec, _load(name))
    services: dict[str, Any] = spec["services"]
    return services


def _setting_variables() -> dict[str, str]:
    """MTS_ variable -> Settings field, as pydantic-settings names them."""
    assert Settings.model_config.get("env_prefix") == "MTS_"
    assert Settings.model_config.get("case_sensitive", False) is False
    for name, field in Settings.model_fields.items():
        assert field.alias is None and field.validation_alias is None, name
    return {f"MTS_{name.upper()}": name for name in Settings.model_fields}


def _mts(environment: dict[str, Any]) -> dict[str, str | None]:
    """The MTS_ entries; None for one passed through only when set where compose runs."""
    return {k: None if v is None else str(v) for k, v in environment.items() if k.startswith("MTS_")}


@pytest.mark.parametrize("service", ["api", "models"])
def test_every_setting_reaches_the_service(service: str) -> None:
    environment = _services("docker-compose.yml")[service]["environment"]
    missing = sorted(set(_setting_variables()) - set(environment))
    assert missing == []
    unknown = sorted(set(_mts(environment)) - set(_setting_variables()))
    assert unknown == []


def test_each_setting_passes_through_with_the_service_default() -> None:
    """`MTS_X: ${MTS_X:-default}` under its own name, the default being the service's own (so a
    default changed in service/config.py cannot silently differ in the containers); a setting
    whose default is "unset" and that takes no empty value is listed with no value (set in the
    container only when set where compose runs)."""
    environment = _mts(_services("docker-compose.yml")["api"]["environment"])
    variables = _setting_variables()
    for variable, value in environment.items():
        name = variables[variable]
        field = Settings.model_fields[name]
        if variable in FIXED:
            assert value == FIXED[variable], variable
            continue
        if value is None:
            assert field.default is None and field.default_factory is None, variable
            continue
        match = PASSTHROUGH.match(value)
        assert match is not None, f"{variable}: {value!r} is not passed through"
        assert match.group(1) == variable
        default = match.group(2)
        # Whatever the default, it is a value the service accepts.
        parsed = getattr(Settings(_env_file=None, **{name: default}), name)  # type: ignore[call-arg]
        if variable in CONTAINER_DEFAULTS:
            assert default == CONTAINER_DEFAULTS[variable]
        elif field.default_factory is not None:
            continue  # a path under the home folder: the container's differs from this machine's
        elif field.default is None:
            assert default == "", variable  # empty: the service treats it as unset
        else:
            assert parsed == field.default, variable


def test_fixed_settings_match_the_port_and_the_volume() -> None:
    spec = _load("docker-compose.yml")
    api = spec["services"]["api"]
    command = api["command"]
    assert api["environment"]["MTS_PORT"] == command[command.index("--port") + 1]
    assert api["environment"]["MTS_HOST"] == command[command.index("--host") + 1]
    assert f"models:{api['environment']['MTS_MODELS_DIR']}" in api["volumes"]
    dockerfile = (REPO / "Dockerfile").read_text(encoding="utf-8")
    assert "MTS_MODELS_DIR=/models" in dockerfile


@pytest.mark.parametrize("files", [("docker-compose.yml",), ("docker-compose.yml", "docker-compose.gpu.yml")])
def test_models_service_pulls_with_the_api_settings(files: tuple[str, ...]) -> None:
    """`mts models pull` with no names pulls what the language plan of the settings needs: the same
    settings as the api's, so the volume holds exactly what the api loads."""
    services = _services(*files)
    api, models = services["api"], services["models"]
    assert models["command"] == ["mts", "models", "pull"]
    assert _mts(models["environment"]) == _mts(api["environment"])
    assert models["image"] == api["image"]
    assert "models:/models" in models["volumes"] and "models:/models" in api["volumes"]
    # Document jobs persist in a volume of their own.
    assert "documents:/documents" in api["volumes"]
    # So do the stored glossaries, where the settings put them.
    assert "glossaries:/glossaries" in api["volumes"]
    assert api["environment"]["MTS_GLOSSARIES_PATH"].endswith(":-/glossaries/glossaries.sqlite3}")
    # The api serves offline; the models service is the one that downloads.
    assert api["environment"].get("HF_HUB_OFFLINE") == "1"
    assert models["environment"].get("HF_HUB_OFFLINE") in (None, "0")


def test_workers_share_limits_through_the_redis_service() -> None:
    services = _services("docker-compose.yml")
    value = _mts(services["api"]["environment"])["MTS_STORE_URL"]
    match = PASSTHROUGH.match(value)
    assert match is not None
    url = urlsplit(match.group(2))
    assert Settings(_env_file=None, store_url=match.group(2)).store_url  # type: ignore[call-arg]
    assert url.hostname is not None
    redis = services[url.hostname]
    assert redis["image"].startswith("redis:7")
    assert url.port == 6379
    assert services["api"]["depends_on"][url.hostname]["condition"] == "service_healthy"
    assert "redis-cli" in redis["healthcheck"]["test"]


def test_gpu_override_reserves_a_gpu_and_builds_the_cuda_target() -> None:
    override = _load("docker-compose.gpu.yml")["services"]
    devices = override["api"]["deploy"]["resources"]["reservations"]["devices"]
    assert any(d["driver"] == "nvidia" and "gpu" in d["capabilities"] for d in devices)
    services = _services("docker-compose.yml", "docker-compose.gpu.yml")
    assert services["api"]["build"]["target"] == "cuda"
    assert services["api"]["build"]["context"] == "."
    for name in ("api", "models"):
        assert _mts(services[name]["environment"])["MTS_DEVICE"] == "${MTS_DEVICE:-cuda}"
    # The CPU image stays the default.
    assert _services("docker-compose.yml")["api"]["build"]["target"] == "cpu"


def _stages() -> dict[str, str]:
    """Dockerfile stage name -> its text, in file order."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    stages: dict[str, str] = {}
    name = None
    for line in text.splitlines():
        found = re.match(r"FROM\s+\S+\s+AS\s+(\S+)", line, re.IGNORECASE)
        if found:
            name = found.group(1)
            stages[name] = ""
        if name is not None:
            stages[name] += line + "\n"
    return stages


def test_dockerfile_has_a_cpu_and_a_cuda_target() -> None:
    stages = _stages()
    assert list(stages)[-1] == "cpu"  # the last stage is what a plain `docker build` makes
    for target, build in (("cpu", "+cpu"), ("cuda", "torch.version.cuda")):
        stage = stages[target]
        assert "-c constraints.txt" in stage
        assert build in stage, target  # the stage stops when pip gave it the other build of torch
        assert re.search(r"^USER\s+mts$", stage, re.MULTILINE), target
        assert 'CMD ["mts", "serve", "--host", "0.0.0.0", "--port", "8000"]' in stage
    assert "chown mts /models" in stages["base"]


def test_dockerignore_keeps_local_state_out_of_the_image() -> None:
    ignored = {
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".env", "eval"} <= ignored
    assert not ignored & {"service", "prompts", "pyproject.toml", "README.md", "constraints.txt"}


def _make(*args: str) -> str:
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    done = subprocess.run(
        [make, "--no-print-directory", "-n", "-B", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_make_install_takes_torch_from_the_given_index_and_prints_the_build() -> None:
    plain = _make("install")
    assert "--extra-index-url" not in plain
    assert "torch.version.cuda" in plain
    with_index = _make("install", "TORCH_INDEX=file:///srv/torch-cpu")
    assert "--extra-index-url file:///srv/torch-cpu" in with_index
    cuda = _make("install-cuda")
    assert "torch.version.cuda else" in cuda  # stops when it got no CUDA build


def test_make_test_leaves_slow_tests_to_test_slow_and_ci_runs_both() -> None:
    default = _make("test")
    assert 'pytest -q -m "not slow"' in default
    assert "mts eval run" in default and "mypy" in default
    assert re.search(r"pytest -q -m slow$", _make("test-slow"), re.MULTILINE)
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert ci[-2:] == ["make test", "make test-slow"]
    fast = _make("test-fast")
    assert 'pytest -q -m "not slow and not e2e"' in fast
    assert "ruff check" in fast
