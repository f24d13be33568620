import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.test import Client

from onetrip.consortium.models import (
    Clinic,
    ClinicKind,
    Department,
    Doctor,
    DoctorTitle,
    Institution,
    InstitutionLevel,
    StaffProfile,
)
from onetrip.core import clock as clock_module
from onetrip.core.models import AuditEvent
from onetrip.core.roles import ROLES
from onetrip.demo import publichealth as publichealth_demo
from onetrip.demo.loader import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    gb11643_check_char,
    load_demo,
    resident_id_number,
)
from onetrip.identity.documents import DocumentType, validate_document
from onetrip.identity.models import IdentityDocument, Patient, PatientAffiliation
from onetrip.mpi.models import SourceRecord
from onetrip.publichealth.services.maternal_child import MCH_DEPARTMENT_CODE
from onetrip.publichealth.services.vaccination import VACCINATION_DEPARTMENT_CODE
from onetrip.scheduling.models import ClinicSession, SessionTemplate, Slot, SlotPool
from onetrip.scheduling.services import availability

FREE_CLINICS = (VACCINATION_DEPARTMENT_CODE, MCH_DEPARTMENT_CODE)

PATIENTS = 60


@pytest.fixture
def fast_hasher(settings):
    # Hashing 22 passwords with the production hasher would dominate the test's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def demo(db, clock, fast_hasher):
    # Two days of clinic sessions are enough here; the schedule test loads the full three weeks.
    return load_demo(patients=PATIENTS, schedule_days=1)


def _codes(level: str) -> list[str]:
    return list(Institution.objects.filter(level=level).values_list("code", flat=True))


def test_consortium_has_one_tertiary_two_counties_five_primary_centres_and_one_hut(demo):
    assert demo.institutions == Institution.objects.count() == 9
    tertiary = Institution.objects.get(level=InstitutionLevel.TERTIARY)
    assert tertiary.code == "ZJ-H001"
    assert tertiary.parent is None
    counties = Institution.objects.filter(level=InstitutionLevel.COUNTY)
    assert counties.count() == 2
    assert {c.parent_id for c in counties} == {tertiary.pk}
    primary = Institution.objects.filter(
        level__in=[InstitutionLevel.TOWNSHIP, InstitutionLevel.COMMUNITY_CENTRE]
    )
    assert primary.count() == 5
    assert all(centre.parent.level == InstitutionLevel.COUNTY for centre in primary)
    hut = Institution.objects.get(level=InstitutionLevel.ISLAND_HUT)
    assert hut.parent.level == InstitutionLevel.TOWNSHIP
    assert all(i.name and i.name_en for i in Institution.objects.all())
    assert all(d.name and d.name_en for d in Department.objects.all())


def test_departments_clinics_and_doctors(demo):
    tertiary = Institution.objects.get(code="ZJ-H001")
    names = set(tertiary.departments.values_list("name", flat=True))
    assert {"内科", "外科", "妇产科", "儿科", "眼科", "耳鼻喉科", "口腔科", "中医科"} <= names
    township_departments = Department.objects.filter(institution__level=InstitutionLevel.TOWNSHIP)
    assert township_departments.count() < len(names) * 3
    assert set(Clinic.objects.values_list("kind", flat=True)) == set(ClinicKind.values)
    assert demo.clinics == Clinic.objects.count()
    assert 55 <= demo.doctors == Doctor.objects.count() <= 65
    titles = set(Doctor.objects.values_list("title", flat=True))
    assert {DoctorTitle.CHIEF, DoctorTitle.ATTENDING, DoctorTitle.RESIDENT} <= titles
    assert Doctor.objects.get(user__username="doctor").institution == tertiary
    assert Doctor.objects.get(user__username="township_doctor").institution.code == "ZJ-T001"


