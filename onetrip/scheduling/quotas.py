"""Channel quotas and release rules as pure functions of the clock (R-APPT-3).

Nothing here depends on a job having run: which pools a channel may draw on is decided from
`now` at read and booking time."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from onetrip.scheduling.models import BookingChannel, PoolKind
from onetrip.scheduling.policy import BookingPolicy

# A channel's own pool first, then the shared online pool.
OWN_POOL = {
    BookingChannel.PHONE: PoolKind.PHONE,
    BookingChannel.KIOSK: PoolKind.KIOSK,
    BookingChannel.WINDOW: PoolKind.WINDOW,
    BookingChannel.IN_CLINIC: PoolKind.IN_CLINIC,
    BookingChannel.PRIMARY_CARE: PoolKind.PRIMARY_CARE,
}


# Units left over after rounding down go to these pools first, so the floors of R-APPT-3 survive
# rounding: with the default shares online keeps ≥80% of capacity and primary care ≥32% (40% of
# the 80%).
ROUND_UP_FIRST = (PoolKind.PRIMARY_CARE, PoolKind.SHARED_ONLINE)


def split_capacity(total: int, shares: dict[str, int]) -> dict[str, int]:
    """Split a session's capacity by percentage shares: every pool gets its exact share rounded
    down or up; left-over units go to the online pools, then by largest remainder, then by pool
    order."""
    exact = {kind: total * share / 100 for kind, share in shares.items()}
    split = {kind: int(value) for kind, value in exact.items()}

    def rank(kind: str) -> tuple[int, float, int]:
        short = split[kind] < exact[kind]
        first = (
            ROUND_UP_FIRST.index(kind) if short and kind in ROUND_UP_FIRST else len(ROUND_UP_FIRST)
        )
        return (first, split[kind] - exact[kind], list(shares).index(kind))

    for kind in sorted(shares, key=rank)[: total - sum(split.values())]:
        split[kind] += 1
    return split


def deal_units(counts: dict[str, int], slots: int, capacity_per_slot: int) -> list[Counter]:
    """Spread each pool's units over the session's slots so every pool gets early and late times
    (smooth weighted round-robin over the units in time order)."""
    total = sum(counts.values())
    current = dict.fromkeys(counts, 0)
    per_slot: list[Counter] = [Counter() for _ in range(slots)]
    for unit in range(min(total, slots * capacity_per_slot)):
        for kind, weight in counts.items():
            current[kind] += weight
        chosen = max(current, key=current.__getitem__)
        current[chosen] -= total
        per_slot[unit // capacity_per_slot][chosen] += 1
    return per_slot


def last_released_date(days_ahead: int, now: dt.datetime, policy: BookingPolicy) -> dt.date:
    """The last visit day whose units released `days_ahead` days before have been released at
    `now` (releases happen daily at `policy.release_time`)."""
    local = timezone.localtime(now)
    released_today = local.time() >= policy.release_time
    return local.date() + dt.timedelta(days=days_ahead if released_today else days_ahead - 1)


def pool_horizons(
    channel: str, now: dt.datetime, policy: BookingPolicy
) -> dict[str, dt.date | None]:
    """For each pool `channel` may draw on, the last visit day open to it at `now` (None: no
    limit), in the order to try the pools: the channel's own pool, then the shared online pool,
    then primary-care units once unused ones have returned to the shared pool."""
    shared = last_released_date(policy.window_days, now, policy)
    if channel == BookingChannel.PRIMARY_CARE:
        return {
            PoolKind.PRIMARY_CARE: last_released_date(
                policy.primary_care_release_days, now, policy
            ),
            PoolKind.SHARED_ONLINE: shared,
        }
    horizons: dict[str, dt.date | None] = {}
    own = OWN_POOL.get(channel)
    if own is not None:
        # Doctors book return visits beyond the public window.
        horizons[own] = None if channel == BookingChannel.IN_CLINIC else shared
    horizons[PoolKind.SHARED_ONLINE] = shared
    returned = last_released_date(primary_care_returns_before_visit(policy), now, policy)
    horizons[PoolKind.PRIMARY_CARE] = min(shared, returned)
    return horizons


def primary_care_returns_before_visit(policy: BookingPolicy) -> int:
    """Days before the visit at which unused primary-care units return to the shared pool: the
    return comes `primary_care_return_after_days` after their release."""
    return policy.primary_care_release_days - policy.primary_care_return_after_days


def primary_care_release_at(visit_date: dt.date, policy: BookingPolicy) -> dt.datetime:
    """When a visit day's primary-care units open to primary-care staff."""
    day = visit_date - dt.timedelta(days=policy.primary_care_release_days)
    return timezone.make_aware(dt.datetime.combine(day, policy.release_time))


def primary_care_return_at(visit_date: dt.date, policy: BookingPolicy) -> dt.datetime:
    """When a visit day's unused primary-care units return to the shared pool (the moment
    `pool_horizons` starts offering them to every channel, the public release permitting)."""
    day = visit_date - dt.timedelta(days=primary_care_returns_before_visit(policy))
    return timezone.make_aware(dt.datetime.combine(day, policy.release_time))


def open_pools(
    channel: str, visit_date: dt.date, now: dt.datetime, policy: BookingPolicy
) -> list[str]:
    """The pools `channel` may draw on for a visit day at `now`, in the order to try them."""
    return [
        kind
        for kind, last in pool_horizons(channel, now, policy).items()
        if last is None or visit_date <= last
    ]
