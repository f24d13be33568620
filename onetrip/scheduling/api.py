"""Scheduling JSON API for every channel (R-APPT-1/2/3), under /api/scheduling.

What is free is public, like the consortium's structure: patients look before they sign in.
Everything that touches a patient takes a staff session, a patient session (the app) or an
institution's API key (`X-Api-Key`); the services decide what each caller may do. Errors are
problem details with a machine-readable `code` (see core.problems).
"""

from __future__ import annotations

import datetime as dt

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from ninja.renderers import JSONRenderer

from onetrip.consortium.models import Department, Doctor
from onetrip.core import clock
from onetrip.core.actors import Channel
from onetrip.core.bounds import Day, Id
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.scheduling import queries
from onetrip.scheduling.models import (
    Appointment,
    AppointmentStatus,
    BookingChannel,
    ClinicSession,
    PriorityClass,
    WaitlistEntry,
    WaitlistStatus,
)
from onetrip.scheduling.services import availability, booking, disruption, queue, waitlist
from onetrip.web.auth import SIGNED_IN, caller
from onetrip.web.links import bill_link
from onetrip.web.sessions import PatientSession, current_patient_actor

router = Router(tags=["scheduling"])

# --- schemas --------------------------------------------------------------------------------


class SessionDoctorOut(Schema):
    id: int
    name: str
    title: str


class PlaceOut(Schema):
    id: int
    name: str


class ClinicOut(Schema):
    id: int
    name: str
    kind: str
    location: str


class NextSlotOut(Schema):
    slot_id: int
    session_id: int
    starts_at: dt.datetime
    doctor: SessionDoctorOut
    department: PlaceOut
    institution: PlaceOut


class SessionOut(Schema):
    id: int
    date: dt.date
    period: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    fee_fen: int
    doctor: SessionDoctorOut
    substitute: SessionDoctorOut | None
    clinic: ClinicOut
    department: PlaceOut
    institution: PlaceOut


class SlotOut(Schema):
    id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    visit_window: str
    remaining: int = Field(description="Units open to the channel now.")
    pools: dict[str, int] = Field(description="Units left in each pool, open or not.")


class SessionSlotsOut(Schema):
    channel: str
    session: SessionOut
    slots: list[SlotOut]


class AppointmentIn(Schema):
    patient_id: Id
    slot_id: Id
    channel: BookingChannel | None = Field(
        None, description="Defaults to the caller's: the key's, app for patients, window for staff."
    )
    hold: bool = False
    priority: int = Field(
        PriorityClass.ORDINARY, ge=min(PriorityClass.values), le=max(PriorityClass.values)
    )
    walk_in: bool = False


class FeeOut(Schema):
    bill_id: int
    amount_fen: int
    paid: bool
    pay_url: str = Field(description="The patient's payment page of the bill (WeChat Pay, Alipay).")


class AppointmentOut(Schema):
    id: int
    booking_number: str
    status: str
    status_label: str
    patient_id: int
    channel: str
    pool: str
    visit_date: dt.date
    starts_at: dt.datetime
    ends_at: dt.datetime
    visit_window: str = Field(description='The time to arrive, e.g. "08:40–08:50".')
    held_until: dt.datetime | None
    fee_fen: int
    priority: int
    walk_in: bool
    booked_at: dt.datetime
    doctor: SessionDoctorOut
    substitute: SessionDoctorOut | None
    clinic: ClinicOut
    department: PlaceOut
    institution: PlaceOut
    registration_fee: FeeOut | None = Field(
        None,
        description="A booking held for payment: the bill its registration fee is on. Paying it "
        "confirms the booking; until then the time is held until `held_until`.",
    )


class WaitlistIn(Schema):
    patient_id: Id
    session_id: Id
    channel: BookingChannel | None = None


class WaitlistOut(Schema):
    id: int
    patient_id: int
    session_id: int
    channel: str
    status: str
    joined_at: dt.datetime
    position: int | None = Field(description="Place in line while waiting, 1 is next.")


# --- presenting -----------------------------------------------------------------------------


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return timezone.localtime(moment) if moment is not None else None


def _doctor(doctor: Doctor | None) -> dict | None:
    if doctor is None:
        return None
    return {"id": doctor.pk, "name": doctor.name, "title": doctor.title}


