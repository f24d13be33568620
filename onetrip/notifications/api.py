"""Notification settings of the signed-in mobile account: /api/notifications/preferences."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from onetrip.core.actors import Channel as ActorChannel
from onetrip.notifications import services
from onetrip.notifications.models import Channel, ContactPreference
from onetrip.web.sessions import PatientSession, current_patient_actor, signed_in_account

router = Router(tags=["notifications (self-service)"], auth=PatientSession())


class PreferencesIO(Schema):
    language: str
    channels: list[str]
    quiet_from: dt.time | None = None
    quiet_until: dt.time | None = None


def _out(preference: ContactPreference) -> dict:
    return {
        "language": preference.language,
        "channels": [c for c in Channel.values if getattr(preference, c)],
        "quiet_from": preference.quiet_from,
        "quiet_until": preference.quiet_until,
    }


@router.get("/preferences", response=PreferencesIO)
def my_preferences(request: HttpRequest):
    current_patient_actor(request, channel=ActorChannel.API)
    return _out(services.preferences_of(signed_in_account(request).phone))


@router.put("/preferences", response=PreferencesIO)
def set_my_preferences(request: HttpRequest, payload: PreferencesIO):
    actor = current_patient_actor(request, channel=ActorChannel.API)
    preference = services.set_preferences(
        services.PreferenceInput(**payload.dict()),
        phone=signed_in_account(request).phone,
        actor=actor,
    )
    return _out(preference)
