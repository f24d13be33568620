"""The order in which a clinic calls its checked-in patients (R-APPT-6/7). Pure: no database,
no clock, so the rules can be property-tested.

1. Priority class first: military, then the elderly and disabled, then everyone else.
2. Within a class, patients who checked in before their slot ended ("on time") in slot order;
   in the same slot booked patients come before walk-ins, then the earlier check-in.
3. Late arrivals (checked in after their slot ended) in arrival order, one after every
   `late_every` on-time patients. The count runs from the later of the first waiting late
   patient's arrival and the last late call of the class, so a late patient moves forward as
   on-time patients are called instead of being pushed back by every recomputation.
   `late_every` 0 puts late arrivals after everyone on time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class QueueEntry:
    key: int
    priority: int
    slot_starts_at: dt.datetime
    slot_ends_at: dt.datetime
    checked_in_at: dt.datetime
    is_walk_in: bool = False
    called_at: dt.datetime | None = None  # set: already called, kept as history

    @property
    def is_late(self) -> bool:
        return self.checked_in_at > self.slot_ends_at


def order_queue(entries: Iterable[QueueEntry], *, late_every: int) -> list[QueueEntry]:
    """The waiting entries (not yet called) in calling order; called entries are history."""
    entries = list(entries)
    waiting_classes = sorted({e.priority for e in entries if e.called_at is None})
    ordered: list[QueueEntry] = []
    for priority in waiting_classes:
        ordered += _order_class([e for e in entries if e.priority == priority], late_every)
    return ordered


def _order_class(entries: list[QueueEntry], late_every: int) -> list[QueueEntry]:
    waiting = [e for e in entries if e.called_at is None]
    on_time = sorted(
        (e for e in waiting if not e.is_late),
        key=lambda e: (e.slot_starts_at, e.is_walk_in, e.checked_in_at, e.key),
    )
    late = sorted((e for e in waiting if e.is_late), key=lambda e: (e.checked_in_at, e.key))
    if late_every <= 0 or not late:
        return on_time + late
    gap = _on_time_called_since(entries, late[0].checked_in_at)
    ordered: list[QueueEntry] = []
    while on_time or late:
        if late and (gap >= late_every or not on_time):
            ordered.append(late.pop(0))
            gap = 0
        else:
            ordered.append(on_time.pop(0))
            gap += 1
    return ordered


def _on_time_called_since(entries: list[QueueEntry], arrival: dt.datetime) -> int:
    """On-time patients called since `arrival` and since the last late patient was called."""
    late_calls = [e.called_at for e in entries if e.called_at is not None and e.is_late]
    since = max([arrival, *late_calls])
    return sum(
        1 for e in entries if e.called_at is not None and not e.is_late and e.called_at >= since
    )
