"""What can be booked, as seen through one channel at one moment (reads; nothing is written).

Remaining counts include units of holds whose time has run out but which no booking has
reclaimed yet, so a reader never sees a unit as taken after its hold expired."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

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
from onetrip.scheduling.services.schedule import session_policy


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
    kinds = set(open_pools(channel, session.date, now, session_policy(session)))
    bookable = session.status == SessionStatus.OPEN
    pools = with_remaining(SlotPool.objects.filter(slot__session=session), now).select_related(
        "slot"
    )
    views: dict[int, SlotView] = {}
    for pool in pools.order_by("starts_at", "slot_id", "kind"):
        slot = pool.slot
        view = views.setdefault(slot.pk, SlotView(slot.pk, slot.starts_at, slot.ends_at, 0, {}))
        view.pools[pool.kind] = pool.remaining
        if bookable and pool.kind in kinds and slot.starts_at > now:
            views[slot.pk] = SlotView(
                slot.pk, slot.starts_at, slot.ends_at, view.remaining + pool.remaining, view.pools
            )
    return list(views.values())


@dataclass(frozen=True)
class NextSlot:
    slot_id: int
    starts_at: dt.datetime
    session_id: int
    doctor_id: int
    department_id: int
    institution_id: int


def next_available(
    *, department_ids: list[int], channel: str, now: dt.datetime, limit: int = 10
) -> list[NextSlot]:
    """The earliest slots with a unit open to `channel`, across the given departments (for
    example one speciality across the consortium): one indexed scan of free pools, then each
    candidate is checked against its own doctor's rules."""
    overrides = list(SchedulingPolicy.objects.all())
    clauses = Q()
    for kind, last_day in pool_horizons(channel, now, _widest_policy(overrides)).items():
        clause = Q(kind=kind)
        if last_day is not None:
            clause &= Q(slot__session__date__lte=last_day)
        clauses |= clause
    candidates = (
        SlotPool.objects.filter(
            clauses,
            department_id__in=department_ids,
            starts_at__gt=now,
            booked__lt=F("capacity"),
            slot__session__status=SessionStatus.OPEN,
        )
        .select_related("slot__session")
        .order_by("starts_at", "slot_id", "pk")
    )
    found: dict[int, NextSlot] = {}
    # In batches: a slot has several pools, and a doctor's own rules may close some candidates.
    batch, start = limit * 4, 0
    while len(found) < limit:
        pools = list(candidates[start : start + batch])
        for pool in pools:
            session = pool.slot.session
            policy = session_policy(session) if overrides else DEFAULT_POLICY
            if pool.slot_id in found or pool.kind not in open_pools(
                channel, session.date, now, policy
            ):
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
                break
        if len(pools) < batch:
            break
        start += batch
    return list(found.values())


def _widest_policy(overrides: list[SchedulingPolicy]) -> BookingPolicy:
    """Rules releasing at least as far ahead as any rules in force, alone or combined (an
    institution's window with a department's release time): horizons only grow with these."""
    policies = [DEFAULT_POLICY, *(DEFAULT_POLICY.with_overrides(p.rules) for p in overrides)]
    return dataclasses.replace(
        DEFAULT_POLICY,
        release_time=min(p.release_time for p in policies),
        window_days=max(p.window_days for p in policies),
        primary_care_release_days=max(p.primary_care_release_days for p in policies),
        primary_care_return_days=max(p.primary_care_return_days for p in policies),
    )
