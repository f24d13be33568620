"""Mother and child (R-PH-2): a pregnancy registered at the township centre with its due date,
its antenatal checks booked from the mother's phone and recorded at the clinic, the five-colour
risk grade with the referral that orange and red need, delivery and postnatal visits, a child's
checks with measurements drawn against the WHO standards on the parent's phone, and the
reminders of checks not yet booked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.urls import reverse

from onetrip.conftest import NOW, actor_for
from onetrip.core.actors import Actor
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.core.models import AuditAction, AuditEvent
from onetrip.identity import services as identity
from onetrip.identity.models import Patient
from onetrip.notifications.models import Notification
from onetrip.publichealth import growth, mch_schedule
from onetrip.publichealth.models import Pregnancy
from onetrip.publichealth.services import maternal_child
from onetrip.publichealth.services.common import WrongState
from onetrip.publichealth.tests import factories

LMP = NOW.date() - dt.timedelta(days=60)  # 8+4 weeks today


@dataclass
class Centre:
    staff: Actor
    mother: Patient
    child: Patient
    parent: Actor


@pytest.fixture
def centre(clock, township, make_staff, clerk) -> Centre:
    factories.mch_clinic(township)
    staff = actor_for(make_staff("maternal_child", township))
    mother, child, parent = factories.mother_with_child(clerk)
    for patient in (mother, child):
        identity.affiliate_for_appointment(patient.pk, township.pk)
    return Centre(staff, mother, child, parent)


def _register(centre: Centre, **overrides) -> Pregnancy:
    data = {"patient_id": centre.mother.pk, "last_period": LMP, "gravida": 2, "para": 1}
    return maternal_child.register_pregnancy(actor=centre.staff, **(data | overrides))


def _first_time() -> int:
    return maternal_child.open_times(now=NOW)[0].slot_id


# --- the WHO standards ----------------------------------------------------------------------


def test_the_embedded_who_tables_hold_the_published_values():
    weight, stature = growth.Measure.WEIGHT, growth.Measure.STATURE
    assert growth.lms_at(weight, "male", 0) == (0.3487, 3.3464, 0.14602)
    assert growth.lms_at(weight, "male", 12) == (0.0644, 9.6479, 0.10925)
    assert growth.lms_at(weight, "female", 60) == (-0.3518, 18.2193, 0.14821)
    assert growth.lms_at(stature, "male", 0) == (1.0, 49.8842, 0.03795)
    assert growth.lms_at(stature, "male", 1) == (1.0, 54.7244, 0.03557)
    # Standing from 24 months: the height table's 87.1 cm, not the length table's 87.8 cm.
    assert growth.lms_at(stature, "male", 24)[1] == 87.1161
    # The WHO's printed −2 SD and +2 SD for boys at 12 months: 7.7 kg and 12.0 kg.
    lms = growth.lms_at(weight, "male", 12)
    assert round(growth.value_at(-2, lms), 1) == 7.7
    assert round(growth.value_at(2, lms), 1) == 12.0
    assert round(growth.value_at(2, growth.lms_at(weight, "female", 60)), 1) == 24.9


def test_z_scores_by_the_lms_method():
    weight = growth.Measure.WEIGHT
    assert growth.z_score(weight, "male", 12, 9.6479) == pytest.approx(0)
    assert growth.z_score(weight, "male", 12, 7.74) == pytest.approx(-2, abs=0.01)
    # Beyond +3 SD the WHO's adjusted z: one 2–3 SD interval past the +3 SD line is +4.
    lms = growth.lms_at(weight, "male", 12)
    sd2, sd3 = growth.value_at(2, lms), growth.value_at(3, lms)
    assert growth.z_score(weight, "male", 12, sd3 + (sd3 - sd2)) == pytest.approx(4)
    with pytest.raises(ValueError, match="0 to 60 months"):
        growth.lms_at(weight, "male", 61)


# --- the pregnancy ----------------------------------------------------------------------------


def test_a_registered_pregnancy_has_its_due_date_and_checks(centre):
    pregnancy = _register(centre)
    assert pregnancy.due_date == LMP + dt.timedelta(days=280)
    card = maternal_child.pregnancy_for_patient(pregnancy.pk, actor=centre.parent)
    assert card.weeks == "8+4"
    assert [w.weeks for w in card.windows[:3]] == ["6–13+6", "14–19+6", "20–24+6"]
    assert len(card.windows) == 11


def test_registration_refuses_impossible_numbers_and_a_second_open_record(centre):
    with pytest.raises(InvalidInput) as refused:
        _register(centre, gravida=1, para=1, last_period=NOW.date() + dt.timedelta(days=1))
    assert {e.field for e in refused.value.errors} == {"para", "last_period"}
    _register(centre)
    with pytest.raises(InvalidInput) as again:
        _register(centre)
    assert again.value.errors[0].code == "duplicate"


def test_the_mother_books_a_check_on_the_phone_and_the_clinic_records_it(centre):
    pregnancy = _register(centre)
    check = maternal_child.book_antenatal_check(
        pregnancy_id=pregnancy.pk, number=1, slot_id=_first_time(), actor=centre.parent
    )
    assert check.appointment.patient_id == centre.mother.pk
    assert Notification.objects.filter(phone=centre.mother.phone).exists()  # booked notice
    with pytest.raises(WrongState) as twice:
        maternal_child.book_antenatal_check(
            pregnancy_id=pregnancy.pk, number=1, slot_id=_first_time(), actor=centre.parent
        )
    assert twice.value.code == "already_booked"
    done = maternal_child.record_antenatal_check(
        pregnancy.pk,
        number=1,
        notes="宫内早孕，胎心可见",
        systolic=112,
        diastolic=70,
        weight_grams=56000,
        actor=centre.staff,
    )
    assert (done.weeks, done.pk) == (8, check.pk)


def test_orange_and_red_need_a_referral_and_the_grade_reaches_the_phone(centre):
    pregnancy = _register(centre)
    with pytest.raises(InvalidInput) as refused:
        maternal_child.flag_risk(
            pregnancy.pk, colour="orange", factor="瘢痕子宫", referral_note="", actor=centre.staff
        )
    assert refused.value.errors[0].code == "referral_required"
    maternal_child.flag_risk(
        pregnancy.pk,
        colour="orange",
        factor="瘢痕子宫",
        referral_note="转诊市第一人民医院产科",
        actor=centre.staff,
    )
    risk = maternal_child.pregnancies_of(centre.parent)[0].risk
    assert (risk.colour, risk.referral_note, risk.flagged_by) == (
        "orange",
        "转诊市第一人民医院产科",
        centre.staff.label,
    )


def test_postnatal_visits_follow_the_delivery_once_each(centre):
    pregnancy = _register(centre)
    with pytest.raises(WrongState) as early:
        maternal_child.record_postnatal_visit(
            pregnancy.pk, kind="home_visit", notes="恶露正常", actor=centre.staff
        )
    assert early.value.code == "not_delivered"
    maternal_child.record_delivery(pregnancy.pk, delivered_on=NOW.date(), actor=centre.staff)
    maternal_child.record_postnatal_visit(
        pregnancy.pk, kind="home_visit", notes="恶露正常", actor=centre.staff
    )
    with pytest.raises(WrongState) as again:
        maternal_child.record_postnatal_visit(
            pregnancy.pk, kind="home_visit", notes="再次", actor=centre.staff
        )
    assert again.value.code == "already_done"


def test_staff_of_another_institution_cannot_reach_the_record(centre, tertiary, make_staff):
    pregnancy = _register(centre)
    outsider = actor_for(make_staff("maternal_child", tertiary))
    with pytest.raises(NotFound):
        maternal_child.pregnancy_for_staff(pregnancy.pk, actor=outsider)
    maternal_child.pregnancy_for_staff(pregnancy.pk, actor=centre.staff)
    assert AuditEvent.objects.filter(
        action=AuditAction.VIEW, patient_id=centre.mother.pk, summary="pregnancy record read"
    ).exists()


# --- the child --------------------------------------------------------------------------------


def test_a_childs_check_is_drawn_on_the_parents_growth_chart(centre, phone_client):
    maternal_child.record_child_check(
        patient_id=centre.child.pk,
        age_months=1,
        weight_grams=4500,
        length_mm=547,
        head_mm=372,
        notes="母乳喂养",
        actor=centre.staff,
    )
    client = phone_client(centre.mother.phone)
    page = client.get(reverse("publichealth-patient-child", args=[centre.child.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert html.count('class="growth-chart"') == 2
    assert html.count('class="measurement"') == 2  # one weight, one length
    assert "4.5 kg" in html
    assert "54.7 cm" in html


def test_another_family_cannot_see_the_child(centre, phone_client):
    page = phone_client("13999990000").get(
        reverse("publichealth-patient-child", args=[centre.child.pk])
    )
    assert page.status_code == 404


def test_implausible_measurements_are_refused_by_field(centre):
    with pytest.raises(InvalidInput) as refused:
        maternal_child.record_child_check(
            patient_id=centre.child.pk,
            age_months=2,
            weight_grams=100,
            length_mm=547,
            head_mm=None,
            notes="",
            actor=centre.staff,
        )
    assert {e.field for e in refused.value.errors} == {"age_months", "weight_grams"}


# --- reminders --------------------------------------------------------------------------------


def test_checks_not_yet_booked_are_reminded_once(centre):
    pregnancy = _register(centre)
    sent = maternal_child.send_due_reminders()
    again = maternal_child.send_due_reminders()
    notices = Notification.objects.filter(phone=centre.mother.phone)
    assert sent == again >= 1
    assert notices.filter(template="antenatal_check_due").count() == 1
    assert notices.get(template="antenatal_check_due").params["number"] == "1"
    # The 40-day-old child's 1-month check was due 10 days ago: the 3-month one is not near.
    assert not notices.filter(template="child_check_due").exists()
    maternal_child.book_antenatal_check(
        pregnancy_id=pregnancy.pk, number=1, slot_id=_first_time(), actor=centre.parent
    )
    Notification.objects.all().delete()
    maternal_child.send_due_reminders()
    assert not Notification.objects.filter(template="antenatal_check_due").exists()


def test_the_schedule_is_the_guideline_s():
    assert mch_schedule.MINIMUM_ANTENATAL_CHECKS == 5
    assert mch_schedule.CHILD_CHECK_MONTHS[:9] == (1, 3, 6, 8, 12, 18, 24, 30, 36)
    assert mch_schedule.due_date(dt.date(2026, 1, 1)) == dt.date(2026, 10, 8)
