"""What can be booked, as seen through one channel at one moment (reads; nothing is written).

Remaining counts include units of holds whose time has run out but which no booking has
reclaimed yet, so a reader never sees a unit as taken after its hold expired."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from onetrip.consortium.models import Clinic, Department, Doctor, Institution
from onetrip.core.rows import model_from_row
from onetrip.scheduling.models import (
    Appointment,
    AppointmentStatus,
    ClinicSession,
    SchedulingPolicy,
    SessionStatus,
    SlotPool,
)
from onetrip.scheduling.policy import DEFAULT_POLICY, BookingPolicy
from onetrip.scheduling.quotas import open_pools, pool_horizons
from onetrip.scheduling.services.schedule import policy_among, session_policy


@dataclass(frozen=True)
class SlotView:
    slot_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    remaining: int  # open to the channel now
    pools: dict[str, int]  # remaining per pool, whether open to the channel or not


def with_remaining(pools, now: dt.datetime):
    """Annotate each pool with `remaining`, counting units of expired holds as free."""
    expired_holds = (
        Appointment.objects.filter(
            pool=OuterRef("pk"), status=AppointmentStatus.HELD, held_until__lte=now
        )
        .values("pool")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return pools.annotate(
        remaining=F("capacity")
        - F("booked")
        + Coalesce(Subquery(expired_holds, output_field=IntegerField()), Value(0))
    )


def session_slots(session: ClinicSession, channel: str, now: dt.datetime) -> list[SlotView]:
    """Every slot of a session with what is left in each pool and for `channel`."""
    # Plain rows, not model instances: the app's busiest read (a popular session's times).
    rows = (
        with_remaining(SlotPool.objects.filter(slot__session=session), now)
        .order_by("starts_at", "slot_id", "kind")
        .values_list("slot_id", "slot__starts_at", "slot__ends_at", "kind", "remaining")
    )
    return _slot_views(session, session_policy(session), rows, channel, now)


def _slot_views(
    session: ClinicSession,
    policy: BookingPolicy,
    rows: Iterable[tuple[int, dt.datetime, dt.datetime, str, int]],
    channel: str,
    now: dt.datetime,
) -> list[SlotView]:
    """Pool rows (slot, starts, ends, kind, remaining; in time order) as one view per slot."""
    kinds = set(open_pools(channel, session.date, now, policy))
    bookable = session.status == SessionStatus.OPEN
    slots: dict[int, tuple[dt.datetime, dt.datetime, list[int], dict[str, int]]] = {}
    for slot_id, starts_at, ends_at, kind, remaining in rows:
        slot = slots.get(slot_id)
        if slot is None:
            slot = slots[slot_id] = (starts_at, ends_at, [0], {})
        slot[3][kind] = remaining
        if bookable and kind in kinds and starts_at > now:
            slot[2][0] += remaining
    return [
        SlotView(slot_id, starts_at, ends_at, open_to_channel, pools)
        for slot_id, (starts_at, ends_at, (open_to_channel,), pools) in slots.items()
    ]


# The session with its doctor, substitute, clinic, department and institution, the booking
# rules that apply to it, and its pools with what is left (units of expired holds counted as
# free, as `with_remaining` does), in `session_slots`' order: one statement (D242).
_SESSION_SLOTS_SQL = """
SELECT json_build_array(
    to_jsonb(s), to_jsonb(d), to_jsonb(sub), to_jsonb(c), to_jsonb(dep), to_jsonb(i),
    (SELECT coalesce(json_agg(json_build_array(p.department_id, p.doctor_id, p.rules)), '[]')
       FROM scheduling_schedulingpolicy p
      WHERE p.institution_id = s.institution_id
        AND (p.department_id IS NULL OR p.department_id = s.department_id)
        AND (p.doctor_id IS NULL OR p.doctor_id = s.doctor_id)),
    (SELECT coalesce(json_agg(json_build_array(
                sp.slot_id, sl.starts_at, sl.ends_at, sp.kind,
                sp.capacity - sp.booked + coalesce(expired.holds, 0))
              ORDER BY sp.starts_at, sp.slot_id, sp.kind), '[]')
       FROM scheduling_slotpool sp JOIN scheduling_slot sl ON sl.id = sp.slot_id
       LEFT JOIN (
            SELECT a.pool_id, count(*) AS holds FROM scheduling_appointment a
             WHERE a.status = 'held' AND a.held_until <= %s
               AND a.pool_id IN (SELECT p.id FROM scheduling_slotpool p
                                   JOIN scheduling_slot t ON t.id = p.slot_id
                                  WHERE t.session_id = s.id)
             GROUP BY a.pool_id) expired ON expired.pool_id = sp.id
      WHERE sl.session_id = s.id)
)::text
FROM scheduling_clinicsession s
JOIN consortium_doctor d ON d.id = s.doctor_id
LEFT JOIN consortium_doctor sub ON sub.id = s.substitute_id
JOIN consortium_clinic c ON c.id = s.clinic_id
JOIN consortium_department dep ON dep.id = s.department_id
JOIN consortium_institution i ON i.id = s.institution_id
WHERE s.id = %s
"""


def session_slots_by_id(
    session_id: int, channel: str, now: dt.datetime
) -> tuple[ClinicSession, list[SlotView]] | None:
    """The session (its doctor, substitute, clinic, department and institution read with it)
    and `session_slots` of it, or None if there is no such session: the read before a booking.
    On PostgreSQL one statement (D242) whose rows need no ORM; the rules (which pools are open
    to the channel, the policy's overrides) stay the Python above."""
    if connection.vendor != "postgresql":
        session = (
            ClinicSession.objects.select_related(
                "doctor", "substitute", "clinic", "department", "institution"
            )
            .filter(pk=session_id)
            .first()
        )
        return None if session is None else (session, session_slots(session, channel, now))
    with connection.cursor() as cursor:
        cursor.execute(_SESSION_SLOTS_SQL, (now, session_id))
        found = cursor.fetchone()
    if found is None:
        return None
    row, doctor, substitute, clinic, department, institution, overrides, pools = json.loads(
        found[0]
    )
    session = model_from_row(ClinicSession, row)
    session.doctor = model_from_row(Doctor, doctor)
    session.substitute = substitute and model_from_row(Doctor, substitute)
    session.clinic = model_from_row(Clinic, clinic)
    session.department = model_from_row(Department, department)
    session.institution = model_from_row(Institution, institution)
    policy = policy_among(
        [
            SchedulingPolicy(
                institution_id=session.institution_id,
                department_id=department_id,
                doctor_id=doctor_id,
                rules=rules,
            )
            for department_id, doctor_id, rules in overrides
        ],
        institution_id=session.institution_id,
        department_id=session.department_id,
        doctor_id=session.doctor_id,
    )
    parse = dt.datetime.fromisoformat
    rows = ((slot, parse(starts), parse(ends), kind, n) for slot, starts, ends, kind, n in pools)
    return session, _slot_views(session, policy, rows, channel, now)


@dataclass(frozen=True)
class NextSlot:
    slot_id: int
    starts_at: dt.datetime
    session_id: int
    doctor_id: int
    department_id: int
    institution_id: int


def next_available(
    *,
    department_ids: list[int],
    channel: str,
    now: dt.datetime,
    limit: int = 10,
    after: dt.datetime | None = None,
) -> list[NextSlot]:
    """The earliest slots with a unit open to `channel`, across the given departments (for
    example one speciality across the consortium), starting after `after` if given (a
    follow-up's due day).

    One short walk of the partial index (department, kind, starts_at) WHERE booked < capacity
    per department and pool kind, in time order, bounded by the release horizon and stopped
    after a page: the cost follows the page size, not the size of the table. Each candidate is
    then judged by its own doctor's rules, from overrides loaded once."""
    overrides = list(SchedulingPolicy.objects.all())
    horizons = pool_horizons(channel, now, _widest_policy(overrides))
    per_walk = limit * 4
    while True:
        pools, complete = _free_pools(department_ids, horizons, max(now, after or now), per_walk)
        found: dict[int, NextSlot] = {}
        if collect_open_slots(
            pools, channel=channel, now=now, overrides=overrides, found=found, limit=limit
        ):
            return list(found.values())
        if complete:
            return list(found.values())
        per_walk *= 4


def collect_open_slots(
    pools: list[SlotPool],
    *,
    channel: str,
    now: dt.datetime,
    overrides: list[SchedulingPolicy],
    found: dict[int, NextSlot],
    limit: int,
) -> bool:
    """Add to `found`, in the pools' order, the slots whose pool is open to `channel` under its
    own doctor's rules (from `overrides`, loaded once); True once `limit` slots are found."""
    for pool in pools:
        session = pool.slot.session
        policy = (
            policy_among(
                overrides,
                institution_id=session.institution_id,
                department_id=session.department_id,
                doctor_id=session.doctor_id,
            )
            if overrides
            else DEFAULT_POLICY
        )
        if pool.slot_id in found or pool.kind not in open_pools(channel, session.date, now, policy):
            continue
        found[pool.slot_id] = NextSlot(
            pool.slot_id,
            pool.starts_at,
            session.pk,
            session.doctor_id,
            session.department_id,
            session.institution_id,
        )
        if len(found) == limit:
            return True
    return False


def _free_pools(
    department_ids: list[int],
    horizons: dict[str, dt.date | None],
    now: dt.datetime,
    per_walk: int,
) -> tuple[list[SlotPool], bool]:
    """Free future pools of open sessions of the departments, within each kind's horizon, in
    time order:
    the first `per_walk` of each (department, kind), cut where the shortest full walk ends so
    no earlier pool is missing. Also says whether nothing was cut (every walk ran out)."""
    walks = []
    for department_id in department_ids:
        for kind, last_day in horizons.items():
            pools = SlotPool.objects.filter(
                department_id=department_id,
                kind=kind,
                starts_at__gt=now,
                booked__lt=F("capacity"),
                slot__session__status=SessionStatus.OPEN,
            )
            if last_day is not None:
                pools = pools.filter(starts_at__lt=_start_of(last_day + dt.timedelta(days=1)))
            order = ("starts_at", "slot_id", "pk")
            walks.append(list(pools.order_by(*order).values_list(*order)[:per_walk]))
    full = [walk[-1] for walk in walks if len(walk) == per_walk]
    cutoff = min(full) if full else None
    keys = sorted(key for walk in walks for key in walk if cutoff is None or key <= cutoff)
    by_pk = SlotPool.objects.select_related("slot__session").in_bulk([key[2] for key in keys])
    return [by_pk[key[2]] for key in keys], cutoff is None


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _widest_policy(overrides: list[SchedulingPolicy]) -> BookingPolicy:
    """Rules releasing at least as far ahead as any rules in force, alone or combined (an
    institution's window with a department's release time): horizons only grow with these."""
    policies = [DEFAULT_POLICY, *(DEFAULT_POLICY.with_overrides(p.rules) for p in overrides)]
    return dataclasses.replace(
        DEFAULT_POLICY,
        release_time=min(p.release_time for p in policies),
        window_days=max(p.window_days for p in policies),
        primary_care_release_days=max(p.primary_care_release_days for p in policies),
        primary_care_return_after_days=min(p.primary_care_return_after_days for p in policies),
    )
