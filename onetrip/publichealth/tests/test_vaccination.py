"""Vaccination traced from lot to dose (R-PH-1): receiving with scanned codes, the cold chain,
booking through scheduling, screening and consent, the scanned dose and its observation, payment
of a self-paid vaccine, adverse events, both traces in one query each, and a recall that tells
every recipient."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from onetrip.billing.models import Charge, ChargeSource, PaymentChannel, SettlementMode
from onetrip.billing.services import settlements
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.core.models import AuditEvent
from onetrip.notifications.models import Notification
from onetrip.publichealth import schedule
from onetrip.publichealth.models import AefiCategory, TraceCode, VaccineLot, VisitStatus
from onetrip.publichealth.services import vaccination
from onetrip.publichealth.tests import factories
from onetrip.publichealth.tests.factories import HEPB_PREFIX, HPV_PREFIX, trace_code


def test_the_2021_schedule_gives_hepatitis_b_at_birth_one_and_six_months():
    born = dt.date(2026, 1, 31)
    hepb = [d for d in schedule.child_doses_due(born) if d.product_code == "HepB"]
    assert [d.due_on for d in hepb] == [born, dt.date(2026, 2, 28), dt.date(2026, 7, 31)]
    # On schedule until the day before the next month of age begins.
    assert hepb[1].timely_until == dt.date(2026, 3, 30)
    assert schedule.doses_in_series("RAB") == 5
    assert schedule.doses_in_series("DTaP") == 4


@pytest.mark.parametrize(
    "code",
    ["8100001000000001000", "81000010000000010000X", "8100001 00000000100 00a", ""],
)
def test_a_traceability_code_must_be_twenty_digits(code):
    with pytest.raises(InvalidInput) as refused:
        vaccination.clean_trace_code(code)
    assert refused.value.errors[0].code == "bad_trace_code"


def test_scanner_spaces_are_not_part_of_the_code():
    assert vaccination.clean_trace_code(" 81000010 0000000100 00 ") == "81000010000000010000"


def test_a_lot_is_received_with_every_package_code(clinic):
    lot = factories.a_lot(clinic.nurse, packages=3, doses_per_package=2)
    assert (lot.doses_received, lot.doses_left) == (6, 6)
    assert TraceCode.objects.filter(lot=lot).count() == 3


@pytest.mark.parametrize(
    ("codes", "error"),
    [
        ([trace_code(HPV_PREFIX, 1)], "wrong_product"),
        ([trace_code(HEPB_PREFIX, 1), trace_code(HEPB_PREFIX, 1)], "duplicate"),
        ([], "required"),
    ],
)
def test_a_lot_refuses_codes_of_another_vaccine_or_repeated(clinic, codes, error):
    with pytest.raises(InvalidInput) as refused:
        vaccination.receive_lot(
            vaccination.LotIn("HepB", "L1", "国药控股", dt.date(2027, 12, 31), 1, codes),
            actor=clinic.nurse,
        )
    assert refused.value.errors[0].code == error
    assert not VaccineLot.objects.exists()


def test_a_code_already_on_file_is_refused(clinic):
    factories.a_lot(clinic.nurse, packages=1)
    with pytest.raises(InvalidInput) as refused:
        factories.a_lot(clinic.nurse, lot_number="OTHER", packages=1)
    assert refused.value.errors[0].code == "duplicate"


@pytest.mark.parametrize(
    ("tenths", "excursion"), [(20, False), (80, False), (19, True), (81, True)]
)
def test_cold_chain_readings_outside_two_to_eight_degrees_are_flagged(clinic, tenths, excursion):
    reading = vaccination.record_temperature(
        unit="冷藏箱1", tenths_celsius=tenths, actor=clinic.nurse
    )
    assert reading.excursion is excursion


def test_a_child_is_booked_through_scheduling_screened_and_given_a_scanned_dose(clinic):
    lot = factories.a_lot(clinic.nurse)
    visit = factories.booked(clinic.child, clinic.parent, clinic.hospital)
    assert visit.appointment.patient_id == clinic.child.pk
    assert visit.status == VisitStatus.BOOKED
    with pytest.raises(DomainError) as refused:
        vaccination.give_dose(
            visit.pk, trace_code=trace_code(HEPB_PREFIX, 1), site="left_thigh", actor=clinic.nurse
        )
    assert refused.value.code == "not_screened"
    dose = factories.given(visit, clinic.nurse, trace_code(HEPB_PREFIX, 1))
    lot.refresh_from_db()
    assert lot.doses_left == 2
    assert dose.observation_until - dose.given_at == dt.timedelta(minutes=30)
    assert dose.nurse == clinic.nurse.user
    told = Notification.objects.get(template="vaccination_observation")
    assert told.phone == clinic.mother.phone
    assert told.params["until"] == "10:00"
    assert AuditEvent.objects.filter(summary__startswith="dose given", patient_id=clinic.child.pk)


def test_a_yes_in_screening_defers_the_dose(clinic):
    visit = factories.booked(clinic.child, clinic.parent, clinic.hospital)
    answers = dict(factories.NO_TO_ALL, fever=True)
    visit = vaccination.screen(visit.pk, answers=answers, consent_by="王芳", actor=clinic.nurse)
    assert visit.status == VisitStatus.DEFERRED


def test_a_package_is_used_no_more_times_than_it_has_doses(clinic):
    factories.a_lot(clinic.nurse, packages=1, doses_per_package=1)
    first = factories.booked(clinic.child, clinic.parent, clinic.hospital)
    factories.given(first, clinic.nurse, trace_code(HEPB_PREFIX, 1))
    second = factories.booked(clinic.mother, clinic.nurse, clinic.hospital, dose=1)
    factories.screened(second, clinic.nurse)
    with pytest.raises(DomainError) as refused:
        vaccination.give_dose(
            second.pk,
            trace_code=trace_code(HEPB_PREFIX, 1),
            site="left_deltoid",
            actor=clinic.nurse,
        )
    assert refused.value.code == "package_used"


def test_the_observation_ends_only_after_thirty_minutes(clinic, clock):
    factories.a_lot(clinic.nurse)
    dose = factories.given(
        factories.booked(clinic.child, clinic.parent, clinic.hospital),
        clinic.nurse,
        trace_code(HEPB_PREFIX, 1),
    )
    with pytest.raises(DomainError) as refused:
        vaccination.end_observation(dose.pk, actor=clinic.nurse)
    assert refused.value.code == "too_early"
    clock.advance(dt.timedelta(minutes=29, seconds=59))
    with pytest.raises(DomainError):
        vaccination.end_observation(dose.pk, actor=clinic.nurse)
    clock.advance(dt.timedelta(seconds=1))
    assert vaccination.end_observation(dose.pk, actor=clinic.nurse).observation_ended_at


def test_a_paid_vaccine_is_given_only_after_payment(clinic, clock):
    factories.a_lot(clinic.nurse, product="HPV", lot_number="HPV-01")
    visit = factories.booked(clinic.mother, clinic.parent, clinic.hospital, product="HPV", dose=1)
    charge = Charge.objects.get(source_key=vaccination.fee_key(visit))
    assert (charge.source, charge.amount_fen) == (ChargeSource.VACCINATION, 132_000)
    factories.screened(visit, clinic.nurse)
    with pytest.raises(DomainError) as refused:
        vaccination.give_dose(
            visit.pk, trace_code=trace_code(HPV_PREFIX, 1), site="left_deltoid", actor=clinic.nurse
        )
    assert refused.value.code == "unpaid"
    settlements.settle_bill(
        settlements.SettlementRequest(
            bill_id=charge.bill_id, mode=SettlementMode.WINDOW, channel=PaymentChannel.CASH
        ),
        actor=clinic.cashier,
    )
    dose = vaccination.give_dose(
        visit.pk, trace_code=trace_code(HPV_PREFIX, 1), site="left_deltoid", actor=clinic.nurse
    )
    assert dose.lot.product.code == "HPV"
    clock.advance(dt.timedelta(minutes=30))
    assert vaccination.end_observation(dose.pk, actor=clinic.nurse).observation_ended_at


def test_a_recalled_or_expired_lot_gives_no_dose(clinic, clock):
    lot = factories.a_lot(clinic.nurse)
    vaccination.recall_lot(lot.pk, reason="效价不合格", actor=clinic.nurse)
    visit = factories.booked(clinic.child, clinic.parent, clinic.hospital)
    factories.screened(visit, clinic.nurse)
    with pytest.raises(DomainError) as refused:
        vaccination.give_dose(
            visit.pk, trace_code=trace_code(HEPB_PREFIX, 1), site="left_thigh", actor=clinic.nurse
        )
    assert refused.value.code == "recalled"
    fresh = factories.a_lot(clinic.nurse, lot_number="FRESH", first_serial=50)
    clock.advance(dt.timedelta(days=366))
    with pytest.raises(DomainError) as refused:
        vaccination.give_dose(
            visit.pk, trace_code=trace_code(HEPB_PREFIX, 50), site="left_thigh", actor=clinic.nurse
        )
    assert refused.value.code == "expired"
    assert VaccineLot.objects.get(pk=fresh.pk).doses_left == 3


def _two_lots_three_people(clinic, clerk):
    """Lot A to the child and the mother, lot B to the child's second dose and a neighbour."""
    lot_a = factories.a_lot(clinic.nurse, lot_number="A", packages=2)
    lot_b = factories.a_lot(clinic.nurse, lot_number="B", packages=2, first_serial=10)
    neighbour, _n_child, _n_parent = factories.mother_with_child(
        clerk, phone="13812340002", serial=2
    )
    factories.given(
        factories.booked(clinic.child, clinic.parent, clinic.hospital, dose=2),
        clinic.nurse,
        trace_code(HEPB_PREFIX, 1),
    )
    factories.given(
        factories.booked(clinic.mother, clinic.nurse, clinic.hospital, dose=1),
        clinic.nurse,
        trace_code(HEPB_PREFIX, 2),
    )
    factories.given(
        factories.booked(clinic.child, clinic.nurse, clinic.hospital, dose=3, session=1),
        clinic.nurse,
        trace_code(HEPB_PREFIX, 10),
    )
    factories.given(
        factories.booked(neighbour, clinic.nurse, clinic.hospital, dose=1),
        clinic.nurse,
        trace_code(HEPB_PREFIX, 11),
    )
    return lot_a, lot_b, neighbour


