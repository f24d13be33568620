"""Every state change of the emergency domain, each one transaction with its audit row (D130):
taking a call (structured triage → priority), recommending and dispatching an ambulance (never
one twice, D133), the run's timestamps from the crew's phone (each once, in order), identifying
the patient before arrival, vital signs and the 12-lead ECG, the hospital's team activation and
green-channel milestones (a late one with its reason, D135) and the fees charged to billing
after treatment (D137). The reads the three pages need are here too, scoped: the dispatcher's
calls and ambulances are their centre's, the crew's runs their ambulances', the hospital's
arrivals those coming to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onetrip.billing.models import Charge, ChargeSource
from onetrip.billing.services import sources as billing_sources
from onetrip.billing.services.charges import ChargeRequest, create_charge
from onetrip.consortium.models import Institution
from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, FieldError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditAction
from onetrip.core.text import clean_free_text
from onetrip.emergency import clocks, triage
from onetrip.emergency.models import (
    RUN_TIMES,
    Ambulance,
    AmbulanceStatus,
    Call,
    CallStatus,
    Ecg,
    Milestone,
    ReceivingHospital,
    Run,
    VitalSigns,
    Zone,
)
from onetrip.emergency.routing import routing
from onetrip.identity import services as identity
from onetrip.identity.services import DocumentInput

DISPATCH = "emergency.dispatch_ambulances"
CREW = "emergency.crew_runs"
RECEIVE = "emergency.receive_patients"

# The moments the crew records, in order, after dispatch (the run's own columns).
CREW_MOMENTS = ("wheels_rolling", "on_scene", "leaving_scene", "at_hospital")
WAVEFORM_MAX_BYTES = 5 * 1024 * 1024
IMAGE_MAX_BYTES = 2 * 1024 * 1024
# The fees an emergency department charges after treatment (price catalogue codes).
FEE_ITEMS = ("EMG-AMBULANCE", "EMG-ECG", "EMG-PCI", "EMG-THROMBOLYSIS", "EMG-RESCUE")


def _centre(actor: Actor) -> int:
    """The caller's institution: every emergency role works for one."""
    if actor.institution_id is None:
        raise PermissionDenied(_("Your role does not allow this."))
    return actor.institution_id


def _user_id(actor: Actor) -> int | None:
    return actor.user.pk if actor.user is not None else None


class WrongState(DomainError):
    status = 409


class AmbulanceBusy(DomainError):
    status = 409


# --- taking a call --------------------------------------------------------------------------


@dataclass(frozen=True)
class CallIn:
    caller_phone: str
    zone_id: int
    address: str
    complaint: str
    answers: dict[str, bool] = field(default_factory=dict)
    caller_name: str = ""


def _text(errors: list[FieldError], name: str, value: str, most: int, required: bool) -> str:
    try:
        cleaned = clean_free_text(value or "", field=name)
    except InvalidInput as exc:
        errors.extend(exc.errors)
        return ""
    if required and not cleaned:
        errors.append(FieldError(name, _("This field is required."), "required"))
    if len(cleaned) > most:
        errors.append(FieldError(name, _("This is too long."), "too_long"))
    return cleaned


def take_call(call: CallIn, *, actor: Actor) -> Call:
    """A call answered at the centre: who, where (a zone of the centre and the address), what,
    and the triage answers that give its priority and green channel."""
    actor.require_perm(DISPATCH)
    # Another centre's zone is out of scope: 404, like any object of another institution (D107).
    zone = Zone.objects.filter(pk=call.zone_id, institution_id=_centre(actor)).first()
    if zone is None:
        raise NotFound(_("No such zone."))
    errors: list[FieldError] = []
    phone = "".join(ch for ch in (call.caller_phone or "") if ch.isdigit())
    if not 3 <= len(phone) <= 20:
        errors.append(FieldError("caller_phone", _("Enter the caller's phone number."), "invalid"))
    name = _text(errors, "caller_name", call.caller_name, 60, required=False)
    address = _text(errors, "address", call.address, 200, required=True)
    complaint = _text(errors, "complaint", call.complaint, 200, required=True)
    unknown = set(call.answers) - set(triage.QUESTION_CODES)
    if unknown:
        errors.append(FieldError("answers", _("Unknown triage question."), "invalid"))
    if errors:
        raise InvalidInput(*errors)
    return _create_call(actor, zone, phone, name, address, complaint, call.answers)


