"""The video link of a hut consultation (R-PH-4, D188) behind an adapter: the platform asks for a
room for a consultation at a time and gets back the room's address for the resident (at the
hut's screen or on the phone) and the doctor. `SandboxVideoRooms` stands in for the video
service: it makes the room's address locally (a random, unguessable room name under the site's
own `/video/` path) and keeps nothing, so a demo and the tests need no outside service."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class Room:
    url: str


class VideoRooms(Protocol):
    def open_room(self, *, consultation_id: int, starts_at: dt.datetime) -> Room: ...


class SandboxVideoRooms:
    def open_room(self, *, consultation_id: int, starts_at: dt.datetime) -> Room:
        name = f"hut-{consultation_id}-{secrets.token_urlsafe(12)}"
        return Room(f"{settings.ONETRIP_SITE_URL.rstrip('/')}/video/{name}")


def video_rooms() -> VideoRooms:
    return SandboxVideoRooms()
