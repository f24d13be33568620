"""Channel quotas and the daily release as pure functions of the clock (R-APPT-3), property-tested
across time: which pools a channel may draw on, how a session's capacity is split into pools and
how the pools' units are spread over its slots."""

import datetime as dt
from collections import Counter
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from onetrip.conftest import SHANGHAI
from onetrip.scheduling.models import BookingChannel, PoolKind
from onetrip.scheduling.policy import DEFAULT_POLICY, DEFAULT_POOL_SHARES, BookingPolicy
from onetrip.scheduling.quotas import deal_units, open_pools, split_capacity

moments = st.datetimes(
    min_value=dt.datetime(2026, 1, 1),
    max_value=dt.datetime(2028, 12, 31),
    timezones=st.just(SHANGHAI),
)
days_ahead = st.integers(min_value=-2, max_value=40)
channels = st.sampled_from(BookingChannel.values)
policies = st.builds(
    BookingPolicy,
    release_time=st.times(),
    window_days=st.integers(min_value=0, max_value=28),
    primary_care_release_days=st.integers(min_value=0, max_value=28),
    primary_care_return_after_days=st.integers(min_value=0, max_value=28),
)
OWN_POOLS = {
    BookingChannel.PHONE: PoolKind.PHONE,
    BookingChannel.KIOSK: PoolKind.KIOSK,
    BookingChannel.WINDOW: PoolKind.WINDOW,
}


def released(visit_date: dt.date, days: int, now: dt.datetime, policy: BookingPolicy) -> bool:
    """The rule stated independently of the code: the units of a visit day that a `days`-day
    window opens are released at the release time `days` days before the visit."""
    day = visit_date - dt.timedelta(days=days)
    return now >= dt.datetime.combine(day, policy.release_time, tzinfo=SHANGHAI)


def expected_pools(
    channel: str, visit_date: dt.date, now: dt.datetime, policy: BookingPolicy
) -> list[str]:
    def open_after(days: int) -> bool:
        return released(visit_date, days, now, policy)

    shared = open_after(policy.window_days)
    if channel == BookingChannel.PRIMARY_CARE:
        wanted = [
            (PoolKind.PRIMARY_CARE, open_after(policy.primary_care_release_days)),
            (PoolKind.SHARED_ONLINE, shared),
        ]
    else:
        wanted = []
        if channel == BookingChannel.IN_CLINIC:
            wanted.append((PoolKind.IN_CLINIC, True))
        elif channel in OWN_POOLS:
            wanted.append((OWN_POOLS[channel], shared))
        wanted += [
            (PoolKind.SHARED_ONLINE, shared),
            # Unused primary-care units return to everyone `primary_care_return_after_days` after
            # their own release, never before the public release.
            (
                PoolKind.PRIMARY_CARE,
                shared
                and open_after(
                    policy.primary_care_release_days - policy.primary_care_return_after_days
                ),
            ),
        ]
    return [kind for kind, is_open in wanted if is_open]


@given(now=moments, ahead=days_ahead, channel=channels)
def test_with_the_defaults_nothing_opens_before_its_release(now, ahead, channel):
    visit_date = now.date() + dt.timedelta(days=ahead)
    kinds = open_pools(channel, visit_date, now, DEFAULT_POLICY)
    for kind in kinds:
        if kind == PoolKind.IN_CLINIC:
            continue  # doctors book return visits beyond the public window
        assert released(visit_date, 14, now, DEFAULT_POLICY)
    if channel == BookingChannel.PRIMARY_CARE:
        is_open = PoolKind.PRIMARY_CARE in kinds
        assert is_open == released(visit_date, 10, now, DEFAULT_POLICY)
    elif channel == BookingChannel.APP:
        assert set(kinds) <= {PoolKind.SHARED_ONLINE, PoolKind.PRIMARY_CARE}
        is_open = PoolKind.PRIMARY_CARE in kinds
        assert is_open == released(visit_date, 7, now, DEFAULT_POLICY)
    elif channel == BookingChannel.IN_CLINIC:
        assert kinds[0] == PoolKind.IN_CLINIC


