"""`mts serve --engine ray`: the same API app as N Ray Serve replicas, one model set each.

Every replica runs :func:`service.api.app.create_app` with the driver's settings: same routes,
auth, limits and micro-batching as under uvicorn. A replica counts as started (and the proxy sends
it requests) only once its models are loaded: its lifespan startup waits for them, and its health
check fails whenever they are not loaded. Stopping a replica runs the app's lifespan shutdown,
which closes its runtime.

Ray: ``RAY_ADDRESS`` selects a cluster (``auto``: the one ``ray start`` runs on this machine), as
for the batch job; without it a private local Ray instance is started and stopped with the
command. Ray Serve's own proxy answers HTTP on every node with a replica (and the head), on
``host:port``. Limits shared by the replicas need MTS_STORE_URL (a Redis): several replicas with a
rate limit and no shared store are refused (:func:`service.api.store.require_shared_store`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.app import create_app
from service.api.state import ServiceState
from service.api.store import require_shared_store
from service.config import Settings
from service.errors import ConfigurationError, MtsError
from service.logging_setup import configure_logging
from service.runtime import Runtime
from service.runtime.plan import LanguagePlan

log = logging.getLogger("mts.api")

#: The Ray Serve application and deployment names of the API.
APP_NAME = "mts"
DEPLOYMENT_NAME = "MtsApi"

#: Environment variables of the driver that the replicas need too (the hub's offline switches).
FORWARDED_ENV = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")

#: How often Ray Serve asks each replica whether its models are loaded (a dead replica is also
#: noticed at the latest then); the check reads one attribute.
HEALTH_CHECK_PERIOD_S = 2.0

#: How often a starting replica looks whether its models have finished loading.
LOAD_POLL_S = 0.1

#: What a replica logs once its app's lifespan shutdown (which closes the runtime) has finished.
STOPPED_MESSAGE = "replica stopped; its runtime is closed"

RAY_SERVE_MISSING = "`mts serve --engine ray` needs Ray Serve: pip install 'mts[ray]'"


def ray_serve_available() -> bool:
    """Whether Ray Serve can be imported."""
    try:
        import ray.serve  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
    except ImportError:
        return False
    return True


@dataclass(frozen=True)
class ReplicaPlan:
    """How many replicas: a fixed number, or autoscaling bounds with a target load per replica."""

    least: int
    most: int
    target_requests: float | None = None

    @property
    def autoscaling(self) -> bool:
        """Whether Ray Serve scales the replicas between ``least`` and ``most``."""
        return self.target_requests is not None

    def describe(self) -> str:
        """``2 replicas`` or ``1 to 4 replicas (autoscaling)``, for logs."""
        if self.autoscaling:
            return f"{self.least} to {self.most} replicas (autoscaling)"
        return f"{self.least} replica{'s' if self.least != 1 else ''}"

    def deployment_options(self) -> dict[str, Any]:
        """The replica count options of the Ray Serve deployment."""
        if not self.autoscaling:
            return {"num_replicas": self.least}
        return {
            "autoscaling_config": {
                "min_replicas": self.least,
                "initial_replicas": self.least,
                "max_replicas": self.most,
                "target_ongoing_requests": self.target_requests,
            }
        }


def replica_plan(settings: Settings, replicas: int | None) -> ReplicaPlan:
    """``replicas`` (``--replicas``) fixes the count; else MTS_SERVE_MAX_REPLICAS > 0 turns on
    autoscaling from MTS_SERVE_MIN_REPLICAS; else MTS_SERVE_REPLICAS fixes it."""
    if replicas is not None:
        if replicas < 1:
            raise ConfigurationError("--replicas must be at least 1")
        return ReplicaPlan(replicas, replicas)
    if settings.serve_max_replicas > 0:
        if settings.serve_min_replicas > settings.serve_max_replicas:
            raise ConfigurationError(
                f"MTS_SERVE_MIN_REPLICAS={settings.serve_min_replicas} is above "
                f"MTS_SERVE_MAX_REPLICAS={settings.serve_max_replicas}"
            )
        return ReplicaPlan(
            settings.serve_min_replicas, settings.serve_max_replicas, settings.serve_target_requests
        )
    return ReplicaPlan(settings.serve_replicas, settings.serve_replicas)


def replica_gpus(settings: Settings, cluster_gpus: float) -> float:
    """GPUs per replica: MTS_SERVE_GPUS when set; else 1 when MTS_DEVICE=cuda, or MTS_DEVICE=auto
    and the cluster has GPUs; else 0."""
    if settings.serve_gpus is not None:
        return settings.serve_gpus
    if settings.device == "cuda" or (settings.device == "auto" and cluster_gpus > 0):
        return 1.0
    return 0.0


def replica_settings(settings: Settings) -> dict[str, Any]:
    """The settings each replica builds its app from: the driver's, with the model threads set to
    the CPUs Ray reserves per replica unless MTS_THREADS says otherwise."""
    threads = settings.threads or max(1, int(settings.serve_cpus))
    return settings.model_dump(mode="json") | {"threads": threads}


class _LoadedAtStartup:
    """The app, whose ASGI lifespan startup completes only once its models are loaded.

    Ray Serve counts a replica as started, and routes to it, when its app's lifespan startup
    completes; the app's own startup returns at once and loads in the background (so that /readyz
    can say 503 meanwhile under uvicorn). This holds the ``lifespan.startup.complete`` message back
    until the models are loaded, and turns it into ``lifespan.startup.failed`` with the reason when
    loading failed (Ray Serve then retries the replica, and reports the deployment failed)."""

    def __init__(self, app: FastAPI, state: ServiceState) -> None:
        self.app = app
        self.state = state

    def add_exception_handler(self, exc_class: type[Exception], handler: Any) -> None:
        """Ray Serve maps its own overload errors to 503 through the app's exception handlers."""
        self.app.add_exception_handler(exc_class, handler)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self.app(scope, receive, _without_proxy_request_id(scope, send))
            return
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return

        async def send_when_loaded(message: Message) -> None:
            if message["type"] == "lifespan.startup.complete":
                failure = await self._loaded()
                if failure is not None:
                    log.error("replica not started", extra={"reason": failure})
                    message = {"type": "lifespan.startup.failed", "message": failure}
                else:
                    log.info("replica started", extra={"worker": os.getpid()})
            elif message["type"] == "lifespan.shutdown.complete":
                log.info(STOPPED_MESSAGE, extra={"worker": os.getpid()})
            await send(message)

        await self.app(scope, receive, send_when_loaded)

    async def _loaded(self) -> str | None:
        """Wait until the models are loaded (None) or failed to load (the reason)."""
        while not self.state.ready:
            if self.state.failed:
                return self.state.reason
            await asyncio.sleep(LOAD_POLL_S)
        return None


