"""Public health's registrations for the generated scoping and audit test
(`core/tests/scoping.py`): a vaccination visit, dose, lot and adverse event belong to the
vaccination clinic's institution and to the person vaccinated; a birth application to the
mother's phone; a hut reading to the township responsible for the hut."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from onetrip.conftest import NOW
from onetrip.consortium import services as consortium
from onetrip.consortium.models import InstitutionLevel
from onetrip.core.actors import SYSTEM
from onetrip.core.tests.scoping import OwnPatient, Staff, Target, World
from onetrip.identity.models import IdentityDocument, ProxyGrant
from onetrip.publichealth.devices import SandboxHutDevice
from onetrip.publichealth.models import Dose, Pregnancy
from onetrip.publichealth.services import births, huts, vaccination, video
from onetrip.publichealth.tests import factories
from onetrip.publichealth.tests.factories import HEPB_PREFIX, trace_code

NURSE = "vaccinator"


def _clinic(world: World):
    if not hasattr(world, "vaccination_ready"):
        factories.vaccination_clinic(world.home)
        factories.vaccines(world.actor(NURSE))
        factories.a_lot(world.actor(NURSE), packages=5)
        world.vaccination_ready = 0
    world.vaccination_ready += 1
    return world.vaccination_ready


def a_visit(world: World, body=None) -> Target:
    session = _clinic(world) - 1
    visit = factories.booked(
        world.patient, world.patient_actor, world.home, dose=1, session=session
    )
    return Target({"visit_id": visit.pk}, world.patient.pk, body=body)


def a_visit_to_screen(world: World) -> Target:
    answers = dict.fromkeys(vaccination.SCREENING_QUESTIONS, "no")
    return a_visit(world, body={**answers, "consent_by": "张伟"})


def a_screened_visit(world: World) -> Target:
    target = a_visit(world)
    factories.screened_by(target.path["visit_id"], world.actor(NURSE))
    serial = world.vaccination_ready
    return Target(
        target.path,
        world.patient.pk,
        body={"trace_code": trace_code(HEPB_PREFIX, serial), "site": "left_deltoid"},
    )


def a_dose(world: World) -> Dose:
    target = a_screened_visit(world)
    dose = vaccination.give_dose(
        target.path["visit_id"],
        trace_code=target.body["trace_code"],
        site="left_deltoid",
        actor=world.actor(NURSE),
    )
    # Given an hour ago: its observation is over and an event can have begun since.
    Dose.objects.filter(pk=dose.pk).update(
        given_at=NOW - dt.timedelta(hours=1), observation_until=NOW - dt.timedelta(minutes=30)
    )
    return Dose.objects.get(pk=dose.pk)


def a_dose_target(world: World) -> Target:
    return Target({"dose_id": a_dose(world).pk}, world.patient.pk)


def _local(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%dT%H:%M}"


def a_dose_with_an_event(world: World) -> Target:
    dose = a_dose(world)
    return Target(
        {"dose_id": dose.pk},
        world.patient.pk,
        body={
            "onset_at": _local(NOW - dt.timedelta(minutes=40)),
            "discovered_at": _local(NOW - dt.timedelta(minutes=30)),
            "symptoms": "接种部位红肿",
        },
    )


def an_event(world: World) -> Target:
    dose = a_dose(world)
    event = vaccination.report_aefi(
        dose.pk,
        onset_at=NOW - dt.timedelta(minutes=40),
        discovered_at=NOW - dt.timedelta(minutes=30),
        symptoms="低热",
        serious=False,
        actor=world.actor(NURSE),
    )
    return Target(
        {"event_id": event.pk},
        world.patient.pk,
        body={"note": "电话随访", "category": "common"},
    )


def a_lot_given(world: World, body=None) -> Target:
    dose = a_dose(world)
    return Target({"lot_id": dose.lot_id}, world.patient.pk, body=body)


def a_patient(world: World) -> Target:
    a_dose(world)
    return Target({"patient_id": world.patient.pk}, world.patient.pk)


def a_birth(world: World) -> Target:
    mother, _child, _parent = factories.mother_with_child(world.clerk, phone="13812340077")
    ProxyGrant.objects.create(
        patient=mother,
        account=world.account,
        relationship="spouse",
        basis="written_consent",
        granted_at=NOW,
        granted_by="test",
    )
    application = births.apply_for_birth(
        births.BirthIn(
            mother_id=mother.pk,
            institution_id=world.home.pk,
            child_name="王小满",
            child_sex="female",
            born_at=NOW - dt.timedelta(days=1),
            weight_grams=3100,
            father_name="张伟",
        ),
        actor=world.patient_actor,
    )
    return Target({"application_id": application.pk}, mother.pk)


def _hut(world: World):
    if not hasattr(world, "hut"):
        world.hut = consortium.create_institution(
            code="I001",
            name="鹿西岛健康小屋",
            level=InstitutionLevel.ISLAND_HUT,
            parent=world.home,
            actor=SYSTEM,
        )
        world.hut_device = f"BP-{world.hut.pk}"
        huts.register_device(
            world.hut.pk, huts.DeviceIn(world.hut_device, "bp"), actor=world.actor("doctor")
        )
    return world.hut


def a_high_reading(world: World) -> Target:
    _hut(world)
    device = SandboxHutDevice(world.hut_device, "bp")
    document = IdentityDocument.objects.get(patient=world.patient, is_guardian_document=False)
    reading = device.measure_blood_pressure(document.number, 170, 100, NOW)
    device.flush(lambda serial, batch: huts.upload_readings(serial, batch, actor=SYSTEM))
    from onetrip.publichealth.models import HutReading

    found = HutReading.objects.get(reading_uid=reading.reading_uid)
    return Target({"reading_id": found.pk}, world.patient.pk, body={"note": "电话随访"})


def a_hut(world: World) -> Target:
    return Target({"hut_id": _hut(world).pk}, None, body={"battery_ok": "on", "pads_ok": "on"})


def a_home_visit(world: World) -> Target:
    from onetrip.billing.models import CatalogueItem, ChargeCategory, InsuranceCategory, ItemKind
    from onetrip.publichealth.services import home_care

    CatalogueItem.objects.get_or_create(
        code=home_care.VISIT_ITEM,
        defaults={
            "name": "上门护理服务费",
            "kind": ItemKind.SERVICE,
            "charge_category": ChargeCategory.TREATMENT,
            "insurance_category": InsuranceCategory.B,
            "unit_price_fen": 8000,
        },
    )
    order = home_care.order_home_care(
        patient_id=world.patient.pk,
        kind="home_nursing",
        reason="术后换药",
        address="北京市东城区1号",
        actor=world.actor("doctor"),
    )
    nurse = world.actor("community_nurse")
    visit = home_care.schedule_visit(
        order.pk, nurse_username=nurse.label, at=NOW + dt.timedelta(hours=2), actor=nurse
    )
    return Target(
        {"visit_id": visit.pk},
        world.patient.pk,
        body={"notes": "换药，伤口愈合良好", "systolic": "128", "diastolic": "80"},
    )


def a_pregnancy(world: World) -> Target:
    """The home patient's pregnancy record at the home institution (made directly: the scoping
    world's patient is a man, and the record's scope is what is tested here)."""
    pregnancy = Pregnancy.objects.create(
        institution=world.home,
        patient=world.patient,
        last_period=NOW.date() - dt.timedelta(days=60),
        due_date=NOW.date() + dt.timedelta(days=220),
        gravida=1,
        para=0,
        registered_at=NOW,
        registered_by="test",
    )
    return Target(
        {"pregnancy_id": pregnancy.pk},
        world.patient.pk,
        body={"action": "risk", "colour": "yellow", "factor": "高龄"},
    )


def a_child(world: World) -> Target:
    """A 40-day-old child of the home institution, held by the world's account as parent."""
    _mother, child, _parent = factories.mother_with_child(world.clerk, phone="13812340088")
    ProxyGrant.objects.create(
        patient=child,
        account=world.account,
        relationship="parent",
        basis="written_consent",
        granted_at=NOW,
        granted_by="test",
    )
    return Target(
        {"patient_id": child.pk},
        child.pk,
        body={"age_months": "1", "weight_grams": "4500", "length_mm": "547"},
    )


