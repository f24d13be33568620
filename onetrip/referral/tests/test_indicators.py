"""The referral indicators on a hand-counted scenario (R-REF-1/2, R-NET-3, R-APPT-8), counted
from real referral records made through the services, with traps each definition must avoid.

The month (November 2026, NOW is Monday 23rd 09:30), the tertiary hospital and its township:

  visits checked in at the hospital                                    referred?
    1 referral A (routine), accepted after 42 min, checked in            yes
    2 referral B (urgent), moved by the green channel after 10 min       yes (the moved booking)
    3 a window booking at the hospital                                   no
    4 a primary-care-pool booking made with no referral (the old API)    no  ← trap
  not a visit: referral C, redirected after 30 min (its booking cancelled)
  a visit at the township (lower level)                                  not counted at all ← trap

  referred visits        2 ÷ 4 = 50.00%  (the township visit is in the scope, not the formula)
  downward referrals     1 sent ÷ 2 upward accepted (A, B; C was redirected) = 50.00%
  referral turnaround    (42 + 10 + 30) ÷ 3 answered = 27.33 minutes
  consultation turnaround  ECG reading answered after 95 min, imaging after 25 min:
                         (95 + 25) ÷ 2 = 60.00 minutes; a request still open is not counted ← trap
  township online sources  every township source is in the online pool: 100.00%; the hospital's
                         window and phone pools are not in this indicator ← trap
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from onetrip.conftest import NOW, actor_for
from onetrip.core.actors import SYSTEM
from onetrip.core.clock import now
from onetrip.exams import catalogue
from onetrip.exams import services as exams
from onetrip.metrics import services as metrics
from onetrip.metrics.definitions import Scope
from onetrip.metrics.periods import month_of
from onetrip.referral.services import consultations, referrals
from onetrip.referral.tests.conftest import (
    back_down,
    primary_care_slot,
    refer,
    township_slot,
)
from onetrip.scheduling.models import Slot
from onetrip.scheduling.services.booking import BookingRequest, book_slot
from onetrip.scheduling.services.queue import check_in
from onetrip.scheduling.tests.helpers import person

pytestmark = pytest.mark.django_db

# The visits are booked after the office has answered (by 10:12), so each is checked in on time.
LATE_MORNING = NOW.replace(hour=10, minute=15)


def _check_in(booking, institution_id, actor):
    return check_in(
        booking_number=booking.booking_number, institution_id=institution_id, actor=actor
    )


@pytest.fixture
def scenario(care, clock, register, make_staff):
    hospital_clerk = actor_for(make_staff("registration", care.hospital))
    second, third, fourth = (
        person(register, n, actor=care.township_registration) for n in (1, 2, 3)
    )
    # 1: referral A; 2: referral B, urgent, a week ahead; 5: referral C.
    a = refer(care, primary_care_slot(care, days_ahead=0, after=LATE_MORNING))
    b = refer(care, primary_care_slot(care, days_ahead=7), patient_id=second.pk, urgency="urgent")
    c = refer(care, primary_care_slot(care, days_ahead=3), patient_id=third.pk)
    later_today = list(
        Slot.objects.filter(session__department=care.medicine, session__date=NOW.date())
        .filter(starts_at__gt=LATE_MORNING)
        .order_by("starts_at")[:2]
    )
    # 3: an ordinary window booking; 4: a primary-care-pool booking with no referral.
    walk_in = person(register, 4)
    window = book_slot(
        BookingRequest(patient_id=walk_in.pk, slot_id=later_today[1].pk, channel="window"),
        actor=hospital_clerk,
    )
    no_referral = book_slot(
        BookingRequest(
            patient_id=fourth.pk,
            slot_id=primary_care_slot(care, days_ahead=0, index=1, after=LATE_MORNING).pk,
            channel="primary_care",
        ),
        actor=care.family_doctor,
    )
    # The office moves B to today after 10 minutes, redirects C after 30, accepts A after 42.
    clock.advance(dt.timedelta(minutes=10))
    referrals.open_green_channel(b.pk, slot_id=later_today[0].pk, actor=care.office)
    clock.advance(dt.timedelta(minutes=20))
    referrals.redirect_referral(c.pk, reason="请转上级专科", actor=care.office)
    clock.advance(dt.timedelta(minutes=12))
    referrals.accept_referral(a.pk, actor=care.office)
    b.refresh_from_db()
    a.refresh_from_db()
    visits = sorted(
        (a.appointment, b.appointment, window, no_referral), key=lambda v: v.slot.starts_at
    )
    for booking in visits:
        clock.set(max(now(), booking.slot.starts_at))
        _check_in(booking, care.hospital.pk, care.nurse)
    # The township visit, the next morning.
    own = book_slot(
        BookingRequest(
            patient_id=third.pk,
            slot_id=township_slot(care, NOW.date() + dt.timedelta(days=1)).pk,
            channel="window",
        ),
        actor=care.township_registration,
    )
    clock.set(NOW.replace(day=24, hour=7, minute=50))
    _check_in(own, care.township.pk, care.township_registration)
    # One downward referral.
    back_down(care, 7)
    # Remote readings at the hospital of two township exams; a consultation still waits.
    catalogue.load_default_catalogue()
    catalogue.equip_institution(care.township.pk, {"ecg": 1, "dr": 1}, NOW.date(), 3)
    ecg = exams.place_exam_order(
        patient_id=care.patient.pk, item_code="ECG", actor=care.family_doctor
    )
    chest = exams.place_exam_order(
        patient_id=care.patient.pk, item_code="DR_CHEST", actor=care.family_doctor
    )
    asked = [
        consultations.request_consultation(
            consultations.ConsultationIn(
                patient_id=care.patient.pk,
                kind=kind,
                consulting_institution_id=care.hospital.pk,
                question="请协助判读",
                exam_order_id=order.pk,
                **reference,
            ),
            actor=care.family_doctor,
        )
        for kind, order, reference in (
            ("ecg", ecg, {"waveform_file": "ecg/20261124-0001.xml"}),
            ("imaging", chest, {"study_uid": "1.2.840.113619.2.55.3.2831164356.1"}),
            ("consultation", chest, {}),
        )
    ]
    clock.advance(dt.timedelta(minutes=25))
    consultations.answer_consultation(
        asked[1].pk, opinion="双肺纹理增粗", actor=care.hospital_doctor
    )
    clock.advance(dt.timedelta(minutes=70))
    consultations.answer_consultation(
        asked[0].pk, opinion="窦性心律，ST段未见异常", actor=care.hospital_doctor
    )
    return care


def figures_of(care, *institutions) -> dict:
    scope = Scope(tuple(i.pk for i in institutions))
    return {f.metric.code: f for f in metrics.figures(scope, month_of(NOW.date()))}


def test_the_referral_indicators_match_the_hand_count(scenario):
    found = figures_of(scenario, scenario.hospital, scenario.township)

    def value(code):
        f = found[code]
        return (f.numerator, f.denominator, f.value)

    assert value("referred_visits") == (2, 4, Decimal("50.00"))
    assert found["referred_visits"].status == "met"
    assert value("downward_referrals") == (1, 2, Decimal("50.00"))
    assert value("referral_turnaround") == (82, 3, Decimal("27.33"))
    assert value("consultation_turnaround") == (120, 2, Decimal("60.00"))
    online, total, share = value("township_online_sources")
    assert online == total > 0
    assert share == Decimal("100.00")


def test_the_township_alone_has_no_referred_visits_to_count(scenario):
    found = figures_of(scenario, scenario.township)
    assert (found["referred_visits"].numerator, found["referred_visits"].denominator) == (0, 0)
    assert found["referred_visits"].value is None


def test_rollups_give_the_same_figures(scenario):
    before = figures_of(scenario, scenario.hospital, scenario.township)
    metrics.refresh_rollups(dt.date(2026, 11, 1), dt.date(2026, 11, 24), actor=SYSTEM)
    after = figures_of(scenario, scenario.hospital, scenario.township)
    for code in ("referred_visits", "downward_referrals", "referral_turnaround"):
        assert (after[code].numerator, after[code].denominator) == (
            before[code].numerator,
            before[code].denominator,
        )
