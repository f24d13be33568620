"""Errands at the one window (R-SVC-1): promised by the catalogue's turnaround from the clock,
done on time or late, refused only with a reason."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import NOW
from onetrip.core.errors import InvalidInput, PermissionDenied
from onetrip.service.services import errands
from onetrip.service.services.errands import TicketIn, WrongState

pytestmark = pytest.mark.django_db


def test_a_ticket_is_promised_by_the_catalogue_and_done_late_when_the_clock_passes(centre, clock):
    ticket = errands.open_ticket(
        TicketIn(errand="sick_leave", contact_name="张伟", contact_phone="13812345678"),
        actor=centre.window,
    )
    assert ticket.due_at == NOW + dt.timedelta(hours=2)
    clock.advance(dt.timedelta(hours=3))
    ticket = errands.finish(ticket.pk, actor=centre.window)
    assert (ticket.status, ticket.on_time) == ("done", False)
    with pytest.raises(WrongState):
        errands.refuse(ticket.pk, reason="x", actor=centre.window)


def test_refusal_needs_a_reason_and_tickets_need_the_window(centre):
    ticket = errands.open_ticket(
        TicketIn(errand="birth_certificate", contact_name="王女士"), actor=centre.window
    )
    with pytest.raises(InvalidInput):
        errands.refuse(ticket.pk, reason=" ", actor=centre.window)
    assert errands.refuse(ticket.pk, reason="缺少出院记录", actor=centre.window).status == "refused"
    with pytest.raises(InvalidInput):
        errands.open_ticket(TicketIn(errand="nope", contact_name=""), actor=centre.window)
    with pytest.raises(PermissionDenied):
        errands.open_ticket(TicketIn(errand="wheelchair", contact_name="李"), actor=centre.officer)
