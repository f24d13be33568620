"""The callers of the scheduling API and FHIR tests: a township clinic's external system with its
own patient, and a patient signed in on the app."""

from __future__ import annotations

import datetime as dt

from onetrip.conftest import actor_for
from onetrip.identity import services as identity
from onetrip.identity.sessions import SESSION_KEY
from onetrip.scheduling.api_keys import issue_api_key

TOWNSHIP_PATIENT_ID = "110105198506121248"  # 李娜, female, born 1985-06-12


def township_patient(register, make_staff, township):
    """A patient registered at the township health centre (and nowhere else)."""
    return register(
        name="李娜",
        sex="female",
        birth_date=dt.date(1985, 6, 12),
        phone="13900002222",
        documents=[identity.DocumentInput("resident_id", TOWNSHIP_PATIENT_ID)],
        actor=actor_for(make_staff("registration", township)),
    )


def township_key(make_staff, tertiary, township, channel: str = "primary_care") -> str:
    """An API key of the township's HIS, issued by the lead hospital's administrator."""
    admin = actor_for(make_staff("sysadmin", tertiary))
    _client, key = issue_api_key(township.pk, "东山乡卫生院 HIS", channel, actor=admin)
    return key


def sign_in_patient(client, account_id: int):
    """The Django test client with the app's patient session for `account_id`."""
    session = client.session
    session[SESSION_KEY] = account_id
    session.save()
    return client
