"""Day surgery (criteria, pre-assessment, the 24/48-hour discharge rule, follow-up) and the
indicators counted from discharged stays on a hand-counted month with traps (D152, D153)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from onetrip.core.errors import InvalidInput
from onetrip.inpatient import services
from onetrip.inpatient.tests.conftest import bed, day_ward, notice, person
from onetrip.metrics.definitions import Scope
from onetrip.metrics.periods import parse_period
from onetrip.metrics.services import figures

DAY = dt.date(2026, 11, 23)


@pytest.fixture
def procedure(centre):
    return services.add_day_surgery_procedure(
        code="LC", name="腹腔镜胆囊切除术", max_asa=2, min_age=18, max_age=75, actor=centre
    )


def day_case(doctor, patient, procedure):
    return notice(
        doctor, patient, day_surgery_id=procedure.pk, planned_procedure="", expected_los_days=3
    )


def test_pre_assessment_applies_the_procedures_criteria(clock, doctor, centre, register, procedure):
    admission = day_case(doctor, person(register, 1), procedure)
    assert admission.expected_los_days == 1  # a day case is a day, whatever was typed
    assert admission.planned_procedure == "腹腔镜胆囊切除术"
    with pytest.raises(InvalidInput) as refused:
        services.pre_assess(admission.pk, asa_class=3, escort_at_home=False, actor=centre)
    assert {e.field for e in refused.value.errors} == {"asa_class", "escort_at_home"}
    old = day_case(doctor, person(register, 2, born=dt.date(1945, 1, 1)), procedure)
    with pytest.raises(InvalidInput) as too_old:
        services.pre_assess(old.pk, asa_class=2, escort_at_home=True, actor=centre)
    assert too_old.value.errors[0].field == "patient_id"
    passed = services.pre_assess(admission.pk, asa_class=2, escort_at_home=True, actor=centre)
    assert passed.assessed_at is not None


def test_day_surgery_goes_to_a_day_surgery_ward(clock, doctor, centre, register, procedure, ward):
    admission = day_case(doctor, person(register, 1), procedure)
    with pytest.raises(InvalidInput):
        services.book_bed(
            admission.pk, bed_id=bed(ward, "01", "A").pk, expected_date=DAY, actor=centre
        )


def _admit(centre, admission, the_bed=None):
    if the_bed is not None:
        services.book_bed(admission.pk, bed_id=the_bed.pk, expected_date=DAY, actor=centre)
    return services.admit(admission.pk, kind="code", value=str(admission.patient_id), actor=centre)


def _out(nurse, admission, reason=""):
    return services.discharge(
        admission.pk,
        services.DischargeIn(
            place="bedside", channel="cash", notes="恢复好", overstay_reason=reason
        ),
        actor=nurse,
    )


def test_hand_counted_month(clock, doctor, centre, nurse, register, procedure):
    day_beds = day_ward(centre)
    services.create_ward(
        services.WardIn(
            code="W7", name="普外七病区", rooms=(("01", "any", False, ("A", "B", "C", "D", "E")),)
        ),
        actor=centre,
    )
    general = services.Ward.objects.get(code="W7")
    extra = services.Room.objects.create(ward=day_beds, number="02")
    services.Bed.objects.create(room=extra, label="A")
    a, b, c = (day_case(doctor, person(register, n), procedure) for n in (1, 2, 3))
    for each in (a, b, c):
        services.pre_assess(each.pk, asa_class=1, escort_at_home=True, actor=centre)
    d = notice(doctor, person(register, 4))  # elective with a procedure, admitted a day later
    e = notice(doctor, person(register, 5), planned_procedure="")  # trap: medical, no operation
    f = notice(doctor, person(register, 6), urgency="urgent")  # trap: not elective
    g = notice(doctor, person(register, 7))  # trap: still on the ward
    _admit(centre, a, bed(day_beds, "01", "A"))
    _admit(centre, b, bed(day_beds, "01", "B"))
    _admit(centre, c, bed(day_beds, "02", "A"))
    for admission, label in ((e, "B"), (f, "C"), (g, "D")):
        _admit(centre, admission, bed(general, "01", label))
    services.book_bed(
        d.pk, bed_id=bed(general, "01", "A").pk, expected_date=DAY + dt.timedelta(1), actor=centre
    )

    pathway = services.add_pathway_template(
        code="LC",
        name="胆囊结石临床路径",
        days=("入院评估", "手术", "术后观察", "出院"),
        actor=centre,
    )
    for each in (e, g):
        services.enrol_on_pathway(each.pk, template_id=pathway.pk, actor=centre)
    services.record_variance(e.pk, reason="术后发热", actor=nurse)  # a variance, still on it
    services.enrol_on_pathway(f.pk, template_id=pathway.pk, actor=centre)
    services.exit_pathway(f.pk, reason="合并肺部感染", actor=nurse)  # trap: left the pathway

    clock.advance(dt.timedelta(hours=6))  # 11-23 15:30
    assert _out(nurse, a).counted_as_day_surgery
    clock.advance(dt.timedelta(hours=24))  # 11-24 15:30: B at 30 h
    with pytest.raises(InvalidInput) as why:
        _out(nurse, b)
    assert why.value.errors[0].field == "overstay_reason"
    assert _out(nurse, b, "术后恶心呕吐观察").counted_as_day_surgery
    _admit(centre, d)
    clock.advance(dt.timedelta(hours=20))  # 11-25 11:30: C at 50 h, past the exception
    assert not _out(nurse, c, "切口渗血").counted_as_day_surgery
    _out(nurse, e)
    _out(nurse, f)
    clock.advance(dt.timedelta(days=4, hours=4))  # 11-29 15:30
    _out(nurse, d)
    services.record_follow_up(a.pk, note="电话随访：无不适", actor=nurse)

    found = {
        fig.metric.code: fig for fig in figures(Scope((a.institution_id,)), parse_period("2026-11"))
    }
    # Elective operations: A, B, C, D (E has no operation, F is urgent, G is not discharged).
    # Day surgery: A (6 h) and B (30 h with its reason); C stayed 50 h.
    assert (found["day_surgery"].numerator, found["day_surgery"].denominator) == (2, 4)
    assert found["day_surgery"].value == Decimal("50.00")
    # Stays: A 1 (same day), B 1, C 2, D 5, E 2, F 2 = 13 days over 6 discharged stays.
    los = found["average_length_of_stay"]
    assert (los.numerator, los.denominator, los.value) == (13, 6, Decimal("2.17"))
    # Waiting: only D waited, one day (notice 11-23, admitted 11-24).
    waiting = found["pre_admission_waiting"]
    assert (waiting.numerator, waiting.denominator) == (1, 6)
    # Pathways: E completed it despite a variance; F left it; G is still on the ward.
    pathways = found["clinical_pathways"]
    assert (pathways.numerator, pathways.denominator) == (1, 6)
    # Bed turnover: six discharges over the 3 + 5 real beds of the two wards.
    turnover = found["bed_turnover"]
    assert (turnover.numerator, turnover.denominator, turnover.value) == (6, 8, Decimal("0.75"))
