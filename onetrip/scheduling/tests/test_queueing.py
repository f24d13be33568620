"""Queue order (R-APPT-6, R-APPT-7): priority classes, slot order with booked patients before
walk-ins, late arrivals inserted one every N on-time patients. Pure function, property-tested."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from onetrip.conftest import SHANGHAI
from onetrip.scheduling.queueing import QueueEntry, order_queue

START = dt.datetime(2026, 11, 23, 8, 0, tzinfo=SHANGHAI)
SLOT = dt.timedelta(minutes=10)


def entry(
    key,
    *,
    slot=0,
    priority=3,
    walk_in=False,
    late=False,
    arrived=0,
    called=None,
):
    """Slot number `slot` (10 minutes each from 08:00). On time: checked in `arrived` minutes
    (mod 20) after ten minutes before the slot; late: `arrived` + 1 minutes after it ended.
    `called`: minutes after 08:00 it was called, if it was."""
    starts = START + slot * SLOT
    ends = starts + SLOT
    if late:
        checked_in = ends + dt.timedelta(minutes=1 + arrived)
    else:
        checked_in = starts - SLOT + dt.timedelta(minutes=arrived % 20)
    return QueueEntry(
        key=key,
        priority=priority,
        slot_starts_at=starts,
        slot_ends_at=ends,
        checked_in_at=checked_in,
        is_walk_in=walk_in,
        called_at=None if called is None else START + dt.timedelta(minutes=called),
    )


def keys(entries):
    return [e.key for e in entries]


def test_on_time_patients_go_by_slot_with_booked_before_walk_ins():
    queue = [
        entry(1, slot=1),
        entry(2, slot=0, walk_in=True, arrived=0),
        entry(3, slot=0, arrived=5),
        entry(4, slot=1, walk_in=True),
    ]
    assert keys(order_queue(queue, late_every=3)) == [3, 2, 1, 4]


def test_priority_classes_come_first_whatever_their_slot():
    queue = [entry(1, slot=0), entry(2, slot=5, priority=2), entry(3, slot=9, priority=1)]
    assert keys(order_queue(queue, late_every=3)) == [3, 2, 1]


def test_a_late_patient_waits_for_n_on_time_patients():
    queue = [entry(k, slot=k) for k in range(1, 6)] + [entry(9, slot=0, late=True)]
    assert keys(order_queue(queue, late_every=3)) == [1, 2, 3, 9, 4, 5]


def test_late_patients_go_in_arrival_order_each_after_n_more():
    queue = [
        entry(1, slot=1),
        entry(2, slot=2),
        entry(3, slot=3),
        entry(7, slot=0, late=True, arrived=9),
        entry(8, slot=0, late=True, arrived=2),
    ]
    assert keys(order_queue(queue, late_every=2)) == [1, 2, 8, 3, 7]


def test_late_patients_follow_everyone_when_n_is_zero():
    queue = [entry(9, slot=0, late=True), entry(1, slot=1), entry(2, slot=2)]
    assert keys(order_queue(queue, late_every=0)) == [1, 2, 9]


def test_on_time_patients_called_since_a_late_arrival_count_towards_their_turn():
    """A late patient moves forward as on-time patients are called, instead of being put back
    behind N new ones every time the queue is recomputed."""
    late = entry(9, slot=0, late=True, arrived=0)  # checked in at 08:11
    called = [entry(k, slot=k, called=12 + k) for k in (1, 2)]  # called 08:13, 08:14
    waiting = [entry(k, slot=k) for k in (3, 4, 5)]
    assert keys(order_queue([late, *called, *waiting], late_every=3)) == [3, 9, 4, 5]


def test_the_count_restarts_when_a_late_patient_is_called():
    first_late = entry(8, slot=0, late=True, arrived=0, called=20)
    second_late = entry(9, slot=0, late=True, arrived=1)
    called_before = [entry(k, slot=k, called=12 + k) for k in (1, 2, 3)]
    called_after = [entry(4, slot=4, called=21)]
    waiting = [entry(k, slot=k) for k in (5, 6, 7)]
    queue = [first_late, second_late, *called_before, *called_after, *waiting]
    assert keys(order_queue(queue, late_every=3)) == [5, 6, 9, 7]


def test_called_patients_are_not_in_the_queue():
    assert order_queue([entry(1, called=5)], late_every=3) == []


# --- properties -----------------------------------------------------------------------------

entries_strategy = st.lists(
    st.tuples(
        st.integers(0, 17),  # slot
        st.sampled_from([1, 2, 3]),  # priority
        st.booleans(),  # walk-in
        st.booleans(),  # late
        st.integers(0, 30),  # minutes of arrival offset
    ),
    max_size=40,
).map(
    lambda rows: [
        entry(key, slot=slot, priority=priority, walk_in=walk_in, late=late, arrived=arrived)
        for key, (slot, priority, walk_in, late, arrived) in enumerate(rows)
    ]
)


@given(entries_strategy, st.integers(0, 5))
def test_every_entry_appears_exactly_once(entries, late_every):
    ordered = order_queue(entries, late_every=late_every)
    assert sorted(keys(ordered)) == sorted(keys(entries))


@given(entries_strategy, st.integers(0, 5))
def test_a_higher_priority_class_is_never_behind_a_lower_one(entries, late_every):
    priorities = [e.priority for e in order_queue(entries, late_every=late_every)]
    assert priorities == sorted(priorities)


@given(entries_strategy, st.integers(1, 5))
def test_late_patients_are_at_least_n_on_time_patients_apart_while_on_time_ones_remain(
    entries, late_every
):
    ordered = order_queue(entries, late_every=late_every)
    for priority in (1, 2, 3):
        in_class = [e for e in ordered if e.priority == priority]
        on_time_total = sum(1 for e in in_class if not e.is_late)
        on_time_seen = 0
        since_late = 0
        for e in in_class:
            if e.is_late:
                if on_time_seen < on_time_total:
                    assert since_late >= late_every
                since_late = 0
            else:
                on_time_seen += 1
                since_late += 1


@given(entries_strategy, st.integers(0, 5))
def test_on_time_patients_keep_slot_order_with_booked_first(entries, late_every):
    for priority in (1, 2, 3):
        on_time = [
            e
            for e in order_queue(entries, late_every=late_every)
            if e.priority == priority and not e.is_late
        ]
        order = [(e.slot_starts_at, e.is_walk_in) for e in on_time]
        assert order == sorted(order)