@transaction.atomic
def _create_call(
    actor: Actor,
    zone: Zone,
    phone: str,
    name: str,
    address: str,
    complaint: str,
    answers: dict[str, bool],
) -> Call:
    result = triage.triage(answers)
    created = Call.objects.create(
        institution_id=_centre(actor),
        received_at=clock.now(),
        caller_name=name,
        caller_phone=phone,
        zone=zone,
        address=address,
        complaint=complaint,
        triage=result.answers,
        priority=result.priority,
        channel=result.channel,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        created,
        summary=f"emergency call {created.pk} taken (priority {created.priority})",
    )
    return created


# --- recommending and dispatching -----------------------------------------------------------


@dataclass(frozen=True)
class Recommendation:
    ambulance: Ambulance
    minutes: int


def recommend(call: Call, *, limit: int = 3) -> list[Recommendation]:
    """The free ambulances of the call's centre, nearest first by road time from their base
    to the call's zone (ties: the call sign); an ambulance no road reaches is left out."""
    return recommend_all([call], limit=limit)[call.pk]


def recommend_all(calls: list[Call], *, limit: int = 3) -> dict[int, list[Recommendation]]:
    """`recommend` for many calls of one centre in two queries (the fleet, the road times):
    the board ranks every open call on each refresh."""
    if not calls:
        return {}
    free = list(
        Ambulance.objects.filter(
            institution_id=calls[0].institution_id, status=AmbulanceStatus.AVAILABLE
        ).order_by("call_sign")
    )
    times = routing().minutes(
        (a.base_zone_id, zone) for a in free for zone in {c.zone_id for c in calls}
    )
    ranked: dict[int, list[Recommendation]] = {}
    for call in calls:
        reachable = [
            Recommendation(a, times[(a.base_zone_id, call.zone_id)])
            for a in free
            if (a.base_zone_id, call.zone_id) in times
        ]
        reachable.sort(key=lambda r: (r.minutes, r.ambulance.call_sign))
        ranked[call.pk] = reachable[:limit]
    return ranked


def _call_for_update(call_id: int, actor: Actor) -> Call:
    call = (
        Call.objects.select_for_update().filter(pk=call_id, institution_id=_centre(actor)).first()
    )
    if call is None:
        raise NotFound(_("No such call."))
    if call.status != CallStatus.OPEN:
        raise WrongState(_("This call already has an ambulance, or was cancelled."))
    return call


def _take_ambulance(ambulance_id: int, institution_id: int) -> bool:
    """Mark the ambulance on a run if it is still free: one conditional UPDATE, so two
    dispatchers racing for it cannot both win (D133)."""
    return bool(
        Ambulance.objects.filter(
            pk=ambulance_id, institution_id=institution_id, status=AmbulanceStatus.AVAILABLE
        ).update(status=AmbulanceStatus.ON_RUN)
    )


def _start_run(call: Call, ambulance_id: int, actor: Actor) -> Run:
    run = Run.objects.create(call=call, ambulance_id=ambulance_id, dispatched_at=clock.now())
    Call.objects.filter(pk=call.pk).update(status=CallStatus.DISPATCHED)
    call.status = CallStatus.DISPATCHED
    audit.record(
        actor,
        AuditAction.CREATE,
        run,
        summary=f"ambulance {run.ambulance.call_sign} dispatched to call {call.pk}",
    )
    return run