def test_one_staff_account_per_role_that_can_sign_in(demo):
    assert demo.staff_accounts == StaffProfile.objects.count() == len(DEMO_ACCOUNTS)
    users = get_user_model().objects
    for role in ROLES:
        user = users.get(username=role.code)
        assert list(user.groups.values_list("name", flat=True)) == [role.group_name]
        assert user.staff_profile.institution.code == "ZJ-H001"
        assert Client().login(request=HttpRequest(), username=role.code, password=DEMO_PASSWORD), (
            role.code
        )
    for username, role in (
        ("township_registration", "registration"),
        ("township_doctor", "doctor"),
    ):
        user = users.get(username=username)
        assert user.groups.get().name == f"role:{role}"
        assert user.staff_profile.institution.level == InstitutionLevel.TOWNSHIP
        assert Client().login(request=HttpRequest(), username=username, password=DEMO_PASSWORD)


def test_patients_are_registered_by_their_institutions_window_with_valid_documents(demo):
    # The demo's legacy load (onetrip/demo/mpi_legacy.py) keeps its rows as they came, flagged
    # (D175): it is not a window's registration.
    # Nor is the vaccination demo's family (onetrip/demo/publichealth.py), registered after it.
    legacy = [
        *SourceRecord.objects.exclude(patient=None).values_list("patient_id", flat=True),
        *Patient.objects.filter(phone=publichealth_demo.DEMO_MOTHER_PHONE).values_list(
            "pk", flat=True
        ),
    ]
    assert demo.patients == Patient.objects.exclude(pk__in=legacy).count() == PATIENTS
    assert sum(demo.patients_by_institution.values()) == PATIENTS
    # Each patient is affiliated with the institution that registered them, and the demo's
    # referred patients also with the institutions they were referred to.
    registered = PatientAffiliation.objects.filter(reason="registered").exclude(patient__in=legacy)
    assert registered.count() == registered.values("patient").distinct().count() == PATIENTS
    assert set(
        PatientAffiliation.objects.exclude(reason="registered").values_list("reason", flat=True)
    ) <= {"referral", "appointment"}
    registered_by = set(
        AuditEvent.objects.filter(summary="patient registered").values_list(
            "actor_user__groups__name", flat=True
        )
    )
    assert registered_by == {"role:registration"}
    resident_ids = IdentityDocument.objects.filter(doc_type=DocumentType.RESIDENT_ID).exclude(
        patient__in=legacy
    )
    assert resident_ids.exists()
    for document in resident_ids.select_related("patient"):
        valid = validate_document(document.doc_type, document.number)
        assert valid.number == document.number
        if not document.is_guardian_document:
            assert valid.birth_date == document.patient.birth_date
            assert valid.sex == document.patient.sex
            assert valid.region_code.startswith("33")
    for patient in Patient.objects.all():
        assert len(patient.phone) == 11
        assert patient.phone[0] == "1"
        assert patient.phone[1] in "3456789"


def test_every_doctor_but_emergency_has_three_weeks_of_bookable_sessions(db, clock, fast_hasher):
    demo = load_demo(patients=0)
    today = clock_module.today()
    booked_doctors = Doctor.objects.exclude(department__code="ER")
    assert set(SessionTemplate.objects.values_list("doctor_id", flat=True)) == set(
        booked_doctors.values_list("pk", flat=True)
    )
    sessions = ClinicSession.objects.all()
    assert demo.clinic_sessions == sessions.count()
    # Clinics every day of the week (R-APPT-1), Sundays too (every other doctor, mornings).
    assert {s.date for s in sessions} == {today + dt.timedelta(days=n) for n in range(22)}
    sundays = sessions.filter(date__week_day=1)
    assert set(sundays.values_list("period", flat=True)) == {"morning"}
    assert 0 < sundays.values("doctor").distinct().count() < booked_doctors.count()
    assert {s.period for s in sessions} == {"morning", "afternoon"}
    # Vaccination and maternal-child checks take no registration fee (demo/publichealth.py).
    fees = dict(
        sessions.exclude(department__code__in=FREE_CLINICS)
        .values_list("doctor__title", "fee_fen")
        .distinct()
    )
    assert fees[DoctorTitle.CHIEF] == 5000
    assert fees[DoctorTitle.RESIDENT] == 1000
    # Each slot's capacity is split into channel pools (R-APPT-3), all still free.
    chief = SessionTemplate.objects.filter(doctor__title=DoctorTitle.CHIEF).first()
    session = sessions.filter(doctor_id=chief.doctor_id).first()
    slots = Slot.objects.filter(session=session).count()
    pools = SlotPool.objects.filter(slot__session=session)
    assert sum(pools.values_list("capacity", flat=True)) == slots * chief.capacity_per_slot
    assert {"shared_online", "primary_care", "window"} <= set(pools.values_list("kind", flat=True))
    # (but the vaccination demo's family, who book their children's doses themselves, and the
    # pregnant woman's antenatal check booked at the maternal-child clinic)
    assert not (
        SlotPool.objects.filter(booked__gt=0)
        .exclude(slot__session__department__code__in=FREE_CLINICS)
        .exists()
    )
    medicine = Department.objects.get(institution__code="ZJ-H001", code="IM")
    assert availability.next_available(
        department_ids=[medicine.pk], channel="app", now=clock_module.now()
    )