def test_a_lot_traces_to_every_person_in_one_query(clinic, clerk):
    lot_a, lot_b, neighbour = _two_lots_three_people(clinic, clerk)
    with CaptureQueriesContext(connection) as queries:
        people = [d.patient.name for d in vaccination.lot_recipients(lot_a.pk)]
    assert len(queries) == 1
    assert people == [clinic.child.name, clinic.mother.name]
    with CaptureQueriesContext(connection) as queries:
        people_b = {d.patient_id for d in vaccination.lot_recipients(lot_b.pk)}
    assert len(queries) == 1
    assert people_b == {clinic.child.pk, neighbour.pk}


def test_a_person_traces_to_every_lot_in_one_query(clinic, clerk):
    lot_a, lot_b, neighbour = _two_lots_three_people(clinic, clerk)
    with CaptureQueriesContext(connection) as queries:
        lots = [
            (d.lot.lot_number, d.lot.product.code)
            for d in vaccination.lots_received_by(clinic.child.pk)
        ]
    assert len(queries) == 1
    assert lots == [("A", "HepB"), ("B", "HepB")]
    assert [d.lot_id for d in vaccination.lots_received_by(neighbour.pk)] == [lot_b.pk]


def test_a_recall_tells_everyone_who_received_the_lot_and_no_one_else(clinic, clerk):
    lot_a, _lot_b, neighbour = _two_lots_three_people(clinic, clerk)
    told = vaccination.recall_lot(lot_a.pk, reason="冷链断链", actor=clinic.nurse)
    assert told == 2
    notices = Notification.objects.filter(template="vaccine_lot_recalled")
    # The child and the mother share a phone: two notices, one per dose's person.
    assert notices.count() == 2
    assert {n.params["name"] for n in notices} == {clinic.child.name, clinic.mother.name}
    assert all(n.params["lot"] == "A" for n in notices)
    with pytest.raises(DomainError) as again:
        vaccination.recall_lot(lot_a.pk, reason="重复", actor=clinic.nurse)
    assert again.value.code == "already_recalled"


