"""The one clock. Code asks `clock.now()`; tests freeze and move it with the `clock` fixture."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

from django.utils import timezone

_frozen: dt.datetime | None = None


def now() -> dt.datetime:
    """Aware current time in Asia/Shanghai (the project's TIME_ZONE)."""
    return timezone.localtime(_frozen) if _frozen is not None else timezone.localtime()


def today() -> dt.date:
    return now().date()


@contextmanager
def frozen_at(moment: dt.datetime) -> Iterator[FrozenClock]:
    global _frozen
    if timezone.is_naive(moment):
        raise ValueError("freeze the clock with an aware datetime")
    previous, _frozen = _frozen, moment
    try:
        yield FrozenClock()
    finally:
        _frozen = previous


class FrozenClock:
    def set(self, moment: dt.datetime) -> None:
        global _frozen
        _frozen = moment

    def advance(self, delta: dt.timedelta) -> None:
        global _frozen
        assert _frozen is not None
        _frozen = _frozen + delta
