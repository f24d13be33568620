"""Demo data of the public-health domain, made through its services: the tertiary hospital's
vaccination clinic (预防接种门诊) with weekday and Saturday morning sessions, the schedules'
vaccines, lots received with their scanned codes, a cold-chain log with one excursion, a family
(mother 陈静, phone 13900001111, and her baby) with a dose given, one visit booked for today,
an adverse event on file and a small recalled lot; home nursing for the mother with a visit
recorded (community_nurse); the island health hut's blood-pressure and
glucose devices with readings (two out of range) waiting on the responsible township doctor
(island_doctor) at 螺门镇卫生院, with the mother's video consultation request; at the
maternal-child clinic (maternal_child) 周敏's pregnancy (13900003333: checks, an orange risk
grade, a booked check) and the baby's 1-month check on her growth chart. Sign in on the phone with
13900001111 to see the family's vaccination card, the baby's growth chart and home care, and to
apply for a newborn."""

from __future__ import annotations

import datetime as dt

from onetrip.billing.models import CatalogueItem, ChargeCategory, InsuranceCategory, ItemKind
from onetrip.consortium import services as consortium
from onetrip.consortium.models import ClinicKind, DoctorTitle, Institution, StaffProfile
from onetrip.core import clock
from onetrip.core.actors import SYSTEM, Actor, ActorKind, Channel
from onetrip.identity import services as identity
from onetrip.identity.models import Patient
from onetrip.publichealth import schedule as immunisation
from onetrip.publichealth.devices import SandboxHutDevice
from onetrip.publichealth.services import home_care, huts, maternal_child, vaccination, video
from onetrip.scheduling.models import Period, SessionTemplate, Slot
from onetrip.scheduling.services import schedule

DEMO_MOTHER_PHONE = "13900001111"
DEMO_PREGNANT_PHONE = "13900003333"
# The clinic days the family's bookings spread over (a load with fewer has no family).
FAMILY_VISIT_DAYS = 3
_PAID = {
    "FLU": ("VAC-FLU", "流感疫苗（四价）", 12_800),
    "HPV": ("VAC-HPV9", "九价HPV疫苗", 132_000),
    "RAB": ("VAC-RAB", "人用狂犬病疫苗（Vero细胞）", 28_000),
}


def _actor(profile: StaffProfile) -> Actor:
    return Actor(
        kind=ActorKind.STAFF,
        label=profile.user.username,
        user=profile.user,
        institution_id=profile.institution_id,
        channel=Channel.WEB,
    )


def _code(product_index: int, serial: int) -> str:
    return f"81{product_index:05d}{serial:09d}0000"


def load(
    *,
    hospital: Institution,
    vaccinator: StaffProfile,
    clerk: StaffProfile,
    island_doctor: StaffProfile,
    doctor: StaffProfile,
    community_nurse: StaffProfile,
    maternal_child_staff: StaffProfile,
    days: int,
) -> None:
    nurse, desk = _actor(vaccinator), _actor(clerk)
    _clinic(
        hospital,
        days,
        vaccination.VACCINATION_DEPARTMENT_CODE,
        ("预防接种门诊", "Vaccination clinic"),
        "接种台",
    )
    _clinic(
        hospital,
        days,
        maternal_child.MCH_DEPARTMENT_CODE,
        ("妇幼保健门诊", "Maternal and child health clinic"),
        "妇幼保健医生",
    )
    _vaccines(nurse)
    _lots_and_cold_chain(nurse)
    _hut(_actor(island_doctor))
    # The family's visits take the clinic's sessions of three different days.
    if len(_session_days(hospital, clock.now())) >= FAMILY_VISIT_DAYS:
        _family(hospital, nurse, desk)
        _home_care(_actor(doctor), _actor(community_nurse))
        _mother_and_child(_actor(maternal_child_staff), desk)
        _video_request(_actor(island_doctor))


