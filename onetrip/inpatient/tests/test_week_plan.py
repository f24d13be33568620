"""The centre's weekly plan (D196): the planner proposes a day and room per waiting notice
within the bed pool's rules, the centre changes what it wants and accepts, and the beds are
booked through the ordinary booking (one holder per bed)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from onetrip.conftest import actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import InstitutionLevel
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import InvalidInput
from onetrip.core.models import AuditEvent
from onetrip.inpatient import planning, services
from onetrip.inpatient.models import AdmissionStatus, Bed, Room, SexRule
from onetrip.inpatient.tests.conftest import bed, booked, notice, person, surgical_ward

pytestmark = pytest.mark.usefixtures("clock")
TODAY = dt.date(2026, 11, 23)
SECONDS = 2.0


@pytest.fixture
def children(centre):
    return services.create_ward(
        services.WardIn(
            code="PED", name="儿科病区", max_age=14, rooms=(("01", SexRule.ANY, False, ("A", "B")),)
        ),
        actor=centre,
    )


def plan_by_notice(centre) -> dict[int, planning.Proposal]:
    return {p.admission.pk: p for p in planning.propose_week(actor=centre, seconds=SECONDS)}


def test_the_proposal_keeps_the_rooms_sex_age_and_isolation_rules(
    doctor, centre, patient, register, ward, children
):
    # A man holds bed 01-A now, so room 01 takes men only all week.
    booked(doctor, centre, patient, bed(ward, "01", "A"))
    woman = notice(doctor, person(register, 1, sex="female"), urgency="urgent")
    isolated = notice(doctor, person(register, 2), needs_isolation=True, urgency="urgent")
    child = notice(doctor, person(register, 3, born=dt.date(2018, 3, 1)), urgency="urgent")
    man = notice(doctor, person(register, 4), urgency="urgent")

    plan = plan_by_notice(centre)

    assert (plan[woman.pk].room.ward, plan[woman.pk].room.number) == (ward, "02")
    assert (plan[isolated.pk].room.ward, plan[isolated.pk].room.number) == (ward, "09")
    assert plan[child.pk].room.ward == children
    assert (plan[man.pk].room.ward, plan[man.pk].room.number) == (ward, "01")
    for proposal in plan.values():
        assert TODAY <= proposal.day <= TODAY + dt.timedelta(days=2)  # urgent: within 2 days
        beds = Bed.objects.filter(room=proposal.room)
        assert any(not services.bed_rule_violations(proposal.admission, b, TODAY) for b in beds)
    assert AuditEvent.objects.filter(summary="weekly admission plan").count() == 4


def test_accepting_books_each_patient_a_bed_of_its_own_and_a_full_room_refuses_all(
    doctor, centre, register, ward
):
    first, second = (notice(doctor, person(register, n)) for n in (1, 2))
    plan = plan_by_notice(centre)
    room_01 = bed(ward, "01", "A").room
    choices = [planning.Choice(n.pk, plan[n.pk].day, room_01.pk) for n in (first, second)]

    planning.accept_week(choices, actor=centre)

    beds = {Bed.objects.get(holder_id=n.pk).label for n in (first, second)}
    assert beds == {"A", "B"}
    assert {services.admissions_at(centre).get(pk=n.pk).status for n in (first, second)} == {
        AdmissionStatus.BOOKED
    }
    third, fourth = (notice(doctor, person(register, n)) for n in (3, 4))
    with pytest.raises(InvalidInput) as refused:
        planning.accept_week(
            [
                planning.Choice(third.pk, TODAY, bed(ward, "09", "A").room_id),
                planning.Choice(fourth.pk, TODAY, room_01.pk),
            ],
            actor=centre,
        )
    assert refused.value.errors[0].field == f"admission-{third.pk}"
    assert not Bed.objects.filter(holder_id__in=(third.pk, fourth.pk)).exists()


def test_the_centres_change_of_day_and_room_is_what_gets_booked(doctor, centre, patient, ward):
    admission = notice(doctor, patient)
    proposed = plan_by_notice(centre)[admission.pk]
    rooms_for_men = [bed(w, "01", "A").room for w in (ward, surgical_ward(centre, "W6"))]
    other_room = next(room for room in rooms_for_men if room != proposed.room)
    later = TODAY + dt.timedelta(days=4)

    planning.accept_week([planning.Choice(admission.pk, later, other_room.pk)], actor=centre)

    admission.refresh_from_db()
    assert admission.expected_admission_date == later
    assert admission.bed.room == other_room
    assert AuditEvent.objects.filter(summary="weekly admission plan accepted (1 beds booked)")


def test_the_desk_page_proposes_and_accepts_a_changed_plan(
    doctor, centre, patient, ward, monkeypatch
):
    monkeypatch.setattr(planning, "PLAN_SECONDS", SECONDS)
    admission = notice(doctor, patient)
    client = Client()
    client.force_login(centre.user)
    assert b'id="week-plan-link"' in client.get("/staff/inpatient/").content

    proposed = client.post("/staff/inpatient/plan/", {"action": "propose"})
    assert proposed.status_code == 200
    assert patient.name in proposed.content.decode()
    room_01 = bed(ward, "01", "A").room
    form = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-0-admission": str(admission.pk),
        "form-0-book": "on",
        "form-0-day": "2026-11-26",
        "form-0-room": str(room_01.pk),
    }
    missing_room = client.post(
        "/staff/inpatient/plan/", {**form, "form-0-room": "", "action": "accept"}
    )
    assert missing_room.status_code == 400
    accepted = client.post("/staff/inpatient/plan/", {**form, "action": "accept"})

    assert accepted.status_code == 302
    admission.refresh_from_db()
    assert (admission.bed.room, admission.expected_admission_date) == (
        room_01,
        dt.date(2026, 11, 26),
    )


def test_a_doctor_sees_no_plan_and_may_not_make_one(doctor):
    client = Client()
    client.force_login(doctor.user)
    assert b'id="week-plan-link"' not in client.get("/staff/inpatient/").content
    assert client.post("/staff/inpatient/plan/", {"action": "propose"}).status_code == 403


def test_the_plan_page_opens_empty_and_proposes_only_the_callers_own_notices(
    doctor, centre, patient, ward, make_staff, monkeypatch
):
    monkeypatch.setattr(planning, "PLAN_SECONDS", SECONDS)
    ours = notice(doctor, patient)
    other = consortium.create_institution(
        code="H002", name="市第二人民医院", level=InstitutionLevel.TERTIARY, actor=SYSTEM
    )
    their_centre = actor_for(make_staff("admission", other))
    surgical_ward(their_centre, "B1")
    client = Client()
    client.force_login(their_centre.user)

    opened = client.get("/staff/inpatient/plan/")
    proposed = client.post("/staff/inpatient/plan/", {"action": "propose"})

    assert opened.status_code == proposed.status_code == 200
    assert patient.name not in opened.content.decode() + proposed.content.decode()
    their_room = Room.objects.get(ward__institution=other, number="01")
    stolen = client.post(
        "/staff/inpatient/plan/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-admission": str(ours.pk),
            "form-0-book": "on",
            "form-0-day": "2026-11-26",
            "form-0-room": str(their_room.pk),
            "action": "accept",
        },
    )
    assert stolen.status_code == 400
    ours.refresh_from_db()
    assert ours.status == AdmissionStatus.NOTICE
    assert not Bed.objects.filter(holder_id=ours.pk).exists()
