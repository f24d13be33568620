"""Travel time between zones behind one small protocol (D132). The sandbox answers from the
road-time table (`RoadTime`, data the centre corrects); a real routing service (高德/百度
路径规划) would implement the same method later, chosen in settings."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from django.db.models import Q

from onetrip.emergency.models import RoadTime


class Routing(Protocol):
    def minutes(self, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
        """Minutes by road for each (origin zone, destination zone) pair it knows; a pair
        missing from the answer is unreachable."""
        ...


class RoadTimeTable:
    """The sandbox: the table, read in one query. A pair not in the table is looked up the
    other way round (roads are taken to be as fast both ways unless the table says otherwise)."""

    def minutes(self, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
        wanted = set(pairs)
        if not wanted:
            return {}
        zones = {zone for pair in wanted for zone in pair}
        known = {
            (origin, destination): minutes
            for origin, destination, minutes in RoadTime.objects.filter(
                Q(origin_id__in=zones) & Q(destination_id__in=zones)
            ).values_list("origin_id", "destination_id", "minutes")
        }
        found = {}
        for origin, destination in wanted:
            minutes = known.get((origin, destination), known.get((destination, origin)))
            if minutes is not None:
                found[(origin, destination)] = minutes
        return found


def routing() -> Routing:
    return RoadTimeTable()
