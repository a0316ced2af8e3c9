"""The FastAPI application: factory, lifespan (load and warm models), middleware, error mapping."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.api.documents import UPLOAD_OVERHEAD_BYTES, UPLOAD_PATHS, install_documents
from service.api.errors import describe_error
from service.api.glossaries import UPLOAD_PATH as GLOSSARY_UPLOAD_PATH
from service.api.glossaries import install_glossaries
from service.api.metrics import multiprocess_mode
from service.api.routes import LIBRETRANSLATE_PATHS, router
from service.api.security import AuthError, bearer_token, check_key, is_admin, is_open
from service.api.state import ServiceState
from service.api.store import key_id
from service.config import Settings
from service.errors import MtsError
from service.runtime.registry import Loaders

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

# The API documentation (/docs: Swagger UI, /redoc: ReDoc) loads its scripts, styles and icon from
# the copies the fastapi-offline package ships, served under DOCS_ASSETS_PATH, so it works with no
# internet access. The policy below lets the browser fetch nothing from any other host (ReDoc's
# sidebar would fetch its maker's logo; the image is dropped); the inline parts are FastAPI's own
# page templates and the viewers' styles.
DOCS_ASSETS_PATH = "/docs/assets"
DOCS_ASSETS_DIR = Path(fastapi_offline.__file__).resolve().parent / "static"
DOCS_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}

DESCRIPTION = """
Translation of French Yonhap dispatches into English and Korean, with bullet summaries in
French, English and Korean whose numbers and names are checked against the source.

