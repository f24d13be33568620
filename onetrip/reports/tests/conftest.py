"""Reports fixtures: the exams app's catalogue and ordering doctor, a laboratory system of the
tertiary hospital, and exam orders its results answer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from onetrip.core.actors import Actor, ActorKind, Channel
from onetrip.exams import services as exams
from onetrip.exams.models import ExamOrder
from onetrip.exams.tests.conftest import doctor_actor, exam_setup  # noqa: F401 (fixtures)

__all__ = ["doctor_actor", "exam_setup"]


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
