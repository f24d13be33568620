"""Referral's registrations for the generated scoping and audit test (`core/tests/scoping.py`).

A referral is reached by its sending and its receiving institution (and the patient's own
account). So the objects here are made between the home hospital and a second township below it,
西山乡卫生院 (T002), and the world's other township (T001) is the outsider. A care plan's
follow-up and a family doctor contract belong to the township's staff: those cases name T002 as
the institution whose staff succeed (`Staff.at`)."""

from __future__ import annotations

import datetime as dt

from onetrip.conftest import NOW
from onetrip.consortium import services as consortium
from onetrip.consortium.models import ClinicKind, DoctorTitle, Institution, InstitutionLevel
from onetrip.core.actors import SYSTEM
from onetrip.core.tests.scoping import OwnPatient, Staff, Target, World
from onetrip.identity import services as identity
from onetrip.referral.services import consultations, contracts, referrals
from onetrip.scheduling.models import Period, SessionTemplate, Slot, SlotPool
from onetrip.scheduling.services import schedule
from onetrip.scheduling.tests.scope_cases import a_session

OFFICE = "referral"


def west_township(world: World) -> Institution:
    """The second township below the home hospital, with a general practice open weekday
    mornings and a family doctor team (made once per world)."""
    if not hasattr(world, "west"):
        world.west = consortium.create_institution(
            code="T002",
            name="西山乡卫生院",
            level=InstitutionLevel.TOWNSHIP,
            parent=world.home,
            actor=SYSTEM,
        )
        practice = consortium.add_department(world.west, code="GP", name="全科", actor=SYSTEM)
        doctor = consortium.add_doctor(
            practice, name="王医生", title=DoctorTitle.ATTENDING, actor=SYSTEM
        )
        clinic = consortium.add_clinic(
            practice, name="全科门诊", kind=ClinicKind.GENERAL, actor=SYSTEM
        )
        for weekday in range(5):
            SessionTemplate.objects.create(
                doctor=doctor,
                clinic=clinic,
                weekday=weekday,
                period=Period.MORNING,
                start_time=dt.time(8, 0),
                end_time=dt.time(11, 0),
                slot_minutes=10,
                capacity_per_slot=2,
                valid_from=NOW.date(),
            )
        schedule.generate_sessions(
            institution_id=world.west.pk,
            date_from=NOW.date(),
            date_to=NOW.date() + dt.timedelta(days=20),
            actor=SYSTEM,
        )
        world.west_team = contracts.add_team(
            institution_id=world.west.pk, name="王医生团队", lead_doctor_id=doctor.pk
        )
    return world.west


def a_west_patient(world: World):
    """A patient registered at the west township (and nowhere else)."""
    if not hasattr(world, "west_patient"):
        west_township(world)
        world.west_patient = identity.register_patient(
            identity.PatientRegistration(
                name="赵敏",
                sex="female",
                birth_date=dt.date(1972, 4, 18),
                phone="13600004444",
                documents=[identity.DocumentInput("resident_id", "110101197204180103")],
            ),
            actor=world.actor("registration", world.west),
        )
    return world.west_patient


def primary_care_slot(world: World) -> Slot:
    session = a_session(world, days_ahead=2)  # the home hospital's internal medicine
    pool = (
        SlotPool.objects.filter(slot__session=session, kind="primary_care", capacity__gt=0)
        .order_by("starts_at")
        .first()
    )
    return pool.slot


def an_upward_referral(world: World, urgency: str = "routine"):
    """The west township's family doctor refers their patient to the home hospital."""
    patient = a_west_patient(world)
    slot = primary_care_slot(world)
    return referrals.refer_up(
        referrals.UpwardReferral(
            patient_id=patient.pk,
            department_id=slot.session.department_id,
            reason="血压控制不佳，需专科调整用药",
            diagnosis="高血压3级",
            urgency=urgency,
            slot_id=slot.pk,
            record_shared=True,
        ),
        actor=world.actor("doctor", world.west),
    )


def an_upward_one(world: World, body: dict | None = None, urgency: str = "routine") -> Target:
    referral = an_upward_referral(world, urgency)
    return Target({"referral_id": referral.pk}, referral.patient_id, body=body)


def a_green_channel(world: World) -> Target:
    target = an_upward_one(world, urgency="urgent")
    later = a_session(world, days_ahead=1).slots.order_by("-starts_at").first()
    return Target(target.path, target.patient_id, body={"slot_id": later.pk})


def a_downward_referral(world: World):
    """The home hospital refers its patient back to the west township with a care plan."""
    west_township(world)
    return referrals.refer_down(
        referrals.DownwardReferral(
            patient_id=world.patient.pk,
            to_institution_id=world.west.pk,
            reason="病情稳定，回社区随访",
            diagnosis="2型糖尿病",
            medication="二甲双胍 0.5g 每日三次",
            warning_signs="血糖高于16.7mmol/L或出现意识改变时立即就医",
            follow_ups=[referrals.FollowUpIn(NOW.date() + dt.timedelta(days=7), "复查血糖")],
        ),
        actor=world.actor("doctor"),
    )