def _without_proxy_request_id(scope: Scope, send: Send) -> Send:
    """A send that leaves X-Request-ID to Ray Serve's proxy: the proxy sets the request's
    ``x-request-id`` (the caller's, or one of its own), the app answers with the same value, and
    the proxy adds it to the response again; one copy is enough."""
    incoming = dict(scope.get("headers") or []).get(b"x-request-id")
    if incoming is None:
        return send

    async def send_once(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [
                (name, value)
                for name, value in message.get("headers", [])
                if not (name.lower() == b"x-request-id" and value == incoming)
            ]
        await send(message)

    return send_once


class ApiReplica:
    """One Ray Serve replica of the API (the deployment wraps this class with ``serve.ingress``).

    The app is built in the replica (``__serve_build_asgi_app__``), never pickled: its runtime,
    models and work threads belong to the replica's process."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.settings = Settings(**settings)
        configure_logging(self.settings)
        self.state: ServiceState | None = None

    def __serve_build_asgi_app__(self) -> ASGIApp:
        app = create_app(self.settings)
        state = app.state.service
        assert isinstance(state, ServiceState)
        # A model missing on this node fails the replica here, with its one-line reason in the
        # deployment's status (a failed load later only says so in the replica's log).
        state.runtime.check_available()
        self.state = state
        return _LoadedAtStartup(app, state)

    async def check_health(self) -> None:
        """Ray Serve's health check: fails (and Serve replaces the replica) unless the models are
        loaded."""
        if self.state is None or not self.state.ready:
            reason = self.state.reason if self.state is not None else "starting"
            raise RuntimeError(f"models not loaded: {reason}")


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM stops the command as Ctrl-C does (KeyboardInterrupt), so that the deployment is
    taken down either way."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _check_fits(plan: ReplicaPlan, cpus: float, gpus: float, cluster: dict[str, float], local: bool) -> None:
    """Refuse (on a local instance, which nothing can join) or warn (on a cluster, which may grow)
    when the cluster cannot hold the starting replicas: Ray Serve would wait for them for ever."""
    short = []
    if plan.least * cpus > cluster.get("CPU", 0):
        short.append(f"{plan.least} × {cpus:g} CPUs, the cluster has {cluster.get('CPU', 0):g}")
    if plan.least * gpus > cluster.get("GPU", 0):
        short.append(f"{plan.least} × {gpus:g} GPUs, the cluster has {cluster.get('GPU', 0):g}")
    if not short:
        return
    message = f"{plan.describe()} need {' and '.join(short)} (MTS_SERVE_CPUS, MTS_SERVE_GPUS, MTS_DEVICE)"
    if local:
        raise ConfigurationError(message)
    log.warning("%s: the replicas wait until the cluster has room", message)


def _take_down(serve: Any, *, stop_serve: bool) -> None:
    """Delete the application (its replicas finish their requests and close their runtimes); with
    ``stop_serve`` also stop Serve's controller and proxies, unless another application appeared."""
    try:
        serve.delete(APP_NAME)
        if stop_serve and not serve.status().applications:
            serve.shutdown()
    except Exception as exc:  # the cluster went away: nothing left to take down
        log.warning("could not take the deployment down: %s", exc)


def _check_models(settings: Settings) -> None:
    """Fail with one line when a model the replicas need is missing or broken (loads nothing)."""
    runtime = Runtime(settings)
    try:
        runtime.check_available()
    finally:
        runtime.close()


def _failure(serve: Any, exc: Exception) -> str:
    """Why the deployment failed: the last line of the deployment's status message (the error a
    replica raised), else of Ray Serve's exception."""
    try:
        application = serve.status().applications.get(APP_NAME)
        message = application.deployments[DEPLOYMENT_NAME].message if application else ""
    except Exception:  # no status to read: say what Ray Serve said
        message = ""
    lines = [line.strip() for line in (message or str(exc)).splitlines() if line.strip()]
    if not lines:
        return type(exc).__name__
    # A traceback's last line: ``service.errors.ModelNotAvailableError: <what to fix>``.
    return re.sub(r"^[\w.]+(Error|Exception): ", "", lines[-1])


def _deployment(serve: Any, settings: Settings, plan: ReplicaPlan, gpus: float, env: dict[str, str]) -> Any:
    """The Ray Serve deployment of the API: :class:`ApiReplica` behind ``serve.ingress``."""
    actor_options: dict[str, Any] = {"num_cpus": settings.serve_cpus, "num_gpus": gpus}
    if env:
        actor_options["runtime_env"] = {"env_vars": env}
    options = serve.deployment(
        name=DEPLOYMENT_NAME,
        ray_actor_options=actor_options,
        # The app bounds its requests in flight itself (503 beyond MTS_MAX_INFLIGHT); Serve holds
        # at most as many again waiting for a replica, then answers 503 too.
        max_ongoing_requests=settings.max_inflight,
        max_queued_requests=settings.max_inflight,
        health_check_period_s=HEALTH_CHECK_PERIOD_S,
        # A replica taken away (scale-down, Ctrl-C) first finishes the requests it holds.
        graceful_shutdown_timeout_s=settings.request_timeout_s,
        **plan.deployment_options(),
    )
    return options(serve.ingress()(ApiReplica))


def serve_on_ray(settings: Settings, *, host: str, port: int, replicas: int | None) -> None:
    """Serve the API as Ray Serve replicas on ``host:port`` until Ctrl-C or SIGTERM.

    ``replicas`` fixes the number of replicas (None: the MTS_SERVE_* settings decide, see
    :func:`replica_plan`). Blocks until the command is interrupted, then deletes the deployment
    (and stops the local Ray instance when it started one). Raises :class:`MtsError` when Ray Serve
    is missing, the settings cannot work, or the replicas fail to start."""
    if not ray_serve_available():
        raise MtsError(RAY_SERVE_MISSING)
    LanguagePlan(settings)  # a setting only the plan can check fails here, before Ray starts
    plan = replica_plan(settings, replicas)
    require_shared_store(settings, plan.most)

    # Ray ships type hints; the ignores only matter where it is not installed.
    import ray  # type: ignore[import-not-found,unused-ignore]
    from ray import serve  # type: ignore[import-not-found,unused-ignore]

    ray_any: Any = ray  # a few of Ray's functions are untyped
    env = {name: os.environ[name] for name in FORWARDED_ENV if name in os.environ}
    started = not ray.is_initialized()
    local = started and not os.environ.get("RAY_ADDRESS")
    if local:
        _check_models(settings)  # the replicas share this machine's disk: fail before Ray starts
    if started:
        connect: dict[str, Any] = {"address": "local", "num_cpus": os.cpu_count() or 1} if local else {}
        ray.init(
            **connect,
            ignore_reinit_error=True,
            include_dashboard=False,
            logging_level=logging.WARNING,
            runtime_env={"env_vars": env} if env else None,
        )
    deployed = serve_was_running = False
    # After ray.init, which installs a SIGTERM handler of its own (it only prints a stack).
    with _sigterm_interrupts():
        try:
            cluster = {k: float(v) for k, v in ray_any.cluster_resources().items()}
            gpus = replica_gpus(settings, cluster.get("GPU", 0.0))
            _check_fits(plan, settings.serve_cpus, gpus, cluster, local)
            deployment = _deployment(serve, settings, plan, gpus, env)
            status = serve.status()
            serve_was_running = bool(status.proxies or status.applications)
            if serve_was_running:
                log.warning(
                    "Ray Serve already runs on this cluster: its proxies keep the address they were "
                    "started with, whatever --host and --port say"
                )
            http = {"host": host, "port": port, "keep_alive_timeout_s": settings.timeout_keep_alive_s}
            serve.start(http_options=http)
            log.info(
                "starting %s on Ray Serve (%g CPUs, %g GPUs each); models load first",
                plan.describe(),
                settings.serve_cpus,
                gpus,
            )
            deployed = True
            try:
                serve.run(
                    deployment.bind(replica_settings(settings)),
                    name=APP_NAME,
                    route_prefix="/",
                    logging_config={"log_level": settings.log_level.upper(), "enable_access_log": False},
                )
            except RuntimeError as exc:
                reason = _failure(serve, exc)
                raise MtsError(f"the API replicas did not start on Ray Serve: {reason}") from None
            where = (
                "a local Ray instance"
                if local
                else f"the Ray cluster at {ray_any.get_runtime_context().gcs_address}"
            )
            log.info("listening on http://%s:%d: %s on %s; Ctrl-C stops", host, port, plan.describe(), where)
            while True:  # until Ctrl-C or SIGTERM (KeyboardInterrupt)
                time.sleep(60)
        except KeyboardInterrupt:
            log.info("stopping: the replicas finish their requests")
        finally:
            if deployed:
                _take_down(serve, stop_serve=not serve_was_running)
            if started:
                ray.shutdown()
