"""Home care (R-PH-5): a doctor's order, a visit scheduled for a community nurse, the visit's
notes and vital signs, and the visit charged once to the patient's bill (HOME_CARE source)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from onetrip.billing.models import (
    CatalogueItem,
    Charge,
    ChargeCategory,
    ChargeSource,
    InsuranceCategory,
    ItemKind,
)
from onetrip.conftest import NOW, actor_for
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.publichealth.services import home_care


@pytest.fixture
def station(clinic, make_staff, tertiary):
    CatalogueItem.objects.create(
        code=home_care.VISIT_ITEM,
        name="上门护理服务费",
        kind=ItemKind.SERVICE,
        charge_category=ChargeCategory.TREATMENT,
        insurance_category=InsuranceCategory.B,
        unit_price_fen=8000,
    )
    doctor = actor_for(make_staff("doctor", tertiary))
    nurse = actor_for(make_staff("community_nurse", tertiary))
    return doctor, nurse


def _ordered_and_scheduled(clinic, station):
    doctor, nurse = station
    order = home_care.order_home_care(
        patient_id=clinic.mother.pk,
        kind="home_bed",
        reason="脑卒中后长期卧床，压疮护理",
        address="海州市青屿县螺门镇1号",
        actor=doctor,
    )
    return home_care.schedule_visit(
        order.pk,
        nurse_username=nurse.user.username,
        at=NOW + dt.timedelta(hours=3),
        actor=nurse,
    )


def test_a_home_visit_is_recorded_with_vitals_and_charged_once(clinic, station):
    _doctor, nurse = station
    visit = _ordered_and_scheduled(clinic, station)
    assert [v.pk for v in home_care.nurse_worklist(actor=nurse)] == [visit.pk]
    home_care.record_visit(
        visit.pk,
        notes="更换敷料，压疮好转",
        systolic=132,
        diastolic=84,
        pulse=76,
        temperature_tenths=366,
        actor=nurse,
    )
    charge = Charge.objects.get(source_key=home_care.charge_key(visit))
    assert (charge.source, charge.amount_fen) == (ChargeSource.HOME_CARE, 8000)
    assert home_care.nurse_worklist(actor=nurse) == []
    with pytest.raises(DomainError) as again:
        home_care.record_visit(
            visit.pk,
            notes="重复",
            systolic=None,
            diastolic=None,
            pulse=None,
            temperature_tenths=None,
            actor=nurse,
        )
    assert again.value.code == "already_done"
    assert Charge.objects.filter(source=ChargeSource.HOME_CARE).count() == 1


def test_implausible_vitals_write_nothing(clinic, station):
    _doctor, nurse = station
    visit = _ordered_and_scheduled(clinic, station)
    with pytest.raises(InvalidInput) as refused:
        home_care.record_visit(
            visit.pk,
            notes="测量",
            systolic=400,
            diastolic=80,
            pulse=70,
            temperature_tenths=365,
            actor=nurse,
        )
    assert refused.value.errors[0].field == "systolic"
    assert not Charge.objects.exists()


def test_only_a_nurse_of_the_station_can_be_scheduled(clinic, station):
    doctor, nurse = station
    order = home_care.order_home_care(
        patient_id=clinic.mother.pk,
        kind="home_nursing",
        reason="术后换药",
        address="海州市1号",
        actor=doctor,
    )
    with pytest.raises(InvalidInput):
        home_care.schedule_visit(
            order.pk,
            nurse_username=doctor.user.username,
            at=NOW + dt.timedelta(hours=1),
            actor=nurse,
        )


def test_home_visits_done_counts_visits_recorded_on_their_day(
    clinic, station, clock, township, make_staff
):
    """Hand count: three visits scheduled for 23 Nov at the hospital — one recorded that day,
    one the next morning (late), one never → 1/3; the township, another station, has none."""
    from onetrip.metrics import services as metrics
    from onetrip.metrics.definitions import METRICS_BY_CODE, Scope
    from onetrip.metrics.periods import parse_period

    doctor, nurse = station
    order = home_care.order_home_care(
        patient_id=clinic.mother.pk,
        kind="home_bed",
        reason="卧床",
        address="海州市1号",
        actor=doctor,
    )
    visits = [
        home_care.schedule_visit(
            order.pk,
            nurse_username=nurse.user.username,
            at=NOW + dt.timedelta(hours=hours),
            actor=nurse,
        )
        for hours in (1, 2, 3)
    ]
    clock.advance(dt.timedelta(hours=1, minutes=30))
    home_care.record_visit(
        visits[0].pk,
        notes="换药",
        systolic=None,
        diastolic=None,
        pulse=None,
        temperature_tenths=None,
        actor=nurse,
    )
    clock.advance(dt.timedelta(hours=20))  # 24 Nov, 06:00
    home_care.record_visit(
        visits[1].pk,
        notes="换药",
        systolic=None,
        diastolic=None,
        pulse=None,
        temperature_tenths=None,
        actor=nurse,
    )
    period = parse_period("2026-11")
    scope = Scope((clinic.hospital.pk,))
    figure = metrics.figure(
        METRICS_BY_CODE["home_visits_done"], metrics.recomputed_totals(scope, period), scope
    )
    assert (figure.numerator, figure.denominator) == (1, 3)
    other = Scope((township.pk,))
    figure = metrics.figure(
        METRICS_BY_CODE["home_visits_done"], metrics.recomputed_totals(other, period), other
    )
    assert not figure.denominator  # nothing to count there


def test_the_family_sees_the_orders_visits_and_notes_on_the_phone(clinic, station, phone_client):
    _doctor, nurse = station
    done = _ordered_and_scheduled(clinic, station)
    home_care.schedule_visit(
        done.order_id,
        nurse_username=nurse.user.username,
        at=NOW + dt.timedelta(days=2),
        actor=nurse,
    )
    home_care.record_visit(
        done.pk,
        notes="更换敷料，压疮好转",
        systolic=132,
        diastolic=84,
        pulse=None,
        temperature_tenths=None,
        actor=nurse,
    )
    page = phone_client(clinic.mother.phone).get(reverse("publichealth-patient-home-care"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "更换敷料，压疮好转" in html
    assert "132/84" in html
    assert html.count('class="upcoming-visit"') == 1
    assert (NOW + dt.timedelta(days=2)).strftime("%Y-%m-%d") in html
