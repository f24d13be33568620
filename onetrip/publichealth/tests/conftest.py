"""Public-health fixtures: the tertiary hospital's vaccination clinic, its vaccinator, the
vaccines (hepatitis B of the programme, HPV paid), a mother and her 40-day-old child; a phone
session for a mobile number."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client

from onetrip.conftest import NOW, actor_for
from onetrip.consortium.models import Institution
from onetrip.core.actors import Actor
from onetrip.identity.models import MobileAccount, Patient
from onetrip.publichealth.tests import factories
from onetrip.web.sessions import SESSION_KEY


@dataclass
class Clinic:
    hospital: Institution
    nurse: Actor
    cashier: Actor
    mother: Patient
    child: Patient
    parent: Actor


@pytest.fixture
def clinic(clock, tertiary, make_staff, clerk) -> Clinic:
    factories.vaccination_clinic(tertiary)
    nurse = actor_for(make_staff("vaccinator", tertiary))
    factories.vaccines(nurse)
    mother, child, parent = factories.mother_with_child(clerk)
    return Clinic(
        hospital=tertiary,
        nurse=nurse,
        cashier=actor_for(make_staff("finance", tertiary)),
        mother=mother,
        child=child,
        parent=parent,
    )


@pytest.fixture
def phone_client(db):
    """A phone session of the mobile account of `phone` (made when new)."""

    def signed_in(phone: str) -> Client:
        account, _created = MobileAccount.objects.get_or_create(
            phone=phone, defaults={"created_at": NOW}
        )
        client = Client()
        session = client.session
        session[SESSION_KEY] = account.pk
        session.save()
        return client

    return signed_in