def a_downward_one(world: World) -> Target:
    referral = a_downward_referral(world)
    return Target({"referral_id": referral.pk}, world.patient.pk)


def a_follow_up(world: World) -> Target:
    referral = a_downward_referral(world)
    follow_up = referral.care_plan.follow_ups.get()
    slot = (
        Slot.objects.filter(
            session__institution=world.west,
            session__date=follow_up.due_date,
        )
        .order_by("starts_at")
        .first()
    )
    return Target({"follow_up_id": follow_up.pk}, world.patient.pk, body={"slot_id": slot.pk})


def fhir_id(make, prefix: str = "referral-"):
    def made(world: World) -> Target:
        target = make(world)
        return Target({"resource_id": f"{prefix}{target.path['referral_id']}"}, target.patient_id)

    return made


def a_care_plan(world: World) -> Target:
    target = a_downward_one(world)
    return Target({"resource_id": target.path["referral_id"]}, target.patient_id)


def a_consultation(world: World) -> Target:
    """The west township asks the home hospital for a remote consultation on its patient."""
    patient = a_west_patient(world)
    consultation = consultations.request_consultation(
        consultations.ConsultationIn(
            patient_id=patient.pk,
            kind="consultation",
            consulting_institution_id=world.home.pk,
            question="反复胸闷一月，请协助诊治",
        ),
        actor=world.actor("doctor", world.west),
    )
    return Target({"request_id": consultation.pk}, patient.pk)


def a_referred_patient(world: World) -> Target:
    """A patient whose record the home hospital may read: referred to it, record shared."""
    referral = an_upward_referral(world)
    return Target({"patient_id": referral.patient_id}, referral.patient_id)


def a_fhir_record(world: World) -> Target:
    target = a_referred_patient(world)
    return Target({"patient_id": str(target.patient_id)}, target.patient_id)


def the_patient(world: World) -> Target:
    return Target({"patient_id": world.patient.pk}, world.patient.pk)


def a_contract_to_offer(world: World) -> Target:
    patient = a_west_patient(world)
    return Target({"patient_id": patient.pk}, patient.pk, body={"team_id": world.west_team.pk})


def an_offered_contract(world: World) -> Target:
    """The west township's team offers the home patient (affiliated there too) a contract."""
    west_township(world)
    identity.affiliate_for_referral(world.patient.pk, world.west.pk)
    contract = contracts.offer_contract(
        world.patient.pk, team_id=world.west_team.pk, actor=world.actor("doctor", world.west)
    )
    return Target({"contract_id": contract.pk}, world.patient.pk)


def the_west(world: World) -> Institution:
    return world.west


CASES = {
    "fhir/CarePlan/<str:resource_id>": Staff(a_care_plan, "doctor"),
    "fhir/Patient/<str:patient_id>/$everything": Staff(a_fhir_record, "doctor"),
    "fhir/ServiceRequest/<str:resource_id>": Staff(fhir_id(an_upward_one), OFFICE),
    "fhir/Task/<str:resource_id>": Staff(fhir_id(an_upward_one), OFFICE),
    "p/referrals/<id:referral_id>": OwnPatient(a_downward_one),
    "p/referrals/contracts/<id:contract_id>/sign": OwnPatient(an_offered_contract, method="POST"),
    "p/referrals/record/<id:patient_id>": OwnPatient(the_patient),
    "staff/referrals/<id:referral_id>": Staff(an_upward_one, OFFICE),
    "staff/referrals/<id:referral_id>/accept": Staff(an_upward_one, OFFICE, method="POST"),
    "staff/referrals/<id:referral_id>/green-channel": Staff(a_green_channel, OFFICE, method="POST"),
    "staff/referrals/<id:referral_id>/redirect": Staff(
        lambda w: an_upward_one(w, {"reason": "本院该专科号源已满，建议转县医院"}),
        OFFICE,
        method="POST",
    ),
    "staff/referrals/consultations/<id:request_id>": Staff(a_consultation, "doctor"),
    "staff/referrals/consultations/new/<id:patient_id>": Staff(the_patient, "doctor"),
    "staff/referrals/contracts/offer/<id:patient_id>": Staff(
        a_contract_to_offer, "doctor", method="POST", at=the_west
    ),
    "staff/referrals/down/<id:patient_id>": Staff(the_patient, "doctor"),
    "staff/referrals/follow-ups/<id:follow_up_id>/book": Staff(
        a_follow_up, "doctor", method="POST", at=the_west
    ),
    "staff/referrals/record/<id:patient_id>": Staff(a_referred_patient, "doctor"),
    "staff/referrals/up/<id:patient_id>": Staff(the_patient, "doctor"),
}
