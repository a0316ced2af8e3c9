"""The API must not leak, bypass or 500: summarizers only from the operator's list, one auth policy,
no paths in /v1/models, 4xx for a client's mistakes, and connections that cannot hang on."""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from api_helpers import MTS, EchoTranslator, running_server
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service.api import security
from service.api.server import uvicorn_options
from service.config import Settings
from service.errors import ConfigurationError
from service.runtime.plan import LanguagePlan

Client = Callable[..., TestClient]
TEXT = "Le ministre est arrivé à Séoul mardi. Il a rencontré son homologue."
KEY = {"Authorization": "Bearer k1"}


# -- 1. summarizers: only those the operator listed ----------------------------------------------


def _no_model_summarizer(client: TestClient) -> None:
    """Make any model summarizer lookup fail loudly: a refused request must not reach it."""

    def boom(spec: str | None = None) -> object:
        raise AssertionError(f"the runtime was asked for summarizer {spec!r}")

    runtime = client.app.state.service.runtime  # type: ignore[attr-defined]
    original = runtime.summarizer
    runtime.summarizer = lambda spec=None: original(spec) if spec in (None, "extractive") else boom(spec)


@pytest.mark.parametrize("route", ["/v1/summarize", "/v1/dispatches"])
def test_requests_cannot_name_paths_or_unlisted_models(
    make_client: Client, tiny_marian: Path, route: str
) -> None:
    client = make_client(fake=EchoTranslator())
    _no_model_summarizer(client)
    for spec in (
        "seq2seq:/root",
        "seq2seq:/nonexistent",
        f"seq2seq:{tiny_marian}",
        "instruct:Qwen/Qwen2.5-0.5B-Instruct",
        "instruct:../../etc",
    ):
        response = client.post(route, json={"text": TEXT, "summarizer": spec, "langs": ["en"]})
        assert response.status_code == 400, (spec, response.text)
        message = response.json()["error"]["message"]
        assert "not allowed" in message and "extractive" in message
        for leak in ("holds no model", "does not exist", "/root", str(tiny_marian)):
            assert leak not in message, (spec, message)
    ok = client.post(route, json={"text": TEXT, "summarizer": "extractive", "langs": ["en"]})
    assert ok.status_code == 200, ok.text


def test_the_allow_list_names_local_models_by_folder(make_client: Client, tiny_marian: Path) -> None:
    listed = f"extractive,seq2seq:{tiny_marian}"
    client = make_client(fake=EchoTranslator(), summarizers=listed)
    _no_model_summarizer(client)
    refused = client.post("/v1/summarize", json={"text": TEXT, "summarizer": "seq2seq:/root"})
    message = refused.json()["error"]["message"]
    assert refused.status_code == 400
    assert f"seq2seq:{tiny_marian.name}" in message and str(tiny_marian) not in message
    assert Settings(summarizers=listed).summarizer_allow_list == ("extractive", f"seq2seq:{tiny_marian}")
    assert Settings(summarizer="seq2seq:bart").summarizer_allow_list == ("extractive", "seq2seq:bart")
    with pytest.raises(ValidationError):
        Settings(summarizers="extractive,,seq2seq:x")
    with pytest.raises(ConfigurationError, match="MTS_SUMMARIZERS: unknown summarizer 'magic'"):
        LanguagePlan(Settings(summarizers="extractive,magic"))


# -- 2. auth: one policy, in one place -------------------------------------------------------------

OPEN = ["/livez", "/readyz", "/", "/static/app.js", "/metrics", "/docs", "/openapi.json"]


def test_every_route_but_the_open_ones_needs_a_key(make_client: Client) -> None:
    client = make_client(fake=EchoTranslator(), api_keys="k1")
    for path in OPEN:
        assert client.get(path).status_code == 200, path
    for path in ("/v1/models", "/v1/languages", "/languages"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers={"Authorization": "Bearer nope"}).status_code == 403, path
        assert client.get(path, headers=KEY).status_code == 200, path
    assert client.get("/v1/not-a-route").status_code == 401
    assert client.get("/languages", params={"api_key": "k1"}).status_code == 200
    # Every API route, including any added later: no key, no answer.
    for route in client.app.routes:  # type: ignore[attr-defined]
        if not isinstance(route, APIRoute) or route.path in OPEN:
            continue
        for method in route.methods:
            response = client.request(method, route.path)
            assert response.status_code == 401, (method, route.path, response.status_code)


def test_metrics_and_docs_can_need_a_key(make_client: Client) -> None:
    client = make_client(fake=EchoTranslator(), api_keys="k1", open_metrics=False, open_docs=False)
    for path in ("/metrics", "/docs", "/openapi.json"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=KEY).status_code == 200, path
    for path in ("/livez", "/readyz", "/", "/static/app.css"):
        assert client.get(path).status_code == 200, path