def _place(place) -> dict:
    return {"id": place.pk, "name": place.name}


def _session_parts(session: ClinicSession) -> dict:
    clinic = session.clinic
    return {
        "doctor": _doctor(session.doctor),
        "substitute": _doctor(session.substitute),
        "clinic": {
            "id": clinic.pk,
            "name": clinic.name,
            "kind": clinic.kind,
            "location": clinic.location,
        },
        "department": _place(session.department),
        "institution": _place(session.institution),
    }


def _session_out(session: ClinicSession) -> dict:
    return {
        "id": session.pk,
        "date": session.date,
        "period": session.period,
        "starts_at": _local(session.starts_at),
        "ends_at": _local(session.ends_at),
        "status": session.status,
        "fee_fen": session.fee_fen,
        **_session_parts(session),
    }


# The status labels by value: `get_status_display` rebuilds this dict on every call (D268).
_STATUS_LABELS = dict(AppointmentStatus.choices)


def appointment_out(appointment: Appointment) -> dict:
    slot = appointment.slot
    zone = timezone.get_current_timezone()  # looked up once for the answer's four times
    starts_at, ends_at = slot.starts_at.astimezone(zone), slot.ends_at.astimezone(zone)
    held_until = appointment.held_until
    return {
        "id": appointment.pk,
        "booking_number": appointment.booking_number,
        "status": appointment.status,
        "status_label": str(_STATUS_LABELS.get(appointment.status, appointment.status)),
        "patient_id": appointment.patient_id,
        "channel": appointment.channel,
        "pool": appointment.pool.kind,
        "visit_date": appointment.visit_date,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "visit_window": queries.visit_window(starts_at, ends_at, zone=zone),
        "held_until": held_until.astimezone(zone) if held_until is not None else None,
        "fee_fen": appointment.session.fee_fen,
        "priority": appointment.priority,
        "walk_in": appointment.is_walk_in,
        "booked_at": appointment.booked_at.astimezone(zone),
        **_session_parts(appointment.session),
    }


def _confirmation(appointment: Appointment, *, with_fee: bool = False) -> dict:
    # With its details as stored, so a first answer and a retried one are the same body: read
    # back unless the service already read them (a booking: no extra round trip, D206).
    if not queries.has_details(appointment):
        appointment = queries.with_details(Appointment.objects.filter(pk=appointment.pk)).get()
    answer = appointment_out(appointment)
    fee = booking.registration_fee(appointment) if with_fee else None
    if fee is not None:
        answer["registration_fee"] = {
            "bill_id": fee.bill.pk,
            "amount_fen": fee.amount_fen,
            "paid": fee.paid,
            "pay_url": bill_link(fee.bill),
        }
    return answer


def _waitlist_out(entry: WaitlistEntry) -> dict:
    position = None
    if entry.status == WaitlistStatus.WAITING:
        ahead = WaitlistEntry.objects.filter(
            Q(joined_at__lt=entry.joined_at) | Q(joined_at=entry.joined_at, pk__lt=entry.pk),
            session_id=entry.session_id,
            status=WaitlistStatus.WAITING,
        )
        position = ahead.count() + 1
    return {
        "id": entry.pk,
        "patient_id": entry.patient_id,
        "session_id": entry.session_id,
        "channel": entry.channel,
        "status": entry.status,
        "joined_at": _local(entry.joined_at),
        "position": position,
    }


# --- what is free (public) ------------------------------------------------------------------


def _next_slots(department_ids: list[int], channel: str, limit: int) -> list[dict]:
    found = availability.next_available(
        department_ids=department_ids, channel=channel, now=clock.now(), limit=limit
    )
    doctors = Doctor.objects.in_bulk({n.doctor_id for n in found})
    departments = Department.objects.select_related("institution").in_bulk(
        {n.department_id for n in found}
    )
    return [
        {
            "slot_id": n.slot_id,
            "session_id": n.session_id,
            "starts_at": _local(n.starts_at),
            "doctor": _doctor(doctors[n.doctor_id]),
            "department": _place(departments[n.department_id]),
            "institution": _place(departments[n.department_id].institution),
        }
        for n in found
    ]


