"""The service centre's indicators (R-SVC-1/2) on a hand-counted month, with traps: praise, a
complaint answered but not closed, one closed in October, an escalated one answered in time, a
refused errand and one still open."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache

from onetrip.conftest import NOW, SHANGHAI
from onetrip.service.services import complaints, errands

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def figures(client, staff) -> dict:
    client.force_login(staff.user)
    response = client.get("/api/metrics/figures", {"period": "2026-11"})
    assert response.status_code == 200, response.content
    return {f["code"]: f for f in response.json()["figures"]}


def counted(figure) -> tuple:
    return figure["numerator"], figure["denominator"], figure["value"]


def complaint(centre, *, kind="complaint", severity="low"):
    return complaints.file_complaint(
        complaints.ComplaintIn(
            kind=kind,
            cause="waiting",
            severity=severity,
            description="候诊时间过长",
            institution_id=centre.hospital.pk,
            patient_id=centre.patient.pk,
        ),
        actor=centre.patient_actor,
    )


def answer_and_close(centre, filed, *, rating=None):
    complaints.respond(filed.pk, response="已核实并改进", actor=centre.officer)
    complaints.close_complaint(filed.pk, actor=centre.officer)
    if rating is not None:
        complaints.rate_closure(filed.pk, rating=rating, actor=centre.patient_actor)


def test_complaints_closed_on_time_and_satisfaction(centre, clock, client, make_staff):
    clock.set(dt.datetime(2026, 10, 30, 10, tzinfo=SHANGHAI))
    answer_and_close(centre, complaint(centre), rating=1)  # trap: October's
    cache.clear()  # the account's filing limit (5 an hour) is not what is tested here
    clock.set(NOW - dt.timedelta(days=10))
    on_time = complaint(centre)
    late = complaint(centre, severity="high")  # 24 hours to answer
    escalated = complaint(centre, severity="high")
    praise = complaint(centre, kind="praise")  # trap: praise is no complaint
    left_open = complaint(centre)  # trap: answered, never closed
    answer_and_close(centre, on_time, rating=5)
    answer_and_close(centre, praise, rating=5)
    complaints.respond(left_open.pk, response="已答复", actor=centre.officer)
    clock.advance(30 * HOUR)
    complaints.escalate_overdue()  # both urgent ones pass their deadline: each escalated once
    answer_and_close(centre, late, rating=2)
    # Trap: after the escalation it is answered within its 24 extra hours, yet not on time.
    answer_and_close(centre, escalated, rating=4)
    clock.set(NOW)
    found = figures(client, make_staff("quality", centre.hospital))
    assert counted(found["complaints_on_time"]) == (1, 3, "33.33")
    assert counted(found["complaint_satisfaction"]) == (2, 3, "66.67")


def test_errands_done_within_the_promised_time(centre, clock, client, make_staff):
    clock.set(NOW - dt.timedelta(days=3))

    def ticket(errand="sick_leave"):  # promised within 2 hours
        return errands.open_ticket(
            errands.TicketIn(errand=errand, contact_name="张伟"), actor=centre.window
        )

    early, late, refused, _still_open = ticket(), ticket(), ticket(), ticket()
    clock.advance(HOUR)
    errands.finish(early.pk, actor=centre.window)
    errands.refuse(refused.pk, reason="材料不全", actor=centre.window)  # trap: not done
    clock.advance(2 * HOUR)
    errands.finish(late.pk, actor=centre.window)
    clock.set(NOW)
    found = figures(client, make_staff("quality", centre.hospital))
    assert counted(found["errands_on_time"]) == (1, 2, "50.00")
