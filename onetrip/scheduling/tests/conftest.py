"""Scheduling fixtures: an internal-medicine doctor at the tertiary hospital with Monday to Friday
morning sessions (08:00–11:00, 10-minute slots, 2 patients each), generated for two weeks."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.billing.models import CatalogueItem, ChargeCategory, InsuranceCategory, ItemKind
from onetrip.billing.services.sources import registration_item_code
from onetrip.conftest import NOW
from onetrip.consortium import services as consortium
from onetrip.consortium.models import ClinicKind, DoctorTitle
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.identity.models import MobileAccount, ProxyGrant
from onetrip.scheduling.models import ClinicSession, Period, SessionTemplate, Slot
from onetrip.scheduling.services import schedule
from onetrip.scheduling.services.booking import BookingRequest, book_slot


@pytest.fixture
def medicine(tertiary):
    return consortium.add_department(tertiary, code="IM", name="内科", actor=SYSTEM)


@pytest.fixture
def doctor(medicine):
    return consortium.add_doctor(medicine, name="李医生", title=DoctorTitle.CHIEF, actor=SYSTEM)


@pytest.fixture
def sessions(clock, doctor, medicine, tertiary):
    """Weekday mornings of an expert clinic, 50.00 CNY a visit (a fee the price catalogue has)."""
    CatalogueItem.objects.create(
        code=registration_item_code(5000),
        name="专家门诊诊查费",
        kind=ItemKind.SERVICE,
        charge_category=ChargeCategory.REGISTRATION,
        insurance_category=InsuranceCategory.B,
        unit_price_fen=5000,
    )
    clinic = consortium.add_clinic(
        medicine, name="内科专家门诊", kind=ClinicKind.EXPERT, actor=SYSTEM
    )
    for weekday in range(5):
        SessionTemplate.objects.create(
            doctor=doctor,
            clinic=clinic,
            weekday=weekday,
            period=Period.MORNING,
            start_time=dt.time(8, 0),
            end_time=dt.time(11, 0),
            slot_minutes=10,
            capacity_per_slot=2,
            fee_fen=5000,
            valid_from=NOW.date(),
        )
    schedule.generate_sessions(
        institution_id=tertiary.pk,
        date_from=NOW.date(),
        date_to=NOW.date() + dt.timedelta(days=20),
        actor=SYSTEM,
    )
    return ClinicSession.objects.filter(doctor=doctor).order_by("date")


@pytest.fixture
def patient_actor(register):
    """A signed-in mobile account holding its own record (the `register` default patient)."""
    patient = register()
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship="self",
        basis="own_record",
        granted_at=NOW,
        granted_by="test",
    )
    actor = Actor(kind=ActorKind.PATIENT, label="138****5678", account_id=account.pk)
    return actor, patient


@pytest.fixture
def book(patient_actor):
    """Book through the app as the patient; keyword arguments override the request."""
    actor, patient = patient_actor

    def make(slot: Slot, **overrides):
        fields = {"patient_id": patient.pk, "slot_id": slot.pk, "channel": "app"}
        acting = overrides.pop("actor", actor)
        fields.update(overrides)
        return book_slot(BookingRequest(**fields), actor=acting)

    return make