@given(now=moments, ahead=days_ahead, channel=channels, policy=policies)
def test_each_channel_draws_on_its_pools_in_order_once_released(now, ahead, channel, policy):
    visit_date = now.date() + dt.timedelta(days=ahead)
    assert open_pools(channel, visit_date, now, policy) == expected_pools(
        channel, visit_date, now, policy
    )


def test_release_happens_at_seven_sharp():
    visit_date = dt.date(2026, 12, 7)  # 14 days after Monday 23 November
    before = dt.datetime(2026, 11, 23, 6, 59, 59, tzinfo=SHANGHAI)
    at = dt.datetime(2026, 11, 23, 7, 0, tzinfo=SHANGHAI)
    assert open_pools("app", visit_date, before, DEFAULT_POLICY) == []
    assert open_pools("app", visit_date, at, DEFAULT_POLICY) == ["shared_online"]
    # Primary care: 10 days ahead at 07:00; the return to everyone 3 days after that release,
    # 7 days ahead at 07:00 (R-APPT-3, D72).
    assert open_pools("primary_care", dt.date(2026, 12, 3), before, DEFAULT_POLICY) == [
        "shared_online"
    ]
    assert open_pools("primary_care", dt.date(2026, 12, 3), at, DEFAULT_POLICY) == [
        "primary_care",
        "shared_online",
    ]
    assert open_pools("app", dt.date(2026, 11, 30), before, DEFAULT_POLICY) == ["shared_online"]
    assert open_pools("app", dt.date(2026, 11, 30), at, DEFAULT_POLICY) == [
        "shared_online",
        "primary_care",
    ]


@st.composite
def pool_shares(draw):
    """Six whole percentages adding up to 100."""
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=5, max_size=5)))
    bounds = pairwise([0, *cuts, 100])
    return {kind: high - low for kind, (low, high) in zip(DEFAULT_POOL_SHARES, bounds, strict=True)}


@given(total=st.integers(min_value=0, max_value=5000), shares=pool_shares())
def test_split_sums_to_the_capacity_and_rounds_each_share_by_less_than_one(total, shares):
    split = split_capacity(total, shares)
    assert sum(split.values()) == total
    for kind, share in shares.items():
        assert abs(split[kind] - total * share / 100) < 1


@given(total=st.integers(min_value=1, max_value=5000))
def test_default_split_keeps_the_online_and_primary_care_floors(total):
    split = split_capacity(total, DEFAULT_POOL_SHARES)
    online = split["shared_online"] + split["primary_care"]
    assert online * 100 >= 80 * total
    # 40% of the 80% online: for some totals whole units cannot also keep primary care at 40%
    # of an online count rounded above 80% without moving a share by more than one unit.
    assert split["primary_care"] * 100 >= 32 * total


def test_a_morning_of_eighteen_double_slots_splits_by_the_national_rule():
    split = split_capacity(36, DEFAULT_POOL_SHARES)
    assert split == {
        "primary_care": 12,
        "shared_online": 18,
        "window": 3,
        "in_clinic": 2,
        "phone": 1,
        "kiosk": 0,
    }
    assert split["primary_care"] * 100 >= 40 * (split["primary_care"] + split["shared_online"])


@given(
    slots=st.integers(min_value=1, max_value=60),
    capacity=st.integers(min_value=1, max_value=12),
    shares=pool_shares(),
)
def test_dealing_gives_each_pool_exactly_its_units_and_each_slot_its_capacity(
    slots, capacity, shares
):
    counts = split_capacity(slots * capacity, shares)
    per_slot = deal_units(counts, slots, capacity)
    assert len(per_slot) == slots
    assert all(sum(dealt.values()) == capacity for dealt in per_slot)
    assert sum(per_slot, Counter()) == Counter({k: n for k, n in counts.items() if n})
