"""The referral pages for the people who use them: the family doctor's worklist, the referral
office, a referral, the shared record, consultations, and the patient's phone pages; staff of
another institution get 404, a role without the permission 403."""

from __future__ import annotations

import pytest

from onetrip.conftest import actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import Doctor, InstitutionLevel
from onetrip.core.actors import SYSTEM
from onetrip.referral.services import contracts
from onetrip.referral.tests.conftest import back_down, phone_of, refer
from onetrip.scheduling.tests.helpers import sign_in_patient

pytestmark = pytest.mark.django_db


def staff_client(client, actor):
    client.force_login(actor.user)
    return client


def test_the_family_doctor_finds_the_patient_and_refers_from_the_worklist(client, care):
    page = staff_client(client, care.family_doctor)
    found = page.get("/staff/referrals/", {"q": care.patient.name})
    assert found.status_code == 200
    chosen = page.get("/staff/referrals/", {"patient": care.patient.pk})
    assert "转诊到医院" in chosen.content.decode()
    form = page.get(f"/staff/referrals/up/{care.patient.pk}", {"department": care.medicine.pk})
    assert "为基层预留的号源" in form.content.decode()


def test_the_office_worklist_and_a_referral_page(client, care):
    referral = refer(care)
    page = staff_client(client, care.office)
    worklist = page.get("/staff/referrals/office")
    assert care.patient.name in worklist.content.decode()
    assert page.get(f"/staff/referrals/{referral.pk}").status_code == 200
    accepted = page.post(f"/staff/referrals/{referral.pk}/accept")
    assert accepted.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "accepted"


def test_another_institutions_staff_get_404_and_other_roles_403(client, care, make_staff):
    referral = refer(care)
    other = consortium.create_institution(
        code="C009", name="西山县人民医院", level=InstitutionLevel.COUNTY, actor=SYSTEM
    )
    stranger = staff_client(client, actor_for(make_staff("referral", other)))
    assert stranger.get(f"/staff/referrals/{referral.pk}").status_code == 404
    nurse = staff_client(client, care.nurse)
    assert nurse.get("/staff/referrals/office").status_code == 403


def test_the_patient_sees_the_referral_the_care_plan_and_signs_the_contract(client, care):
    referral = refer(care)
    down = back_down(care, 7)
    team = contracts.add_team(
        institution_id=care.township.pk,
        name="东山乡家庭医生一队",
        lead_doctor_id=Doctor.objects.get(user=care.family_doctor.user).pk,
    )
    contracts.offer_contract(care.patient.pk, team_id=team.pk, actor=care.family_doctor)
    phone = phone_of(care.patient)
    sign_in_patient(client, phone.account_id)
    listing = client.get("/p/referrals/")
    body = listing.content.decode()
    assert referral.appointment.booking_number in body
    assert "使用电子健康卡签约" in body
    plan = client.get(f"/p/referrals/{down.pk}").content.decode()
    assert "血压高于180/110" in plan
    contract = contracts.open_contract(care.patient.pk)
    client.post(f"/p/referrals/contracts/{contract.pk}/sign")
    contract.refresh_from_db()
    assert contract.status == "signed"
    record = client.get(f"/p/referrals/record/{care.patient.pk}")
    assert "高血压3级" in record.content.decode()


def test_the_shared_record_needs_the_patients_consent(client, care):
    refer(care, record_shared=False)
    page = staff_client(client, care.office)
    assert page.get(f"/staff/referrals/record/{care.patient.pk}").status_code == 403
