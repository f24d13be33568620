"""The hut devices' side of the link (R-PH-4, D172): a device keeps every measurement with its own
id until the platform acknowledges the batch that carried it. While the island's link is down
nothing is lost (the batch stays queued); a batch whose acknowledgement was lost is sent again
and the platform files each reading once (its unique device + reading id).

`SandboxHutDevice` is the device: `measure_*` queues a reading, `flush(send)` sends queued
readings in batches through `send` (the platform's upload) and drops only what was acknowledged.
`link_up=False` makes every send fail as a dropped link would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field


class LinkDown(Exception):
    pass


@dataclass(frozen=True)
class ReadingIn:
    reading_uid: str
    resident_id: str  # the resident's ID card, read by the hut's card reader
    kind: str
    measured_at: dt.datetime
    systolic: int | None = None
    diastolic: int | None = None
    glucose_tenths: int | None = None


@dataclass
class SandboxHutDevice:
    serial: str
    kind: str
    link_up: bool = True
    batch_size: int = 20
    queued: list[ReadingIn] = field(default_factory=list)
    _sequence: int = 0

    def _next_uid(self) -> str:
        self._sequence += 1
        return f"{self.serial}-{self._sequence:08d}"

    def measure_blood_pressure(
        self, resident_id: str, systolic: int, diastolic: int, at: dt.datetime
    ) -> ReadingIn:
        reading = ReadingIn(self._next_uid(), resident_id, "bp", at, systolic, diastolic)
        self.queued.append(reading)
        return reading

    def measure_glucose(self, resident_id: str, tenths: int, at: dt.datetime) -> ReadingIn:
        reading = ReadingIn(self._next_uid(), resident_id, "glucose", at, glucose_tenths=tenths)
        self.queued.append(reading)
        return reading

    def flush(self, send: Callable[[str, list[ReadingIn]], object]) -> int:
        """Send the queue in batches; answers how many were acknowledged."""
        acknowledged = 0
        while self.queued:
            batch = self.queued[: self.batch_size]
            if not self.link_up:
                raise LinkDown(self.serial)
            send(self.serial, batch)
            del self.queued[: len(batch)]
            acknowledged += len(batch)
        return acknowledged