def a_video_request(world: World) -> Target:
    consultation = video.request_consultation(
        patient_id=world.patient.pk,
        hut_id=_hut(world).pk,
        reason="血压偏高，想咨询用药",
        actor=world.patient_actor,
    )
    return Target(
        {"consultation_id": consultation.pk},
        world.patient.pk,
        body={"action": "schedule", "at": _local(NOW + dt.timedelta(hours=3))},
    )


NOT_PATIENT_DATA = "acts on a lot or a hut's device, not on a patient's data"

CASES = {
    "staff/vaccination/visits/<id:visit_id>": Staff(a_visit, NURSE),
    "staff/vaccination/visits/<id:visit_id>/screen": Staff(a_visit_to_screen, NURSE, method="POST"),
    "staff/vaccination/visits/<id:visit_id>/give": Staff(a_screened_visit, NURSE, method="POST"),
    "staff/vaccination/doses/<id:dose_id>/observed": Staff(a_dose_target, NURSE, method="POST"),
    "staff/vaccination/doses/<id:dose_id>/aefi": Staff(a_dose_with_an_event, NURSE, method="POST"),
    "staff/vaccination/aefi/<id:event_id>/follow-up": Staff(an_event, NURSE, method="POST"),
    "staff/vaccination/lots/<id:lot_id>": Staff(a_lot_given, NURSE),
    "staff/vaccination/lots/<id:lot_id>/recall": Staff(
        lambda w: a_lot_given(w, {"reason": "效价不合格"}),
        NURSE,
        method="POST",
        audited=False,
        why_not_audited=NOT_PATIENT_DATA,
    ),
    "staff/vaccination/people/<id:patient_id>": Staff(a_patient, NURSE),
    "staff/huts/readings/<id:reading_id>/follow-up": Staff(a_high_reading, "doctor", method="POST"),
    "staff/huts/<id:hut_id>/aed": Staff(
        a_hut, "doctor", method="POST", audited=False, why_not_audited=NOT_PATIENT_DATA
    ),
    "GET /api/publichealth/lots/{lot_id}/recipients": Staff(a_lot_given, NURSE),
    "GET /api/publichealth/patients/{patient_id}/doses": Staff(a_patient, NURSE),
    "staff/home-care/visits/<id:visit_id>": (
        Staff(a_home_visit, "community_nurse"),
        Staff(a_home_visit, "community_nurse", method="POST"),
    ),
    "staff/maternal-child/pregnancies/<id:pregnancy_id>": (
        Staff(a_pregnancy, "maternal_child"),
        Staff(a_pregnancy, "maternal_child", method="POST"),
    ),
    "staff/maternal-child/children/<id:patient_id>": (
        Staff(a_child, "maternal_child"),
        Staff(a_child, "maternal_child", method="POST"),
    ),
    "staff/huts/video/<id:consultation_id>": (
        Staff(a_video_request, "doctor"),
        Staff(a_video_request, "doctor", method="POST"),
    ),
    "p/maternal-child/pregnancies/<id:pregnancy_id>": OwnPatient(a_pregnancy),
    "p/maternal-child/children/<id:patient_id>": OwnPatient(a_child),
    "p/video/<id:consultation_id>": OwnPatient(a_video_request),
    "p/vaccination/visits/<id:visit_id>": OwnPatient(a_visit),
    "p/vaccination/doses/<id:dose_id>": OwnPatient(a_dose_target),
    "p/births/<id:application_id>": OwnPatient(a_birth),
}
