from __future__ import annotations

import datetime as dt

import pytest

from onetrip.billing.models import CatalogueItem
from onetrip.conftest import actor_for
from onetrip.inpatient import services
from onetrip.inpatient.models import SexRule

BED_DAY_FEN = 5000


def a_bed_day_item() -> None:
    CatalogueItem.objects.get_or_create(
        code=services.BED_DAY_ITEM,
        defaults={
            "name": "普通病房床位费（每日）",
            "kind": "service",
            "charge_category": "bed",
            "insurance_category": "A",
            "unit_price_fen": BED_DAY_FEN,
        },
    )


def surgical_ward(actor, code: str = "W5") -> services.Ward:
    """Room 01: any sex, beds A and B; room 02: women only, bed A; room 09: isolation, bed A."""
    return services.create_ward(
        services.WardIn(
            code=code,
            name=f"普外科{code}病区",
            rooms=(
                ("01", SexRule.ANY, False, ("A", "B")),
                ("02", SexRule.FEMALE, False, ("A",)),
                ("09", SexRule.ANY, True, ("A",)),
            ),
        ),
        actor=actor,
    )


def day_ward(actor) -> services.Ward:
    return services.create_ward(
        services.WardIn(
            code="DS",
            name="日间手术病房",
            day_surgery=True,
            rooms=(("01", SexRule.ANY, False, ("A", "B")),),
        ),
        actor=actor,
    )


def bed(ward, room: str, label: str):
    return services.Bed.objects.get(room__ward=ward, room__number=room, label=label)


@pytest.fixture
def doctor(make_staff, tertiary):
    return actor_for(make_staff("doctor", tertiary))


@pytest.fixture
def centre(make_staff, tertiary):
    a_bed_day_item()
    return actor_for(make_staff("admission", tertiary))


@pytest.fixture
def nurse(make_staff, tertiary):
    return actor_for(make_staff("ward_nurse", tertiary))


@pytest.fixture
def ward(centre):
    return surgical_ward(centre)


@pytest.fixture
def patient(register):
    return register()


def notice(doctor, patient, **overrides):
    fields = {
        "patient_id": patient.pk,
        "diagnosis": "胆囊结石伴慢性胆囊炎",
        "planned_procedure": "腹腔镜胆囊切除术",
        "urgency": "elective",
        "expected_los_days": 5,
        "surgeon": "王建国",
    }
    fields.update(overrides)
    return services.issue_notice(services.NoticeIn(**fields), actor=doctor)


def booked(doctor, centre, patient, the_bed, **overrides):
    admission = notice(doctor, patient, **overrides)
    return services.book_bed(
        admission.pk, bed_id=the_bed.pk, expected_date=dt.date(2026, 11, 25), actor=centre
    )


def admitted(doctor, centre, patient, the_bed, **overrides):
    admission = booked(doctor, centre, patient, the_bed, **overrides)
    return services.admit(admission.pk, kind="code", value=str(patient.pk), actor=centre)


def person(register, n: int, *, sex: str = "male", born: dt.date = dt.date(1980, 5, 1)):
    """The n-th extra patient, with a resident ID of their own."""
    from onetrip.demo.loader import resident_id_number
    from onetrip.identity import services as identity

    return register(
        name=f"病人{n}",
        sex=sex,
        birth_date=born,
        phone=f"1390000{n:04d}",
        documents=[
            identity.DocumentInput("resident_id", resident_id_number("110101", born, sex, n))
        ],
    )