def _home_care(doctor: Actor, nurse: Actor) -> None:
    """Home nursing ordered by the hospital's doctor for the demo mother after a caesarean: two
    visits scheduled for the community nurse, the first recorded and charged."""
    CatalogueItem.objects.create(
        code=home_care.VISIT_ITEM,
        name="上门护理服务费",
        kind=ItemKind.SERVICE,
        charge_category=ChargeCategory.TREATMENT,
        insurance_category=InsuranceCategory.B,
        unit_price_fen=8000,
    )
    mother = (
        identity.accessible_patients(doctor)
        .filter(phone=DEMO_MOTHER_PHONE, sex="female")
        .order_by("birth_date")
        .first()
    )
    order = home_care.order_home_care(
        patient_id=mother.pk,
        kind="home_nursing",
        reason="剖宫产术后伤口换药",
        address="浙江省海州市青屿县海滨街道8号",
        actor=doctor,
    )
    now = clock.now()
    first = home_care.schedule_visit(
        order.pk, nurse_username=nurse.label, at=now + dt.timedelta(minutes=5), actor=nurse
    )
    home_care.schedule_visit(
        order.pk, nurse_username=nurse.label, at=now + dt.timedelta(days=2), actor=nurse
    )
    home_care.record_visit(
        first.pk,
        notes="伤口干燥无渗出，已换药",
        systolic=118,
        diastolic=76,
        pulse=72,
        temperature_tenths=365,
        actor=nurse,
    )


def _clinic(
    hospital: Institution, days: int, code: str, names: tuple[str, str], desk_name: str
) -> None:
    """A morning clinic every day of the week: the vaccination clinic, the maternal-child one."""
    department = consortium.add_department(
        hospital, code=code, name=names[0], name_en=names[1], actor=SYSTEM
    )
    desk = consortium.add_doctor(
        department, name=desk_name, title=DoctorTitle.RESIDENT, actor=SYSTEM
    )
    clinic = consortium.add_clinic(
        department,
        name=names[0],
        kind=ClinicKind.GENERAL,
        location="门诊楼一楼",
        actor=SYSTEM,
    )
    today = clock.today()
    SessionTemplate.objects.bulk_create(
        SessionTemplate(
            doctor=desk,
            clinic=clinic,
            weekday=weekday,
            period=Period.MORNING,
            start_time=dt.time(8, 0),
            end_time=dt.time(11, 30),
            slot_minutes=15,
            capacity_per_slot=6,
            fee_fen=0,
            valid_from=today,
        )
        for weekday in range(7)
    )
    schedule.generate_sessions(
        institution_id=hospital.pk,
        date_from=today,
        date_to=today + dt.timedelta(days=days),
        actor=SYSTEM,
    )


def _vaccines(nurse: Actor) -> None:
    CatalogueItem.objects.bulk_create(
        CatalogueItem(
            code=code,
            name=name,
            kind=ItemKind.DRUG,
            charge_category=ChargeCategory.TREATMENT,
            insurance_category=InsuranceCategory.C,
            unit_price_fen=price,
        )
        for code, name, price in _PAID.values()
    )
    for index, code in enumerate(immunisation.PRODUCT_NAMES):
        vaccination.define_product(
            vaccination.ProductIn(
                code, "国药集团中国生物", f"81{index:05d}", _PAID.get(code, ("",))[0]
            ),
            actor=nurse,
        )


def _lot(nurse: Actor, product: str, lot_number: str, packages: int, first: int = 1):
    index = list(immunisation.PRODUCT_NAMES).index(product)
    return vaccination.receive_lot(
        vaccination.LotIn(
            product_code=product,
            lot_number=lot_number,
            supplier="国药控股浙江有限公司",
            expires_on=clock.today() + dt.timedelta(days=300),
            doses_per_package=1,
            trace_codes=[_code(index, first + n) for n in range(packages)],
        ),
        actor=nurse,
    )


