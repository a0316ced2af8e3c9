"""The FastAPI application: factory, lifespan (load and warm models), middleware, error mapping."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.routes import LIBRETRANSLATE_PATHS, router
from service.api.security import AuthError, RateLimitedError
from service.api.state import (
    BusyError,
    NotReadyError,
    PayloadTooLargeError,
    RequestTimeoutError,
    ServiceState,
)
from service.config import Settings
from service.errors import (
    BrokenModelError,
    ConfigurationError,
    ModelNotAvailableError,
    MtsError,
    UnsupportedLanguagePairError,
)
from service.runtime.executor import ExecutorClosedError, JobTooLargeError, QueueFullError
from service.runtime.registry import Loaders
from service.work import WorkCancelledError

log = logging.getLogger("mts.api")

# The editor page (GET /) and its files: plain HTML, CSS and JavaScript, nothing fetched from elsewhere.
STATIC_DIR = Path(__file__).resolve().parent / "static"
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-cache",
}

DESCRIPTION = """
Translation of French Yonhap dispatches into English and Korean, with bullet summaries in
French, English and Korean whose numbers and names are checked against the source.

* `/v1/...`: the service's own API. Errors are `{"error": {"type", "message"}, "request_id"}`.
* `/translate`, `/languages`, `/detect`: LibreTranslate-compatible, for existing clients.
* `/livez`, `/readyz`, `/metrics`: operations.
* `/`: the editor page: paste a dispatch, check its translations and bullets side by side.
"""

# Exception type -> (HTTP status, error type, Retry-After seconds or None)
ERROR_MAP: list[tuple[type[Exception], int, str, int | None]] = [
    (AuthError, 401, "unauthorized", None),
    (RateLimitedError, 429, "rate_limited", None),
    (PayloadTooLargeError, 413, "payload_too_large", None),
    (JobTooLargeError, 413, "payload_too_large", None),
    (UnsupportedLanguagePairError, 400, "unsupported_language_pair", None),
    (QueueFullError, 503, "queue_full", 2),
    (BusyError, 503, "busy", 2),
    (NotReadyError, 503, "not_ready", 5),
    (ExecutorClosedError, 503, "shutting_down", 5),
    (RequestTimeoutError, 504, "timeout", None),
    (WorkCancelledError, 504, "timeout", None),
    (ModelNotAvailableError, 503, "model_not_available", None),
    (BrokenModelError, 503, "model_broken", None),
    (ConfigurationError, 503, "configuration", None),
    (MtsError, 400, "bad_request", None),
]


def error_response(request: Request, status: int, kind: str, message: str, **headers: str) -> JSONResponse:
    """The error body: LibreTranslate's shape on its routes, ours elsewhere."""
    request_id = getattr(request.state, "request_id", None)
    body: dict[str, Any]
    if request.url.path in LIBRETRANSLATE_PATHS:
        body = {"error": message}
    else:
        body = {"error": {"type": kind, "message": message}, "request_id": request_id}
    return JSONResponse(body, status_code=status, headers=headers or None)


async def _mts_error(request: Request, exc: Exception) -> Response:
    for exc_type, mapped_status, mapped_kind, retry_after in ERROR_MAP:
        if isinstance(exc, exc_type):
            headers: dict[str, str] = {}
            status, kind = mapped_status, mapped_kind
            if isinstance(exc, AuthError):
                status = exc.status
                kind = "unauthorized" if status == 401 else "forbidden"
                if status == 401:
                    headers["WWW-Authenticate"] = "Bearer"
            if isinstance(exc, RateLimitedError):
                headers["Retry-After"] = str(exc.retry_after)
            elif retry_after is not None:
                headers["Retry-After"] = str(retry_after)
            return error_response(request, status, kind, str(exc), **headers)
    return await _unexpected(request, exc)


def _readable(errors: Any) -> str:
    parts = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{loc or 'body'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    status = 400 if request.url.path in LIBRETRANSLATE_PATHS else 422
    return error_response(request, status, "validation_error", _readable(exc.errors()))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    kind = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return error_response(request, exc.status_code, kind, message, **(exc.headers or {}))


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.error(
        "unhandled error",
        exc_info=(type(exc), exc, exc.__traceback__),
        extra={"request_id": getattr(request.state, "request_id", None)},
    )
    return error_response(request, 500, "internal_error", "internal error; see the server log")


class BodyLimitMiddleware:
    """Refuse request bodies over the limit with 413, before anything parses them."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(send)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _BodyTooLargeError
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLargeError:
            if not started:
                await self._too_large(send)

    async def _too_large(self, send: Send) -> None:
        message = f"request body over the limit of {self.max_bytes} bytes"
        body = f'{{"error": {{"type": "payload_too_large", "message": "{message}"}}}}'.encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


class _BodyTooLargeError(Exception):
    pass


def create_app(settings: Settings | None = None, *, loaders: Loaders | None = None) -> FastAPI:
    """Build the app. Models load and warm in the lifespan; /readyz says 503 until they are warm.

    ``loaders`` replace how the runtime loads models (tests pass deterministic fakes)."""
    settings = settings or Settings()
    state = ServiceState(settings, loaders)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.reason = "loading models"
        warm_task = asyncio.create_task(_warm(state))
        try:
            yield
        finally:
            warm_task.cancel()
            await state.close()

    app = FastAPI(
        title="mts — French dispatch translation",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.service = state
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.get("/", include_in_schema=False)
    async def editor_page() -> FileResponse:
        """The editor page: paste a dispatch, check translations and bullets side by side."""
        return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)

    app.add_exception_handler(MtsError, _mts_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex[:16]
        request.state.request_id = request_id
        started = time.perf_counter()
        status = 500
        try:
            response = await call_next(request)
            status = response.status_code
        finally:
            elapsed = time.perf_counter() - started
            route = getattr(request.scope.get("route"), "path", "unmatched")
            state.metrics.requests.labels(route, request.method, str(status)).inc()
            state.metrics.latency.labels(route).observe(elapsed)
            if status >= 400:
                state.metrics.errors.labels(route, str(status)).inc()
            extra: dict[str, Any] = {
                "request_id": request_id,
                "route": route,
                "method": request.method,
                "status": status,
                "latency_ms": round(elapsed * 1000, 1),
            }
            for key in ("pair", "segments", "texts"):
                if hasattr(request.state, key):
                    extra[key] = getattr(request.state, key)
            if settings.log_text and hasattr(request.state, "text"):
                extra["text"] = request.state.text
            log.info("request", extra=extra)
        response.headers["X-Request-ID"] = request_id
        return response

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    return app


async def _warm(state: ServiceState) -> None:
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(state.workers, state.warm_up)
    except MtsError as exc:
        state.reason = f"model loading failed: {exc}"
        log.error("model loading failed", extra={"error": str(exc)})
        return
    except Exception as exc:  # a failed load must show in /readyz, not kill the server
        state.reason = f"model loading failed: {type(exc).__name__}: {exc}"
        log.exception("model loading failed")
        return
    state.ready = True
    state.reason = "ready"
    state.metrics.ready.set(1)
    log.info("ready")
