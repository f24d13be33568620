"""The inpatient demo (issue 25), written through the inpatient services: the tertiary
hospital's wards (a general surgery ward with a women's room and an isolation room, an
orthopaedics ward, a children's ward and the day-surgery centre), its day-surgery catalogue, and
patients at every step: notices on the centre's worklist (one with its pre-admission visit of
exams and the anaesthesia consultation, when the clinics have sessions), beds booked and ready,
patients on the wards with their deposits, and discharges settled at the bedside (one a day
surgery followed up by phone, one with its blood fees reimbursed to a donor's spouse)."""

from __future__ import annotations

import datetime as dt

from onetrip.billing.models import ChargeSource, PaymentChannel, VisitKind
from onetrip.billing.services import charges
from onetrip.consortium.models import Department, StaffProfile
from onetrip.core import clock
from onetrip.core.actors import Actor, ActorKind, Channel
from onetrip.core.errors import DomainError
from onetrip.identity import services as identity
from onetrip.inpatient import blood, preadmission, services
from onetrip.inpatient.models import Admission, SexRule

# The hospital's most recently registered patients (the other demos take the first ones).
PATIENTS_LOOKED_AT = 60
# The spouse of the patient whose blood fees are reimbursed: the blood centre's sandbox counts
# this number as a donor of 800 ml (four donations).
DONOR_SPOUSE_ID = "330902198506124006"


def _actor(profile: StaffProfile) -> Actor:
    return Actor(
        kind=ActorKind.STAFF,
        label=profile.full_name,
        user=profile.user,
        institution_id=profile.institution_id,
        channel=Channel.SYSTEM,
    )


def _rooms(count: int, beds: int, *, women: tuple[int, ...] = (), isolation: tuple[int, ...] = ()):
    labels = tuple("ABCDEF"[:beds])
    return tuple(
        (
            f"{n:02d}",
            SexRule.FEMALE if n in women else SexRule.ANY,
            n in isolation,
            labels,
        )
        for n in range(1, count + 1)
    )


WARDS = (
    services.WardIn(
        code="GS1", name="普外科一病区", rooms=_rooms(8, 3, women=(7,), isolation=(8,))
    ),
    services.WardIn(code="ORTH", name="骨科病区", rooms=_rooms(6, 3)),
    services.WardIn(code="PED", name="儿科病区", max_age=14, rooms=_rooms(4, 2)),
    services.WardIn(code="DSC", name="日间手术中心", day_surgery=True, rooms=_rooms(4, 3)),
)
PROCEDURES = (
    ("LC", "腹腔镜胆囊切除术", 2, 18, 70),
    ("PHACO", "白内障超声乳化摘除术", 3, 18, 85),
    ("HERNIA", "腹股沟疝修补术", 2, 18, 75),
    ("HYST", "宫腔镜检查", 2, 18, 65),
)
PATHWAYS = (
    (
        "CHOLE",
        "胆囊结石（腹腔镜胆囊切除术）临床路径",
        ("入院评估、术前检查", "术前准备、麻醉评估", "腹腔镜胆囊切除术", "术后观察", "出院"),
    ),
    (
        "TKA",
        "膝关节骨性关节炎（人工膝关节置换术）临床路径",
        ("入院评估", "术前准备", "人工膝关节置换术", "术后康复", "术后康复", "出院"),
    ),
)
# Which pathway a diagnosis is enrolled on (index into PATHWAYS).
PATHWAY_FOR = {"胆囊结石伴慢性胆囊炎": 0, "膝关节骨性关节炎": 1}
ELECTIVE = (
    ("胆囊结石伴慢性胆囊炎", "腹腔镜胆囊切除术", 5),
    ("腰椎间盘突出症", "椎间孔镜髓核摘除术", 7),
    ("结节性甲状腺肿", "甲状腺部分切除术", 5),
    ("膝关节骨性关节炎", "人工膝关节置换术", 10),
    ("2型糖尿病血糖控制不佳", "", 7),
)