@router.get("/departments/{department_id}/next-available", response=list[NextSlotOut])
def next_available_in_department(
    request: HttpRequest,
    department_id: Id,
    channel: BookingChannel = BookingChannel.APP,
    limit: int = Query(10, ge=1, le=50),
):
    if not Department.objects.filter(pk=department_id).exists():
        raise NotFound(_("No such department."))
    return _next_slots([department_id], channel, limit)


@router.get("/next-available", response=list[NextSlotOut])
def next_available_across_consortium(
    request: HttpRequest,
    department_code: str,
    channel: BookingChannel = BookingChannel.APP,
    limit: int = Query(10, ge=1, le=50),
):
    """The earliest free times in every department with this code, across the consortium."""
    department_ids = list(
        Department.objects.filter(code=department_code).values_list("pk", flat=True)
    )
    if not department_ids:
        raise InvalidInput.field("department_code", _("No department has this code."), "unknown")
    return _next_slots(department_ids, channel, limit)


@router.get("/sessions", response=list[SessionOut])
def list_sessions(request: HttpRequest, department_id: Id, date: Day, doctor_id: Id | None = None):
    sessions = ClinicSession.objects.filter(department_id=department_id, date=date)
    if doctor_id is not None:
        sessions = sessions.filter(doctor_id=doctor_id)
    sessions = sessions.select_related(
        "doctor", "substitute", "clinic", "department", "institution"
    ).order_by("starts_at", "doctor__name", "pk")
    return [_session_out(s) for s in sessions]


@router.get("/sessions/{session_id}/slots", response=SessionSlotsOut)
def session_slots(
    request: HttpRequest, session_id: Id, channel: BookingChannel = BookingChannel.APP
):
    """Every time of a session, with what is left for the channel and in each pool."""
    found = availability.session_slots_by_id(session_id, channel, clock.now())
    if found is None:
        raise NotFound(_("No such clinic session."))
    session, views = found
    return _sent(request, session_slots_answer(session, views, channel), status=200)


_JSON = JSONRenderer()  # the API's renderer (test_api checks the bytes are the same)


def _sent(request: HttpRequest, answer: dict, *, status: int) -> HttpResponse:
    """An answer already in its schema's shape and field order, rendered as ninja renders it
    after validating it (D244): the slot list and the booking, the hot path's read and write."""
    return HttpResponse(
        _JSON.render(request, answer, response_status=status),
        status=status,
        content_type=f"{_JSON.media_type}; charset={_JSON.charset}",
    )


def session_slots_answer(
    session: ClinicSession, views: list[availability.SlotView], channel: str
) -> dict:
    """The slot list's answer, already in `SessionSlotsOut`'s shape and field order: the view
    sends it without validating it again (the popular read before a booking, D244);
    `test_api` holds it to the schema."""
    zone = timezone.get_current_timezone()
    slots = []
    for v in views:
        # The times as the renderer would write them (D269: the JSON encoder's fallback for a
        # datetime costs more than the rest of a slot); the visit window is their local
        # "HH:MM"s, as `queries.visit_window` writes it.
        starts_at = _json_time(v.starts_at.astimezone(zone))
        ends_at = _json_time(v.ends_at.astimezone(zone))
        slots.append(
            {
                "id": v.slot_id,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "visit_window": f"{starts_at[11:16]}–{ends_at[11:16]}",
                "remaining": v.remaining,
                "pools": v.pools,
            }
        )
    return {"channel": str(channel), "session": _session_out(session), "slots": slots}


# How ninja's renderer writes a datetime (Django's JSON encoder: ISO 8601, milliseconds, "Z").
_json_time = DjangoJSONEncoder().default


# --- booking --------------------------------------------------------------------------------


