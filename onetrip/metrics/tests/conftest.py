"""Metrics fixtures: a tertiary hospital with two departments and three consulting rooms, a
township centre below it, the KPI office, and a helper writing domain events as the emitting
services do (inside a transaction, through `core.events.emit`)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.db import transaction

from onetrip.conftest import SHANGHAI, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import ClinicKind
from onetrip.core import events
from onetrip.core.actors import SYSTEM
from onetrip.core.models import DomainEvent


@pytest.fixture
def org(tertiary, township):
    medicine = consortium.add_department(tertiary, code="IM", name="内科", actor=SYSTEM)
    surgery = consortium.add_department(tertiary, code="SU", name="外科", actor=SYSTEM)
    general = consortium.add_department(township, code="GP", name="全科", actor=SYSTEM)
    rooms = [
        consortium.add_clinic(medicine, name="内科1诊室", kind=ClinicKind.GENERAL, actor=SYSTEM),
        consortium.add_clinic(medicine, name="内科2诊室", kind=ClinicKind.EXPERT, actor=SYSTEM),
        consortium.add_clinic(surgery, name="外科诊室", kind=ClinicKind.GENERAL, actor=SYSTEM),
        consortium.add_clinic(general, name="全科诊室", kind=ClinicKind.GENERAL, actor=SYSTEM),
    ]
    return SimpleNamespace(
        tertiary=tertiary,
        township=township,
        medicine=medicine,
        surgery=surgery,
        general=general,
        rooms=rooms,
    )


@pytest.fixture
def quality(make_staff, tertiary):
    """The quality and KPI office of the tertiary hospital (the consortium's root)."""
    return actor_for(make_staff("quality", tertiary))


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=SHANGHAI)


@pytest.fixture
def emit(org):
    """Write one domain event as an emitting service would; returns it."""
    counter = iter(range(1, 1_000_000))

    def write(kind, when, department, *, patient_id=1, data=None, on_site=False) -> DomainEvent:
        with transaction.atomic():
            return events.emit(
                kind,
                subject=department,
                patient_id=patient_id,
                institution_id=department.institution_id,
                department_id=department.pk,
                on_site=on_site,
                occurred_at=when,
                data={"seq": next(counter), **(data or {})},
            )

    return write