@transaction.atomic
def dispatch(call_id: int, ambulance_id: int, *, actor: Actor) -> Run:
    """Send this ambulance to this call. The call row is locked (one dispatcher at a time per
    call, its state re-read under the lock); the ambulance is taken by a conditional UPDATE."""
    actor.require_perm(DISPATCH)
    call = _call_for_update(call_id, actor)
    if not _take_ambulance(ambulance_id, _centre(actor)):
        if not Ambulance.objects.filter(pk=ambulance_id, institution_id=_centre(actor)).exists():
            raise InvalidInput.field("ambulance_id", _("No such ambulance at this centre."))
        raise AmbulanceBusy(
            _("This ambulance was just sent elsewhere; choose another."), code="ambulance_busy"
        )
    return _start_run(call, ambulance_id, actor)


@transaction.atomic
def dispatch_nearest(call_id: int, *, actor: Actor) -> Run:
    """Send the nearest free ambulance. One that another dispatcher's transaction holds at this
    moment is passed over at once (`SKIP LOCKED`) for the next nearest rather than waited for:
    in a rush, waiting for each nearer one to be taken queues every dispatcher behind the first
    (D133). The one chosen is still taken by the conditional UPDATE."""
    actor.require_perm(DISPATCH)
    call = _call_for_update(call_id, actor)
    for choice in recommend(call, limit=1000):
        free = (
            Ambulance.objects.select_for_update(skip_locked=True)
            .filter(pk=choice.ambulance.pk, status=AmbulanceStatus.AVAILABLE)
            .values_list("pk", flat=True)
            .first()
        )
        if free and _take_ambulance(choice.ambulance.pk, _centre(actor)):
            return _start_run(call, choice.ambulance.pk, actor)
    raise AmbulanceBusy(_("No ambulance is free to reach this call."), code="none_free")


@transaction.atomic
def cancel_call(call_id: int, *, reason: str, actor: Actor) -> Call:
    """A call stood down (a duplicate, the caller called off, no patient found). A run under
    way is closed and its ambulance free again; its times stay as recorded."""
    actor.require_perm(DISPATCH)
    reason = _text(errors := list[FieldError](), "reason", reason, 200, required=True)
    if errors:
        raise InvalidInput(*errors)
    call = (
        Call.objects.select_for_update().filter(pk=call_id, institution_id=_centre(actor)).first()
    )
    if call is None:
        raise NotFound(_("No such call."))
    if call.status == CallStatus.CANCELLED:
        raise WrongState(_("This call was already cancelled."))
    run = Run.objects.select_for_update().filter(call=call).first()
    if run is not None:
        if run.at_hospital_at is not None:
            raise WrongState(_("The patient has been handed over; the run is complete."))
        Run.objects.filter(pk=run.pk).update(closed=True, cancelled=True)
        Ambulance.objects.filter(pk=run.ambulance_id).update(status=AmbulanceStatus.AVAILABLE)
    call.status, call.cancelled_at, call.cancel_reason = CallStatus.CANCELLED, clock.now(), reason
    call.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        call,
        patient_id=run.patient_id if run else None,
        summary=f"emergency call {call.pk} cancelled",
        changes={"reason": reason},
    )
    return call


# --- the crew's phone -----------------------------------------------------------------------


def _crew_runs(actor: Actor) -> QuerySet[Run]:
    actor.require_perm(CREW)
    return Run.objects.filter(ambulance__institution_id=_centre(actor))


def crew_runs(*, actor: Actor) -> list[Run]:
    """The runs under way of the crew's centre, newest first."""
    runs = _crew_runs(actor).filter(closed=False).select_related("call", "ambulance")
    return list(runs.order_by("-dispatched_at", "-pk"))


def _run_of_crew(run_id: int, actor: Actor, *, lock: bool = False) -> Run:
    runs = _crew_runs(actor).select_related("call", "ambulance")
    if lock:
        runs = runs.select_for_update(of=("self",))
    run = runs.filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No such run."))
    return run


