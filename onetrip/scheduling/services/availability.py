"""What can be booked, as seen through one channel at one moment (reads; nothing is written).

Remaining counts include units of holds whose time has run out but which no booking has
reclaimed yet, so a reader never sees a unit as taken after its hold expired."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

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
    kinds = set(open_pools(channel, session.date, now, session_policy(session)))
    bookable = session.status == SessionStatus.OPEN
    # Plain rows, not model instances: the app's busiest read (a popular session's times).
    rows = (
        with_remaining(SlotPool.objects.filter(slot__session=session), now)
        .order_by("starts_at", "slot_id", "kind")
        .values_list("slot_id", "slot__starts_at", "slot__ends_at", "kind", "remaining")
    )
    views: dict[int, SlotView] = {}
    for slot_id, starts_at, ends_at, kind, remaining in rows:
        view = views.setdefault(slot_id, SlotView(slot_id, starts_at, ends_at, 0, {}))
        view.pools[kind] = remaining
        if bookable and kind in kinds and starts_at > now:
            views[slot_id] = dataclasses.replace(view, remaining=view.remaining + remaining)
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
