"""Session authentication for the JSON API (CSRF-checked, like the pages).

The auth classes only establish *who* is calling; what they may do is checked by the services
through the `Actor` built here."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import SessionAuth

from onetrip.core.actors import Actor, Channel, staff_actor


class StaffSession(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = request.user
        if user.is_authenticated and user.is_active and hasattr(user, "staff_profile"):
            return user
        return None


def api_staff_actor(request: HttpRequest) -> Actor:
    return staff_actor(request, channel=Channel.API)
