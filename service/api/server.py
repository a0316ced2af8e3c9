"""How `mts serve` runs uvicorn: connection limits and read timeouts.

uvicorn bounds idle keep-alive connections (``timeout_keep_alive``), header size
(``h11_max_incomplete_event_size``) and concurrent connections (``limit_concurrency``: requests
beyond get 503), but it has no timeout for a request's headers: a connection that sends half a
request line and then nothing stays open for ever. :class:`TimedH11Protocol` adds one. The
request body is bounded in the app (``BodyLimitMiddleware``: 408 after MTS_TIMEOUT_BODY_S).

This is the one module that relies on uvicorn internals (``H11Protocol``'s ``conn``, ``cycle``,
``on_response_complete``): uvicorn offers no public hook for a header timeout. It was checked
against :data:`CHECKED_UVICORN`; tests/api/test_hardening.py pins that range and shows the timeout
working against a real ``mts serve``, so an upgrade that changes the internals fails there.
"""

from __future__ import annotations

import asyncio
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

from service.config import Settings, get_settings

#: The uvicorn releases (major, minor) whose H11Protocol this subclass was checked against.
CHECKED_UVICORN = ((0, 55), (0, 55))


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol plus a header timeout: a connection must complete a request's
    headers within MTS_TIMEOUT_HEADER_S of opening (or of the previous response), else it is
    closed. Requests being processed are not affected (they have MTS_REQUEST_TIMEOUT_S)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.timeout_header = get_settings().timeout_header_s
        self._header_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_header_timer()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm_header_timer()

    def _arm_header_timer(self) -> None:
        self._cancel_header_timer()
        self._header_timer = self.loop.call_later(self.timeout_header, self._header_timeout)

    def _cancel_header_timer(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _header_timeout(self) -> None:
        self._header_timer = None
        if self.transport.is_closing():
            return
        waiting_for_request = self.conn.their_state is h11.IDLE and (
            self.cycle is None or self.cycle.response_complete
        )
        if waiting_for_request:
            self.transport.close()


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The connection limits and timeouts `mts serve` gives uvicorn."""
    return {
        "http": "service.api.server:TimedH11Protocol",
        "timeout_keep_alive": settings.timeout_keep_alive_s,
        "limit_concurrency": settings.max_connections,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
    }
