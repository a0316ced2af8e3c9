"""Results as they come: a request's work run in a work thread, its events sent as server-sent events.

A streamed answer is ``text/event-stream``: one ``segment`` event per translated sentence as soon
as it is checked, then one ``result`` event holding exactly the JSON the same request answers
without streaming; or, when the work fails after the stream has begun, one ``error`` event with the
status and the error body the request would have answered. A request refused before its first
sentence (a bad field, a language pair not served, the server busy, a bad glossary) is answered
as without streaming: the status and the JSON error, no stream.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.responses import StreamingResponse

from service.api.errors import describe_error

if TYPE_CHECKING:
    from service.api.state import ServiceState

log = logging.getLogger("mts.api")

# Sends one event from the work thread: (event name, its JSON data).
Emit = Callable[[str, dict[str, Any]], None]
STREAM_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
# A comment line sent when no event has come for this long: proxies keep the connection open, and
# a client that has gone is noticed at the next send.
KEEP_ALIVE_S = 10.0


def sse(event: str, data: dict[str, Any]) -> bytes:
    """One server-sent event: its name and its data as one line of JSON."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


async def stream(
    request: Request, state: ServiceState, work: Callable[[Emit], dict[str, Any]]
) -> StreamingResponse:
    """Run ``work`` (given a function that sends an event) as :meth:`ServiceState.run_blocking`
    does, and answer with its events as they come and its return value as the ``result`` event.

    The answer starts with the first event: an error raised before it propagates as for any other
    request. A client that goes away cancels the work (its ticket), as does the request timeout."""
    loop = asyncio.get_running_loop()
    events: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()

    def emit(event: str, data: dict[str, Any]) -> None:
        loop.call_soon_threadsafe(events.put_nowait, (event, data))

    # A client that goes away is noticed by the streaming response (its disconnect listener, or a
    # failed send of an event or of a keep-alive comment), whose closing cancels the work: at the
    # latest when the first sentence is ready. Polling for it as other requests do would race with
    # that listener for the connection's messages.
    task = asyncio.ensure_future(state.run_blocking(lambda: work(emit)))
    first = asyncio.ensure_future(events.get())
    try:
        racing: set[asyncio.Future[Any]] = {task, first}
        await asyncio.wait(racing, return_when=asyncio.FIRST_COMPLETED)
    except asyncio.CancelledError:
        first.cancel()
        task.cancel()
        raise
    if not first.done():
        first.cancel()
        if task.exception() is not None:
            task.result()  # the error before any event: answered as without streaming
    opening = [first.result()] if first.done() and not first.cancelled() else []
    return StreamingResponse(
        _events(request, task, events, opening), media_type="text/event-stream", headers=STREAM_HEADERS
    )


async def _events(
    request: Request,
    task: asyncio.Future[dict[str, Any]],
    events: asyncio.Queue[tuple[str, dict[str, Any]]],
    opening: list[tuple[str, dict[str, Any]]],
) -> AsyncIterator[bytes]:
    following: asyncio.Future[tuple[str, dict[str, Any]]] | None = None
    try:
        for event, data in opening:
            yield sse(event, data)
        following = asyncio.ensure_future(events.get())
        while True:
            racing: set[asyncio.Future[Any]] = {task, following}
            await asyncio.wait(racing, timeout=KEEP_ALIVE_S, return_when=asyncio.FIRST_COMPLETED)
            if following.done():
                yield sse(*following.result())
                following = asyncio.ensure_future(events.get())
                continue
            if not task.done():
                yield b": keep-alive\n\n"
                continue
            following.cancel()
            while not events.empty():
                yield sse(*events.get_nowait())
            break
        error = task.exception()
        if error is None:
            yield sse("result", task.result())
        else:
            yield sse("error", _error_body(request, error))
    finally:
        # The client went away (or the server is stopping): the work is no longer wanted.
        if following is not None:
            following.cancel()
        if not task.done():
            task.cancel()


def _error_body(request: Request, exc: BaseException) -> dict[str, Any]:
    """The ``error`` event's data: the status and the body the request would have answered."""
    described = describe_error(exc) if isinstance(exc, Exception) else None
    if described is None:
        log.error(
            "unhandled error",
            exc_info=(type(exc), exc, exc.__traceback__),
            extra={"request_id": getattr(request.state, "request_id", None)},
        )
        status, kind, message = 500, "internal_error", "internal error; see the server log"
    else:
        status, kind, message = described[0], described[1], str(exc)
    return {
        "status": status,
        "error": {"type": kind, "message": message},
        "request_id": getattr(request.state, "request_id", None),
    }
