"""The public-health indicators on a hand-counted scenario with traps (D174).

Vaccination on schedule, the child born 2026-10-14 (40 days before 2026-11-23):
  HepB dose 2 due 2026-11-14, on schedule until 2026-12-13 → given 11-23: on schedule  (1/1)
  HepB dose 3 due 2027-04-14 → given 11-24, far too early: not on schedule            (1/2)
  HPV dose 1 to the mother (adult, not a programme vaccine): outside the indicator    (1/2)
  BCG dose 1 due at birth, on schedule until 11-13 → given 11-25: late                (1/3)
AEFI: one reported 20 hours after discovery (in time), one 49 hours after (late)     (1/2)
Hut readings: three out of range (one followed up in 2 h, one after 25 h, one never) and
  one in range (outside the indicator)                                               (1/3)
"""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.billing.models import Charge, PaymentChannel, SettlementMode
from onetrip.billing.services import settlements
from onetrip.conftest import NOW, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import InstitutionLevel
from onetrip.core.actors import SYSTEM
from onetrip.identity.models import IdentityDocument
from onetrip.metrics import services as metrics
from onetrip.metrics.definitions import METRICS_BY_CODE, Scope
from onetrip.metrics.periods import parse_period
from onetrip.publichealth.devices import SandboxHutDevice
from onetrip.publichealth.models import HutReading
from onetrip.publichealth.services import huts, vaccination
from onetrip.publichealth.tests import factories
from onetrip.publichealth.tests.factories import HEPB_PREFIX, HPV_PREFIX, trace_code


def _figure(code: str, scope: Scope):
    period = parse_period("2026-11")
    found = metrics.recomputed_totals(scope, period)
    figure = metrics.figure(METRICS_BY_CODE[code], found, scope)
    return figure.numerator, figure.denominator


def _bcg(clinic):
    vaccination.define_product(
        vaccination.ProductIn("BCG", "上海生物制品研究所", "8100003"), actor=clinic.nurse
    )
    vaccination.receive_lot(
        vaccination.LotIn(
            "BCG", "BCG-1", "国药控股", dt.date(2027, 11, 1), 1, [trace_code("8100003", 1)]
        ),
        actor=clinic.nurse,
    )


def test_vaccination_on_schedule_counts_programme_doses_by_the_2021_ages(clinic, clock):
    factories.a_lot(clinic.nurse, packages=3)
    factories.a_lot(clinic.nurse, product="HPV", lot_number="HPV-1", packages=1)
    _bcg(clinic)
    factories.given(
        factories.booked(clinic.child, clinic.parent, clinic.hospital, dose=2),
        clinic.nurse,
        trace_code(HEPB_PREFIX, 1),
    )
    clock.advance(dt.timedelta(days=1))
    factories.given(
        factories.booked(clinic.child, clinic.nurse, clinic.hospital, dose=3),
        clinic.nurse,
        trace_code(HEPB_PREFIX, 2),
    )
    hpv = factories.booked(clinic.mother, clinic.nurse, clinic.hospital, product="HPV", dose=1)
    charge = Charge.objects.get(source_key=vaccination.fee_key(hpv))
    settlements.settle_bill(
        settlements.SettlementRequest(
            bill_id=charge.bill_id, mode=SettlementMode.WINDOW, channel=PaymentChannel.CASH
        ),
        actor=clinic.cashier,
    )
    factories.given(hpv, clinic.nurse, trace_code(HPV_PREFIX, 1))
    clock.advance(dt.timedelta(days=1))
    factories.given(
        factories.booked(clinic.child, clinic.nurse, clinic.hospital, product="BCG", dose=1),
        clinic.nurse,
        trace_code("8100003", 1),
    )
    assert _figure("vaccination_on_schedule", Scope((clinic.hospital.pk,))) == (1, 3)


def test_aefi_reported_within_forty_eight_hours_of_discovery(clinic, clock):
    factories.a_lot(clinic.nurse, packages=2)
    dose = factories.given(
        factories.booked(clinic.child, clinic.parent, clinic.hospital),
        clinic.nurse,
        trace_code(HEPB_PREFIX, 1),
    )
    clock.advance(dt.timedelta(hours=60))
    now = NOW + dt.timedelta(hours=60)
    for hours_ago in (20, 49):
        vaccination.report_aefi(
            dose.pk,
            onset_at=dose.given_at + dt.timedelta(hours=1),
            discovered_at=now - dt.timedelta(hours=hours_ago),
            symptoms="发热",
            serious=False,
            actor=clinic.nurse,
        )
    assert _figure("aefi_reported_in_time", Scope((clinic.hospital.pk,))) == (1, 2)


@pytest.fixture
def hut(clinic, township, make_staff):
    place = consortium.create_institution(
        code="I001",
        name="鹿西岛健康小屋",
        level=InstitutionLevel.ISLAND_HUT,
        parent=township,
        actor=SYSTEM,
    )
    doctor = actor_for(make_staff("doctor", township))
    huts.register_device(place.pk, huts.DeviceIn("BP-0001", "bp"), actor=doctor)
    return place, doctor


def test_hut_readings_followed_up_within_a_day(clinic, hut, township, clock):
    place, doctor = hut
    resident = IdentityDocument.objects.get(patient=clinic.mother).number
    device = SandboxHutDevice("BP-0001", "bp")
    device.measure_blood_pressure(resident, 120, 80, NOW)  # in range: outside the indicator
    for systolic in (160, 170, 180):
        device.measure_blood_pressure(resident, systolic, 95, NOW)
    device.flush(lambda serial, batch: huts.upload_readings(serial, batch, actor=SYSTEM))
    first, second, _third = HutReading.objects.filter(out_of_range=True).order_by("systolic")
    clock.advance(dt.timedelta(hours=2))
    huts.follow_up(first.pk, note="电话随访", actor=doctor)
    clock.advance(dt.timedelta(hours=23))
    huts.follow_up(second.pk, note="上门随访", actor=doctor)
    # Counted in the township's subtree, where the hut is.
    assert _figure("hut_readings_followed_up", Scope((township.pk, place.pk))) == (1, 3)
    assert _figure("hut_readings_followed_up", Scope((clinic.hospital.pk,))) == (0, 0)