def require_crew_run(run_id: int, *, actor: Actor) -> None:
    """404 unless the run is the crew's (a page checks before reading its form)."""
    _run_of_crew(run_id, actor)


def view_run_for_crew(run_id: int, *, actor: Actor) -> Run:
    run = _run_of_crew(run_id, actor)
    if run.patient_id:
        audit.record_staff_read(actor, run, patient_id=run.patient_id, summary=f"run {run.pk}")
    return run


@transaction.atomic
def record_moment(run_id: int, moment: str, *, actor: Actor) -> Run:
    """One of the run's timestamps, now: each once, each after the one before it. One
    conditional UPDATE decides (a double tap or two phones cannot write it twice)."""
    if moment not in CREW_MOMENTS:
        raise InvalidInput.field("moment", _("Choose a moment of the run."))
    run = _run_of_crew(run_id, actor)
    column = f"{moment}_at"
    before = RUN_TIMES[RUN_TIMES.index(column) - 1]
    changes: dict[str, object] = {column: clock.now()}
    if moment == "at_hospital":
        changes["closed"] = True
    written = Run.objects.filter(
        pk=run.pk, cancelled=False, **{f"{column}__isnull": True, f"{before}__isnull": False}
    ).update(**changes)
    run.refresh_from_db()
    if not written:
        raise _why_not_written(run, column, before)
    if moment == "at_hospital":
        Ambulance.objects.filter(pk=run.ambulance_id).update(status=AmbulanceStatus.AVAILABLE)
    audit.record(
        actor,
        AuditAction.UPDATE,
        run,
        patient_id=run.patient_id,
        summary=f"run {run.pk}: moment {moment}",
    )
    return run


def _why_not_written(run: Run, column: str, before: str) -> DomainError:
    if run.cancelled:
        return WrongState(_("This run was cancelled."), code="cancelled")
    if getattr(run, column) is not None:
        return WrongState(
            _("Already recorded at %(time)s.")
            % {"time": f"{timezone.localtime(getattr(run, column)):%H:%M:%S}"},
            code="already_recorded",
        )
    return WrongState(_("Record the earlier moments of the run first."), code="out_of_order")


@transaction.atomic
def choose_destination(run_id: int, institution_id: int, *, actor: Actor) -> Run:
    """The receiving hospital, which sees the run on its board from now on."""
    run = _run_of_crew(run_id, actor, lock=True)
    if not ReceivingHospital.objects.filter(institution_id=institution_id).exists():
        raise InvalidInput.field("destination", _("Choose a receiving hospital."))
    if run.closed:
        raise WrongState(_("This run is over."))
    run.destination_id = institution_id
    run.save(update_fields=["destination"])
    if run.patient_id:
        identity.affiliate_for_referral(run.patient_id, institution_id)
    audit.record(
        actor,
        AuditAction.UPDATE,
        run,
        patient_id=run.patient_id,
        summary=f"run {run.pk}: heading to institution {institution_id}",
    )
    return run


def _bring_into_scope(run: Run, actor: Actor) -> None:
    assert run.patient_id is not None
    for institution_id in {_centre(actor), run.destination_id} - {None}:
        identity.affiliate_for_referral(run.patient_id, institution_id)  # type: ignore[arg-type]


@transaction.atomic
def identify_patient(run_id: int, doc_type: str, number: str, *, actor: Actor) -> Run:
    """The crew reads the patient's ID card or e-health card (identity's validation and
    look-up); the receiving hospital may read the record before the door."""
    run = _run_of_crew(run_id, actor, lock=True)
    if doc_type not in ("resident_id", "e_health_card"):
        raise InvalidInput.field("doc_type", _("Choose an ID card or an e-health card."))
    if run.patient_id and not run.patient_unidentified:
        raise WrongState(_("The patient is already identified."), code="already_identified")
    patient = identity.patient_for_emergency(DocumentInput(doc_type, number), _centre(actor))
    run.patient, run.patient_unidentified = patient, False
    run.save(update_fields=["patient", "patient_unidentified"])
    _bring_into_scope(run, actor)
    audit.record(
        actor,
        AuditAction.UPDATE,
        run,
        patient_id=patient.pk,
        summary=f"run {run.pk}: patient identified by {doc_type}",
    )
    return run


