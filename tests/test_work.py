"""Request tickets: deadline, cancellation, callbacks and checkpoints."""

from __future__ import annotations

import threading
import time

import pytest

from service.work import AllDead, Ticket, WorkCancelledError, checkpoint, current_ticket, working_for


def test_a_ticket_dies_at_its_deadline_without_running_callbacks() -> None:
    ticket = Ticket(timeout_s=0.05)
    called: list[str] = []
    ticket.on_cancel(lambda: called.append("cancelled"))
    assert not ticket.dead and ticket.reason == ""
    time.sleep(0.08)
    assert ticket.dead and ticket.reason == "the request timed out"
    assert called == [], "reading the state runs nothing (it is read under other locks)"
    ticket.cancel("the request timed out")
    ticket.cancel("twice")
    assert called == ["cancelled"]
    ticket.on_cancel(lambda: called.append("late"))
    assert called == ["cancelled", "late"], "a callback added after the cancel runs at once"


def test_checkpoints_follow_the_ticket_of_their_context() -> None:
    ticket = Ticket()
    checkpoint()  # no ticket: nothing to stop
    with working_for(ticket):
        assert current_ticket() is ticket
        checkpoint()
        ticket.cancel("the client went away")
        with pytest.raises(WorkCancelledError, match="the client went away"):
            checkpoint()
    assert current_ticket() is None
    seen: list[object] = []
    with working_for(ticket):
        thread = threading.Thread(target=lambda: seen.append(current_ticket()))
        thread.start()
        thread.join()
    assert seen == [None], "threads do not inherit a ticket; whoever starts work there sets it"


def test_work_for_several_tickets_stops_only_when_all_are_dead() -> None:
    first, second = Ticket(), Ticket()
    both = AllDead([first, second])
    first.cancel("gone")
    assert not both.dead
    with working_for(both):
        checkpoint()
    second.cancel("gone too")
    assert both.dead and both.reason == "gone"
    assert not AllDead([]).dead
