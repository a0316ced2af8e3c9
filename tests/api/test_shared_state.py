"""Rate limits, invalid-key throttling, usage counters and metrics shared by several serving
processes: the embedded store, a real Redis, and a real `mts serve --workers 2`."""

from __future__ import annotations

import collections
import logging
import os
import re
import shutil
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import redis
from api_helpers import MTS, EchoTranslator, free_port, running_server
from fastapi.testclient import TestClient
from pydantic import ValidationError

from service.api.security import FailureThrottle, RateLimitedError, RateLimiter
from service.api.store import (
    Store,
    StoreUnavailableError,
    describe_url,
    key_id,
    require_shared_store,
    window,
)
from service.config import Settings
from service.errors import ConfigurationError

Client = Callable[..., TestClient]
BODY = {"text": "Salut.", "target": "en"}


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """A wall clock the test moves by hand (the moving windows read time.time())."""
    now = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: now[0])
    return now


@pytest.fixture
def shared_redis(redis_url: str) -> str:
    """The session's real Redis, emptied for this test."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    client.close()
    return redis_url


# -- the embedded store ---------------------------------------------------------------------------


def test_three_per_minute_admits_exactly_three_in_any_minute(clock: list[float]) -> None:
    limiter = RateLimiter(Store(), per_minute=3)
    start = clock[0]
    for offset in (0, 10, 20):
        clock[0] = start + offset
        limiter.check("key:a")
    clock[0] = start + 30
    with pytest.raises(RateLimitedError) as refused:
        limiter.check("key:a")
    assert refused.value.retry_after == 30, "the oldest request leaves the window at +60 s"
    limiter.check("key:b")  # another caller has its own window
    clock[0] = start + 59.5
    with pytest.raises(RateLimitedError) as refused:
        limiter.check("key:a")
    assert refused.value.retry_after == 1
    clock[0] = start + 60.5
    limiter.check("key:a")  # the request of +0 has left the window: one more fits
    with pytest.raises(RateLimitedError) as refused:
        limiter.check("key:a")
    assert refused.value.retry_after == 10, "next room: when the request of +10 s leaves"
    RateLimiter(Store(), per_minute=0).check("key:a")  # 0 = off


def test_failure_throttle_locks_an_address_for_its_window(clock: list[float]) -> None:
    throttle = FailureThrottle(Store(), max_failures=3)
    start = clock[0]
    for i in range(3):
        throttle.check("10.0.0.1")
        clock[0] = start + i
        throttle.record("10.0.0.1")
    clock[0] = start + 5
    with pytest.raises(RateLimitedError) as refused:
        throttle.check("10.0.0.1")
    assert refused.value.retry_after == 55
    throttle.check("10.0.0.2")
    clock[0] = start + 60.5  # the first failure has left the window
    throttle.check("10.0.0.1")
    off = FailureThrottle(Store(), max_failures=0)
    for _ in range(20):
        off.record("10.0.0.1")
    off.check("10.0.0.1")


def test_usage_counters_of_the_embedded_store() -> None:
    store = Store()
    store.add_usage("a", requests=1, characters=10)
    store.add_usage("a", requests=1, characters=5)
    store.add_usage("b", requests=1)
    (own,) = store.usage("a")
    assert (own.key, own.requests, own.characters) == ("a", 2, 15)
    assert [(u.key, u.requests, u.characters) for u in store.usage()] == [("a", 2, 15), ("b", 1, 0)]
    assert [(u.requests, u.characters) for u in store.usage("unseen")] == [(0, 0)]
    assert store.ping() is None and not store.shared


def test_keys_are_named_by_a_hash_prefix_and_urls_lose_their_password() -> None:
    name = key_id("my-secret-key")
    assert re.fullmatch(r"[0-9a-f]{12}", name) and name == key_id("my-secret-key") != key_id("other")
    assert key_id(None) == "anonymous"
    assert describe_url("") == "embedded (in-process)"
    assert describe_url("redis://:hunter2@cache:6379/0") == "redis://:***@cache:6379/0"
    assert describe_url("redis://app:hunter2@cache/1") == "redis://app:***@cache/1"
    assert describe_url("redis://cache:6379/0") == "redis://cache:6379/0"
    with pytest.raises(ValidationError) as bad:
        Settings(store_url="http://app:hunter2@cache:6379")
    assert "store_url" in str(bad.value) and "hunter2" not in str(bad.value)


@pytest.mark.parametrize(
    ("processes", "settings", "refused"),
    [
        (1, {"rate_limit_per_minute": 3}, False),
        (2, {"rate_limit_per_minute": 3}, True),
        (2, {"api_keys": "k1"}, True),  # the invalid-key throttle is on by default
        (2, {"api_keys": "k1", "auth_max_failures": 0}, False),
        (2, {"rate_limit_per_minute": 3, "store_url": "redis://cache:6379/0"}, False),
        (4, {}, False),
    ],
)
def test_several_processes_with_limits_need_a_shared_store(
    processes: int, settings: dict[str, object], refused: bool
) -> None:
    config = Settings(**settings)  # type: ignore[arg-type]
    if not refused:
        require_shared_store(config, processes)
        return
    with pytest.raises(ConfigurationError) as error:
        require_shared_store(config, processes)
    message = str(error.value)
    assert "\n" not in message and "MTS_STORE_URL" in message and f"{processes} serving processes" in message


# -- the HTTP API over the embedded store ---------------------------------------------------------


def test_usage_route_shows_own_counts_and_all_to_an_admin(make_client: Client) -> None:
    client = make_client(fake=EchoTranslator(), api_keys="k1,k2", admin_keys="boss")
    k1 = {"Authorization": "Bearer k1"}
    for _ in range(2):
        assert client.post("/v1/translate", json=BODY, headers=k1).status_code == 200
    lt = client.post("/translate", json={"q": "Bonjour.", "source": "fr", "target": "en", "api_key": "k1"})
    assert lt.status_code == 200
    assert client.post("/v1/translate", json={"text": "", "target": "en"}, headers=k1).status_code == 400
    own = client.get("/v1/usage", headers=k1)
    assert own.status_code == 200, own.text
    body = own.json()
    assert body["caller"] == key_id("k1") and body["shared"] is False
    # 2 + 1 translations, 1 refused text and this call; characters of the accepted texts only.
    assert body["keys"] == [{"key": key_id("k1"), "requests": 5, "characters": 2 * 6 + 8}]
    assert "k1" not in own.text.replace(key_id("k1"), "")
    other = client.get("/v1/usage", headers={"Authorization": "Bearer k2"}).json()
    assert other["keys"] == [{"key": key_id("k2"), "requests": 1, "characters": 0}]
    everyone = client.get("/v1/usage", headers={"Authorization": "Bearer boss"}).json()
    assert {u["key"]: u["requests"] for u in everyone["keys"]} == {
        key_id("k1"): 5,
        key_id("k2"): 1,
        key_id("boss"): 1,
    }
    assert client.get("/v1/usage").status_code == 401


def test_every_response_names_its_worker(make_client: Client) -> None:
    client = make_client(fake=EchoTranslator(), api_keys="k1", max_body_bytes=1024)
    worker = f"{socket.gethostname()}:{os.getpid()}"
    responses = [
        client.get("/livez"),
        client.get("/v1/languages", headers={"Authorization": "Bearer k1"}),
        client.get("/v1/languages"),  # 401 from the auth middleware
        client.get("/v1/nope", headers={"Authorization": "Bearer k1"}),
        client.post("/v1/translate", content=b"x" * 4096, headers={"Authorization": "Bearer k1"}),  # 413
    ]
    assert [r.status_code for r in responses] == [200, 200, 401, 404, 413]
    assert all(r.headers["X-MTS-Worker"] == worker for r in responses)


# -- a real Redis ---------------------------------------------------------------------------------


def test_two_apps_sharing_one_redis_admit_exactly_the_limit(make_client: Client, shared_redis: str) -> None:
    settings = {
        "api_keys": "k1",
        "rate_limit_per_minute": 3,
        "auth_max_failures": 2,
        "store_url": shared_redis,
    }
    apps = [make_client(fake=EchoTranslator(), **settings) for _ in range(2)]
    key = {"Authorization": "Bearer k1"}
    statuses = [apps[i % 2].post("/v1/translate", json=BODY, headers=key).status_code for i in range(10)]
    assert statuses == [200] * 3 + [429] * 7
    refused = apps[0].post("/v1/translate", json=BODY, headers=key)
    assert refused.json()["error"]["type"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    (usage,) = Store(shared_redis).usage(key_id("k1"))
    assert (usage.requests, usage.characters) == (3, 3 * len(BODY["text"]))
    # Invalid keys count across apps too: one guess at each, then the address is locked out.
    assert apps[0].get("/v1/languages", headers={"Authorization": "Bearer guess1"}).status_code == 403
    assert apps[1].get("/v1/languages", headers={"Authorization": "Bearer guess2"}).status_code == 403
    locked = apps[0].get("/v1/languages", headers=key)
    assert locked.status_code == 429 and "invalid API keys" in locked.json()["error"]["message"]
    assert apps[1].get("/readyz").status_code == 200


def test_usage_route_over_redis_sums_both_apps(make_client: Client, shared_redis: str) -> None:
    settings = {"api_keys": "k1,k2", "admin_keys": "boss", "store_url": shared_redis}
    first, second = (make_client(fake=EchoTranslator(), **settings) for _ in range(2))
    assert first.post("/v1/translate", json=BODY, headers={"Authorization": "Bearer k1"}).status_code == 200
    assert second.post("/v1/translate", json=BODY, headers={"Authorization": "Bearer k1"}).status_code == 200
    assert second.get("/v1/languages", headers={"Authorization": "Bearer k2"}).status_code == 200
    own = first.get("/v1/usage", headers={"Authorization": "Bearer k1"}).json()
    assert own["shared"] is True
    assert own["keys"] == [{"key": key_id("k1"), "requests": 3, "characters": 12}]
    everyone = second.get("/v1/usage", headers={"Authorization": "Bearer boss"}).json()
    assert {u["key"]: u["requests"] for u in everyone["keys"]} == {
        key_id("k1"): 3,
        key_id("k2"): 1,
        key_id("boss"): 1,
    }
    stored = redis.Redis.from_url(shared_redis).keys("*")
    assert stored and not any(b"k1" in name or b"boss" in name for name in stored), "keys are never stored"


def test_unreachable_store_answers_503_and_logs_once(
    make_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    url = f"redis://:hunter2@127.0.0.1:{free_port()}/0"  # nothing listens there
    client = make_client(
        fake=EchoTranslator(), ready=False, api_keys="k1", rate_limit_per_minute=3, store_url=url
    )
    state = client.app.state.service  # type: ignore[attr-defined]
    deadline = time.monotonic() + 60
    while not state.ready and time.monotonic() < deadline:
        time.sleep(0.05)
    assert state.ready, "the models load whatever the store does"
    caplog.set_level(logging.WARNING, logger="mts.api")
    ready = client.get("/readyz")
    assert ready.status_code == 503 and "unreachable" in ready.json()["reason"]
    for _ in range(3):
        refused = client.post("/v1/translate", json=BODY, headers={"Authorization": "Bearer k1"})
        assert refused.status_code == 503, refused.text
        assert refused.json()["error"]["type"] == "store_unavailable"
        assert refused.headers["Retry-After"] == "5"
        assert "hunter2" not in refused.text and ":***@" in refused.text
    assert client.get("/livez").status_code == 200
    outages = [r for r in caplog.records if r.getMessage() == "shared store unreachable"]
    assert len(outages) == 1, "one log line per outage, not one per request"
    assert "hunter2" not in caplog.text


def test_store_raises_when_redis_is_down() -> None:
    store = Store(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(StoreUnavailableError):
        store.add_usage("a", requests=1)
    assert store.ping() is not None and store.shared


def _start_redis(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed"
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    client = redis.Redis(port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + 20
    try:
        while True:
            try:
                if client.ping():
                    return process
            except redis.ConnectionError:
                assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)
    finally:
        client.close()


def test_store_outage_is_logged_once_and_its_end_too(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="mts.api")
    port = free_port()
    store = Store(f"redis://127.0.0.1:{port}/0")
    limit = window(2, 60, "outage-test")
    server = _start_redis(port, tmp_path)
    try:
        assert store.hit(limit, "a") and store.ping() is None
        server.terminate()
        server.wait(10)
        for _ in range(3):
            with pytest.raises(StoreUnavailableError):
                store.hit(limit, "a")
        assert store.ping() is not None
        server = _start_redis(port, tmp_path)  # an empty Redis: the window starts again
        assert store.hit(limit, "a") and store.hit(limit, "a") and not store.hit(limit, "a")
    finally:
        server.terminate()
        server.wait(10)
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["shared store unreachable", "shared store reachable again"]


# -- a real `mts serve --workers 2` ---------------------------------------------------------------


def _sum_series(metrics: str, name: str, route: str) -> float:
    pattern = re.compile(rf"^{name}\{{([^}}]*)\}} (\S+)$", re.MULTILINE)
    return sum(float(value) for labels, value in pattern.findall(metrics) if f'route="{route}"' in labels)


@pytest.fixture
def two_workers(
    models_env: dict[str, str], shared_redis: str, tmp_path: Path
) -> Iterator[tuple[str, set[str]]]:
    """`mts serve` with two workers sharing the real Redis; yields its URL and the two worker names
    once both have answered /readyz with 200. Its private metrics directory is gone afterwards."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    settings = {
        **models_env,
        "MTS_WORKERS": "2",
        "MTS_DEVICE": "cpu",
        "MTS_NUM_BEAMS": "1",
        "MTS_API_KEYS": "k1",
        "MTS_RATE_LIMIT_PER_MINUTE": "3",
        "MTS_STORE_URL": shared_redis,
        "TMPDIR": str(scratch),
    }
    with running_server(tmp_path, **settings) as base:
        seen: set[str] = set()

        def ready_worker() -> str | None:
            response = httpx.get(f"{base}/readyz", timeout=10)  # a new connection each time
            return response.headers["X-MTS-Worker"] if response.status_code == 200 else None

        with ThreadPoolExecutor(8) as pool:
            for _ in range(100):  # bounded: uvicorn's workers take connections as they come
                seen.update(name for name in pool.map(lambda _: ready_worker(), range(8)) if name)
                if len(seen) >= 2:
                    break
                time.sleep(0.1)
        assert [p.name for p in scratch.glob("mts-metrics-*")], "the workers' metrics directory"
        yield base, seen
    assert not list(scratch.glob("mts-metrics-*")), "removed when serving ends"