def test_an_adverse_event_is_reported_followed_up_and_closed_when_classified(clinic, clock):
    factories.a_lot(clinic.nurse)
    dose = factories.given(
        factories.booked(clinic.child, clinic.parent, clinic.hospital),
        clinic.nurse,
        trace_code(HEPB_PREFIX, 1),
    )
    clock.advance(dt.timedelta(hours=20))
    onset = dose.given_at + dt.timedelta(hours=6)
    event = vaccination.report_aefi(
        dose.pk,
        onset_at=onset,
        discovered_at=onset + dt.timedelta(hours=1),
        symptoms="发热 38.8℃",
        serious=False,
        actor=clinic.nurse,
    )
    assert vaccination.reported_in_time(event)
    with pytest.raises(InvalidInput):
        vaccination.follow_up_aefi(
            event.pk, note="电话随访", category=AefiCategory.PENDING, close=True, actor=clinic.nurse
        )
    event = vaccination.follow_up_aefi(
        event.pk, note="体温正常", category=AefiCategory.COMMON, close=True, actor=clinic.nurse
    )
    assert event.closed_at is not None
    assert "体温正常" in event.follow_up


def test_an_adverse_event_cannot_begin_before_its_dose(clinic):
    factories.a_lot(clinic.nurse)
    dose = factories.given(
        factories.booked(clinic.child, clinic.parent, clinic.hospital),
        clinic.nurse,
        trace_code(HEPB_PREFIX, 1),
    )
    with pytest.raises(InvalidInput) as refused:
        vaccination.report_aefi(
            dose.pk,
            onset_at=dose.given_at - dt.timedelta(hours=1),
            discovered_at=dose.given_at,
            symptoms="皮疹",
            serious=False,
            actor=clinic.nurse,
        )
    assert refused.value.errors[0].field == "onset_at"


def test_the_phone_card_lists_doses_and_the_next_programme_doses(clinic):
    factories.a_lot(clinic.nurse)
    factories.given(
        factories.booked(clinic.child, clinic.parent, clinic.hospital, dose=1),
        clinic.nurse,
        trace_code(HEPB_PREFIX, 1),
    )
    cards = {c.patient.pk: c for c in vaccination.vaccination_cards(clinic.parent)}
    child = cards[clinic.child.pk]
    assert len(child.doses) == 1
    assert ("HepB", 1) not in {(d.product_code, d.dose_number) for d in child.due}
    assert ("BCG", 1) in {(d.product_code, d.dose_number) for d in child.due}
    assert cards[clinic.mother.pk].due == []
