"""The booking rules exist twice (D180): the SQL function `scheduling_book` decides a booking in
one round trip on PostgreSQL, `booking._decide_in_python` decides it on SQLite (the demo). Random
sequences of bookings, holds, confirmations, cancellations, no-shows (the clock passing booked
times) and clock moves run through both on the same fresh data; any difference in an answer
(a refusal's code and words, the booking made), a pool counter, a booking's state or the rows
written beside the bookings (audit rows, domain events, affiliations, notices: D207; the app
user's registration fees, with their bills, charges and billing's audit rows: D343) fails.

The SQL twin runs either in its callers' transactions or, where production sends it alone
(D323, D326), as a statement of its own: then a savepoint stands for autocommit's single
statement, so a call that raises (Python must write beside its answer, or the fee is refused)
leaves nothing behind, as PostgreSQL's rollback of a failed statement does."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from django.db import connection, transaction
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st

from onetrip.billing.models import Bill, Charge
from onetrip.conftest import NOW, actor_for
from onetrip.core.errors import DomainError
from onetrip.core.models import AuditEvent, DomainEvent
from onetrip.identity.models import PatientAffiliation
from onetrip.notifications.models import Notification
from onetrip.scheduling.api_keys import client_actor, issue_api_key
from onetrip.scheduling.models import Appointment, SchedulingPolicy, SlotPool
from onetrip.scheduling.services import booking, booking_database
from onetrip.scheduling.services.booking import (
    BookingRequest,
    book_slot,
    cancel_appointment,
    confirm_hold,
)
from onetrip.scheduling.tests.helpers import add_doctor_sessions, person, session_on

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the SQL twin runs on PostgreSQL (set DATABASE_URL)"
)

# Days ahead of the fixture's Monday 09:30 whose first and last morning times are booked.
DAYS = (0, 1, 2, 3, 7, 8, 9, 10)
PATIENTS = 3  # the app user (patient 0, who also comes to the window) and two more
MINUTES = (10, 6 * 60, 24 * 60, 3 * 24 * 60)

book = st.tuples(
    st.just("book"),
    st.integers(0, PATIENTS - 1),
    st.integers(0, 2 * len(DAYS) + 3),
    st.sampled_from(["window", "phone", "app", "his"]),  # "his": a hospital system's API key
    st.booleans(),
    st.sampled_from(["", "", "k1", "k2"]),
)
on_booking = st.tuples(st.sampled_from(["confirm", "cancel"]), st.integers(0, 5))
advance = st.tuples(st.just("advance"), st.sampled_from(MINUTES))
operations = st.lists(st.one_of(book, book, book, on_booking, advance), min_size=4, max_size=30)


@pytest.fixture
def world(sessions, register, clerk, patient_actor, tertiary, medicine, doctor, make_staff, rf):
    """The fixture's clinic (a fee the price catalogue has) and a second and third doctor's
    Tuesday and Wednesday afternoons (a fee it lacks, which refuses the app's bookings, and no
    fee), with stricter rules so limits and suspensions come quickly: overrides by the
    institution, the department and each doctor (the SQL twin merges them itself, most
    specific last). Bookings come from the app user, a clerk at the window or on the phone
    (both charge the fee in Python), and the hospital's own system at its windows through an
    API key (no fee: sent alone, D323)."""
    afternoons = [
        add_doctor_sessions(medicine, name=name, weekday=weekday, fee_fen=fee)
        for name, weekday, fee in (("王医生", 1, 700), ("赵医生", 2, 0))
    ]
    rules = {
        (None, None): {"no_show_limit": 1, "daily_cap": 2, "per_department_per_day": 2},
        (medicine, None): {"weekly_cap": 3, "suspension_days": 2, "hold_minutes": 30},
        (None, doctor): {"per_department_per_day": 1},
        (None, afternoons[0].first().doctor): {"daily_cap": 1},
    }
    for (department, for_doctor), overrides in rules.items():
        SchedulingPolicy.objects.create(
            institution=tertiary, department=department, doctor=for_doctor, rules=overrides
        )
    app, first = patient_actor
    patients = [first, person(register, 1), person(register, 2)]
    slots = []
    for days in DAYS:
        times = session_on(sessions, days).slots.order_by("starts_at")
        slots += [times.first(), times.last()]
    for days in (1, 2, 8, 9):
        day = NOW.date() + dt.timedelta(days=days)
        for afternoon in afternoons:
            if afternoon.filter(date=day).exists():
                slots.append(afternoon.get(date=day).slots.order_by("starts_at").first())
    admin = actor_for(make_staff("sysadmin", tertiary))
    client, _key = issue_api_key(tertiary.pk, "HIS", "window", actor=admin)
    his = client_actor(client, rf.get("/"))
    return {"app": app, "clerk": clerk, "his": his, "patients": patients, "slots": slots}


def run(world, clock, steps, *, in_database: bool, alone: bool, monkeypatch) -> tuple:
    """Run `steps` with one twin deciding (with `alone`, the SQL twin's calls as production
    sends them outside a transaction); return every answer and the state they left, with
    bookings named by the order they were made (the twins' keys differ), then roll back."""
    monkeypatch.setattr(booking_database, "books_in_database", lambda: in_database)
    monkeypatch.setattr(booking, "_outside_transaction", lambda: alone)
    decide = booking_database.decide

    def decide_as_sent(**call):
        if not call["alone"]:
            return decide(**call)
        try:
            with transaction.atomic():  # autocommit's one statement: all of it or nothing
                decided = decide(**call)
        except (booking_database.NeedsTransaction, booking_database.FeeRefused) as raised:
            event(f"alone: {type(raised).__name__}")
            raise
        event(f"alone: {decided.outcome}")
        return decided

    monkeypatch.setattr(booking_database, "decide", decide_as_sent)
    slot_index = {slot.pk: index for index, slot in enumerate(world["slots"])}
    made: list[int] = []

    def name(appointment: Appointment) -> str:
        if appointment.pk not in made:
            made.append(appointment.pk)
        return f"#{made.index(appointment.pk)}"

    answers = []
    with transaction.atomic():
        clock.set(NOW)
        for step in steps:
            try:
                answers.append(perform(world, clock, step, made, name))
            except DomainError as error:
                answers.append(f"{error.code}: {error}")
        state = sorted(
            (name(a), a.status, a.held_until, a.channel, a.pool.kind, slot_index[a.slot_id])
            for a in Appointment.objects.filter(pk__in=made).select_related("pool")
        )
        counters = sorted(
            SlotPool.objects.filter(slot__in=world["slots"]).values_list(
                "slot_id", "kind", "booked"
            )
        )
        side_rows = written_beside(world, made)
        transaction.set_rollback(True)
    counted = [(slot_index[slot], kind, booked) for slot, kind, booked in counters]
    return answers, state, counted, side_rows


def written_beside(world, made: list[int]) -> dict:
    """The audit rows, domain events, affiliations and notices of the bookings `made`, in the
    order written, with the bookings named by the order they were made (the twins' keys differ)."""

    def named(text: str) -> str:
        return f"#{made.index(int(text))}"

    keys = [str(pk) for pk in made]
    audit = [
        (named(row.object_id), row.action, row.summary, row.changes, row.actor_kind,
         row.actor_label, row.actor_user_id, row.institution_id, row.patient_id, row.ip,
         row.channel, row.occurred_at)
        for row in AuditEvent.objects.filter(
            object_type="scheduling.appointment", object_id__in=keys
        ).order_by("pk")
    ]  # fmt: skip
    events = [
        (named(row.subject_id), row.kind, row.occurred_at, row.patient_id, row.institution_id,
         row.department_id, row.on_site, row.channel,
         {**row.data, "booking_id": named(row.data["booking_id"])})
        for row in DomainEvent.objects.filter(
            subject_type="scheduling.appointment", subject_id__in=keys
        ).order_by("pk")
    ]  # fmt: skip
    patients = [patient.pk for patient in world["patients"]]
    affiliations = list(
        PatientAffiliation.objects.filter(patient_id__in=patients)
        .order_by("patient_id", "institution_id")
        .values_list("patient_id", "institution_id", "reason", "since")
    )
    notices = [
        (row.template, row.phone, row.purpose,
         {name: value for name, value in row.params.items() if name not in ("number", "path")})
        for row in Notification.objects.filter(phone__in=[p.phone for p in world["patients"]])
        .order_by("pk")
    ]  # fmt: skip
    return {
        "audit": audit,
        "events": events,
        "affiliations": affiliations,
        "notices": notices,
        **fees_written(patients, named),
    }


def fees_written(patients: list[int], named) -> dict:
    """The registration fees' bills, charges and billing's audit rows, with the bookings their
    visit numbers and line keys name, and the charges, named by the order they were made. The
    audit rows are compared in the order of the charges they name: a fee of an expired hold that
    a booking reclaims is withdrawn after the new fee is charged in SQL (the call writes it,
    Python withdraws the other after), before it in Python (the reclaim comes first)."""

    def booking_named(text: str) -> str:
        text = re.sub(r"appointment:(\d+)", lambda m: named(m[1]), text)
        return re.sub(r"V(\d{9,})", lambda m: named(m[1][:-1]), text)

    bills = sorted(
        (booking_named(bill.visit_reference), bill.patient_id, bill.institution_id,
         bill.visit_kind, bill.opened_at)
        for bill in Bill.objects.filter(patient_id__in=patients)
    )  # fmt: skip
    charges = sorted(
        (booking_named(row.source_key), booking_named(row.bill.visit_reference), row.code,
         row.name, row.charge_category, row.insurance_category, row.quantity,
         row.unit_price_fen, row.amount_fen, row.source, row.charged_at, row.settlement_id)
        for row in Charge.objects.filter(bill__patient_id__in=patients).select_related("bill")
    )  # fmt: skip
    rows = AuditEvent.objects.filter(object_type="billing.charge", patient_id__in=patients)
    made = sorted({int(row.object_id) for row in rows})
    audit = sorted(
        (made.index(int(row.object_id)), row.action, booking_named(row.summary),
         {k: booking_named(v) if k == "source_key" else v for k, v in row.changes.items()},
         row.actor_kind, row.actor_label, row.actor_user_id, row.actor_account_id,
         row.institution_id, row.patient_id, row.ip, row.channel, row.occurred_at)
        for row in rows
    )  # fmt: skip
    return {"bills": bills, "charges": charges, "fee_audit": audit}


def perform(world, clock, step, made, name) -> str:
    kind, *args = step
    if kind == "advance":
        clock.advance(dt.timedelta(minutes=args[0]))
        return "advanced"
    if kind == "book":
        who, slot, channel, hold, key = args
        actor = world[channel if channel in ("app", "his") else "clerk"]
        patient = world["patients"][0 if channel == "app" else who]
        appointment = book_slot(
            BookingRequest(
                patient_id=patient.pk,
                slot_id=world["slots"][slot].pk,
                channel="window" if channel == "his" else channel,
                hold=hold,
                idempotency_key=key,
            ),
            actor=actor,
        )
        return f"{name(appointment)} {appointment.status}"
    if not made:
        return "nothing to act on"
    target = made[args[0] % len(made)]
    act = confirm_hold if kind == "confirm" else cancel_appointment
    appointment = act(target, actor=world["clerk"])
    return f"{name(appointment)} {appointment.status}"


@settings(
    max_examples=int(os.environ.get("ONETRIP_TWIN_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations, alone=st.booleans())
# Sent alone: the app user's fee refused (the second doctor's unpriced Tuesday), then booked on
# the morning clinic with its fee; a hospital system's booking that reclaims the clerk's two
# expired holds (their fees withdrawn by Python: raised, undone and made again in a transaction).
@example(
    steps=[
        ("book", 0, 16, "app", False, ""),
        ("book", 0, 2, "app", False, "k1"),
        ("book", 1, 4, "window", True, ""),
        ("book", 2, 4, "window", True, ""),
        ("advance", 6 * 60),
        ("book", 0, 4, "his", False, ""),
        ("book", 0, 16, "app", False, "k2"),
    ],
    alone=True,
)
def test_the_sql_and_python_twins_decide_every_sequence_alike(
    world, clock, monkeypatch, steps, alone
):
    in_python = run(world, clock, steps, in_database=False, alone=alone, monkeypatch=monkeypatch)
    in_database = run(world, clock, steps, in_database=True, alone=alone, monkeypatch=monkeypatch)
    assert in_database == in_python
