"""Session generation and booking-rule resolution (R-APPT-1/2/3)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Doctor
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import InvalidInput, PermissionDenied
from onetrip.scheduling.models import (
    ClinicSession,
    ScheduleException,
    SchedulingPolicy,
    SessionCapacity,
    SessionTemplate,
    Slot,
    SlotPool,
)
from onetrip.scheduling.policy import BookingPolicy, level_policy
from onetrip.scheduling.quotas import deal_units, split_capacity


def policy_for(
    *, institution_id: int, department_id: int, doctor_id: int, level: str | None = None
) -> BookingPolicy:
    """Defaults (of the institution's `level`, when given), overridden by the institution's, the
    department's and the doctor's rules."""
    scopes = SchedulingPolicy.objects.filter(
        Q(department__isnull=True) | Q(department_id=department_id),
        Q(doctor__isnull=True) | Q(doctor_id=doctor_id),
        institution_id=institution_id,
    )
    return policy_among(
        list(scopes),
        institution_id=institution_id,
        department_id=department_id,
        doctor_id=doctor_id,
        level=level,
    )


def policy_among(
    overrides: list[SchedulingPolicy],
    *,
    institution_id: int,
    department_id: int,
    doctor_id: int,
    level: str | None = None,
) -> BookingPolicy:
    """`policy_for` over overrides already loaded (no query), for reads that judge many slots."""
    scopes = [
        scope
        for scope in overrides
        if scope.institution_id == institution_id
        and scope.department_id in (None, department_id)
        and scope.doctor_id in (None, doctor_id)
    ]
    policy = level_policy(level)
    for scope in sorted(
        scopes, key=lambda s: (s.department_id is not None, s.doctor_id is not None)
    ):
        policy = policy.with_overrides(scope.rules)
    return policy


def session_policy(session: ClinicSession) -> BookingPolicy:
    return policy_for(
        institution_id=session.institution_id,
        department_id=session.department_id,
        doctor_id=session.doctor_id,
    )


def _require_scheduler(actor: Actor) -> None:
    if actor.kind == ActorKind.SYSTEM:
        return
    if actor.kind != ActorKind.STAFF:
        raise PermissionDenied(_("Your role does not allow this."))
    actor.require_perm("scheduling.add_clinicsession")


def generate_sessions(
    *, institution_id: int, date_from: dt.date, date_to: dt.date, actor: Actor
) -> int:
    """Create the sessions, slots and channel pools the templates call for between two dates.
    Days already generated are left alone, so running it again is harmless. Returns the number
    of sessions created."""
    _require_scheduler(actor)
    if date_to < date_from or (date_to - date_from).days > 92:
        raise InvalidInput.field("date_to", _("Generate at most three months at a time."))
    with transaction.atomic():
        return _generate(institution_id, date_from, date_to)


def _generate(institution_id: int, date_from: dt.date, date_to: dt.date) -> int:
    templates = list(
        SessionTemplate.objects.filter(
            doctor__department__institution_id=institution_id, valid_from__lte=date_to
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=date_from))
        .select_related("doctor__department__institution")
    )
    exceptions = list(
        ScheduleException.objects.filter(
            institution_id=institution_id, date_from__lte=date_to, date_to__gte=date_from
        )
    )
    existing = set(
        ClinicSession.objects.filter(
            institution_id=institution_id, date__range=(date_from, date_to)
        ).values_list("doctor_id", "date", "period")
    )
    created = 0
    day = date_from
    while day <= date_to:
        for template in templates:
            if _template_runs(template, day, exceptions, existing):
                _create_session(template, day)
                created += 1
        day += dt.timedelta(days=1)
    return created


def _template_runs(
    template: SessionTemplate,
    day: dt.date,
    exceptions: list[ScheduleException],
    existing: set[tuple[int, dt.date, str]],
) -> bool:
    if template.weekday != day.weekday() or day < template.valid_from:
        return False
    if template.valid_until is not None and day > template.valid_until:
        return False
    if (template.doctor_id, day, template.period) in existing:
        return False
    return not any(
        e.date_from <= day <= e.date_to and e.doctor_id in (None, template.doctor_id)
        for e in exceptions
    )


def _create_session(template: SessionTemplate, day: dt.date) -> ClinicSession:
    doctor: Doctor = template.doctor
    department = doctor.department
    starts_at = timezone.make_aware(dt.datetime.combine(day, template.start_time))
    ends_at = timezone.make_aware(dt.datetime.combine(day, template.end_time))
    session = ClinicSession.objects.create(
        doctor=doctor,
        clinic_id=template.clinic_id,
        department=department,
        institution_id=department.institution_id,
        date=day,
        period=template.period,
        starts_at=starts_at,
        ends_at=ends_at,
        fee_fen=template.fee_fen,
    )
    step = dt.timedelta(minutes=template.slot_minutes)
    slots = []
    moment = starts_at
    while moment + step <= ends_at:
        slots.append(Slot(session=session, starts_at=moment, ends_at=moment + step))
        moment += step
    Slot.objects.bulk_create(slots)
    policy = policy_for(
        institution_id=department.institution_id,
        department_id=department.pk,
        doctor_id=doctor.pk,
        level=department.institution.level,
    )
    capacity = template.capacity_per_slot
    counts = split_capacity(len(slots) * capacity, policy.pool_shares)
    pools = [
        SlotPool(
            slot=slot,
            kind=kind,
            capacity=units,
            department=department,
            starts_at=slot.starts_at,
        )
        for slot, dealt in zip(slots, deal_units(counts, len(slots), capacity), strict=True)
        for kind, units in dealt.items()
    ]
    SlotPool.objects.bulk_create(pools)
    by_kind: dict[str, int] = defaultdict(int)
    for pool in pools:
        by_kind[pool.kind] += pool.capacity
    SessionCapacity.objects.bulk_create(
        SessionCapacity(session=session, kind=kind, capacity=units)
        for kind, units in by_kind.items()
    )
    return session
