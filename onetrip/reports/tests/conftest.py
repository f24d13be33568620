"""Reports fixtures: the exams app's catalogue and ordering doctor, a laboratory system of the
tertiary hospital, and exam orders its results answer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from onetrip.conftest import NOW
from onetrip.core.actors import Actor, ActorKind, Channel
from onetrip.exams import catalogue
from onetrip.exams import services as exams
from onetrip.exams.models import DeviceKind, ExamOrder
from onetrip.exams.tests.conftest import ExamSetup, doctor_actor  # noqa: F401 (a fixture)

__all__ = ["doctor_actor"]


@pytest.fixture
def exam_setup(clock, tertiary, register) -> ExamSetup:
    """The exams app's catalogue, with just the devices reports tests order on, for one day."""
    catalogue.load_default_catalogue()
    kinds = {DeviceKind.BLOOD_DRAW: 1, DeviceKind.ULTRASOUND: 1, DeviceKind.CT: 1}
    catalogue.equip_institution(tertiary.pk, kinds, NOW.date(), 1)
    return ExamSetup(patient=register(), now=NOW)


@pytest.fixture
def lab(tertiary) -> Actor:
    """The tertiary hospital's laboratory information system, signed in with its API key."""
    return Actor(
        kind=ActorKind.CLIENT,
        label="LIS H001",
        institution_id=tertiary.pk,
        client_id=1,
        channel=Channel.API,
    )


@pytest.fixture
def place_order(exam_setup, doctor_actor) -> Callable[..., ExamOrder]:  # noqa: F811
    def place(item_code: str = "BLOOD_FASTING", **overrides) -> ExamOrder:
        fields = {"patient_id": exam_setup.patient.pk, "item_code": item_code}
        fields.update(overrides)
        actor = fields.pop("actor", doctor_actor)
        return exams.place_exam_order(actor=actor, **fields)

    return place


@pytest.fixture
def order(place_order) -> ExamOrder:
    return place_order()