@transaction.atomic
def register_unknown_patient(run_id: int, *, sex: str, actor: Actor) -> Run:
    """No document at hand: an unknown-patient placeholder record (无名氏) named after the run,
    filed in the master patient index, to be merged with the real record there later."""
    run = _run_of_crew(run_id, actor, lock=True)
    if run.patient_id:
        raise WrongState(_("The run already has a patient record."), code="already_identified")
    label = f"无名氏-{timezone.localtime(run.dispatched_at):%Y%m%d}-{run.pk}"
    patient = identity.register_unidentified_patient(
        label=label, sex=sex, institution_id=_centre(actor)
    )
    run.patient, run.patient_unidentified = patient, True
    run.save(update_fields=["patient", "patient_unidentified"])
    _bring_into_scope(run, actor)
    audit.record(
        actor,
        AuditAction.CREATE,
        run,
        patient_id=patient.pk,
        summary=f"run {run.pk}: unknown-patient record registered",
    )
    return run


@dataclass(frozen=True)
class VitalsIn:
    heart_rate: int
    systolic: int
    diastolic: int
    spo2: int
    respiratory_rate: int
    gcs: int


VITAL_RANGES = {
    "heart_rate": (0, 300),
    "systolic": (0, 300),
    "diastolic": (0, 200),
    "spo2": (0, 100),
    "respiratory_rate": (0, 80),
    "gcs": (3, 15),
}


@transaction.atomic
def record_vitals(run_id: int, vitals: VitalsIn, *, actor: Actor) -> VitalSigns:
    errors = [
        FieldError(name, _("Out of the possible range."), "range")
        for name, (low, high) in VITAL_RANGES.items()
        if not isinstance(getattr(vitals, name), int) or not low <= getattr(vitals, name) <= high
    ]
    if errors:
        raise InvalidInput(*errors)
    run = _run_of_crew(run_id, actor)
    taken = VitalSigns.objects.create(run=run, taken_at=clock.now(), **vitals.__dict__)
    audit.record(
        actor,
        AuditAction.CREATE,
        taken,
        patient_id=run.patient_id,
        summary=f"run {run.pk}: vital signs sent",
    )
    return taken


def waveform_format(name: str, content: bytes) -> str:
    """The ECG waveform's format from its content: HL7 aECG (XML), DICOM, or SCP-ECG; the
    name's extension must agree."""
    lowered = name.lower()
    if (
        lowered.endswith(".xml")
        and content.lstrip().startswith(b"<")
        and b"AnnotatedECG" in content
    ):
        return "hl7-aecg"
    if lowered.endswith(".dcm") and content[128:132] == b"DICM":
        return "dicom"
    if lowered.endswith(".scp") and len(content) >= 128:
        return "scp-ecg"
    return ""


def image_type(content: bytes) -> str:
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    return ""


def _check_ecg(waveform_name: str, waveform: bytes, image: bytes) -> tuple[str, str]:
    errors = []
    kind = waveform_format(waveform_name, waveform)
    if not waveform or len(waveform) > WAVEFORM_MAX_BYTES:
        errors.append(FieldError("waveform", _("The waveform file must be up to 5 MB."), "size"))
    elif not kind:
        errors.append(
            FieldError(
                "waveform",
                _("Send the waveform as HL7 aECG (.xml), DICOM (.dcm) or SCP-ECG (.scp)."),
                "type",
            )
        )
    picture = image_type(image)
    if not image or len(image) > IMAGE_MAX_BYTES:
        errors.append(FieldError("image", _("The ECG image must be up to 2 MB."), "size"))
    elif not picture:
        errors.append(FieldError("image", _("Send the ECG image as PNG or JPEG."), "type"))
    if errors:
        raise InvalidInput(*errors)
    return kind, picture