def test_keys_are_compared_in_constant_time_over_every_key(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[bytes, bytes]] = []
    real = security.hmac.compare_digest

    def counting(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.hmac, "compare_digest", counting)
    keys = frozenset({"alpha", "bravo", "charlie"})
    assert security.check_key(keys, "alpha") == "alpha"
    assert len(calls) == 3, "every key is compared, even after a match"
    calls.clear()
    with pytest.raises(security.AuthError):
        security.check_key(keys, "alphx")
    assert len(calls) == 3


def test_invalid_keys_are_throttled_per_address(make_client: Client) -> None:
    client = make_client(fake=EchoTranslator(), api_keys="k1", auth_max_failures=3)
    for i in range(3):
        assert client.get("/v1/languages", headers={"Authorization": f"Bearer guess{i}"}).status_code == 403
    throttled = client.get("/v1/languages", headers={"Authorization": "Bearer guess9"})
    assert throttled.status_code == 429 and 1 <= int(throttled.headers["Retry-After"]) <= 60
    assert client.get("/v1/languages", headers=KEY).status_code == 429, "locked out for the window"
    assert client.get("/livez").status_code == 200
    # Missing keys are not guesses.
    fresh = make_client(fake=EchoTranslator(), api_keys="k1", auth_max_failures=3)
    for _ in range(5):
        assert fresh.get("/v1/languages").status_code == 401
    assert fresh.get("/v1/languages", headers=KEY).status_code == 200