def _lots_and_cold_chain(nurse: Actor) -> None:
    for product, lot_number in (("HepB", "202609B011"), ("BCG", "202608C003"), ("HPV", "J00725")):
        _lot(nurse, product, lot_number, 10)
    for unit, tenths in (("疫苗冷藏柜1", 46), ("疫苗冷藏柜2", 51), ("疫苗冷藏柜2", 93)):
        vaccination.record_temperature(unit=unit, tenths_celsius=tenths, actor=nurse)


def _session_days(hospital: Institution, after: dt.datetime) -> list[dt.date]:
    """The days the vaccination clinic still has times on, after `after`."""
    return sorted(
        set(
            Slot.objects.filter(
                session__institution=hospital,
                session__department__code=vaccination.VACCINATION_DEPARTMENT_CODE,
                starts_at__gt=after,
            ).values_list("session__date", flat=True)
        )
    )


def _slot(hospital: Institution, after: dt.datetime, nth_day: int = 0) -> Slot:
    days = _session_days(hospital, after)
    return (
        Slot.objects.filter(
            session__institution=hospital,
            session__department__code=vaccination.VACCINATION_DEPARTMENT_CODE,
            session__date=days[min(nth_day, len(days) - 1)],
            starts_at__gt=after,
        )
        .order_by("starts_at")
        .first()
    )


def _family(hospital: Institution, nurse: Actor, desk: Actor) -> None:
    mother = identity.register_patient(
        identity.PatientRegistration(
            name="陈静",
            sex="female",
            birth_date=dt.date(1994, 6, 18),
            phone=DEMO_MOTHER_PHONE,
            documents=[identity.DocumentInput("resident_id", "330902199406180021")],
        ),
        actor=desk,
    )
    baby = identity.register_patient(
        identity.PatientRegistration(
            name="林小禾",
            sex="female",
            birth_date=clock.today() - dt.timedelta(days=35),
            phone=DEMO_MOTHER_PHONE,
            guardian=identity.GuardianInput("resident_id", "330902199406180021", "parent"),
        ),
        actor=desk,
    )
    now = clock.now()
    answers = dict.fromkeys(vaccination.SCREENING_QUESTIONS, False)
    given = vaccination.book_vaccination(
        patient_id=baby.pk,
        product_code="HepB",
        dose_number=2,
        slot_id=_slot(hospital, now).pk,
        actor=nurse,
    )
    vaccination.screen(given.pk, answers=answers, consent_by="陈静", actor=nurse)
    dose = vaccination.give_dose(given.pk, trace_code=_code(0, 1), site="left_thigh", actor=nurse)
    vaccination.report_aefi(
        dose.pk,
        onset_at=dose.given_at,
        discovered_at=clock.now(),
        symptoms="接种部位轻度红肿，直径约1厘米",
        serious=False,
        actor=nurse,
    )
    vaccination.book_vaccination(
        patient_id=mother.pk,
        product_code="HPV",
        dose_number=1,
        slot_id=_slot(hospital, now, 1).pk,
        actor=nurse,
    )
    # A small lot withdrawn after a cold-chain break: the recall reaches the mother's phone.
    recalled = _lot(nurse, "BCG", "202605C001", 2, first=100)
    bcg = vaccination.book_vaccination(
        patient_id=baby.pk,
        product_code="BCG",
        dose_number=1,
        slot_id=_slot(hospital, now, 2).pk,
        actor=nurse,
    )
    vaccination.screen(bcg.pk, answers=answers, consent_by="陈静", actor=nurse)
    vaccination.give_dose(bcg.pk, trace_code=_code(1, 100), site="left_deltoid", actor=nurse)
    vaccination.recall_lot(recalled.pk, reason="运输途中冷链温度超标", actor=nurse)