def load(staff: dict[str, StaffProfile]) -> int:
    """Admissions at the tertiary hospital (its doctor, admission centre and ward nurse
    accounts); answers how many were written."""
    issuing, desk, ward = (_actor(staff[role]) for role in ("doctor", "admission", "ward_nurse"))
    surgery = Department.objects.filter(institution_id=desk.institution_id, code="SURG").first()
    for spec in WARDS:
        services.create_ward(spec, actor=desk)
    procedures = [
        services.add_day_surgery_procedure(
            code=code, name=name, max_asa=asa, min_age=low, max_age=high, actor=desk
        )
        for code, name, asa, low, high in PROCEDURES
    ]
    pathways = [
        services.add_pathway_template(code=code, name=name, days=days, actor=desk)
        for code, name, days in PATHWAYS
    ]
    adults = [
        p
        for p in identity.accessible_patients(issuing).order_by("-pk")[:PATIENTS_LOOKED_AT]
        if 18 <= services.age_on(p, clock.today()) <= 65
    ][:16]
    made: list[Admission] = []
    for number, patient in enumerate(adults):
        day_case = number % 4 == 3
        diagnosis, procedure, days = ELECTIVE[number % len(ELECTIVE)]
        made.append(
            services.issue_notice(
                services.NoticeIn(
                    patient_id=patient.pk,
                    diagnosis="胆囊息肉" if day_case else diagnosis,
                    planned_procedure="" if day_case else procedure,
                    urgency="elective",
                    expected_los_days=days,
                    surgeon="王建国" if procedure or day_case else "",
                    department_id=surgery.pk if surgery else None,
                    day_surgery_id=procedures[0].pk if day_case else None,
                ),
                actor=issuing,
            )
        )
    # The first four wait on the worklist; the rest get a bed, some of them are in it.
    for step, admission in enumerate(made[4:], start=4):
        _book(admission, desk, clock.today() + dt.timedelta(days=step % 3))
        if admission.day_surgery_id:
            services.pre_assess(admission.pk, asa_class=1, escort_at_home=True, actor=desk)
        if step % 5 == 0:
            services.bed_ready(admission.pk, actor=desk)
        if step >= 8:
            services.admit(admission.pk, kind="code", value=str(admission.patient_id), actor=desk)
            services.take_deposit(
                admission.pk, amount_fen=300_000, channel=PaymentChannel.CASH, actor=desk
            )
            if admission.diagnosis in PATHWAY_FOR:
                services.enrol_on_pathway(
                    admission.pk,
                    template_id=pathways[PATHWAY_FOR[admission.diagnosis]].pk,
                    actor=desk,
                )
    if made:
        _pre_admission_visit(made[0], desk)
    if len(made) > 13:
        _blood_from_a_donors_spouse(made[13], desk)
    for admission in made[13:]:
        services.discharge(
            admission.pk,
            services.DischargeIn(place="bedside", notes="术后恢复良好，一周后门诊复查。"),
            actor=ward,
        )
        if admission.day_surgery_id:
            services.record_follow_up(admission.pk, note="电话随访：切口无红肿，无发热", actor=ward)
    return len(made)


def _book(admission: Admission, desk: Actor, day: dt.date) -> None:
    admission = Admission.objects.select_related("patient").get(pk=admission.pk)
    bed = services.free_beds_for(admission)[0]
    services.book_bed(admission.pk, bed_id=bed.pk, expected_date=day, actor=desk)


def _pre_admission_visit(admission: Admission, desk: Actor) -> None:
    """The first day of the coming week with room for the exams and the consultation after them;
    none when the demo has too few clinic days."""
    for ahead in range(7):
        try:
            preadmission.plan_visit(
                admission.pk, day=clock.today() + dt.timedelta(days=ahead), actor=desk
            )
        except DomainError:
            continue
        return


def _blood_from_a_donors_spouse(admission: Admission, desk: Actor) -> None:
    admission = Admission.objects.get(pk=admission.pk)
    charges.create_charge(
        charges.ChargeRequest(
            patient_id=admission.patient_id,
            institution_id=admission.institution_id,
            visit_reference=admission.admission_number,
            item_code="BLOOD-RBC",
            quantity=2,
            source=ChargeSource.WARD,
            source_key=f"{admission.admission_number}:BLOOD-RBC:1",
            visit_kind=VisitKind.INPATIENT,
        ),
        actor=desk,
    )
    blood.claim_blood_fees(
        admission.pk,
        donor_id_number=DONOR_SPOUSE_ID,
        relationship="spouse",
        proof="marriage_certificate",
        actor=desk,
    )