@router.post("/appointments", response={201: AppointmentOut}, auth=SIGNED_IN)
def book(request: HttpRequest, payload: AppointmentIn):
    """Book or hold a time. Send an `Idempotency-Key` header: a retried request with the same
    key answers with the booking the first one made."""
    actor = caller(request)
    appointment = booking.book_slot(
        booking.BookingRequest(
            patient_id=payload.patient_id,
            slot_id=payload.slot_id,
            channel=payload.channel or queries.usual_channel(actor),
            hold=payload.hold,
            idempotency_key=request.headers.get("Idempotency-Key", ""),
            priority=payload.priority,
            walk_in=payload.walk_in,
        ),
        actor=actor,
    )
    # Only a hold has a fee to pay: a booking's answer stays one read on the hot path.
    held = appointment.status == AppointmentStatus.HELD
    answer = _confirmation(appointment, with_fee=held)
    # `AppointmentOut`'s shape and field order already, sent without a second validation on
    # the hot path (D244; test_api holds the bytes to the schema's).
    answer["status_label"] = str(answer["status_label"])
    answer.setdefault("registration_fee", None)
    return _sent(request, answer, status=201)


@router.get("/appointments/{appointment_id}", response=AppointmentOut, auth=SIGNED_IN)
def get_appointment(request: HttpRequest, appointment_id: Id):
    return appointment_out(queries.view_appointment(appointment_id, actor=caller(request)))


@router.post("/appointments/{appointment_id}/confirm", response=AppointmentOut, auth=SIGNED_IN)
def confirm_hold(request: HttpRequest, appointment_id: Id):
    """Confirm a held time. A hold for payment is confirmed by paying its registration fee
    (409 `fee_unpaid` before that); a rebooking offer or a waitlist turn by asking."""
    confirmed = booking.confirm_hold(appointment_id, actor=caller(request))
    return _confirmation(confirmed, with_fee=True)


@router.post("/appointments/{appointment_id}/cancel", response=AppointmentOut, auth=SIGNED_IN)
def cancel(request: HttpRequest, appointment_id: Id):
    cancelled = booking.cancel_appointment(appointment_id, actor=caller(request))
    return _confirmation(cancelled, with_fee=True)


@router.post("/appointments/{appointment_id}/accept-offer", response=AppointmentOut, auth=SIGNED_IN)
def accept_offer(request: HttpRequest, appointment_id: Id):
    """After a stop-clinic: take the replacement held for the patient (one tap, no charge)."""
    return _confirmation(disruption.accept_offer(appointment_id, actor=caller(request)))


@router.post(
    "/appointments/{appointment_id}/decline-offer", response=AppointmentOut, auth=SIGNED_IN
)
def decline_offer(request: HttpRequest, appointment_id: Id):
    """After a stop-clinic: refuse the replacement; the stopped booking is owed its refund."""
    return _confirmation(disruption.decline_offer(appointment_id, actor=caller(request)))


class CheckInIn(Schema):
    institution_id: Id
    booking_number: str | None = None
    doc_type: str | None = None
    doc_number: str | None = Field(None, description="A document number or an e-health QR payload.")
    issuing_country: str = ""


@router.post("/check-ins", response=AppointmentOut, auth=SIGNED_IN)
def check_in(request: HttpRequest, payload: CheckInIn):
    """Kiosk or desk check-in by booking number, identity document or e-health card QR."""
    appointment = queue.check_in(
        booking_number=payload.booking_number,
        doc_type=payload.doc_type,
        doc_number=payload.doc_number,
        issuing_country=payload.issuing_country,
        institution_id=payload.institution_id,
        actor=caller(request),
    )
    return _confirmation(appointment)


@router.get("/my/appointments", response=list[AppointmentOut], auth=PatientSession())
def my_appointments(request: HttpRequest):
    """The signed-in account's appointments (its own and its family's), latest visit first."""
    actor = current_patient_actor(request, channel=Channel.API)
    appointments = queries.visible_appointments(actor).order_by("-slot__starts_at", "-pk")
    return [appointment_out(a) for a in appointments]


# --- waitlist -------------------------------------------------------------------------------


@router.post("/waitlist", response={201: WaitlistOut}, auth=SIGNED_IN)
def join_waitlist(request: HttpRequest, payload: WaitlistIn):
    actor = caller(request)
    entry = waitlist.join_waitlist(
        payload.patient_id,
        payload.session_id,
        channel=payload.channel or queries.usual_channel(actor),
        actor=actor,
    )
    return Status(201, _waitlist_out(entry))


@router.delete("/waitlist/{entry_id}", response={204: None}, auth=SIGNED_IN)
def leave_waitlist(request: HttpRequest, entry_id: Id):
    waitlist.leave_waitlist(entry_id, actor=caller(request))
    return Status(204, None)