@transaction.atomic
def send_ecg(
    run_id: int, *, waveform_name: str, waveform: bytes, image: bytes, actor: Actor
) -> Ecg:
    """A 12-lead ECG from the ambulance. The first one is the chest-pain timeline's first ECG."""
    kind, picture = _check_ecg(waveform_name, waveform, image)
    run = _run_of_crew(run_id, actor)
    now = clock.now()
    ecg = Ecg.objects.create(
        run=run,
        recorded_at=now,
        waveform_name=waveform_name[-100:],
        waveform_format=kind,
        waveform=waveform,
        image_type=picture,
        image=image,
    )
    if not Milestone.objects.filter(run=run, code="ecg").exists():
        Milestone.objects.create(
            run=run, code="ecg", occurred_at=now, recorded_by_id=_user_id(actor)
        )
    audit.record(
        actor, AuditAction.CREATE, ecg, patient_id=run.patient_id, summary=f"run {run.pk}: ECG sent"
    )
    return ecg


# --- the receiving hospital -----------------------------------------------------------------


def _arrivals(actor: Actor) -> QuerySet[Run]:
    actor.require_perm(RECEIVE)
    return Run.objects.filter(destination_id=_centre(actor), cancelled=False)


@dataclass(frozen=True)
class Arrival:
    run: Run
    expected_at: dt.datetime | None
    vitals: VitalSigns | None
    ecg_id: int | None
    clocks: list[clocks.ClockState]
    milestones: dict[str, Milestone]


def expected_arrival(run: Run, now: dt.datetime) -> dt.datetime | None:
    """When the ambulance should be at the door: the road time from the scene's zone to the
    hospital's, from leaving the scene (or from now while still there)."""
    if run.at_hospital_at is not None:
        return run.at_hospital_at
    if run.destination_id is None:
        return None
    hospital = ReceivingHospital.objects.filter(institution_id=run.destination_id).first()
    if hospital is None:
        return None
    pair = (run.call.zone_id, hospital.zone_id)
    minutes = routing().minutes([pair]).get(pair)
    if minutes is None:
        return None
    return (run.leaving_scene_at or now) + dt.timedelta(minutes=minutes)


def moments(run: Run, milestones: dict[str, Milestone]) -> dict[str, dt.datetime]:
    found = {code: m.occurred_at for code, m in milestones.items()}
    found[clocks.CALL] = run.call.received_at
    if run.on_scene_at:
        found[clocks.FIRST_CONTACT] = run.on_scene_at
    if run.at_hospital_at:
        found[clocks.DOOR] = run.at_hospital_at
    return found


def _arrival(run: Run, now: dt.datetime) -> Arrival:
    milestones = {m.code: m for m in run.milestones.all()}
    ecg = run.ecgs.values_list("pk", flat=True).first()
    return Arrival(
        run=run,
        expected_at=expected_arrival(run, now),
        vitals=run.vitals.first(),
        ecg_id=ecg,
        clocks=clocks.clock_states(run.call.channel, moments(run, milestones), now),
        milestones=milestones,
    )


def arrivals_board(*, actor: Actor, hours: int = 12) -> list[Arrival]:
    """Runs coming to this hospital, and those arrived in the last `hours`, soonest first."""
    now = clock.now()
    runs = (
        _arrivals(actor)
        .filter(
            Q(at_hospital_at__isnull=True) | Q(at_hospital_at__gte=now - dt.timedelta(hours=hours))
        )
        .select_related("call", "ambulance", "patient")
        .prefetch_related("milestones", "vitals")
        .order_by("at_hospital_at", "-call__priority", "dispatched_at")
    )
    found = [_arrival(run, now) for run in runs]
    found.sort(key=lambda a: (a.run.at_hospital_at is not None, a.expected_at or now))
    return found


