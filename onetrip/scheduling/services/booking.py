"""Booking, holding, cancelling (R-APPT-1/2/3/4/5).

Never overbook: a unit is taken by one conditional UPDATE on its pool counter (and the CHECK
`booked <= capacity` backs it). Never double-book a patient: the patient's row is
locked while limits are checked, and a partial unique index allows one live booking per session.
Never lose a booking: every request is one transaction, and a retried request with the same
Idempotency-Key returns the booking the first one made.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.urls import get_script_prefix, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.billing import services as billing
from onetrip.billing.money import fen_to_yuan
from onetrip.billing.services import payments as billing_payments
from onetrip.billing.services import sources as billing_sources
from onetrip.consortium.models import PRIMARY_CARE_LEVELS, Department, Institution
from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, InvalidInput, KeyReused, NotFound, PermissionDenied
from onetrip.core.idempotency import check_idempotency_key, idempotency_scope
from onetrip.core.masking import mask_name
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.notifications import services as notifications
from onetrip.scheduling import domain_events
from onetrip.scheduling.models import (
    ACTIVE_STATUSES,
    Appointment,
    AppointmentStatus,
    BookingChannel,
    ClinicSession,
    PriorityClass,
    SessionStatus,
    Slot,
    SlotPool,
)
from onetrip.scheduling.policy import BookingPolicy
from onetrip.scheduling.quotas import open_pools
from onetrip.scheduling.services import booking_database
from onetrip.scheduling.services.schedule import session_policy

log = logging.getLogger(__name__)

ONLINE_CHANNELS = (BookingChannel.APP, BookingChannel.PHONE, BookingChannel.KIOSK)

# Which channels each kind of staff may book through (R-APPT-1).
STAFF_CHANNEL_PERMISSIONS = {
    BookingChannel.WINDOW: "scheduling.book_at_window",
    BookingChannel.PHONE: "scheduling.book_by_phone",
    BookingChannel.IN_CLINIC: "scheduling.book_in_clinic",
    BookingChannel.PRIMARY_CARE: "scheduling.book_for_primary_care",
}


# Who withdraws and refunds registration fees when a booking ends on the platform's side.
FEE_REFUNDS = Actor(kind=ActorKind.SYSTEM, label="registration fees", channel="system")


# What runs when units come free (a cancellation, a move, an expired hold), inside the freeing
# transaction: the waitlist books them for those waiting. `waitlist` books through this module,
# so it hands its offer over at start-up (`SchedulingConfig.ready`) rather than being imported.
FreedUnitsHook = Callable[..., None]
_freed_hooks: list[FreedUnitsHook] = []


def when_units_freed(hook: FreedUnitsHook) -> None:
    if hook not in _freed_hooks:
        _freed_hooks.append(hook)


def _units_freed(session: ClinicSession, *, now: dt.datetime) -> None:
    for hook in _freed_hooks:
        hook(session, now=now)


class BookingRefused(DomainError):
    """A booking the rules forbid; `code` tells clients which rule."""

    status = 409


@dataclass(frozen=True)
class BookingRequest:
    patient_id: int
    slot_id: int
    channel: str
    hold: bool = False
    idempotency_key: str = ""
    priority: int = PriorityClass.ORDINARY
    walk_in: bool = False


# --- who may book through which channel -----------------------------------------------------


def check_channel(actor: Actor, channel: str) -> None:
    if channel not in BookingChannel.values:
        raise InvalidInput.field("channel", gettext_lazy("Choose a booking channel."))
    if actor.kind == ActorKind.PATIENT and channel == BookingChannel.APP:
        return
    if actor.kind == ActorKind.CLIENT:
        if actor.client_channel == channel:
            return
    elif actor.kind == ActorKind.STAFF:
        perm = STAFF_CHANNEL_PERMISSIONS.get(channel)
        if perm is not None and actor.has_perm(perm) and _channel_fits_institution(channel, actor):
            return
    raise PermissionDenied(gettext_lazy("You cannot book through this channel."))


def require_booking_role(actor: Actor) -> None:
    """Staff change a patient's bookings (confirm, cancel, answer an offer, leave a waiting
    list) only with a role that books for patients: 403 before the lookup, as everywhere."""
    if actor.kind == ActorKind.STAFF and not any(
        actor.has_perm(perm) for perm in STAFF_CHANNEL_PERMISSIONS.values()
    ):
        raise PermissionDenied(gettext_lazy("Your role does not allow this."))


def _channel_fits_institution(channel: str, actor: Actor) -> bool:
    """The primary-care pool is for township, community and island staff only."""
    if channel != BookingChannel.PRIMARY_CARE:
        return True
    return Institution.objects.filter(
        pk=actor.institution_id, level__in=PRIMARY_CARE_LEVELS
    ).exists()


# --- booking --------------------------------------------------------------------------------


def book_slot(request: BookingRequest, *, actor: Actor) -> Appointment:
    """Book (or hold for payment) one unit of a slot for a patient."""
    check_channel(actor, request.channel)
    if request.priority not in PriorityClass.values:
        raise InvalidInput.field("priority", gettext_lazy("Choose a priority class."))
    if actor.kind != ActorKind.STAFF and (
        request.priority != PriorityClass.ORDINARY or request.walk_in
    ):
        # Priority classes are granted on seeing proof (R-APPT-6); walk-ins happen at a window.
        raise PermissionDenied(gettext_lazy("Only staff can set priority or walk-in."))
    check_idempotency_key(request.idempotency_key)
    scope = idempotency_scope(actor)
    try:
        return _book(request, scope, actor)
    except IntegrityError:
        # A concurrent retry with the same key won the race; answer with its booking.
        earlier = _earlier_attempt(scope, request) if request.idempotency_key else None
        if earlier is None:
            raise refusal("already_booked") from None
        return earlier


def book_on_behalf(
    request: BookingRequest, *, booked_by: str, hold_until: dt.datetime | None = None
) -> Appointment:
    """The platform books for a patient (a waitlist turn, a stop-clinic rebooking offer): the
    channel and the patient's consent were checked when the patient asked. With `hold_until`
    the unit is held for them until then."""
    actor = Actor(kind=ActorKind.SYSTEM, label=booked_by[:150], channel="system")
    return _book(request, "", actor, hold_until=hold_until)


def _earlier_attempt(scope: str, request: BookingRequest) -> Appointment | None:
    earlier = Appointment.objects.filter(
        idempotency_scope=scope, idempotency_key=request.idempotency_key
    ).first()
    if earlier is not None and (earlier.patient_id, earlier.slot_id) != (
        request.patient_id,
        request.slot_id,
    ):
        raise _key_reused()
    return earlier


def _key_reused() -> KeyReused:
    return KeyReused.field(
        "idempotency_key",
        gettext_lazy("This key was already used for a different booking."),
        "key_reused",
    )


@dataclass(frozen=True)
class Decision:
    """What the booking rules decided: a new appointment (with the pool kind its unit came
    from), or the one an earlier attempt with the same key made (`earlier`)."""

    appointment: Appointment
    pool_kind: str = ""
    earlier: bool = False
    noticed: bool = False  # the booking's notice is queued already (by `scheduling_book`)
    # What billing's function answered for the registration fee `scheduling_book` charged
    # (D343); None when the fee is left to `_charge_fee`.
    fee: dict | None = None


def _book(
    request: BookingRequest,
    scope: str,
    actor: Actor,
    *,
    hold_until: dt.datetime | None = None,
    carries_fee_of: int | None = None,
) -> Appointment:
    now = clock.now()
    if _decided_alone(actor, carries_fee_of):
        try:
            decision = _decide_in_database(
                request,
                scope,
                actor,
                now=now,
                hold_until=hold_until,
                carries_fee_of=carries_fee_of,
                alone=True,
            )
        except booking_database.NeedsTransaction:
            pass  # undone by PostgreSQL: decided again below, with Python's writes beside it
        else:
            # Nothing to write beside it: the function raised for anything there was (D326).
            return decision.appointment
    return _book_in_transaction(
        request, scope, actor, now=now, hold_until=hold_until, carries_fee_of=carries_fee_of
    )


def _decided_alone(actor: Actor, carries_fee_of: int | None) -> bool:
    """Whether the booking can be the one statement `scheduling_book` in a transaction of its
    own (D323): on PostgreSQL, outside any caller's transaction, and unless Python charges the
    fee beside it (staff and kiosks: `_fee_charged_in_python`). An app user's fee is charged by
    the call, whose refusal undoes the booking within the statement (D326). Whatever else Python
    might write beside it is known only from the answer, for which the function raises
    (`booking_database.decide`'s `alone`)."""
    return (
        booking_database.books_in_database()
        and _outside_transaction()
        and not _fee_charged_in_python(actor, carries_fee_of)
    )


def _outside_transaction() -> bool:
    return connection.get_autocommit()


@transaction.atomic
def _book_in_transaction(
    request: BookingRequest,
    scope: str,
    actor: Actor,
    *,
    now: dt.datetime,
    hold_until: dt.datetime | None,
    carries_fee_of: int | None,
) -> Appointment:
    decide = _decide_in_database if booking_database.books_in_database() else _decide_in_python
    decision = decide(
        request, scope, actor, now=now, hold_until=hold_until, carries_fee_of=carries_fee_of
    )
    appointment = decision.appointment
    if decision.earlier:
        return appointment
    session = appointment.session
    if appointment.status == AppointmentStatus.BOOKED and not decision.noticed:
        _notify_booked(appointment, appointment.patient.phone)
    if decision.fee is not None:
        billing_sources.charged_in_call(decision.fee)
    elif session.fee_fen and carries_fee_of is None and _charges_fee(actor):
        _charge_fee(appointment, appointment.patient_id, session, actor)
    return appointment


def _decide_in_database(
    request: BookingRequest,
    scope: str,
    actor: Actor,
    *,
    now: dt.datetime,
    hold_until: dt.datetime | None,
    carries_fee_of: int | None,
    alone: bool = False,
) -> Decision:
    """The rules of `_decide_in_python` and the rows of `_record_booking`, decided and written
    by `scheduling_book` in one round trip (PostgreSQL; D180, D207); `alone`: as its own
    transaction (D323)."""
    try:
        decided = _call_booking_function(
            request, scope, actor, now=now, hold_until=hold_until,
            carries_fee_of=carries_fee_of, alone=alone,
        )  # fmt: skip
    except booking_database.FeeRefused as refused:
        # Undone with the booking by the statement itself: billing's own error (D326).
        billing_sources.charged_in_call(refused.answer)
        raise  # charged_in_call raises for every refusal
    if decided.outcome not in ("booked", "earlier"):
        raise _refusal_of(decided.outcome, decided.detail)
    appointment = booking_database.appointment_from(decided.detail["booking"])
    if decided.outcome == "earlier":
        return Decision(appointment, earlier=True)
    for expired_id, replaces_id in decided.detail["reclaimed"]:
        settle_fee_of_ended_booking(
            registration_key(replaces_id or expired_id), reason=AppointmentStatus.EXPIRED
        )
    return Decision(
        appointment,
        pool_kind=decided.pool_kind or "",
        noticed=decided.detail["noticed"],
        fee=decided.detail["fee"],
    )


def _call_booking_function(
    request: BookingRequest,
    scope: str,
    actor: Actor,
    *,
    now: dt.datetime,
    hold_until: dt.datetime | None,
    carries_fee_of: int | None,
    alone: bool,
) -> booking_database.DatabaseDecision:
    return booking_database.decide(
        patient_id=request.patient_id,
        slot_id=request.slot_id,
        channel=request.channel,
        hold=request.hold,
        hold_until=hold_until,
        scope=scope,
        key=request.idempotency_key,
        priority=request.priority,
        walk_in=request.walk_in,
        booked_by=actor.label,
        replaces_id=carries_fee_of,
        in_scope=identity.patient_in_scope(actor, request.patient_id),
        overdue=None
        if actor.kind == ActorKind.SYSTEM
        else billing.overdue_debt_condition(request.patient_id),
        actor_columns=audit.actor_columns(actor),
        now=now,
        notice=_booked_notice(),
        # An app user's fee (paid on the phone; unpriced, it refuses the booking) is charged by
        # the call (D343). Staff and kiosks keep `_charge_fee`, whose unpriced fee is only
        # logged; a rebooking carries the fee of the booking it replaces.
        charge_fee=actor.kind == ActorKind.PATIENT and carries_fee_of is None,
        alone=alone,
    )


def _refusal_of(outcome: str, detail: dict) -> DomainError:
    """The domain error of a refusal `scheduling_book` answered with."""
    if outcome == "no_patient":
        return NotFound(gettext_lazy("No such patient."))
    if outcome == "no_slot":
        return NotFound(gettext_lazy("No such slot."))
    if outcome == "key_reused":
        return _key_reused()
    if outcome == "age_rule":
        return age_refusal(detail, detail["age"])
    if outcome == "suspended":
        return suspension_refusal(dt.datetime.fromisoformat(detail["until"]))
    return refusal(outcome)


# Refusals whose message names nothing but the rule; the twins answer with these codes.
REFUSALS = {
    "already_booked": gettext_lazy("You already have a booking in this session."),
    "stopped": gettext_lazy("This clinic session is stopped."),
    "past": gettext_lazy("This time has already passed."),
    "limit_department_day": gettext_lazy("You already have a booking in this department that day."),
    "limit_daily": gettext_lazy("You have reached the number of bookings allowed per day."),
    "limit_weekly": gettext_lazy("You have reached the number of bookings allowed per week."),
    "overdue_debt": gettext_lazy("Pay your overdue medical bill first."),
    "not_released": gettext_lazy("This day is not open for booking through this channel yet."),
    "full": gettext_lazy("This time is fully booked."),
}


def refusal(code: str) -> BookingRefused:
    return BookingRefused(REFUSALS[code], code=code)


def _decide_in_python(
    request: BookingRequest,
    scope: str,
    actor: Actor,
    *,
    now: dt.datetime,
    hold_until: dt.datetime | None,
    carries_fee_of: int | None,
) -> Decision:
    """The booking rules in Python, for SQLite (the demo). Twin of the SQL function
    `scheduling_book` (onetrip/scheduling/sql/scheduling_book.sql): same rules, same order,
    same outcomes; `tests/test_booking_twins.py` holds them to it."""
    # Finding the patient also locks them: one patient's bookings are made one at a time, so
    # the per-person limits below are read and used in one serial step (D14).
    patient = (
        identity.accessible_patients(actor)
        .select_for_update(no_key=True)
        .filter(pk=request.patient_id)
        .first()
    )
    if patient is None:
        raise NotFound(gettext_lazy("No such patient."))
    if request.idempotency_key:
        # Checked under the lock: a concurrent retry waited above while the first one booked.
        earlier = _earlier_attempt(scope, request)
        if earlier is not None:
            return Decision(earlier, earlier=True)
    slot = Slot.objects.select_related("session__doctor").filter(pk=request.slot_id).first()
    if slot is None:
        raise NotFound(gettext_lazy("No such slot."))
    session = slot.session
    policy = session_policy(session)
    _check_slot_bookable(slot, now)
    check_department_ages(patient.birth_date, session, now.date())
    _check_personal_limits(patient.pk, session, request.channel, policy, now)
    if actor.kind != ActorKind.SYSTEM and billing.has_overdue_debt(patient.pk):
        # Pay after treatment (R-PAY-4): an overdue bill blocks new bookings until it is paid.
        # The platform's own rebookings (waitlist turns, stop-clinic offers) are not new ones.
        raise refusal("overdue_debt")
    pool_id, pool_kind = _take_unit(slot, request.channel, policy, now)
    if request.hold and hold_until is None:
        hold_until = now + dt.timedelta(minutes=policy.hold_minutes)
    appointment = Appointment.objects.create(
        patient=patient,
        slot=slot,
        pool_id=pool_id,
        session=session,
        department_id=session.department_id,
        visit_date=session.date,
        channel=request.channel,
        status=AppointmentStatus.HELD if hold_until else AppointmentStatus.BOOKED,
        held_until=hold_until,
        booked_at=now,
        booked_by=actor.label,
        idempotency_scope=scope if request.idempotency_key else "",
        idempotency_key=request.idempotency_key,
        is_walk_in=request.walk_in,
        priority=request.priority,
        replaces_id=carries_fee_of,
    )
    _record_booking(appointment, pool_kind, actor)
    return Decision(appointment, pool_kind=pool_kind)


def _record_booking(appointment: Appointment, pool_kind: str, actor: Actor) -> None:
    """What a new booking writes beside it, in its transaction: the twin of the end of
    `scheduling_book`, which writes the same rows on PostgreSQL (D207)."""
    session = appointment.session
    identity.affiliate_for_appointment(appointment.patient_id, session.institution_id)
    audit.record(
        actor,
        AuditAction.CREATE,
        appointment,
        patient_id=appointment.patient_id,
        summary=f"appointment {appointment.status} via {appointment.channel}",
        changes={"slot": appointment.slot_id, "pool": pool_kind},
    )
    if appointment.status == AppointmentStatus.BOOKED:
        domain_events.booked(appointment, session, pool_kind)


# Whose bookings put the registration fee on the visit's bill (D51, D77): the patient's app pays
# it on the phone, and a window or a doctor's return-visit booking leaves it for the cashier.
# Hospital systems (FHIR `$hold`, a township HIS) charge at their own tills; the platform's own
# rebookings carry the fee of the booking they replace. The platform's kiosk pages (D105) charge
# it like the window, to be paid at the kiosk.
FEE_CHARGING_ACTORS = (ActorKind.PATIENT, ActorKind.STAFF)


def _charges_fee(actor: Actor) -> bool:
    if actor.kind == ActorKind.CLIENT:
        return actor.client_channel == BookingChannel.KIOSK
    return actor.kind in FEE_CHARGING_ACTORS


def _fee_charged_in_python(actor: Actor, carries_fee_of: int | None) -> bool:
    """Whether `_charge_fee` runs beside a PostgreSQL booking: staff's and kiosks' fees (an app
    user's is charged by `scheduling_book`, D343; a rebooking carries its earlier fee)."""
    return carries_fee_of is None and actor.kind != ActorKind.PATIENT and _charges_fee(actor)


def _charge_fee(appointment: Appointment, patient_id: int, session: ClinicSession, actor: Actor):
    def charge() -> None:
        billing_sources.charge_registration_fee(
            patient_id=patient_id,
            institution_id=session.institution_id,
            visit_reference=f"V{appointment.booking_number}",
            fee_fen=session.fee_fen,
            source_key=registration_key(appointment.pk),
            actor=actor,
        )

    if actor.kind == ActorKind.PATIENT:
        charge()  # an unpriced fee cannot be paid on the phone: the booking is refused
        return
    try:
        with transaction.atomic():
            charge()
    except billing_sources.FeeNotPriced:
        # The window's till still takes the fee; the booking is not refused for a gap in the
        # price catalogue, which the finance office is told about in the log.
        log.warning("registration fee %s fen is not in the price catalogue", session.fee_fen)


def check_department_ages(birth_date: dt.date, session: ClinicSession, today: dt.date) -> None:
    """A department's age rule (a paediatric clinic takes children, an adult one adults)."""
    rule = Department.objects.filter(pk=session.department_id).values(
        "min_age_years", "max_age_years", "name"
    )[0]
    age = age_on(birth_date, session.date if session.date >= today else today)
    too_young = rule["min_age_years"] is not None and age < rule["min_age_years"]
    too_old = rule["max_age_years"] is not None and age > rule["max_age_years"]
    if too_young or too_old:
        raise age_refusal({**rule, "department": rule["name"]}, age)


def age_refusal(rule: dict, age: int) -> BookingRefused:
    return BookingRefused(
        _("%(department)s sees patients aged %(ages)s; this patient is %(age)s.")
        % {"department": rule["department"], "ages": age_range_label(rule), "age": age},
        code="age_rule",
    )


def age_on(birth_date: dt.date, day: dt.date) -> int:
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


def age_range_label(rule: dict) -> str:
    low, high = rule["min_age_years"], rule["max_age_years"]
    if high is None:
        return _("%(low)s and over") % {"low": low}
    if low is None:
        return _("up to %(high)s") % {"high": high}
    return f"{low}–{high}"


def _check_slot_bookable(slot: Slot, now: dt.datetime) -> None:
    if slot.session.status == SessionStatus.STOPPED:
        raise refusal("stopped")
    if slot.starts_at <= now:
        raise refusal("past")


def _check_personal_limits(
    patient_id: int, session: ClinicSession, channel: str, policy: BookingPolicy, now: dt.datetime
) -> None:
    """Anti-scalper limits (R-APPT-4) and the no-show penalty (R-APPT-5), checked while the
    patient is locked."""
    monday = session.date - dt.timedelta(days=session.date.weekday())
    # One read counts everything the limits need: the session's day lies in its week.
    live = Appointment.objects.filter(
        patient_id=patient_id,
        status__in=ACTIVE_STATUSES,
        visit_date__range=(monday, monday + dt.timedelta(days=6)),
    ).aggregate(
        session=Count("pk", filter=Q(session=session)),
        department_day=Count(
            "pk", filter=Q(visit_date=session.date, department_id=session.department_id)
        ),
        day=Count("pk", filter=Q(visit_date=session.date)),
        week=Count("pk"),
    )
    if live["session"]:
        raise refusal("already_booked")
    if channel in ONLINE_CHANNELS:
        suspended_until = suspension_ends(patient_id, policy, now)
        if suspended_until is not None:
            raise suspension_refusal(suspended_until)
    if channel == BookingChannel.IN_CLINIC:
        return  # a doctor's return-visit booking is not the patient's own quota
    if live["department_day"] >= policy.per_department_per_day:
        raise refusal("limit_department_day")
    if policy.daily_cap is not None and live["day"] >= policy.daily_cap:
        raise refusal("limit_daily")
    if policy.weekly_cap is not None and live["week"] >= policy.weekly_cap:
        raise refusal("limit_weekly")


def suspension_refusal(until: dt.datetime) -> BookingRefused:
    message = _("Online booking is suspended until %(date)s after repeated no-shows.")
    return BookingRefused(
        message % {"date": f"{timezone.localtime(until):%Y-%m-%d}"}, code="suspended"
    )


def _take_unit(
    slot: Slot, channel: str, policy: BookingPolicy, now: dt.datetime
) -> tuple[int, str]:
    """Take one unit from the first open pool of the channel that has one; returns the pool's
    key and kind. Expired holds are given back only when the pools look full: until then the
    units they hold are not needed, and every read already counts them as free."""
    kinds = open_pools(channel, slot.session.date, now, policy)
    if not kinds:
        raise refusal("not_released")
    taken = _take_from_pools(slot.pk, kinds)
    if taken is None:
        # Try again even if a concurrent booker reclaimed the holds first: it gave them back.
        reclaim_expired_holds(slot_ids=[slot.pk], now=now)
        taken = _take_from_pools(slot.pk, kinds)
    if taken is not None:
        return taken
    if ClinicSession.objects.filter(pk=slot.session_id, status=SessionStatus.STOPPED).exists():
        raise refusal("stopped")
    raise refusal("full")


_TAKE_UNIT_SQL = (
    f"UPDATE {SlotPool._meta.db_table} SET booked = booked + 1 "
    "WHERE slot_id = %s AND kind = %s AND is_open = %s AND booked < capacity RETURNING id"
)


def _take_from_pools(slot_id: int, kinds: list[str]) -> tuple[int, str] | None:
    """One conditional UPDATE per pool kind, in the channel's order of preference: the counter
    never passes capacity, whoever races (and the CHECK constraint backs it)."""
    with connection.cursor() as cursor:
        for kind in kinds:
            cursor.execute(_TAKE_UNIT_SQL, [slot_id, kind, True])
            row = cursor.fetchone()
            if row is not None:
                return row[0], kind
    return None


def _notify_booked(appointment: Appointment, phone: str) -> None:
    slot = appointment.slot
    notifications.notify(
        "appointment_booked",
        phone=phone,
        subject=appointment,
        params={
            **_whose_visit(appointment),
            "start": f"{timezone.localtime(slot.starts_at):%H:%M}",
            "end": f"{timezone.localtime(slot.ends_at):%H:%M}",
            "number": appointment.booking_number,
            "path": reverse("patient-appointment", args=[appointment.pk]),
        },
    )


def _booked_notice() -> str:
    """`_notify_booked`'s outbox row for `scheduling_book` to fill in (D270), as JSON."""
    return _booked_notice_under(get_script_prefix(), settings.ROOT_URLCONF)


_ANY_ID = 987654321


@functools.cache
def _booked_notice_under(script_prefix: str, urlconf: str) -> str:
    path = reverse("patient-appointment", args=[_ANY_ID], urlconf=urlconf)
    return json.dumps(
        {
            **notifications.queued_row("appointment_booked"),
            "subject": notifications.dedup_subject(Appointment),
            "path": path.replace(str(_ANY_ID), "{id}"),
        }
    )


def _whose_visit(appointment: Appointment) -> dict[str, str]:
    """Who, where and with whom, as every booking message names them."""
    session = appointment.session
    return {
        "name": mask_name(appointment.patient.name),
        "hospital": session.institution.name,
        "doctor": session.doctor.name,
        "date": f"{appointment.visit_date:%Y-%m-%d}",
    }


def _notify_cancelled(appointment: Appointment, refunded_fen: int) -> None:
    """The patient is told their booking is cancelled, and whether the fee goes back."""
    params = {
        **_whose_visit(appointment),
        "time": f"{timezone.localtime(appointment.slot.starts_at):%H:%M}",
    }
    template = "appointment_cancelled"
    if refunded_fen:
        template = "appointment_cancelled_refund"
        params["amount"] = fen_to_yuan(refunded_fen)
    notifications.notify(
        template, phone=appointment.patient.phone, subject=appointment, params=params
    )


def send_day_before_reminders(*, day: dt.date) -> int:
    """The day-before reminder (issue 15 item 5) of every confirmed booking on `day`, through
    the outbox; sending twice queues each once (the outbox de-duplicates on the booking)."""
    due = (
        Appointment.objects.filter(visit_date=day, status=AppointmentStatus.BOOKED)
        .select_related("slot", "session__doctor", "session__clinic", "patient")
        .order_by("pk")
    )
    count = 0
    with transaction.atomic():
        for appointment in due:
            slot = appointment.slot
            notifications.notify(
                "appointment_reminder",
                phone=appointment.patient.phone,
                subject=appointment,
                params={
                    **_whose_visit(appointment),
                    "start": f"{timezone.localtime(slot.starts_at):%H:%M}",
                    "end": f"{timezone.localtime(slot.ends_at):%H:%M}",
                    "room": appointment.session.clinic.location or appointment.session.clinic.name,
                    "path": reverse("patient-appointment", args=[appointment.pk]),
                },
            )
            count += 1
    return count


# --- holds ----------------------------------------------------------------------------------


def reclaim_expired_holds(*, slot_ids: list[int] | None = None, now: dt.datetime) -> set[int]:
    """Give back the units of holds whose time ran out; returns the sessions that got units
    back. Called on the booking path for the slot at hand, so correctness never waits for a
    sweep; `sweep_expired_holds` does the rest and serves the waitlists."""
    expired = Appointment.objects.filter(status=AppointmentStatus.HELD, held_until__lte=now)
    if slot_ids is not None:
        expired = expired.filter(slot_id__in=slot_ids)
    sessions: set[int] = set()
    # In key order, so two bookers reclaiming the same holds never wait on each other in a circle.
    rows = expired.order_by("pk").values_list("pk", "pool_id", "session_id", "replaces_id")
    for appointment_id, pool_id, session_id, replaces_id in rows:
        claimed = Appointment.objects.filter(
            pk=appointment_id, status=AppointmentStatus.HELD
        ).update(status=AppointmentStatus.EXPIRED)
        if claimed:
            SlotPool.objects.filter(pk=pool_id).update(booked=F("booked") - 1)
            sessions.add(session_id)
            key = registration_key(replaces_id or appointment_id)
            settle_fee_of_ended_booking(key, reason=AppointmentStatus.EXPIRED)
    return sessions


@transaction.atomic
def sweep_expired_holds() -> int:
    """Periodic: reclaim every expired hold and offer the units to those waiting (R-APPT-5).
    Returns how many sessions got units back."""
    now = clock.now()
    sessions = reclaim_expired_holds(now=now)
    for session in ClinicSession.objects.filter(pk__in=sessions).order_by("pk"):
        _units_freed(session, now=now)
    return len(sessions)


@transaction.atomic
def confirm_hold(appointment_id: int, *, actor: Actor) -> Appointment:
    """Turn a held slot into a booking. A hold for payment is confirmed by paying its fee
    (`registration_fee_paid`); asking before paying is refused."""
    require_booking_role(actor)
    appointment = _get_for_update(appointment_id, actor)
    now = clock.now()
    if appointment.status == AppointmentStatus.BOOKED:
        return appointment
    if appointment.status != AppointmentStatus.HELD or appointment.held_until <= now:
        raise BookingRefused(gettext_lazy("The hold has expired; book again."), code="hold_expired")
    fee = registration_fee(appointment)
    # A hold for payment waits for its fee; a rebooking offer carries the booking it replaces,
    # paid or (booked to pay later) not (D77).
    if fee is not None and not fee.paid and appointment.replaces_id is None:
        raise BookingRefused(
            gettext_lazy("Pay the registration fee to keep this booking."), code="fee_unpaid"
        )
    _confirm(appointment, actor)
    return appointment


def _confirm(appointment: Appointment, actor: Actor) -> None:
    appointment.status = AppointmentStatus.BOOKED
    appointment.held_until = None
    appointment.save(update_fields=["status", "held_until"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        appointment,
        patient_id=appointment.patient_id,
        summary="hold confirmed",
    )
    domain_events.booked(appointment, appointment.session, appointment.pool.kind)
    _notify_booked(appointment, appointment.patient.phone)


# --- registration fees ----------------------------------------------------------------------


FEE_KEY_PREFIX = "appointment:"


def registration_key(appointment_id: int) -> str:
    """The billing source key of a booking's registration fee."""
    return f"{FEE_KEY_PREFIX}{appointment_id}"


def fee_key(appointment: Appointment) -> str:
    """Where this booking's fee was charged: a rebooking offer or a moved booking carries the fee
    of the booking it replaces, and that one perhaps of an earlier one (D77)."""
    carrier = appointment
    while carrier.replaces_id is not None:
        carrier = carrier.replaces
    return registration_key(carrier.pk)


def registration_fee(appointment: Appointment) -> billing_sources.ChargeState | None:
    """The booking's registration fee on its bill, if it was charged through the platform."""
    return billing_sources.charge_state(fee_key(appointment))


def registration_fee_paid(source_keys: list[str], *, settlement_id: int, actor: Actor) -> None:
    """Billing's follow-up when registration fees are settled (registered at start-up), in the
    settling transaction: a paid hold becomes a booking. A fee paid for a hold that meanwhile
    ran out, was cancelled or stopped is refunded after commit: the unit may be sold again."""
    # Registration charged by others (a hospital system's own lines) is not ours to follow.
    ids = [
        int(key.removeprefix(FEE_KEY_PREFIX))
        for key in source_keys
        if key.startswith(FEE_KEY_PREFIX)
    ]
    if not ids:  # no query to build (D247)
        return
    paid = (
        Appointment.objects.select_for_update(of=("self",), no_key=True)
        .select_related("slot", "session__doctor", "patient", "pool")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    for charged in paid:
        appointment = _carrying_fee_of(charged)
        if appointment.status == AppointmentStatus.HELD:
            _confirm(appointment, actor)
        elif appointment.status in ENDED_STATUSES:
            # Only this fee goes back, not the settlement's other lines (D90).
            refund_fee_after_commit(registration_key(charged.pk), reason=appointment.status)
        # A booking served (checked in, in consultation, finished) or booked: the fee is paid.


# A booking that ended before its visit; its fee goes back unless a replacement carries it.
ENDED_STATUSES = (
    AppointmentStatus.CANCELLED,
    AppointmentStatus.EXPIRED,
    AppointmentStatus.CLINIC_STOPPED,
)


def _carrying_fee_of(appointment: Appointment) -> Appointment:
    """The booking that now carries the fee charged for `appointment`: itself, or the latest of
    its replacements (a moved booking, a rebooking offer), locked like it."""
    current = appointment
    while current.status in ENDED_STATUSES:
        successor = (
            Appointment.objects.select_for_update(of=("self",), no_key=True)
            .select_related("slot", "session__doctor", "patient", "pool")
            .filter(replaces=current)
            .order_by("-pk")
            .first()
        )
        if successor is None:
            break
        current = successor
    return current


def refund_fee_after_commit(key: str, *, reason: str) -> None:
    """Refund the paid fee charged under `key` after commit, and only that line of its
    settlement (D90); `reason` is how the booking ended (a status), written on the red-letter
    e-bill in the words of the hospital's language."""
    with translation.override(settings.LANGUAGE_CODE):
        words = refund_words(reason)

    def refund() -> None:
        try:
            billing_payments.refund_line(source_key=key, reason=words, actor=FEE_REFUNDS)
        except DomainError as exc:
            # The settlement stays paid and on record for the finance desk's manual refund.
            log.error("registration fee refund of %s failed: %s", key, exc.code)

    transaction.on_commit(refund)


def refund_words(reason: str) -> str:
    """The refund reason for a booking that ended with status `reason`, in the active language."""
    return str(AppointmentStatus(reason).label) if reason in AppointmentStatus.values else reason


def fee_refund_problems(*, by_people: bool = True) -> list[str]:
    """The invariant of fee refunds (issue 13, D90): every refund the platform made for a
    registration fee gives back only fees of bookings that ended before their visit (cancelled,
    expired, clinic stopped, with nothing carrying the fee on), for the reason they ended.
    Refunds made by a person at the finance desk are the user's own reason; with
    `by_people=False` (a simulation, where nobody refunds by hand) any other refund is a problem.
    Returns one line per problem; empty when the invariant holds."""
    problems = []
    with translation.override(settings.LANGUAGE_CODE):
        for cover in billing_payments.refunds_made():
            if cover.refunded_by != FEE_REFUNDS.label:
                if not by_people:
                    problems.append(
                        f"refund {cover.refund_id} of settlement {cover.settlement_id} by "
                        f"{cover.refunded_by}: nothing in the run asked for it"
                    )
                continue
            if not cover.source_keys:
                problems.append(f"refund {cover.refund_id}: gives back no line")
            for key in cover.source_keys:
                problem = _fee_refund_problem(key, cover.reason)
                if problem:
                    problems.append(
                        f"refund {cover.refund_id} of settlement {cover.settlement_id}: {problem}"
                    )
    return problems


def _fee_refund_problem(key: str, reason: str) -> str:
    if not key.startswith(FEE_KEY_PREFIX):
        return f"gives back {key}, which is not a registration fee"
    charged = Appointment.objects.filter(pk=int(key.removeprefix(FEE_KEY_PREFIX))).first()
    if charged is None:
        return f"gives back {key}, a fee of no booking"
    carrier = charged
    while carrier.status in ENDED_STATUSES:
        successor = Appointment.objects.filter(replaces=carrier).order_by("-pk").first()
        if successor is None:
            break
        carrier = successor
    if carrier.status not in ENDED_STATUSES:
        return f"gives back {key}, whose booking {carrier.pk} is {carrier.status}"
    if reason != refund_words(carrier.status):
        return f"gives back {key} for {reason!r}, but booking {carrier.pk} is {carrier.status}"
    return ""


def settle_fee_of_ended_booking(key: str, *, reason: str) -> str | None:
    """A booking ends before its visit (cancelled, its hold or offer ran out, its clinic stopped
    with nothing taken in its place): the fee charged under `key` (`fee_key`) is withdrawn if
    unpaid, refunded in full to where it came from if paid. Says which, for the audit row (None:
    no fee was charged through the platform)."""
    fee = billing_sources.charge_state(key)
    if fee is None:
        return None
    if fee.paid:
        refund_fee_after_commit(key, reason=reason)
        return "fee refunded"
    if fee.settlement_id is None:
        billing_sources.void_unpaid_charge(key, reason=reason, actor=FEE_REFUNDS)
        return "fee withdrawn"
    # A payment still in flight decides for itself: `registration_fee_paid` refunds it.
    return "fee payment in flight"


def _get_for_update(appointment_id: int, actor: Actor) -> Appointment:
    appointment = (
        Appointment.objects.select_for_update(of=("self",), no_key=True)
        .select_related("slot", "session__doctor", "patient")
        .filter(pk=appointment_id, patient__in=identity.accessible_patients(actor))
        .first()
    )
    if appointment is None:
        raise NotFound(gettext_lazy("No such appointment."))
    return appointment


# --- cancellation ---------------------------------------------------------------------------


def cancel_deadline(visit_date: dt.date, policy: BookingPolicy) -> dt.datetime:
    day = visit_date - dt.timedelta(days=policy.cancel_days_before)
    return timezone.make_aware(dt.datetime.combine(day, policy.cancel_deadline))


@transaction.atomic
def cancel_appointment(appointment_id: int, *, actor: Actor) -> Appointment:
    """Cancel before the deadline. Staff who book for patients may cancel for them; after the
    deadline only staff at a window may (and the platform itself, e.g. for a stopped clinic).
    The unit goes back to the pool it came from; unused primary-care units are open to online
    bookers after their return time anyway, so this is also "back to the shared pool" once that
    pool has closed."""
    require_booking_role(actor)
    appointment = _get_for_update(appointment_id, actor)
    now = clock.now()
    if appointment.status not in (AppointmentStatus.HELD, AppointmentStatus.BOOKED):
        raise BookingRefused(
            gettext_lazy("Only a booking not yet checked in can be cancelled."),
            code="not_cancellable",
        )
    policy = session_policy(appointment.session)
    late = now > cancel_deadline(appointment.visit_date, policy)
    if late and actor.kind != ActorKind.SYSTEM and not actor.has_perm("scheduling.book_at_window"):
        raise BookingRefused(
            gettext_lazy("The cancellation deadline has passed."), code="deadline_passed"
        )
    appointment.status = AppointmentStatus.CANCELLED
    appointment.cancelled_at = now
    appointment.save(update_fields=["status", "cancelled_at"])
    SlotPool.objects.filter(pk=appointment.pool_id).update(booked=F("booked") - 1)
    audit.record(
        actor,
        AuditAction.UPDATE,
        appointment,
        patient_id=appointment.patient_id,
        summary="appointment cancelled",
    )
    domain_events.cancelled(appointment, appointment.session, "patient")
    fee = registration_fee(appointment)
    settle_fee_of_ended_booking(fee_key(appointment), reason=AppointmentStatus.CANCELLED)
    _notify_cancelled(appointment, fee.amount_fen if fee is not None and fee.paid else 0)
    _units_freed(appointment.session, now=now)
    return appointment


# --- rescheduling (改约) ------------------------------------------------------------------------


@transaction.atomic
def reschedule_appointment(appointment_id: int, slot_id: int, *, actor: Actor) -> Appointment:
    """Move a booking to another time of the same department and fee, before the cancellation
    deadline, in one step: the new time is booked and the old one released in one transaction,
    so a refused new time leaves the old booking as it was. The fee goes with the booking
    (paid stays paid, unpaid stays on the same bill): the new booking `replaces` the old one,
    and `fee_key` follows the replacements back to where the fee was charged (D77)."""
    # The patient first, as every booking does (D14), then the booking: no lock-order cycle
    # with a booking of the same patient racing this move.
    patient_id = Appointment.objects.filter(pk=appointment_id).values_list("patient_id", flat=True)
    list(
        identity.accessible_patients(actor)
        .select_for_update(no_key=True)
        .filter(pk__in=patient_id)
        .values_list("pk", flat=True)
    )
    old = _get_for_update(appointment_id, actor)
    now = clock.now()
    if old.status != AppointmentStatus.BOOKED:
        raise BookingRefused(
            gettext_lazy("Only a confirmed booking not yet checked in can be moved."),
            code="not_reschedulable",
        )
    if now > cancel_deadline(old.visit_date, session_policy(old.session)):
        raise BookingRefused(
            gettext_lazy("The deadline for changes has passed."), code="deadline_passed"
        )
    slot = Slot.objects.select_related("session").filter(pk=slot_id).first()
    if slot is None:
        raise NotFound(gettext_lazy("No such slot."))
    if (
        slot.session.department_id != old.department_id
        or slot.session.fee_fen != old.session.fee_fen
    ):
        raise BookingRefused(
            gettext_lazy("A booking moves to a time of the same department and fee."),
            code="other_clinic",
        )
    if slot.pk == old.slot_id:
        return old
    old.status = AppointmentStatus.CANCELLED
    old.cancelled_at = now
    old.save(update_fields=["status", "cancelled_at"])
    SlotPool.objects.filter(pk=old.pool_id).update(booked=F("booked") - 1)
    new = _book(
        BookingRequest(patient_id=old.patient_id, slot_id=slot.pk, channel=old.channel),
        "",
        actor,
        carries_fee_of=old.pk,
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        old,
        patient_id=old.patient_id,
        summary="appointment rescheduled",
        changes={"to": new.pk},
    )
    domain_events.cancelled(old, old.session, "rescheduled")
    _units_freed(old.session, now=now)
    return new


# --- no-shows -------------------------------------------------------------------------------


def no_show_times(patient_id: int, policy: BookingPolicy, now: dt.datetime) -> list[dt.datetime]:
    """When each of the patient's unexempted no-shows happened, oldest first. A booking not
    checked in `no_show_grace_minutes` after its slot ends is a no-show from then on."""
    grace = dt.timedelta(minutes=policy.no_show_grace_minutes)
    lookback = now - dt.timedelta(days=policy.no_show_window_days + policy.suspension_days)
    ends = (
        Appointment.objects.filter(
            patient_id=patient_id,
            status__in=(AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW),
            no_show_exempt_reason="",
            slot__ends_at__gte=lookback - grace,
            slot__ends_at__lte=now - grace,
        )
        .order_by("slot__ends_at")
        .values_list("slot__ends_at", flat=True)
    )
    return [end + grace for end in ends]


def is_no_show(appointment: Appointment, policy: BookingPolicy, now: dt.datetime) -> bool:
    """Whether the booking was missed: not checked in `no_show_grace_minutes` after its slot
    ended (the rule of `no_show_times`, exempted or not)."""
    grace = dt.timedelta(minutes=policy.no_show_grace_minutes)
    return (
        appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.NO_SHOW)
        and appointment.slot.ends_at + grace <= now
    )


def suspension_ends(patient_id: int, policy: BookingPolicy, now: dt.datetime) -> dt.datetime | None:
    """The end of the online-booking suspension in force at `now`, if any."""
    return suspension_after(no_show_times(patient_id, policy, now), policy, now)


def suspension_after(
    times: list[dt.datetime], policy: BookingPolicy, now: dt.datetime
) -> dt.datetime | None:
    """`no_show_limit` no-shows within `no_show_window_days` (`times`, oldest first) suspend
    online booking for `suspension_days` from the last of them; the latest such run decides."""
    window = dt.timedelta(days=policy.no_show_window_days)
    limit = policy.no_show_limit
    if limit == 0:
        return None  # no penalty configured
    # Runs of `limit` consecutive no-shows, latest first: the first within the window gives the
    # latest end (if any `limit` no-shows fall within the window, so do the consecutive ones
    # ending with the last of them).
    for last in reversed(range(limit - 1, len(times))):
        if times[last] - times[last - limit + 1] <= window:
            ends = times[last] + dt.timedelta(days=policy.suspension_days)
            return ends if ends > now else None
    return None


@transaction.atomic
def exempt_no_show(appointment_id: int, reason: str, *, actor: Actor) -> Appointment:
    """Staff waive a no-show (the patient was ill, the hospital was at fault…)."""
    actor.require_perm("scheduling.exempt_no_show")
    reason = reason.strip()
    if not reason:
        raise InvalidInput.field("reason", gettext_lazy("Give a reason for the exemption."))
    appointment = _get_for_update(appointment_id, actor)
    if not is_no_show(appointment, session_policy(appointment.session), clock.now()):
        # An exemption written in advance would silently waive a later no-show.
        raise BookingRefused(
            gettext_lazy("Only a missed booking can be exempted."), code="not_no_show"
        )
    appointment.no_show_exempt_reason = reason[:200]
    appointment.save(update_fields=["no_show_exempt_reason"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        appointment,
        patient_id=appointment.patient_id,
        summary="no-show exempted",
        changes={"reason": reason[:200]},
    )
    return appointment
