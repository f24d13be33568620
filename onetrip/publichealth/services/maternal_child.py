"""Mother and child (互联网+母子健康, R-PH-2, D185–D187).

A community or township institution registers a pregnancy (建册: LMP, the due date computed,
gravida and para); the antenatal checks of the schedule (`mch_schedule`) are booked through
scheduling at the institution's maternal-child clinic (department code MCH) from the mother's
phone or at the desk, reminded the day before by scheduling's reminder and, while unbooked, by
`send_mch_reminders`; the clinic records each check, grades the pregnancy's risk in the five
colours (orange and red with a referral to a higher-level hospital), the delivery and the two
postnatal visits. Children's checks 0–6 are booked the same way and record weight, length or
height and head circumference, shown to the parents as WHO growth charts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Department
from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.identity import services as identity
from onetrip.identity.models import Patient
from onetrip.notifications import services as notifications
from onetrip.publichealth import growth, mch_schedule
from onetrip.publichealth.models import (
    AntenatalCheck,
    ChildCheck,
    PostnatalKind,
    PostnatalVisit,
    Pregnancy,
    RiskColour,
    RiskFlag,
)
from onetrip.publichealth.services.common import WrongState, require_staff, staff_site
from onetrip.scheduling.models import BookingChannel
from onetrip.scheduling.services.availability import next_available
from onetrip.scheduling.services.booking import BookingRequest, book_slot

MANAGE = "publichealth.manage_maternal_child"
# 孕产妇/儿童保健门诊: a scheduling department with this code at the institution.
MCH_DEPARTMENT_CODE = "MCH"
REFERRED_COLOURS = frozenset({RiskColour.ORANGE, RiskColour.RED})
CHILD_YEARS_OF_CARE = 7
# Remind the family of a check whose window opens within this many days and that is unbooked.
REMIND_AHEAD = dt.timedelta(days=7)


# --- registration, risk, delivery -----------------------------------------------------------


@transaction.atomic
def register_pregnancy(
    *, patient_id: int, last_period: dt.date, gravida: int, para: int, actor: Actor
) -> Pregnancy:
    require_staff(actor, MANAGE)
    patient = identity.accessible_patients(actor).filter(pk=patient_id, sex="female").first()
    today = clock.today()
    errors: list[FieldError] = []
    if patient is None:
        errors.append(FieldError("patient_id", _("Choose the mother."), "invalid_choice"))
    if last_period is None or not (
        today - dt.timedelta(days=mch_schedule.PREGNANCY_DAYS + 14) <= last_period <= today
    ):
        errors.append(
            FieldError("last_period", _("Give the first day of the last period."), "invalid")
        )
    if not isinstance(gravida, int) or not 1 <= gravida <= 20:
        errors.append(FieldError("gravida", _("From 1 to 20."), "out_of_range"))
    elif not isinstance(para, int) or not 0 <= para < gravida:
        errors.append(FieldError("para", _("Fewer births than pregnancies."), "out_of_range"))
    if errors:
        raise InvalidInput(*errors)
    assert patient is not None
    if Pregnancy.objects.filter(patient=patient, delivered_on__isnull=True).exists():
        raise InvalidInput.field("patient_id", _("She already has an open record."), "duplicate")
    pregnancy = Pregnancy.objects.create(
        institution_id=staff_site(actor),
        patient=patient,
        last_period=last_period,
        due_date=mch_schedule.due_date(last_period),
        gravida=gravida,
        para=para,
        registered_at=clock.now(),
        registered_by=actor.label,
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        pregnancy,
        patient_id=patient.pk,
        summary=f"pregnancy registered at day {mch_schedule.pregnancy_day(last_period, today)}",
    )
    return pregnancy


def _own_pregnancy(pregnancy_id: int, actor: Actor, *, lock: bool = False) -> Pregnancy:
    found = Pregnancy.objects.filter(pk=pregnancy_id, institution_id=staff_site(actor))
    pregnancy = (found.select_for_update() if lock else found).first()
    if pregnancy is None:
        raise NotFound(_("No such pregnancy record."))
    return pregnancy


@transaction.atomic
def flag_risk(
    pregnancy_id: int, *, colour: str, factor: str, referral_note: str, actor: Actor
) -> RiskFlag:
    """Grade the pregnancy's risk; orange and red are referred to a higher-level hospital."""
    require_staff(actor, MANAGE)
    pregnancy = _own_pregnancy(pregnancy_id, actor)
    factor, referral_note = (factor or "").strip(), (referral_note or "").strip()
    errors: list[FieldError] = []
    if colour not in RiskColour.values:
        errors.append(FieldError("colour", _("Choose the colour."), "invalid_choice"))
    if not factor or len(factor) > 200:
        errors.append(FieldError("factor", _("Name the risk factor."), "required"))
    if colour in REFERRED_COLOURS and not referral_note:
        errors.append(
            FieldError(
                "referral_note", _("Orange and red need a referral note."), "referral_required"
            )
        )
    if len(referral_note) > 300:
        errors.append(FieldError("referral_note", _("At most 300 characters."), "too_long"))
    if errors:
        raise InvalidInput(*errors)
    flag = RiskFlag.objects.create(
        pregnancy=pregnancy,
        colour=colour,
        factor=factor,
        referral_note=referral_note,
        flagged_by=actor.label,
        flagged_at=clock.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        flag,
        patient_id=pregnancy.patient_id,
        summary=f"pregnancy risk graded {colour}",
    )
    return flag