def _arrival_run(run_id: int, actor: Actor, *, lock: bool = False) -> Run:
    runs = _arrivals(actor).select_related("call", "ambulance", "patient")
    if lock:
        runs = runs.select_for_update(of=("self",))
    run = runs.filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("No such arrival."))
    return run


def require_arrival(run_id: int, *, actor: Actor) -> None:
    """404 unless the run is coming to the caller's hospital."""
    _arrival_run(run_id, actor)


def view_arrival(run_id: int, *, actor: Actor) -> Arrival:
    run = _arrival_run(run_id, actor)
    if run.patient_id:
        audit.record_staff_read(
            actor, run, patient_id=run.patient_id, summary=f"emergency arrival {run.pk}"
        )
    return _arrival(run, clock.now())


def ecg_for(ecg_id: int, *, actor: Actor) -> Ecg:
    """An ECG for the receiving hospital or the crew that sent it."""
    ecg = Ecg.objects.select_related("run__ambulance").filter(pk=ecg_id).first()
    allowed = ecg is not None and (
        (actor.has_perm(RECEIVE) and ecg.run.destination_id == _centre(actor))
        or (actor.has_perm(CREW) and ecg.run.ambulance.institution_id == _centre(actor))
    )
    if not allowed:
        if not (actor.has_perm(RECEIVE) or actor.has_perm(CREW)):
            actor.require_perm(RECEIVE)
        raise NotFound(_("No such ECG."))
    assert ecg is not None
    if ecg.run.patient_id:
        audit.record_staff_read(
            actor, ecg, patient_id=ecg.run.patient_id, summary=f"run {ecg.run_id}: ECG"
        )
    return ecg


@transaction.atomic
def record_milestone(
    run_id: int,
    code: str,
    *,
    at: dt.datetime | None = None,
    delay_reason: str = "",
    actor: Actor,
) -> Milestone:
    """A moment of the green-channel timeline, once. One that ends a clock past its target is
    refused without the delay's reason (D135). Team activation may come before the door."""
    if code not in clocks.RECORDED:
        raise InvalidInput.field("code", _("Choose a milestone of the timeline."))
    run = _arrival_run(run_id, actor, lock=True)
    now = clock.now()
    at = at or now
    if at > now or at < run.call.received_at:
        raise InvalidInput.field("at", _("The time must be between the call and now."))
    reason = _text(errors := list[FieldError](), "delay_reason", delay_reason, 200, required=False)
    if errors:
        raise InvalidInput(*errors)
    milestones = {m.code: m for m in run.milestones.all()}
    if code in milestones:
        raise WrongState(_("This milestone is already recorded."), code="already_recorded")
    late = clocks.clocks_ending_late(run.call.channel, moments(run, milestones), code, at)
    if late and not reason:
        raise InvalidInput.field(
            "delay_reason",
            _("%(clock)s is past its target of %(minutes)s minutes: give the reason for the delay.")
            % {"clock": late[0].label, "minutes": late[0].target_minutes},
            "delay_reason_required",
        )
    try:
        with transaction.atomic():
            milestone = Milestone.objects.create(
                run=run,
                code=code,
                occurred_at=at,
                recorded_by_id=_user_id(actor),
                delay_reason=reason,
            )
    except IntegrityError:
        raise WrongState(
            _("This milestone is already recorded."), code="already_recorded"
        ) from None
    audit.record(
        actor,
        AuditAction.CREATE,
        milestone,
        patient_id=run.patient_id,
        summary=f"run {run.pk}: milestone {code}" + (" (late)" if late else ""),
        changes={"delay_reason": reason} if reason else None,
    )
    return milestone


