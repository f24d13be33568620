"""Every statement of the booking call finds its rows through an index in the plan PostgreSQL
caches for it (D356). A PL/pgSQL function's statements are planned once per connection with
their parameters unknown (a generic plan); a condition the planner cannot see in that plan, such
as the partial index's `idempotency_key <> ''`, turns a lookup of one row into a read of the
whole appointment table on every booking, unnoticed while the table is small. auto_explain
reports each nested statement's plan as a notice; sequential scans are priced out, so a `Seq
Scan` left in a plan is one no index can serve."""

from __future__ import annotations

import pytest
from django.db import connection

from onetrip.scheduling.services import booking
from onetrip.scheduling.tests.helpers import first_slot, session_on

GENERIC_PLANS = (
    "LOAD 'auto_explain'",
    "SET LOCAL auto_explain.log_min_duration = 0",
    "SET LOCAL auto_explain.log_nested_statements = on",
    "SET LOCAL auto_explain.log_level = 'notice'",
    "SET LOCAL plan_cache_mode = force_generic_plan",
    "SET LOCAL enable_seqscan = off",
)


@pytest.fixture
def plans(postgres_only, db):
    """The plans of the statements run inside the test's transaction, as auto_explain gives them."""
    seen: list[str] = []

    def keep(notice) -> None:
        seen.append(notice.message_primary or "")

    with connection.cursor() as cursor:
        for statement in GENERIC_PLANS:
            cursor.execute(statement)
    connection.connection.add_notice_handler(keep)
    yield seen
    connection.connection.remove_notice_handler(keep)


def test_an_app_users_keyed_booking_and_its_retry_read_no_table_whole(
    plans, sessions, patient_actor
):
    app, patient = patient_actor
    slot = first_slot(session_on(sessions, 7))
    request = booking.BookingRequest(
        patient_id=patient.pk, slot_id=slot.pk, channel="app", idempotency_key="k-1"
    )

    first = booking.book_slot(request, actor=app)
    retried = booking.book_slot(request, actor=app)

    assert retried.pk == first.pk
    inside = [plan for plan in plans if "scheduling_book(" not in plan]
    assert any("booking_request_once" in plan for plan in inside)  # the lookup was planned
    assert [plan for plan in inside if "Seq Scan" in plan] == []