def current_risk(pregnancy: Pregnancy) -> RiskFlag | None:
    return RiskFlag.objects.filter(pregnancy=pregnancy).order_by("-flagged_at", "-pk").first()


def _vitals_errors(**values: int | None) -> list[FieldError]:
    limits = {"systolic": (50, 260), "diastolic": (30, 160), "weight_grams": (30000, 200000)}
    return [
        FieldError(name, _("Out of range."), "out_of_range")
        for name, value in values.items()
        if value is not None and not limits[name][0] <= value <= limits[name][1]
    ]


@transaction.atomic
def record_antenatal_check(
    pregnancy_id: int,
    *,
    number: int,
    notes: str,
    systolic: int | None,
    diastolic: int | None,
    weight_grams: int | None,
    actor: Actor,
) -> AntenatalCheck:
    require_staff(actor, MANAGE)
    pregnancy = _own_pregnancy(pregnancy_id, actor, lock=True)
    notes = (notes or "").strip()
    errors = _vitals_errors(systolic=systolic, diastolic=diastolic, weight_grams=weight_grams)
    if number not in mch_schedule.CHECK_NUMBERS:
        errors.append(FieldError("number", _("No such check of the schedule."), "invalid_choice"))
    if not notes or len(notes) > 1000:
        errors.append(FieldError("notes", _("Write the findings."), "required"))
    if pregnancy.delivered_on is not None:
        raise WrongState(_("The baby is already born."), code="delivered")
    if errors:
        raise InvalidInput(*errors)
    check, _created = AntenatalCheck.objects.get_or_create(pregnancy=pregnancy, number=number)
    if check.done_at is not None:
        raise WrongState(_("This check is already recorded."), code="already_done")
    now = clock.now()
    check.done_at = now
    check.weeks = mch_schedule.pregnancy_day(pregnancy.last_period, clock.today()) // 7
    check.notes, check.recorded_by = notes, actor.label
    check.systolic, check.diastolic, check.weight_grams = systolic, diastolic, weight_grams
    check.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        check,
        patient_id=pregnancy.patient_id,
        summary=f"antenatal check {number} recorded",
    )
    return check