def test_loading_twice_changes_nothing(demo):
    models = (
        Institution,
        Department,
        Clinic,
        Doctor,
        StaffProfile,
        Patient,
        IdentityDocument,
        SessionTemplate,
        ClinicSession,
        SlotPool,
    )
    before = {model: model.objects.count() for model in models}
    audit_rows = AuditEvent.objects.count()

    again = load_demo(patients=PATIENTS)

    assert again.already_loaded
    assert again.patients == 0
    assert {model: model.objects.count() for model in models} == before
    assert AuditEvent.objects.count() == audit_rows


def test_a_larger_load_has_every_kind_of_document_and_minors(db, clock, fast_hasher):
    load_demo(patients=600, seed=7, schedule_days=0)
    doc_types = set(IdentityDocument.objects.values_list("doc_type", flat=True))
    assert {
        DocumentType.RESIDENT_ID,
        DocumentType.SOCIAL_SECURITY_CARD,
        DocumentType.CITIZEN_CARD,
        DocumentType.PASSPORT,
        DocumentType.HMT_RESIDENCE_PERMIT,
    } <= doc_types
    for document in IdentityDocument.objects.exclude(doc_type=DocumentType.RESIDENT_ID):
        validate_document(
            document.doc_type, document.number, issuing_country=document.issuing_country
        )
    under_guardian = IdentityDocument.objects.filter(is_guardian_document=True)
    assert under_guardian.exists()
    assert set(under_guardian.values_list("guardian_relationship", flat=True)) == {"parent"}
    today = dt.date(2026, 11, 23)
    for document in under_guardian.select_related("patient"):
        assert document.patient.birth_date > today.replace(year=today.year - 18)


def test_resident_id_generator_matches_gb11643():
    # The worked example of GB 11643-1999.
    assert gb11643_check_char("11010519491231002") == "X"
    for sex in ("male", "female"):
        number = resident_id_number("330902", dt.date(1988, 2, 29), sex, 123)
        valid = validate_document(DocumentType.RESIDENT_ID, number)
        assert (valid.number, valid.sex, valid.birth_date) == (number, sex, dt.date(1988, 2, 29))


def test_some_patients_have_a_blood_count_to_open(demo):
    from onetrip.reports.models import Report

    reports = Report.objects.filter(status="final", order__status="completed")
    assert demo.reports == reports.count() > 0
    flags = {o.abnormal_flag for report in reports for o in report.observations.all()}
    assert {"N", "H", "L"} <= flags


def test_some_patients_are_on_a_ward_with_a_deposit(demo):
    from onetrip.billing.models import Bill
    from onetrip.billing.services import deposits
    from onetrip.notifications.models import Notification

    assert len(demo.admissions) == 3
    statements = [
        deposits.deposit_statement(Bill.objects.get(visit_reference=admission))
        for admission in demo.admissions
    ]
    assert [s.balance_fen for s in statements] == [200_000, 100_000, 20_000]
    assert {s.outstanding_fen for s in statements} == {3 * (5000 + 3000)}
    # The last deposit does not cover three ward days: its patient is reminded to top up.
    assert Notification.objects.filter(purpose="deposit_low").count() == 1


def test_a_donors_spouse_has_the_blood_fees_of_a_stay_reimbursed(demo):
    from onetrip.inpatient.models import BloodDonorClaim

    claim = BloodDonorClaim.objects.get()
    assert (claim.relationship, claim.covered_ml) == ("spouse", 400)
    assert claim.admission.status == "discharged"