def activate_team(run_id: int, *, actor: Actor) -> Milestone:
    """The receiving team (cath lab, stroke, trauma …) called in, usually before the door."""
    return record_milestone(run_id, "team_activated", actor=actor)


def visit_reference(run: Run) -> str:
    return f"EMG{run.pk:07d}"


@transaction.atomic
def charge_fee(run_id: int, item_code: str, *, quantity: int = 1, actor: Actor) -> Charge:
    """Treatment first, payment after (D137): the emergency department charges what was done to
    the run's visit bill (billing, source EMERGENCY); nothing waited for payment, and the bill
    is settled afterwards at the cashier like any other."""
    if item_code not in FEE_ITEMS:
        raise InvalidInput.field("item_code", _("Choose an emergency fee."))
    run = _arrival_run(run_id, actor, lock=True)
    if run.patient_id is None:
        raise WrongState(_("Identify the patient first."), code="no_patient")
    count = Charge.objects.filter(
        bill__visit_reference=visit_reference(run), code=item_code
    ).count()
    charge = create_charge(
        ChargeRequest(
            patient_id=run.patient_id,
            institution_id=_centre(actor),
            visit_reference=visit_reference(run),
            item_code=item_code,
            quantity=quantity,
            source=ChargeSource.EMERGENCY,
            source_key=f"emergency:{run.pk}:{item_code}:{count + 1}",
        ),
        actor=actor,
    )
    audit.record(
        actor,
        AuditAction.UPDATE,
        run,
        patient_id=run.patient_id,
        summary=f"run {run.pk}: fee {item_code} charged after treatment",
    )
    return charge


@dataclass(frozen=True)
class FeeLine:
    code: str
    name: str
    amount_fen: int
    paid: bool


def fees_of(run: Run) -> list[FeeLine]:
    lines = []
    for charge in Charge.objects.filter(
        source=ChargeSource.EMERGENCY, source_key__startswith=f"emergency:{run.pk}:"
    ).order_by("pk"):
        state = billing_sources.charge_state(charge.source_key)
        lines.append(
            FeeLine(charge.code, charge.name, charge.amount_fen, bool(state and state.paid))
        )
    return lines


# --- the dispatcher's board -----------------------------------------------------------------


@dataclass(frozen=True)
class OpenCall:
    call: Call
    recommendations: list[Recommendation]


@dataclass(frozen=True)
class Board:
    open_calls: list[OpenCall]
    runs: list[Run]
    ambulances: list[Ambulance]
    zones: list[Zone]
    hospitals: list[Institution]


def board(*, actor: Actor) -> Board:
    actor.require_perm(DISPATCH)
    calls = Call.objects.filter(institution_id=_centre(actor), status=CallStatus.OPEN)
    calls = calls.select_related("zone").order_by("priority", "received_at", "pk")
    runs = (
        Run.objects.filter(call__institution_id=_centre(actor), closed=False)
        .select_related("call", "ambulance", "destination")
        .order_by("dispatched_at", "pk")
    )
    waiting = list(calls)
    ranked = recommend_all(waiting)
    return Board(
        open_calls=[OpenCall(call, ranked[call.pk]) for call in waiting],
        runs=list(runs),
        ambulances=list(
            Ambulance.objects.filter(institution_id=_centre(actor))
            .select_related("base_zone")
            .order_by("call_sign")
        ),
        zones=centre_zones(actor=actor),
        hospitals=receiving_hospitals(),
    )


def centre_zones(*, actor: Actor) -> list[Zone]:
    actor.require_perm(DISPATCH)
    return list(Zone.objects.filter(institution_id=_centre(actor)).order_by("code"))


def receiving_hospitals() -> list[Institution]:
    ids = ReceivingHospital.objects.values("institution_id")
    return list(Institution.objects.filter(pk__in=ids).order_by("code"))