@pytest.mark.parametrize("value", [" , ", " ", "k1,,k2", "k1,", "key with space"])
def test_a_blank_or_malformed_key_list_stops_serve(value: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")}
    env.update(MTS_API_KEYS=value, MTS_MODELS_DIR=str(tmp_path))
    proc = subprocess.run(
        [MTS, "serve", "--port", "1"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "MTS_API_KEYS" in lines[0], proc.stderr
    assert "k1" not in proc.stderr and "key with space" not in proc.stderr
    with pytest.raises(ValidationError) as info:
        Settings(api_keys=value)
    assert "k1" not in str(info.value)


def test_key_values_are_never_logged(make_client: Client, caplog: pytest.LogCaptureFixture) -> None:
    client = make_client(fake=EchoTranslator(), api_keys="sekrit-key-1", admin_keys="sekrit-admin")
    with caplog.at_level(logging.DEBUG):
        client.post("/v1/translate", json={"text": "Salut.", "target": "en"}, headers={
            "Authorization": "Bearer sekrit-key-1"})  # fmt: skip
        client.get("/v1/models", headers={"Authorization": "Bearer sekrit-admin"})
        client.get("/v1/models", headers={"Authorization": "Bearer sekrit-wrong"})
        client.post("/translate", json={"q": "Salut.", "target": "en", "api_key": "sekrit-key-1"})
    assert "sekrit" not in caplog.text
    assert "sekrit" not in repr(Settings(api_keys="sekrit-key-1", admin_keys="sekrit-admin"))


def test_models_report_hides_paths_unless_admin(
    make_client: Client, tiny_marian: Path, tiny_m2m100: Path
) -> None:
    client = make_client(fake=EchoTranslator(), api_keys="k1", admin_keys="adm")
    public = client.get("/v1/models", headers=KEY)
    assert public.status_code == 200
    for path in (str(tiny_marian), str(tiny_m2m100), str(tiny_marian.parent)):
        assert path not in public.text
    data = public.json()
    assert data["models_dir"] == "hidden"
    configured = {s: m for m in data["models"] for s in m["used_by"]}
    assert configured["MTS_MODEL_FR_EN"]["id"] == tiny_marian.name
    assert configured["MTS_MODEL_FR_EN"]["revision"] == "local"
    admin = client.get("/v1/models", headers={"Authorization": "Bearer adm"}).json()
    assert {m["id"] for m in admin["models"] if m["used_by"]} == {str(tiny_marian), str(tiny_m2m100)}
    # Without any keys, nobody is an admin: still no paths.
    open_client = make_client(fake=EchoTranslator())
    assert str(tiny_marian) not in open_client.get("/v1/models").text


# -- 3. a client's mistakes are 4xx, not 500 ------------------------------------------------------

SURROGATE = "Bonjour \\ud800 le monde."  # JSON escape of a lone surrogate


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/translate", '{"text": "%s", "target": "en"}'),
        ("/v1/translate", '{"text": ["Salut.", "%s"], "target": "en"}'),
        ("/v1/dispatches", '{"text": "%s"}'),
        ("/v1/dispatches", '{"text": "Salut tout le monde.", "id": "%s"}'),
        ("/v1/summarize", '{"text": "%s"}'),
        ("/v1/translate", '{"text": "Salut.", "target": "en", "glossary": [{"fr": "%s", "en": "x"}]}'),
        ("/translate", '{"q": "%s", "source": "fr", "target": "en"}'),
        ("/detect", '{"q": "%s"}'),
    ],
)
def test_lone_surrogates_are_400(make_client: Client, path: str, body: str) -> None:
    client = make_client(fake=EchoTranslator())
    response = client.post(path, content=body % SURROGATE, headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    message = error if isinstance(error, str) else error["message"]
    assert "not valid Unicode" in message


@pytest.mark.parametrize(
    ("path", "content_type", "prefix"),
    [
        ("/translate", "application/x-www-form-urlencoded", b"source=fr&target=en&q="),
        ("/translate", "application/json", b'{"source": "fr", "target": "en", "q": "'),
        ("/detect", "application/x-www-form-urlencoded", b"q="),
        ("/v1/translate", "application/json", b'{"target": "en", "text": "'),
        ("/v1/dispatches", "application/json", b'{"text": "'),
    ],
)
def test_chunked_bodies_over_the_limit_are_413(
    make_client: Client, path: str, content_type: str, prefix: bytes
) -> None:
    client = make_client(fake=EchoTranslator(), max_body_bytes=4096)

    def chunks() -> Iterator[bytes]:
        yield prefix
        for _ in range(10):
            yield b"a" * 1000

    response = client.post(path, content=chunks(), headers={"content-type": content_type})
    assert response.request.headers.get("transfer-encoding") == "chunked"
    assert "content-length" not in response.request.headers
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    message = error if isinstance(error, str) else error["message"]
    assert "4096" in message


# -- 4. connections that never finish -------------------------------------------------------------


def test_serve_passes_connection_limits_to_uvicorn() -> None:
    options = uvicorn_options(Settings(timeout_keep_alive_s=7, max_connections=50, max_header_bytes=8192))
    assert options["timeout_keep_alive"] == 7
    assert options["limit_concurrency"] == 50
    assert options["h11_max_incomplete_event_size"] == 8192
    assert options["http"] == "service.api.server:TimedH11Protocol"


def _closed_within(sock: socket.socket, seconds: float) -> tuple[bool, bytes]:
    """Whether the server closed ``sock`` within ``seconds``, and what it sent before."""
    sock.settimeout(0.2)
    received = b""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(4096)
        except TimeoutError:
            continue
        except OSError:
            return True, received
        if not chunk:
            return True, received
        received += chunk
    return False, received


@pytest.mark.slow
def test_slow_connections_are_closed_and_the_server_keeps_serving(
    tiny_marian: Path, tiny_m2m100: Path, tmp_path: Path
) -> None:
    with running_server(
        tmp_path,
        MTS_MODEL_FR_EN=str(tiny_marian),
        MTS_MODEL_FR_KO=str(tiny_m2m100),
        MTS_MODELS_DIR=str(tmp_path / "models"),
        MTS_NUM_BEAMS="1",
        MTS_DEVICE="cpu",
        MTS_TIMEOUT_HEADER_S="1",
        MTS_TIMEOUT_BODY_S="1",
    ) as base:
        port = int(base.rsplit(":", 1)[1])
        idle, slow_header, slow_body = [], [], []
        try:
            for _ in range(3):
                idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            for _ in range(3):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                sock.sendall(b"GET /livez HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                slow_header.append(sock)
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(
                b"POST /v1/translate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                b'Content-Length: 100\r\n\r\n{"text": '
            )
            slow_body.append(sock)
            # While they hang on, the server answers others.
            assert httpx.get(f"{base}/livez", timeout=5).status_code == 200
            for sock in idle + slow_header:
                closed, _ = _closed_within(sock, 10)
                assert closed, "a connection that never finished its headers is still open"
            closed, answer = _closed_within(slow_body[0], 10)
            assert closed and answer.startswith(b"HTTP/1.1 408"), answer
            response = httpx.post(f"{base}/v1/translate", json={"text": "Salut.", "target": "en"}, timeout=30)
            assert response.status_code == 200, response.text
        finally:
            for sock in idle + slow_header + slow_body:
                sock.close()


def test_the_header_timeout_adapter_matches_the_installed_uvicorn() -> None:
    import uvicorn
    from pins import assert_checked_version

    from service.api.server import CHECKED_UVICORN

    # TimedH11Protocol relies on H11Protocol's conn, cycle and on_response_complete.
    assert_checked_version("uvicorn", uvicorn.__version__, CHECKED_UVICORN, "service/api/server.py")