@pytest.mark.slow
def test_two_workers_share_one_limit_and_one_set_of_metrics(two_workers: tuple[str, set[str]]) -> None:
    base, workers = two_workers
    assert len(workers) == 2, f"both workers must answer: {workers}"
    key = {"Authorization": "Bearer k1"}
    responses = [httpx.post(f"{base}/v1/translate", json=BODY, headers=key, timeout=60) for _ in range(10)]
    assert [r.status_code for r in responses] == [200] * 3 + [429] * 7, [r.text for r in responses]
    print("workers answering the ten requests:", sorted({r.headers["X-MTS-Worker"] for r in responses}))
    first = httpx.get(f"{base}/metrics", timeout=10)
    second = httpx.get(f"{base}/metrics", timeout=10)
    totals = [_sum_series(scrape.text, "mts_requests_total", "/v1/translate") for scrape in (first, second)]
    assert totals == [3.0, 3.0], "every scrape sums both workers' counters"
    print("scrapes answered by:", first.headers["X-MTS-Worker"], second.headers["X-MTS-Worker"])
    # Requests answered by both workers all show in every scrape, whichever worker answers it.
    before = _sum_series(httpx.get(f"{base}/metrics", timeout=10).text, "mts_requests_total", "/livez")
    answered: collections.Counter[str] = collections.Counter()
    with ThreadPoolExecutor(8) as pool:
        for _ in range(50):  # bounded; stops once both workers have answered some
            batch = pool.map(lambda _: httpx.get(f"{base}/livez", timeout=10), range(8))
            answered.update(r.headers["X-MTS-Worker"] for r in batch if r.status_code == 200)
            if len(answered) == 2 and answered.total() >= 16:
                break
    assert len(answered) == 2, answered
    after = [
        _sum_series(httpx.get(f"{base}/metrics", timeout=10).text, "mts_requests_total", "/livez")
        for _ in range(2)
    ]
    assert after == [before + answered.total()] * 2, (before, after, answered)
    print("/livez answered per worker:", dict(answered))
    readiness = re.search(r"^mts_ready (\S+)$", first.text, re.MULTILINE)
    assert readiness is not None and float(readiness.group(1)) == 1.0
    assert re.search(r'^mts_queue_depth\{pair="fr-en"\} 0\.0$', first.text, re.MULTILINE), first.text


def _serve(env_settings: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MTS_")}
    env.update(env_settings)
    return subprocess.run(
        [MTS, "serve", "--port", "1", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
@pytest.mark.parametrize(
    ("settings", "args", "says"),
    [
        ({"MTS_RATE_LIMIT_PER_MINUTE": "3"}, ["--workers", "2"], "MTS_STORE_URL"),
        ({"MTS_API_KEYS": "k1", "MTS_WORKERS": "2"}, [], "MTS_AUTH_MAX_FAILURES"),
        ({}, ["--replicas", "2"], "--engine ray"),
        ({}, ["--engine", "docker"], "--engine must be local or ray"),
    ],
)
def test_serve_refuses_in_one_line(
    models_env: dict[str, str], settings: dict[str, str], args: list[str], says: str
) -> None:
    proc = _serve({**models_env, **settings}, *args)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and says in lines[0], proc.stderr