* `/v1/...`: the service's own API. Errors are `{"error": {"type", "message"}, "request_id"}`.
* `/translate`, `/languages`, `/detect`: LibreTranslate-compatible, for existing clients.
* `/livez`, `/readyz`, `/metrics`: operations.
* `/`: the editor page: paste a dispatch, check its translations and bullets side by side.
"""


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
    described = describe_error(exc)
    if described is None:
        return await _unexpected(request, exc)
    status, kind, headers = described
    return error_response(request, status, kind, str(exc), **headers)


def _readable(errors: Any) -> str:
    parts = []
    for err in errors:
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
        parts.append(f"{loc or 'body'}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) or "invalid request"


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    for err in errors:
        if err.get("type") == "string_unicode":  # a lone surrogate: the text, not the shape, is wrong
            loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path"))
            message = f"{loc or 'body'} is not valid Unicode: send well-formed UTF-8 text"
            return error_response(request, 400, "bad_request", message)
    status = 400 if request.url.path in LIBRETRANSLATE_PATHS else 422
    return error_response(request, status, "validation_error", _readable(errors))


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
    """Read each request's whole body before anything parses it: over ``max_bytes`` (declared or
    counted, chunked bodies included) is 413; not finished within ``timeout_s`` is 408 and the
    connection closes. The app then reads the body from memory. File uploads (``upload_paths``)
    may be up to ``max_upload_bytes``."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        timeout_s: float = 30.0,
        upload_paths: frozenset[str] = frozenset(),
        max_upload_bytes: int = 0,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.timeout_s = timeout_s
        self.upload_paths = upload_paths
        self.max_upload_bytes = max(max_upload_bytes, max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_upload_bytes if scope.get("path") in self.upload_paths else self.max_bytes
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._too_large(scope, send, limit)
            return
        chunks: list[bytes] = []
        received = 0
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        while True:
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                message = await asyncio.wait_for(receive(), timeout=max(remaining, 0.001))
            except TimeoutError:
                await _send_error(
                    scope,
                    send,
                    408,
                    "request_timeout",
                    f"the request body was not received within {self.timeout_s:g} s",
                    close=True,
                )
                return
            if message["type"] == "http.disconnect":
                return  # the client went away: nobody to answer
            received += len(message.get("body", b""))
            if received > limit:
                await self._too_large(scope, send, limit)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        await self.app(scope, _replaying(b"".join(chunks), receive), send)

    async def _too_large(self, scope: Scope, send: Send, limit: int) -> None:
        message = f"request body over the limit of {limit} bytes"
        await _send_error(scope, send, 413, "payload_too_large", message, close=True)


async def _send_error(
    scope: Scope, send: Send, status: int, kind: str, message: str, *, close: bool = False
) -> None:
    """An error answer sent straight from a middleware (before the app has seen the request), in
    LibreTranslate's shape on its routes."""
    error: object = {"type": kind, "message": message}
    if scope.get("path") in LIBRETRANSLATE_PATHS:
        error = message
    body = json.dumps({"error": error}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class AuthMiddleware:
    """The one place that decides who may call what: open routes (see
    :func:`service.api.security.is_open`) pass; every other route needs a key when keys are set
    (``Authorization: Bearer``, or LibreTranslate's ``api_key`` field or query parameter), then
    counts against the caller's rate limit and usage. Invalid keys are throttled per client
    address. The counts live in the store (:mod:`service.api.store`); when it cannot be reached,
    a keyed route answers 503 rather than run unlimited."""

    def __init__(self, app: ASGIApp, state: ServiceState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        settings = self.state.settings
        path = scope.get("path", "")
        if is_open(path, open_metrics=settings.open_metrics, open_docs=settings.open_docs):
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        client = request.client.host if request.client else "anonymous"
        keys = settings.api_key_set
        store = self.state.store
        failures = self.state.auth_failures
        try:
            given: str | None = None
            if keys:
                await store.run(lambda: failures.check(client))
                given = bearer_token(request.headers.get("authorization"))
                if given is None and path in LIBRETRANSLATE_PATHS:
                    given, receive = await _libretranslate_key(request, receive)
                try:
                    key = check_key(keys, given)
                except AuthError as exc:
                    if exc.status == 403:
                        await store.run(lambda: failures.record(client))
                    raise
            else:
                key = None
            caller = key_id(key)
            await store.run(lambda: self._admit(f"key:{caller}" if key else f"addr:{client}", caller))
        except MtsError as exc:
            response = await _mts_error(Request(scope, receive), exc)
            await response(scope, receive, send)
            return
        scope_state = scope.setdefault("state", {})
        scope_state["admin"] = is_admin(settings.admin_key_set, given)
        scope_state["caller"] = caller
        await self.app(scope, receive, send)

    def _admit(self, limited_as: str, caller: str) -> None:
        """Count the request against its rate limit, then in its key's usage (store work)."""
        self.state.limiter.check(limited_as)
        self.state.store.add_usage(caller, requests=1)


class ObserveMiddleware:
    """Give each request its id (the client's ``X-Request-ID`` or a new one, sent back in the
    header), count it in the metrics, and log one line when its answer has been sent: route,
    status, latency (a streamed answer's whole duration), and what the route noted (pair, texts,
    segments). A plain ASGI middleware: it leaves the connection's messages to the app, so a
    streamed answer notices a client that goes away."""

    def __init__(self, app: ASGIApp, state: ServiceState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode("latin-1") or uuid.uuid4().hex[:16]
        noted: dict[str, Any] = scope.setdefault("state", {})
        noted["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {
                    **message,
                    "headers": [*message.get("headers", []), (b"x-request-id", request_id.encode("latin-1"))],
                }
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            self._record(scope, noted, status, time.perf_counter() - started)

    def _record(self, scope: Scope, noted: dict[str, Any], status: int, elapsed: float) -> None:
        metrics = self.state.metrics
        route = getattr(scope.get("route"), "path", "unmatched")
        method = scope.get("method", "")
        metrics.requests.labels(route, method, str(status)).inc()
        metrics.latency.labels(route).observe(elapsed)
        if status >= 400:
            metrics.errors.labels(route, str(status)).inc()
        extra: dict[str, Any] = {
            "request_id": noted["request_id"],
            "route": route,
            "method": method,
            "status": status,
            "latency_ms": round(elapsed * 1000, 1),
        }
        for key in ("pair", "segments", "texts"):
            if key in noted:
                extra[key] = noted[key]
        if self.state.settings.log_text and "text" in noted:
            extra["text"] = noted["text"]
        log.info("request", extra=extra)


class WorkerHeaderMiddleware:
    """Name the serving process on every response (``X-MTS-Worker: host:pid``), so operators and
    tests see how requests spread over the workers."""

    def __init__(self, app: ASGIApp, worker: str) -> None:
        self.app = app
        self.header = (b"x-mts-worker", worker.encode("ascii", "replace"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_named(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), self.header]}
            await send(message)

        await self.app(scope, receive, send_named)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A receive that hands the app a body already read, then passes on to the real one."""
    delivered = False

    async def replay() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _libretranslate_key(request: Request, receive: Receive) -> tuple[str | None, Receive]:
    """LibreTranslate's ``api_key`` (query, JSON or form field), and a receive that replays the body."""
    from_query = request.query_params.get("api_key")
    body = await request.body()
    replay = _replaying(body, receive)

    if from_query:
        return from_query, replay
    content_type = request.headers.get("content-type", "")
    found: object = None
    if "json" in content_type:
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):
            data = None
        found = data.get("api_key") if isinstance(data, dict) else None
    elif "form" in content_type:
        try:
            form = await Request(request.scope, _once(body)).form()
            found = form.get("api_key")
            await form.close()
        except Exception:  # a malformed form: the route says what is wrong with it
            found = None
    return (found if isinstance(found, str) and found else None), replay


def _once(body: bytes) -> Receive:
    async def receive() -> Message:
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


def create_app(settings: Settings | None = None, *, loaders: Loaders | None = None) -> FastAPI:
    """Build the app. Models load and warm in the lifespan; /readyz says 503 until they are warm.

    ``loaders`` replace how the runtime loads models (tests pass deterministic fakes)."""
    settings = settings or Settings()
    state = ServiceState(settings, loaders)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state.reason = "loading models"
        warm_task = asyncio.create_task(_warm(state))
        # With several workers each one writes its queue depths for the shared /metrics.
        depth_task = asyncio.create_task(state.track_queue_depth()) if multiprocess_mode() else None
        try:
            yield
        finally:
            warm_task.cancel()
            if depth_task is not None:
                depth_task.cancel()
            await state.close()

    app = FastAPI(
        title="mts — French dispatch translation",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        # /docs and /redoc come from _add_docs: FastAPI's own pages load their files from a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.service = state
    app.include_router(router)
    # Document jobs (/v1/documents, /translate_file): their routes, and their background worker
    # started after the lifespan above and stopped before it ends.
    install_documents(app, state)
    # Stored glossaries (/v1/glossaries): their routes, and their store opened at startup.
    install_glossaries(app, state)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _add_docs(app)

    @app.get("/", include_in_schema=False)
    async def editor_page() -> FileResponse:
        """The editor page: paste a dispatch, check translations and bullets side by side."""
        return FileResponse(STATIC_DIR / "index.html", headers=PAGE_HEADERS)

    app.add_middleware(AuthMiddleware, state=state)
    app.add_exception_handler(MtsError, _mts_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)

    app.add_middleware(ObserveMiddleware, state=state)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        timeout_s=settings.timeout_body_s,
        upload_paths=UPLOAD_PATHS | {GLOSSARY_UPLOAD_PATH},
        max_upload_bytes=max(settings.document_max_bytes, settings.glossary_max_bytes)
        + UPLOAD_OVERHEAD_BYTES,
    )
    app.add_middleware(WorkerHeaderMiddleware, worker=f"{socket.gethostname()}:{os.getpid()}")
    return app


def _add_docs(app: FastAPI) -> None:
    """Serve /docs, /docs/oauth2-redirect and /redoc with their files from DOCS_ASSETS_PATH.

    URLs carry the request's root path, as FastAPI's own pages do, so the pages also work behind a
    proxy that mounts the API under a prefix. Like FastAPI's own pages, they are plain routes, not
    API operations."""
    app.mount(DOCS_ASSETS_PATH, StaticFiles(directory=DOCS_ASSETS_DIR), name="docs-assets")
    openapi_url = app.openapi_url or "/openapi.json"
    oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"

    def root(request: Request) -> str:
        return str(request.scope.get("root_path", "")).rstrip("/")

    async def swagger_ui(request: Request) -> HTMLResponse:
        prefix = root(request)
        page = get_swagger_ui_html(
            openapi_url=prefix + openapi_url,
            title=f"{app.title} — API reference",
            swagger_js_url=f"{prefix}{DOCS_ASSETS_PATH}/swagger-ui-bundle.js",
            swagger_css_url=f"{prefix}{DOCS_ASSETS_PATH}/swagger-ui.css",
            swagger_favicon_url=f"{prefix}{DOCS_ASSETS_PATH}/favicon.png",
            oauth2_redirect_url=prefix + oauth2_redirect_url,
            # No badge from the public spec validator's site.
            swagger_ui_parameters={"validatorUrl": None},
        )
        page.headers.update(DOCS_HEADERS)
        return page

    async def swagger_ui_oauth2_redirect(request: Request) -> HTMLResponse:
        page = get_swagger_ui_oauth2_redirect_html()
        page.headers.update(DOCS_HEADERS)
        return page

    async def redoc(request: Request) -> HTMLResponse:
        prefix = root(request)
        page = get_redoc_html(
            openapi_url=prefix + openapi_url,
            title=f"{app.title} — API reference",
            redoc_js_url=f"{prefix}{DOCS_ASSETS_PATH}/redoc.standalone.js",
            redoc_favicon_url=f"{prefix}{DOCS_ASSETS_PATH}/favicon.png",
            with_google_fonts=False,
        )
        page.headers.update(DOCS_HEADERS)
        return page

    app.add_route("/docs", swagger_ui, include_in_schema=False)
    app.add_route(oauth2_redirect_url, swagger_ui_oauth2_redirect, include_in_schema=False)
    app.add_route("/redoc", redoc, include_in_schema=False)


async def _warm(state: ServiceState) -> None:
    loop = asyncio.get_running_loop()
    try:
        await loop.run_in_executor(state.workers, state.warm_up)
    except MtsError as exc:
        state.failed = True
        state.reason = f"model loading failed: {exc}"
        log.error("model loading failed", extra={"error": str(exc)})
        return
    except Exception as exc:  # a failed load must show in /readyz, not kill the server
        state.failed = True
        state.reason = f"model loading failed: {type(exc).__name__}: {exc}"
        log.exception("model loading failed")
        return
    state.ready = True
    state.reason = "ready"
    state.metrics.ready.set(1)
    log.info("ready")
