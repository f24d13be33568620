"""FHIR R4 scheduling at the FHIR base (/fhir/): `Schedule`, `Slot` and `Appointment` read and
search, and the operations `Appointment/$find`, `$hold` and `$book` (R-APPT-1).

Callers are staff (session) or an institution's external system (`X-Api-Key`). Availability is
seen through the caller's booking channel: the key's, or for staff the `channel` parameter
(default: window). Bookings go through `services.booking`, which checks who may book through
which channel; `$hold` and `$book` honour an `Idempotency-Key` header like the JSON API. Every
refusal is an `OperationOutcome`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onetrip.consortium.models import Department, Doctor
from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.core.fhir_http import (
    OPERATION,
    READ,
    BadRequest,
    fhir_response,
    fhir_view,
    parse_count,
)
from onetrip.scheduling import fhir, queries
from onetrip.scheduling.models import (
    Appointment,
    BookingChannel,
    ClinicSession,
    SessionStatus,
    Slot,
    SlotPool,
)
from onetrip.scheduling.policy import DEFAULT_POLICY
from onetrip.scheduling.quotas import pool_horizons
from onetrip.scheduling.services import availability, booking
from onetrip.scheduling.services.availability import SlotView
from onetrip.web.auth import fhir_caller

_ID = re.compile(r"[0-9]{1,18}")
FIND_DEFAULT_COUNT = 10
FIND_MAX_COUNT = 50
FIND_DEFAULT_DAYS = 31
FIND_MAX_DAYS = 92


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("scheduling_fhir:slot-search")).removesuffix("/Slot")


def _id(raw: str, message: Any) -> int:
    if not _ID.fullmatch(raw):
        raise NotFound(message)
    return int(raw)


def _check_parameters(params: QueryDict, allowed: tuple[str, ...]) -> None:
    unknown = sorted(k for k in params if k not in (*allowed, "_count", "_format"))
    if unknown:
        raise BadRequest(
            _("Unsupported search parameter: %(names)s.") % {"names": ", ".join(unknown)},
            code="unsupported_parameter",
        )


def _reference_id(value: str, resource_type: str) -> int | None:
    """`Slot/12`, a full URL ending in it, or a bare id; None if it names nothing of the type."""
    tail = value.strip().rstrip("/").split("/")
    if len(tail) >= 2 and tail[-2] != resource_type:
        return None
    return int(tail[-1]) if _ID.fullmatch(tail[-1]) else None


def _search_reference(params: QueryDict, name: str, resource_type: str) -> int:
    raw = params.get(name, "")
    if not raw:
        raise BadRequest(
            _("The search parameter “%(name)s” is required.") % {"name": name},
            code="parameter_required",
        )
    found = _reference_id(raw, resource_type)
    if found is None:
        raise BadRequest(
            _("Give “%(name)s” as %(type)s/id.") % {"name": name, "type": resource_type},
            code="invalid_parameter",
        )
    return found


def _channel(value: str | None, actor: Actor, field: str = "channel") -> str:
    if not value:
        return queries.usual_channel(actor)
    if value not in BookingChannel.values:
        raise InvalidInput.field(field, gettext_lazy("Choose a booking channel."))
    return value


# --- Schedule -------------------------------------------------------------------------------


def _schedule_of(doctor: Doctor) -> dict[str, Any]:
    upcoming = list(
        ClinicSession.objects.filter(doctor=doctor, ends_at__gt=clock.now()).order_by("starts_at")
    )
    return fhir.schedule_resource(doctor, upcoming)


def _doctors_with_sessions():
    return Doctor.objects.filter(
        Exists(ClinicSession.objects.filter(doctor=OuterRef("pk")))
    ).select_related("department__institution")


@fhir_view(READ)
def schedule_read(request: HttpRequest, schedule_id: str) -> HttpResponse:
    fhir_caller(request)
    message = gettext_lazy("No such schedule.")
    doctor = _doctors_with_sessions().filter(pk=_id(schedule_id, message)).first()
    if doctor is None:
        raise NotFound(message)
    return fhir_response(_schedule_of(doctor))


@fhir_view(READ)
def schedule_search(request: HttpRequest) -> HttpResponse:
    """`actor=Practitioner/{id}` and/or `specialty={department code}`."""
    fhir_caller(request)
    params = request.GET
    _check_parameters(params, ("actor", "specialty"))
    doctors = _doctors_with_sessions()
    if "actor" in params:
        doctors = doctors.filter(pk=_search_reference(params, "actor", "Practitioner"))
    if "specialty" in params:
        code = params["specialty"].split("|")[-1]
        doctors = doctors.filter(department__code=code)
    elif "actor" not in params:
        raise BadRequest(
            _("Search by actor or specialty: at least one search parameter is required."),
            code="parameter_required",
        )
    count = parse_count(params)
    total = doctors.count()
    page = doctors.order_by("pk")[:count]
    return fhir_response(
        fhir.searchset(
            [_schedule_of(d) for d in page],
            base_url=_base_url(request),
            self_url=request.build_absolute_uri(),
            total=total,
        )
    )


# --- Slot -----------------------------------------------------------------------------------

_PREFIXED = re.compile(r"(eq|ne|gt|lt|ge|le|sa|eb|ap)?(.+)")


@dataclass(frozen=True)
class TimeBound:
    """One `start` search value: a prefix and the time range its precision covers."""

    prefix: str
    lower: dt.datetime
    upper: dt.datetime  # exclusive

    def matches(self, moment: dt.datetime) -> bool:
        return {
            "eq": self.lower <= moment < self.upper,
            "ge": moment >= self.lower,
            "gt": moment >= self.upper,
            "le": moment < self.upper,
            "lt": moment < self.lower,
        }[self.prefix]

    @property
    def floor(self) -> dt.datetime | None:
        """The earliest start this bound lets through, if it sets one."""
        return {"eq": self.lower, "ge": self.lower, "gt": self.upper}.get(self.prefix)

    @property
    def ceiling(self) -> dt.datetime | None:
        """The start this bound keeps everything before, if it sets one."""
        return {"eq": self.upper, "le": self.upper, "lt": self.lower}.get(self.prefix)


def _parse_time(raw: str) -> TimeBound:
    prefix, value = _PREFIXED.fullmatch(raw.strip() or "?").groups()
    prefix = prefix or "eq"
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            lower = timezone.make_aware(dt.datetime.combine(day, dt.time()))
            upper = lower + dt.timedelta(days=1)
        else:
            lower = dt.datetime.fromisoformat(value)
            if timezone.is_naive(lower):
                lower = timezone.make_aware(lower)
            upper = lower + dt.timedelta(seconds=1)
    except ValueError:
        lower = upper = None
    if lower is None or prefix not in ("eq", "ge", "gt", "le", "lt"):
        raise BadRequest(
            _("Give start as a date or time, with ge, gt, le, lt or eq, e.g. start=ge2026-12-01."),
            code="invalid_parameter",
        )
    return TimeBound(prefix, lower, upper)


def _session_views(
    sessions, channel: str, keep: Callable[[ClinicSession, SlotView], bool], count: int
) -> list[tuple[ClinicSession, SlotView]]:
    """The first `count` slots `keep` accepts, in time order, session by session. Sessions come
    in start order and a session's slots start no earlier than it does, so the scan stops as
    soon as no later session can come before the ones found."""
    now = clock.now()
    found: list[tuple[ClinicSession, SlotView]] = []
    if count == 0:
        return found
    for session in sessions.select_related("doctor", "substitute", "department").order_by(
        "starts_at", "pk"
    ):
        if len(found) >= count and session.starts_at > found[count - 1][1].starts_at:
            break
        found += [
            (session, view)
            for view in availability.session_slots(session, channel, now)
            if keep(session, view)
        ]
        found.sort(key=lambda pair: (pair[1].starts_at, pair[1].slot_id))
    return found[:count]


@fhir_view(READ)
def slot_read(request: HttpRequest, slot_id: str) -> HttpResponse:
    actor = fhir_caller(request)
    _check_parameters(request.GET, ("channel",))
    channel = _channel(request.GET.get("channel"), actor)
    message = gettext_lazy("No such slot.")
    slot = (
        Slot.objects.select_related("session__department").filter(pk=_id(slot_id, message)).first()
    )
    if slot is None:
        raise NotFound(message)
    views = availability.session_slots(slot.session, channel, clock.now())
    # A slot without capacity has no pools, so no view of its own.
    view = next(
        (v for v in views if v.slot_id == slot.pk),
        SlotView(slot.pk, slot.starts_at, slot.ends_at, 0, {}),
    )
    return fhir_response(fhir.slot_resource(slot.session, view, channel=channel))


SLOT_STATUSES = ("free", "busy", "busy-unavailable")


@fhir_view(READ)
def slot_search(request: HttpRequest) -> HttpResponse:
    """`schedule` (required), `start` (repeatable, with prefixes; from now on if not given),
    `status`, `channel`. Slots in time order; the Bundle has no total (it is not counted)."""
    actor = fhir_caller(request)
    params = request.GET
    _check_parameters(params, ("schedule", "start", "status", "channel"))
    doctor_id = _search_reference(params, "schedule", "Schedule")
    bounds = [_parse_time(raw) for raw in params.getlist("start")]
    if not any(b.prefix in ("ge", "gt", "eq") for b in bounds):
        bounds.append(TimeBound("ge", clock.now(), clock.now()))
    statuses = {s for raw in params.getlist("status") for s in raw.split(",")}
    if not statuses <= set(SLOT_STATUSES):
        raise BadRequest(
            _("status is one of: %(codes)s.") % {"codes": ", ".join(SLOT_STATUSES)},
            code="invalid_parameter",
        )
    channel = _channel(params.get("channel"), actor)
    count = parse_count(params)
    sessions = ClinicSession.objects.filter(
        doctor_id=doctor_id, ends_at__gt=max(b.floor for b in bounds if b.floor)
    )
    ceilings = [b.ceiling for b in bounds if b.ceiling]
    if ceilings:
        sessions = sessions.filter(starts_at__lt=min(ceilings))

    def keep(session: ClinicSession, view: SlotView) -> bool:
        if not all(b.matches(view.starts_at) for b in bounds):
            return False
        return not statuses or fhir.slot_status(session, view) in statuses

    found = _session_views(sessions, channel, keep, count)
    return fhir_response(
        fhir.searchset(
            [fhir.slot_resource(s, v, channel=channel) for s, v in found],
            base_url=_base_url(request),
            self_url=request.build_absolute_uri(),
        )
    )


# --- Appointment read and search ------------------------------------------------------------


@fhir_view(READ)
def appointment_read(request: HttpRequest, appointment_id: str) -> HttpResponse:
    actor = fhir_caller(request)
    pk = _id(appointment_id, gettext_lazy("No such appointment."))
    return fhir_response(fhir.appointment_resource(queries.view_appointment(pk, actor=actor)))


def _statuses_for(raw_values: list[str]) -> list[str]:
    wanted = {code for raw in raw_values for code in raw.split(",")}
    known = set(fhir.FHIR_STATUS.values())
    if not wanted <= known:
        raise BadRequest(
            _("status is one of: %(codes)s.") % {"codes": ", ".join(sorted(known))},
            code="invalid_parameter",
        )
    return [ours for ours, theirs in fhir.FHIR_STATUS.items() if theirs in wanted]


@fhir_view(READ)
def appointment_search(request: HttpRequest) -> HttpResponse:
    """`patient` (required) and `status`; latest first."""
    actor = fhir_caller(request)
    params = request.GET
    _check_parameters(params, ("patient", "status"))
    patient_id = _search_reference(params, "patient", "Patient")
    count = parse_count(params)
    statuses = _statuses_for(params.getlist("status")) if "status" in params else None
    page, total = queries.search_appointments(
        patient_id, statuses=statuses, count=count, actor=actor
    )
    return fhir_response(
        fhir.searchset(
            [fhir.appointment_resource(a) for a in page],
            base_url=_base_url(request),
            self_url=request.build_absolute_uri(),
            total=total,
        )
    )


# --- operations -----------------------------------------------------------------------------


class Parameters:
    """The `Parameters` resource an operation was called with."""

    def __init__(self, request: HttpRequest) -> None:
        try:
            body = json.loads(request.body or b"null")
        except (ValueError, UnicodeDecodeError):
            body = None
        if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
            raise BadRequest(_("Send a Parameters resource as JSON."), code="not_parameters")
        parts = body.get("parameter", [])
        if not isinstance(parts, list) or not all(
            isinstance(p, dict) and isinstance(p.get("name"), str) for p in parts
        ):
            raise BadRequest(_("Every parameter needs a name."), code="not_parameters")
        self.parts = {p["name"]: p for p in parts}

    def __contains__(self, name: str) -> bool:
        return name in self.parts

    def reference(self, name: str, resource_type: str) -> int:
        """A required `valueReference` (or a `resource` with an id) to `resource_type`."""
        part = self.parts.get(name)
        if part is None:
            raise InvalidInput.field(name, gettext_lazy("This parameter is required."), "required")
        found = None
        if isinstance(part.get("valueReference"), dict):
            found = _reference_id(str(part["valueReference"].get("reference", "")), resource_type)
        elif isinstance(part.get("resource"), dict):
            resource = part["resource"]
            if resource.get("resourceType") == resource_type:
                found = _reference_id(str(resource.get("id", "")), resource_type)
        if found is None:
            raise InvalidInput.field(
                name,
                _("Give a reference to a %(type)s, e.g. %(type)s/123.") % {"type": resource_type},
                "invalid_reference",
            )
        return found

    def code(self, name: str) -> str | None:
        part = self.parts.get(name)
        if part is None:
            return None
        for key in ("valueCode", "valueString"):
            if isinstance(part.get(key), str) and part[key].strip():
                return part[key].strip()
        codings = [part.get("valueCoding")]
        if isinstance(part.get("valueCodeableConcept"), dict):
            codings += part["valueCodeableConcept"].get("coding") or []
        for coding in codings:
            if isinstance(coding, dict) and isinstance(coding.get("code"), str):
                return coding["code"]
        raise InvalidInput.field(name, gettext_lazy("Give a code."), "invalid")

    def moment(self, name: str) -> dt.datetime | None:
        part = self.parts.get(name)
        if part is None:
            return None
        raw = next(
            (part[k] for k in ("valueDateTime", "valueInstant", "valueDate") if k in part), None
        )
        try:
            bound = _parse_time(str(raw)) if isinstance(raw, str) else None
        except BadRequest:
            bound = None
        if bound is None:
            raise InvalidInput.field(
                name, gettext_lazy("Give a date or a date and time."), "invalid_datetime"
            )
        return bound.lower

    def integer(self, name: str, default: int, maximum: int) -> int:
        part = self.parts.get(name)
        if part is None:
            return default
        value = part.get("valueInteger", part.get("valuePositiveInt"))
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InvalidInput.field(name, gettext_lazy("Give a whole number, 1 or more."))
        return min(value, maximum)


def _appointment_response(appointment: Appointment, *, status: int = 200) -> HttpResponse:
    detailed = queries.with_details(Appointment.objects.filter(pk=appointment.pk)).get()
    return fhir_response(fhir.appointment_resource(detailed), status=status)


def _booking_request(request: HttpRequest, params: Parameters, actor: Actor, *, hold: bool):
    return booking.BookingRequest(
        patient_id=params.reference("patient", "Patient"),
        slot_id=params.reference("slot", "Slot"),
        channel=_channel(params.code("channel"), actor),
        hold=hold,
        idempotency_key=request.headers.get("Idempotency-Key", ""),
    )


@fhir_view(OPERATION)
def appointment_hold(request: HttpRequest) -> HttpResponse:
    """`$hold`: `slot` and `patient` (and `channel`) → a `pending` Appointment, held until the
    time in its held-until extension."""
    actor = fhir_caller(request)
    params = Parameters(request)
    appointment = booking.book_slot(
        _booking_request(request, params, actor, hold=True), actor=actor
    )
    return _appointment_response(appointment, status=201)


@fhir_view(OPERATION)
def appointment_book(request: HttpRequest) -> HttpResponse:
    """`$book`: `appointment` (a held one: confirm it), or `slot` and `patient` → `booked`."""
    actor = fhir_caller(request)
    params = Parameters(request)
    if "appointment" in params:
        appointment_id = params.reference("appointment", "Appointment")
        return _appointment_response(booking.confirm_hold(appointment_id, actor=actor))
    appointment = booking.book_slot(
        _booking_request(request, params, actor, hold=False), actor=actor
    )
    return _appointment_response(appointment, status=201)


@fhir_view(OPERATION)
def appointment_find(request: HttpRequest) -> HttpResponse:
    """`$find`: `specialty` (a department code, across the consortium), optional `start` and
    `end` (at most three months apart; default a month from `start`), `channel` and `_count`
    → a Bundle of `proposed` Appointments, earliest first, each naming its slot."""
    actor = fhir_caller(request)
    params = Parameters(request)
    code = params.code("specialty")
    if code is None:
        raise InvalidInput.field(
            "specialty", gettext_lazy("This parameter is required."), "required"
        )
    department_ids = list(Department.objects.filter(code=code).values_list("pk", flat=True))
    if not department_ids:
        raise InvalidInput.field(
            "specialty", gettext_lazy("No department has this code."), "unknown"
        )
    now = clock.now()
    start = max(params.moment("start") or now, now)
    end = params.moment("end") or start + dt.timedelta(days=FIND_DEFAULT_DAYS)
    if end <= start or end - start > dt.timedelta(days=FIND_MAX_DAYS):
        raise InvalidInput.field(
            "end", gettext_lazy("End after the start, at most 92 days later."), "invalid_window"
        )
    channel = _channel(params.code("channel"), actor)
    count = params.integer("_count", FIND_DEFAULT_COUNT, FIND_MAX_COUNT)
    # Only sessions with a unit left in a pool the channel can draw on are worth a closer look
    # (which pools those are does not depend on the rules, only how far ahead they open).
    pools = SlotPool.objects.filter(
        slot__session=OuterRef("pk"),
        kind__in=list(pool_horizons(channel, now, DEFAULT_POLICY)),
        starts_at__gte=start,
        starts_at__lt=end,
    )
    free = availability.with_remaining(pools, now).filter(remaining__gt=0)
    sessions = ClinicSession.objects.filter(
        Exists(free),
        department_id__in=department_ids,
        status=SessionStatus.OPEN,
        starts_at__lt=end,
        ends_at__gt=start,
    )

    def keep(session: ClinicSession, view: SlotView) -> bool:
        return view.remaining > 0 and start <= view.starts_at < end

    found = _session_views(sessions, channel, keep, count)
    return fhir_response(
        fhir.searchset(
            [fhir.proposed_appointment(s, v) for s, v in found],
            base_url=_base_url(request),
            self_url=request.build_absolute_uri(),
        )
    )
