"""Fixtures shared by every app's tests: a frozen clock, a small consortium, staff per role,
and patients registered through the real services."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest

from onetrip.consortium import services as consortium
from onetrip.consortium.models import Institution, InstitutionLevel, StaffProfile
from onetrip.core import clock as clock_module
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.identity import services as identity
from onetrip.identity.models import Patient

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI)
STAFF_PASSWORD = "correct-horse-battery"


@pytest.fixture
def clock() -> Iterator[clock_module.FrozenClock]:
    with clock_module.frozen_at(NOW) as frozen:
        yield frozen


@pytest.fixture
def tertiary(db) -> Institution:
    return consortium.create_institution(
        code="H001", name="市第一人民医院", level=InstitutionLevel.TERTIARY, actor=SYSTEM
    )


@pytest.fixture
def township(tertiary) -> Institution:
    return consortium.create_institution(
        code="T001",
        name="东山乡卫生院",
        level=InstitutionLevel.TOWNSHIP,
        parent=tertiary,
        actor=SYSTEM,
    )


def actor_for(profile: StaffProfile) -> Actor:
    return Actor(
        kind=ActorKind.STAFF,
        label=profile.user.username,
        user=profile.user,
        institution_id=profile.institution_id,
        ip="10.0.0.8",
    )


@pytest.fixture
def make_staff(db) -> Callable[..., StaffProfile]:
    counter = iter(range(1, 1000))

    def make(role: str, institution: Institution) -> StaffProfile:
        return consortium.create_staff_account(
            username=f"{role}{next(counter)}",
            password=STAFF_PASSWORD,
            full_name=f"{role} staff",
            institution=institution,
            roles=[role],
            actor=SYSTEM,
        )

    return make


@pytest.fixture
def clerk(make_staff, tertiary) -> Actor:
    """A registration-window clerk at the tertiary hospital."""
    return actor_for(make_staff("registration", tertiary))


@pytest.fixture
def register(clerk) -> Callable[..., Patient]:
    """Register a patient at the clerk's institution; keyword arguments override the defaults."""

    def register_patient(**overrides) -> Patient:
        fields = {
            "name": "张伟",
            "sex": "male",
            "birth_date": dt.date(1990, 3, 7),
            "phone": "13812345678",
            "documents": [identity.DocumentInput("resident_id", "110101199003074477")],
        }
        fields.update(overrides)
        actor = fields.pop("actor", clerk)
        return identity.register_patient(identity.PatientRegistration(**fields), actor=actor)

    return register_patient
