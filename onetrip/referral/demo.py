"""Demo data of the referral domain, made through its services: family doctor teams at every
primary-care institution, contracts offered to township patients, upward referrals from the
first township's family doctor into the tertiary hospital's reserved pool (routine and urgent,
one for a CT), answered in part by the referral office, two patients referred back with care
plans (one follow-up booked), and remote ECG readings (one answered, one waiting). Bookings are
found from the clock, so the demo works on any day of the week."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from onetrip.consortium.models import PRIMARY_CARE_LEVELS, Department, Institution, StaffProfile
from onetrip.core import clock
from onetrip.core.actors import Actor, ActorKind, Channel
from onetrip.exams import services as exams
from onetrip.identity import services as identity
from onetrip.referral.models import Urgency
from onetrip.referral.services import consultations, contracts, referrals
from onetrip.scheduling.models import BookingChannel
from onetrip.scheduling.services import availability

# (reason, diagnosis, department code, urgency)
_UPWARD = (
    ("血压控制不佳，联合用药后仍高于160/100", "高血压3级", "CARD", Urgency.ROUTINE),
    ("反复胸闷一周，活动后加重", "不稳定型心绞痛待排", "CARD", Urgency.URGENT),
    ("血糖控制不佳，糖化血红蛋白9.2%", "2型糖尿病", "IM", Urgency.ROUTINE),
    ("咳嗽咳痰两周，抗感染治疗效果不佳", "社区获得性肺炎", "IM", Urgency.ROUTINE),
    ("右下腹痛反复发作", "慢性阑尾炎待排", "SURG", Urgency.ROUTINE),
)
_DOWNWARD = (
    ("高血压3级", "氨氯地平 5mg 每日一次\n缬沙坦 80mg 每日一次", "复查血压"),
    ("2型糖尿病", "二甲双胍 0.5g 每日三次", "复查空腹血糖"),
)
_WARNING_SIGNS = "剧烈头痛、胸痛胸闷、肢体无力或言语不清，或血压高于180/110时，立即就医"


@dataclass(frozen=True)
class ReferralDemo:
    teams: int
    upward: int
    downward: int
    consultations: int


def _actor(profile: StaffProfile) -> Actor:
    user = profile.user
    return Actor(
        kind=ActorKind.STAFF,
        label=f"{user.get_username()} ({profile.full_name})",
        user=user,
        institution_id=profile.institution_id,
        channel=Channel.SYSTEM,
    )


def load(
    *,
    family_doctor: StaffProfile,
    office: StaffProfile,
    hospital_doctor: StaffProfile,
) -> ReferralDemo:
    """`family_doctor` works at a township, `office` and `hospital_doctor` at the hospital the
    township refers to."""
    teams = _create_teams()
    doctor, desk, hospital = (_actor(p) for p in (family_doctor, office, hospital_doctor))
    patients = list(identity.accessible_patients(doctor).order_by("pk")[:12])
    own_team = next((t for t in teams if t.institution_id == doctor.institution_id), None)
    for patient in patients[8:12] if own_team else []:
        contracts.offer_contract(patient.pk, team_id=own_team.pk, actor=doctor)
    sent = _refer_up(patients[:5], doctor, hospital.institution_id)
    # The office's answers: accept the first and third, redirect the fifth (as many as exist).
    accepted = [referrals.accept_referral(r.pk, actor=desk) for r in sent[0:3:2]]
    for referral in sent[4:5]:
        referrals.redirect_referral(
            referral.pk, reason="外科门诊本周满诊，建议转县人民医院外科", actor=desk
        )
    down = _refer_down(accepted, hospital, family_doctor.institution_id)
    if down:
        _book_first_follow_up(down[0], doctor)
    answered = _readings(patients[5:7], doctor, hospital)
    return ReferralDemo(len(teams), len(sent), len(down), answered)


def _create_teams() -> list:
    teams = []
    for institution in Institution.objects.filter(level__in=PRIMARY_CARE_LEVELS).order_by("code"):
        department = Department.objects.filter(institution=institution).order_by("pk").first()
        lead = department.doctors.order_by("pk").first() if department else None
        if lead is None:
            continue
        teams.append(
            contracts.add_team(
                institution_id=institution.pk,
                name=f"{institution.name}家庭医生{lead.name}团队",
                lead_doctor_id=lead.pk,
                phone=institution.phone,
                services="慢病随访、健康评估、预约转诊、上门巡诊",
            )
        )
    return teams


def _refer_up(patients: list, doctor: Actor, hospital_id: int) -> list:
    sent = []
    for patient, (reason, diagnosis, code, urgency) in zip(patients, _UPWARD, strict=False):
        department = Department.objects.get(institution_id=hospital_id, code=code)
        taken = {r.appointment.slot_id for r in sent if r.appointment_id}
        slot = next(
            (
                s
                for s in availability.next_available(
                    department_ids=[department.pk],
                    channel=BookingChannel.PRIMARY_CARE,
                    now=clock.now(),
                    limit=10,
                )
                if s.slot_id not in taken
            ),
            None,
        )
        if slot is None:
            continue  # a short demo calendar may have no reserved time left
        sent.append(
            referrals.refer_up(
                referrals.UpwardReferral(
                    patient_id=patient.pk,
                    department_id=department.pk,
                    reason=reason,
                    diagnosis=diagnosis,
                    urgency=urgency,
                    slot_id=slot.slot_id,
                    allergies="青霉素过敏" if len(sent) == 1 else "",
                    record_shared=True,
                ),
                actor=doctor,
            )
        )
    return sent


def _refer_down(upward: list, hospital: Actor, township_id: int) -> list:
    today = clock.today()
    down = []
    for referral, (diagnosis, medication, purpose) in zip(upward, _DOWNWARD, strict=False):
        down.append(
            referrals.refer_down(
                referrals.DownwardReferral(
                    patient_id=referral.patient_id,
                    to_institution_id=township_id,
                    reason="专科调整用药后病情平稳，转回基层继续管理",
                    diagnosis=diagnosis,
                    medication=medication,
                    warning_signs=_WARNING_SIGNS,
                    advice="低盐低脂饮食，规律作息，每日自测血压并记录",
                    follow_ups=[
                        referrals.FollowUpIn(today + dt.timedelta(days=7), purpose),
                        referrals.FollowUpIn(today + dt.timedelta(days=28), purpose),
                    ],
                ),
                actor=hospital,
            )
        )
    return down


def _book_first_follow_up(down, doctor: Actor) -> None:
    follow_up = down.care_plan.follow_ups.order_by("due_date").first()
    departments = list(
        Department.objects.filter(institution_id=doctor.institution_id).values_list("pk", flat=True)
    )
    free = availability.next_available(
        department_ids=departments, channel=BookingChannel.IN_CLINIC, now=clock.now(), limit=1
    )
    if free:
        referrals.book_follow_up(follow_up.pk, slot_id=free[0].slot_id, actor=doctor)


def _readings(patients: list, doctor: Actor, hospital: Actor) -> int:
    asked = []
    for number, patient in enumerate(patients, start=1):
        order = exams.place_exam_order(patient_id=patient.pk, item_code="ECG", actor=doctor)
        asked.append(
            consultations.request_consultation(
                consultations.ConsultationIn(
                    patient_id=patient.pk,
                    kind="ecg",
                    consulting_institution_id=hospital.institution_id,
                    question="活动后胸闷，请协助判读心电图",
                    exam_order_id=order.pk,
                    waveform_file=f"ecg/{clock.today():%Y%m%d}-{number:04d}.xml",
                ),
                actor=doctor,
            )
        )
    for consultation in asked[:1]:
        consultations.answer_consultation(
            consultation.pk, opinion="窦性心律，ST-T未见明显异常", actor=hospital
        )
    return len(asked)