def _hut(actor: Actor) -> None:
    hut = Institution.objects.get(code="ZJ-I001")
    huts.register_device(hut.pk, huts.DeviceIn("HUT-BP-0001", "bp"), actor=actor)
    huts.register_device(hut.pk, huts.DeviceIn("HUT-GLU-0001", "glucose"), actor=actor)
    pressure = SandboxHutDevice("HUT-BP-0001", "bp")
    glucose = SandboxHutDevice("HUT-GLU-0001", "glucose")
    now = clock.now()
    resident = "330902199406180021"
    pressure.measure_blood_pressure(resident, 126, 78, now - dt.timedelta(days=2))
    pressure.measure_blood_pressure(resident, 168, 98, now - dt.timedelta(hours=3))
    glucose.measure_glucose(resident, 62, now - dt.timedelta(days=1))
    glucose.measure_glucose(resident, 134, now - dt.timedelta(hours=2))

    def send(serial, batch):
        return huts.upload_readings(serial, batch, actor=SYSTEM)

    pressure.flush(send)
    glucose.flush(send)


def _mother_and_child(staff: Actor, desk: Actor) -> None:
    """周敏 (phone 13900003333), 9 weeks pregnant with her second child, registered at the
    maternal-child clinic: the first antenatal check recorded, the risk graded orange (a scar
    from an earlier caesarean) with the referral, the second check booked; the demo baby 林小禾's
    1-month check with her measurements, drawn on the family's growth chart."""
    pregnant = identity.register_patient(
        identity.PatientRegistration(
            name="周敏",
            sex="female",
            birth_date=dt.date(1991, 9, 2),
            phone=DEMO_PREGNANT_PHONE,
            documents=[identity.DocumentInput("resident_id", "330902199109020048")],
        ),
        actor=desk,
    )
    pregnancy = maternal_child.register_pregnancy(
        patient_id=pregnant.pk,
        last_period=clock.today() - dt.timedelta(days=63),
        gravida=2,
        para=1,
        actor=staff,
    )
    maternal_child.record_antenatal_check(
        pregnancy.pk,
        number=1,
        notes="宫内早孕，胎心搏动可见；血常规、乙肝、梅毒、HIV 筛查已开单",
        systolic=116,
        diastolic=72,
        weight_grams=58500,
        actor=staff,
    )
    maternal_child.flag_risk(
        pregnancy.pk,
        colour="orange",
        factor="瘢痕子宫（前次剖宫产）",
        referral_note="转诊本院产科高危门诊，孕期保健在二级以上医院进行",
        actor=staff,
    )
    times = maternal_child.open_times(now=clock.now())
    if times:
        maternal_child.book_antenatal_check(
            pregnancy_id=pregnancy.pk, number=2, slot_id=times[-1].slot_id, actor=staff
        )
    baby = (
        identity.accessible_patients(staff)
        .filter(phone=DEMO_MOTHER_PHONE, birth_date__gt=clock.today() - dt.timedelta(days=60))
        .first()
    )
    if baby is not None:
        maternal_child.record_child_check(
            patient_id=baby.pk,
            age_months=1,
            weight_grams=4350,
            length_mm=545,
            head_mm=368,
            notes="母乳喂养，脐部愈合良好",
            actor=staff,
        )


def _video_request(doctor: Actor) -> None:
    """The island hut's resident 陈静 (her high reading is on the worklist) asks, through the
    hut's attendant, for a video consultation with the township doctor."""
    hut = Institution.objects.get(code="ZJ-I001")
    mother = Patient.objects.filter(phone=DEMO_MOTHER_PHONE, sex="female").order_by("pk").first()
    # The hut's residents are its township's patients (the readings already reach its doctor).
    identity.affiliate_for_appointment(mother.pk, doctor.institution_id)
    video.request_consultation(
        patient_id=mother.pk,
        hut_id=hut.pk,
        reason="小屋测得血压 168/98，想请乡镇医生视频看看是否需要用药",
        actor=doctor,
    )
