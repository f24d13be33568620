"""The courier adapter for posting parcels (record copies R-SVC-1, medicines R-RX-2), shaped
like a real courier's open API (顺丰/EMS style): create a waybill for a parcel, then track it by
waybill number. It lives in core, the ground floor, so every domain that posts things can use it.

`SandboxCourier` is the local stand-in the demo and tests use: it keeps nothing, the waybill
number carries its creation time, and tracking answers from the one clock: collected at once, in
transit after two hours, delivered a day after collection. A real adapter would call the
courier's HTTPS API with the hospital's customer code and key from settings.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from onetrip.core import clock


@dataclass(frozen=True)
class Address:
    name: str
    phone: str
    address: str


@dataclass(frozen=True)
class Waybill:
    number: str
    created_at: dt.datetime


@dataclass(frozen=True)
class TrackingEvent:
    at: dt.datetime
    status: str  # collected, in_transit, delivered
    description: str


class SandboxCourier:
    IN_TRANSIT_AFTER = dt.timedelta(hours=2)
    DELIVERED_AFTER = dt.timedelta(hours=24)

    def create_waybill(self, *, sender: Address, recipient: Address, reference: str) -> Waybill:
        if not (recipient.name and recipient.phone and recipient.address):
            raise ValueError("a waybill needs the recipient's name, phone and address")
        now = clock.now()
        number = f"SB{int(now.timestamp()):010d}{secrets.randbelow(10**4):04d}"
        return Waybill(number=number, created_at=now)

    def track(self, number: str) -> list[TrackingEvent]:
        try:
            created = dt.datetime.fromtimestamp(int(number[2:12]), tz=dt.UTC)
        except ValueError:
            return []
        now = clock.now()
        events = [TrackingEvent(created, "collected", "已揽收")]
        if now >= created + self.IN_TRANSIT_AFTER:
            events.append(TrackingEvent(created + self.IN_TRANSIT_AFTER, "in_transit", "运输中"))
        if now >= created + self.DELIVERED_AFTER:
            events.append(TrackingEvent(created + self.DELIVERED_AFTER, "delivered", "已签收"))
        return events


def courier() -> SandboxCourier:
    return SandboxCourier()
