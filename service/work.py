"""Work that someone is waiting for, and how code learns that nobody is any more.

A request carries a :class:`Ticket`: a deadline and a cancel switch (its timeout passed, or its client
went away). Code doing the work calls :func:`checkpoint` between steps (between model batches,
between the stages of a dispatch); once the ticket is dead, the checkpoint raises
:class:`WorkCancelledError` and the work stops there instead of running on for nobody.

The ticket travels in a context variable, so the layers in between (pipeline, translators) need no
extra argument. Threads do not inherit it: whoever hands work to a thread sets it there with
:func:`working_for`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Protocol

from service.errors import MtsError


class WorkCancelledError(MtsError):
    """The work was dropped: its request timed out or its client went away."""


class Liveness(Protocol):
    """Something :func:`checkpoint` can ask whether its work is still wanted."""

    @property
    def dead(self) -> bool:
        """True once nobody waits for the work any more."""
        ...

    @property
    def reason(self) -> str:
        """Why the work is no longer wanted."""
        ...


class Ticket:
    """One request's claim on the service's work: a deadline and a cancel switch."""

    def __init__(self, timeout_s: float | None = None) -> None:
        self.deadline = None if timeout_s is None else time.monotonic() + timeout_s
        self._cancelled = threading.Event()
        self._reason = ""
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[], None]] = []

    @property
    def dead(self) -> bool:
        """True once cancelled or past the deadline.

        Only a read: it runs no callbacks (it is asked under other locks); whoever waits for the
        work cancels the ticket when the deadline passes."""
        return self._cancelled.is_set() or self._expired()

    def _expired(self) -> bool:
        return self.deadline is not None and time.monotonic() >= self.deadline

    @property
    def reason(self) -> str:
        """Why the ticket is dead ('' while it is alive)."""
        if self._cancelled.is_set():
            return self._reason
        return "the request timed out" if self._expired() else ""

    def remaining(self) -> float | None:
        """Seconds left before the deadline (None: no deadline)."""
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.monotonic())

    def cancel(self, reason: str = "cancelled") -> None:
        """Declare the work unwanted; callbacks run once, in the calling thread."""
        with self._lock:
            if self._cancelled.is_set():
                return
            self._reason = reason
            self._cancelled.set()
            callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def on_cancel(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when the ticket is cancelled (at once if it already is)."""
        with self._lock:
            if not self._cancelled.is_set():
                self._callbacks.append(callback)
                return
        callback()

    def check(self) -> None:
        """Raise :class:`WorkCancelledError` if the ticket is dead."""
        if self.dead:
            raise WorkCancelledError(self._reason or "cancelled")


class AllDead:
    """The liveness of work done for several tickets at once: dead only when every one is."""

    def __init__(self, tickets: Sequence[Liveness]) -> None:
        self.tickets = list(tickets)

    @property
    def dead(self) -> bool:
        """True when no ticket is alive (and there was at least one)."""
        return bool(self.tickets) and all(t.dead for t in self.tickets)

    @property
    def reason(self) -> str:
        """The first ticket's reason."""
        return self.tickets[0].reason if self.tickets else ""


_current: ContextVar[Liveness | None] = ContextVar("mts_work", default=None)


def current() -> Liveness | None:
    """The liveness of the work running in this context, if any."""
    return _current.get()


def current_ticket() -> Ticket | None:
    """The request ticket of this context, if the work is a request's."""
    liveness = _current.get()
    return liveness if isinstance(liveness, Ticket) else None


@contextlib.contextmanager
def working_for(liveness: Liveness | None) -> Iterator[None]:
    """Run the body as work for ``liveness`` (checkpoints inside it consult it)."""
    token = _current.set(liveness)
    try:
        yield
    finally:
        _current.reset(token)


def checkpoint() -> None:
    """Stop here (raise :class:`WorkCancelledError`) if nobody waits for this work any more."""
    liveness = _current.get()
    if liveness is not None and liveness.dead:
        raise WorkCancelledError(liveness.reason or "cancelled")