@transaction.atomic
def record_delivery(pregnancy_id: int, *, delivered_on: dt.date, actor: Actor) -> Pregnancy:
    require_staff(actor, MANAGE)
    pregnancy = _own_pregnancy(pregnancy_id, actor, lock=True)
    if pregnancy.delivered_on is not None:
        raise WrongState(_("The delivery is already recorded."), code="already_done")
    if delivered_on is None or not pregnancy.last_period < delivered_on <= clock.today():
        raise InvalidInput.field("delivered_on", _("Give the day of the birth."), "invalid")
    pregnancy.delivered_on = delivered_on
    pregnancy.save(update_fields=["delivered_on"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        pregnancy,
        patient_id=pregnancy.patient_id,
        summary="delivery recorded",
    )
    return pregnancy


@transaction.atomic
def record_postnatal_visit(
    pregnancy_id: int, *, kind: str, notes: str, actor: Actor
) -> PostnatalVisit:
    require_staff(actor, MANAGE)
    pregnancy = _own_pregnancy(pregnancy_id, actor, lock=True)
    if pregnancy.delivered_on is None:
        raise WrongState(_("Record the delivery first."), code="not_delivered")
    notes = (notes or "").strip()
    errors: list[FieldError] = []
    if kind not in PostnatalKind.values:
        errors.append(FieldError("kind", _("Choose the kind."), "invalid_choice"))
    if not notes or len(notes) > 1000:
        errors.append(FieldError("notes", _("Write the findings."), "required"))
    if errors:
        raise InvalidInput(*errors)
    try:
        with transaction.atomic():
            visit = PostnatalVisit.objects.create(
                pregnancy=pregnancy,
                kind=kind,
                done_at=clock.now(),
                notes=notes,
                recorded_by=actor.label,
            )
    except IntegrityError:
        raise WrongState(_("This visit is already recorded."), code="already_done") from None
    audit.record(
        actor,
        AuditAction.CREATE,
        visit,
        patient_id=pregnancy.patient_id,
        summary=f"postnatal {kind} recorded",
    )
    return visit


# --- children -------------------------------------------------------------------------------


def _is_young_child(patient: Patient, today: dt.date) -> bool:
    return patient.birth_date > mch_schedule.child_check_day(today, -12 * CHILD_YEARS_OF_CARE)


@transaction.atomic
def record_child_check(
    *,
    patient_id: int,
    age_months: int,
    weight_grams: int,
    length_mm: int,
    head_mm: int | None,
    notes: str,
    actor: Actor,
) -> ChildCheck:
    require_staff(actor, MANAGE)
    child = identity.accessible_patients(actor).filter(pk=patient_id).first()
    today = clock.today()
    notes = (notes or "").strip()
    errors: list[FieldError] = []
    if child is None or not _is_young_child(child, today):
        errors.append(FieldError("patient_id", _("Choose a child under seven."), "invalid_choice"))
    if age_months not in mch_schedule.CHILD_CHECK_MONTHS:
        errors.append(FieldError("age_months", _("No such check of the schedule."), "invalid"))
    if not isinstance(weight_grams, int) or not 500 <= weight_grams <= 40000:
        errors.append(FieldError("weight_grams", _("Out of range."), "out_of_range"))
    if not isinstance(length_mm, int) or not 300 <= length_mm <= 1400:
        errors.append(FieldError("length_mm", _("Out of range."), "out_of_range"))
    if head_mm is not None and not 250 <= head_mm <= 600:
        errors.append(FieldError("head_mm", _("Out of range."), "out_of_range"))
    if len(notes) > 1000:
        errors.append(FieldError("notes", _("At most 1000 characters."), "too_long"))
    if errors:
        raise InvalidInput(*errors)
    assert child is not None
    check, _created = ChildCheck.objects.select_for_update().get_or_create(
        patient=child, age_months=age_months, defaults={"institution_id": staff_site(actor)}
    )
    if check.done_at is not None:
        raise WrongState(_("This check is already recorded."), code="already_done")
    check.institution_id = staff_site(actor)
    check.done_at = clock.now()
    check.weight_grams, check.length_mm, check.head_mm = weight_grams, length_mm, head_mm
    check.notes, check.recorded_by = notes, actor.label
    check.save()
    audit.record(
        actor,
        AuditAction.UPDATE,
        check,
        patient_id=child.pk,
        summary=f"child check at {age_months} months recorded",
    )
    return check


# --- booking ----------------------------------------------------------------------------------


def open_times(*, now: dt.datetime, limit: int = 12):
    """The next free times of every maternal-child clinic."""
    departments = list(
        Department.objects.filter(code=MCH_DEPARTMENT_CODE).values_list("pk", flat=True)
    )
    if not departments:
        return []
    return next_available(
        department_ids=departments, channel=BookingChannel.APP, now=now, limit=limit
    )


def _book(patient_id: int, slot_id: int, actor: Actor):
    channel = BookingChannel.APP if actor.kind == ActorKind.PATIENT else BookingChannel.WINDOW
    return book_slot(
        BookingRequest(patient_id=patient_id, slot_id=slot_id, channel=channel), actor=actor
    )


def _pregnancy_for(pregnancy_id: int, actor: Actor) -> Pregnancy:
    found = Pregnancy.objects.filter(pk=pregnancy_id)
    if actor.kind == ActorKind.PATIENT:
        found = found.filter(patient_id__in=identity.accessible_patients(actor).values("pk"))
    else:
        require_staff(actor, MANAGE)
        found = found.filter(institution_id=staff_site(actor))
    pregnancy = found.select_for_update().first()
    if pregnancy is None:
        raise NotFound(_("No such pregnancy record."))
    return pregnancy


@transaction.atomic
def book_antenatal_check(
    *, pregnancy_id: int, number: int, slot_id: int, actor: Actor
) -> AntenatalCheck:
    """Book a check of the schedule at a maternal-child clinic's slot (scheduling books it and
    sends the confirmation and, the day before, the reminder)."""
    pregnancy = _pregnancy_for(pregnancy_id, actor)
    if number not in mch_schedule.CHECK_NUMBERS:
        raise InvalidInput.field("number", _("No such check of the schedule."), "invalid_choice")
    if pregnancy.delivered_on is not None:
        raise WrongState(_("The baby is already born."), code="delivered")
    check, _created = AntenatalCheck.objects.get_or_create(pregnancy=pregnancy, number=number)
    if check.done_at is not None or check.appointment_id is not None:
        raise WrongState(_("This check is already booked."), code="already_booked")
    check.appointment = _book(pregnancy.patient_id, slot_id, actor)
    check.save(update_fields=["appointment"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        check,
        patient_id=pregnancy.patient_id,
        summary=f"antenatal check {number} booked",
    )
    return check


@transaction.atomic
def book_child_check(*, patient_id: int, age_months: int, slot_id: int, actor: Actor) -> ChildCheck:
    if actor.kind != ActorKind.PATIENT:
        require_staff(actor, MANAGE)
    child = identity.accessible_patients(actor).filter(pk=patient_id).first()
    if child is None or not _is_young_child(child, clock.today()):
        raise InvalidInput.field("patient_id", _("Choose a child under seven."), "invalid_choice")
    if age_months not in mch_schedule.CHILD_CHECK_MONTHS:
        raise InvalidInput.field("age_months", _("No such check of the schedule."), "invalid")
    appointment = _book(child.pk, slot_id, actor)
    check, created = ChildCheck.objects.select_for_update().get_or_create(
        patient=child,
        age_months=age_months,
        defaults={"institution_id": appointment.session.institution_id},
    )
    if not created and (check.done_at is not None or check.appointment_id is not None):
        raise WrongState(_("This check is already booked."), code="already_booked")
    check.appointment = appointment
    check.institution_id = appointment.session.institution_id
    check.save(update_fields=["appointment", "institution"])
    audit.record(
        actor,
        AuditAction.UPDATE,
        check,
        patient_id=child.pk,
        summary=f"child check at {age_months} months booked",
    )
    return check


# --- reading: the desk ------------------------------------------------------------------------


def desk_pregnancies(*, actor: Actor) -> list[Pregnancy]:
    require_staff(actor, MANAGE)
    found = list(
        Pregnancy.objects.filter(institution_id=staff_site(actor), delivered_on__isnull=True)
        .select_related("patient")
        .order_by("due_date", "pk")[:200]
    )
    with transaction.atomic():
        for pregnancy in found:
            audit.record(
                actor,
                AuditAction.VIEW,
                pregnancy,
                patient_id=pregnancy.patient_id,
                summary="pregnancy records listed",
            )
    return found


@dataclass(frozen=True)
class PregnancyCard:
    pregnancy: Pregnancy
    windows: list[mch_schedule.DueCheck]
    checks: dict[int, AntenatalCheck]
    risks: list[RiskFlag]
    postnatal: list[PostnatalVisit]
    day: int

    @property
    def weeks(self) -> str:
        weeks, days = divmod(self.day, 7)
        return f"{weeks}+{days}"

    @property
    def risk(self) -> RiskFlag | None:
        return self.risks[0] if self.risks else None

    @property
    def rows(self) -> list[tuple[mch_schedule.DueCheck, AntenatalCheck | None]]:
        return [(w, self.checks.get(w.number)) for w in self.windows]


def _card(pregnancy: Pregnancy) -> PregnancyCard:
    return PregnancyCard(
        pregnancy,
        mch_schedule.antenatal_windows(pregnancy.last_period),
        {
            c.number: c
            for c in AntenatalCheck.objects.filter(pregnancy=pregnancy).select_related(
                "appointment__slot"
            )
        },
        list(RiskFlag.objects.filter(pregnancy=pregnancy).order_by("-flagged_at", "-pk")),
        list(PostnatalVisit.objects.filter(pregnancy=pregnancy).order_by("done_at")),
        mch_schedule.pregnancy_day(pregnancy.last_period, clock.today()),
    )


def pregnancy_for_staff(pregnancy_id: int, *, actor: Actor) -> PregnancyCard:
    require_staff(actor, MANAGE)
    pregnancy = Pregnancy.objects.filter(
        pk=pregnancy_id, institution_id=staff_site(actor)
    ).select_related("patient")
    found = pregnancy.first()
    if found is None:
        raise NotFound(_("No such pregnancy record."))
    audit.record_staff_read(
        actor, found, patient_id=found.patient_id, summary="pregnancy record read"
    )
    return _card(found)


@dataclass(frozen=True)
class ChildCard:
    patient: Patient
    checks: list[ChildCheck]
    due: list[tuple[int, dt.date]]
    charts: list[growth.Chart]


def _child_card(child: Patient) -> ChildCard:
    checks = list(
        ChildCheck.objects.filter(patient=child)
        .select_related("appointment__slot")
        .order_by("age_months")
    )
    taken = {c.age_months for c in checks}
    today = clock.today()
    due = [
        (months, mch_schedule.child_check_day(child.birth_date, months))
        for months in mch_schedule.CHILD_CHECK_MONTHS
        if months not in taken
        and mch_schedule.child_check_day(child.birth_date, months) >= today - REMIND_AHEAD
    ][:3]
    return ChildCard(child, checks, due, growth_charts(child, checks))


def growth_charts(child: Patient, checks: list[ChildCheck]) -> list[growth.Chart]:
    done = [c for c in checks if c.done_at is not None]

    def at(check: ChildCheck) -> float:
        return growth.age_in_months(child.birth_date, timezone.localtime(check.done_at).date())

    weights = [(at(c), c.weight_grams / 1000) for c in done if c.weight_grams]
    statures = [(at(c), c.length_mm / 10) for c in done if c.length_mm]
    return [
        growth.chart(
            growth.Measure.WEIGHT, child.sex, weights, title=str(_("Weight-for-age")), unit="kg"
        ),
        growth.chart(
            growth.Measure.STATURE,
            child.sex,
            statures,
            title=str(_("Length/height-for-age")),
            unit="cm",
        ),
    ]


def child_for_staff(patient_id: int, *, actor: Actor) -> ChildCard:
    require_staff(actor, MANAGE)
    child = identity.accessible_patients(actor).filter(pk=patient_id).first()
    if child is None or not _is_young_child(child, clock.today()):
        raise NotFound(_("No such child."))
    audit.record_staff_read(actor, child, patient_id=child.pk, summary="child health record read")
    return _child_card(child)


# --- reading: the phone -----------------------------------------------------------------------


def pregnancies_of(actor: Actor) -> list[PregnancyCard]:
    patients = identity.accessible_patients(actor).values("pk")
    return [
        _card(p)
        for p in Pregnancy.objects.filter(patient_id__in=patients)
        .select_related("patient", "institution")
        .order_by("-registered_at")[:5]
    ]


def pregnancy_for_patient(pregnancy_id: int, *, actor: Actor) -> PregnancyCard:
    patients = identity.accessible_patients(actor).values("pk")
    found = (
        Pregnancy.objects.filter(pk=pregnancy_id, patient_id__in=patients)
        .select_related("patient", "institution")
        .first()
    )
    if found is None:
        raise NotFound(_("No such pregnancy record."))
    return _card(found)


def children_of(actor: Actor) -> list[Patient]:
    today = clock.today()
    return [
        p
        for p in identity.accessible_patients(actor).order_by("birth_date", "pk")
        if _is_young_child(p, today)
    ]


def child_for_patient(patient_id: int, *, actor: Actor) -> ChildCard:
    child = next((c for c in children_of(actor) if c.pk == patient_id), None)
    if child is None:
        raise NotFound(_("No such child."))
    return _child_card(child)


# --- reminders --------------------------------------------------------------------------------


def send_due_reminders() -> int:
    """Tell each mother of the next antenatal check whose window opens within a week and that
    is not booked, and each family of a child's check due within a week; once per check (the
    outbox de-duplicates on the pregnancy or child and the check)."""
    today = clock.today()
    count = 0
    with transaction.atomic():
        for pregnancy in Pregnancy.objects.filter(delivered_on__isnull=True).select_related(
            "patient"
        ):
            taken = set(
                AntenatalCheck.objects.filter(pregnancy=pregnancy)
                .exclude(appointment__isnull=True, done_at__isnull=True)
                .values_list("number", flat=True)
            )
            for window in mch_schedule.antenatal_windows(pregnancy.last_period):
                if window.number in taken or window.closes_on < today:
                    continue
                if window.opens_on <= today + REMIND_AHEAD:
                    notifications.notify(
                        "antenatal_check_due",
                        phone=pregnancy.patient.phone,
                        subject=pregnancy,
                        occasion=f"check-{window.number}",
                        params={
                            "number": str(window.number),
                            "weeks": window.weeks,
                            "path": reverse("publichealth-patient-pregnancy", args=[pregnancy.pk]),
                        },
                    )
                    count += 1
                break
        count += _child_reminders(today)
    return count


def _child_reminders(today: dt.date) -> int:
    count = 0
    born_after = mch_schedule.child_check_day(today, -12 * CHILD_YEARS_OF_CARE)
    for child in Patient.objects.filter(birth_date__gt=born_after).exclude(phone=""):
        taken = set(ChildCheck.objects.filter(patient=child).values_list("age_months", flat=True))
        for months in mch_schedule.CHILD_CHECK_MONTHS:
            day = mch_schedule.child_check_day(child.birth_date, months)
            if months in taken or day < today:
                continue
            if day <= today + REMIND_AHEAD:
                notifications.notify(
                    "child_check_due",
                    phone=child.phone,
                    subject=child,
                    occasion=f"child-check-{months}",
                    params={
                        "name": child.name,
                        "months": str(months),
                        "date": f"{day:%Y-%m-%d}",
                        "path": reverse("publichealth-patient-child", args=[child.pk]),
                    },
                )
                count += 1
            break
    return count
