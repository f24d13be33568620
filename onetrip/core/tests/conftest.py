"""A small demo world for the tests that walk every operation and page: real rows behind small
ids (the demo loader's), a member of staff who may do everything, and a patient's phone."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from onetrip.conftest import NOW
from onetrip.demo.loader import TERTIARY_CODE, load_demo
from onetrip.identity.models import MobileAccount, Patient, ProxyGrant
from onetrip.web.sessions import SESSION_KEY


@dataclass(frozen=True)
class World:
    anonymous: Client
    staff: Client
    patient: Client
    staff_session: str
    patient_session: str

    def clients(self) -> dict[str, Client]:
        return {"anonymous": self.anonymous, "staff": self.staff, "patient": self.patient}


@pytest.fixture
def world(db, clock, settings, make_staff) -> World:
    # Hashing the demo accounts' passwords with the production hasher would dominate the run.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo(patients=10, schedule_days=1)
    from onetrip.consortium.models import Institution

    profile = make_staff("sysadmin", Institution.objects.get(code=TERTIARY_CODE))
    profile.user.is_superuser = True
    profile.user.save(update_fields=["is_superuser"])
    staff = Client(raise_request_exception=False)
    staff.force_login(profile.user)

    holder = Patient.objects.order_by("pk").first()
    account = MobileAccount.objects.create(phone=holder.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=holder,
        account=account,
        relationship="self",
        basis="own_record",
        granted_at=NOW,
        granted_by="test",
    )
    patient = Client(raise_request_exception=False)
    session = patient.session
    session[SESSION_KEY] = account.pk
    session.save()
    return World(
        anonymous=Client(raise_request_exception=False),
        staff=staff,
        patient=patient,
        staff_session=staff.session.session_key,
        patient_session=session.session_key,
    )
