"""Builders shared by the public-health tests and the scoping registrations: a vaccination
clinic (a scheduling department with weekday sessions), the vaccines, a lot with its scanned
package codes, a mother with a child held by her phone."""

from __future__ import annotations

import datetime as dt

from onetrip.billing.models import CatalogueItem, ChargeCategory, InsuranceCategory, ItemKind
from onetrip.conftest import NOW
from onetrip.consortium import services as consortium
from onetrip.consortium.models import ClinicKind, DoctorTitle, Institution
from onetrip.core import clock
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.identity import services as identity
from onetrip.identity.models import MobileAccount, Patient, ProxyGrant
from onetrip.publichealth.models import Dose, VaccinationVisit, VaccineLot
from onetrip.publichealth.services import maternal_child, vaccination
from onetrip.scheduling.models import Period, SessionTemplate, Slot
from onetrip.scheduling.services import schedule

HEPB_PREFIX = "8100001"
HPV_PREFIX = "8100002"


def resident_id(first17: str) -> str:
    """A resident ID with its GB 11643 check digit."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(first17, weights, strict=True))
    return first17 + "10X98765432"[total % 11]


def trace_code(prefix: str, serial: int) -> str:
    return f"{prefix}{serial:09d}0000"


def vaccination_clinic(institution: Institution) -> None:
    """预防接种门诊: weekday mornings, 10-minute slots for 5 children each, no registration fee."""
    weekday_clinic(institution, vaccination.VACCINATION_DEPARTMENT_CODE, "预防接种门诊", "接种台")


def mch_clinic(institution: Institution) -> None:
    """孕产妇/儿童保健门诊, on the same weekday mornings."""
    weekday_clinic(institution, maternal_child.MCH_DEPARTMENT_CODE, "妇幼保健门诊", "保健医生")


def weekday_clinic(institution: Institution, code: str, name: str, desk: str) -> None:
    department = consortium.add_department(institution, code=code, name=name, actor=SYSTEM)
    nurse = consortium.add_doctor(department, name=desk, title=DoctorTitle.RESIDENT, actor=SYSTEM)
    clinic = consortium.add_clinic(department, name=name, kind=ClinicKind.GENERAL, actor=SYSTEM)
    for weekday in range(5):
        SessionTemplate.objects.create(
            doctor=nurse,
            clinic=clinic,
            weekday=weekday,
            period=Period.MORNING,
            start_time=dt.time(8, 0),
            end_time=dt.time(11, 30),
            slot_minutes=10,
            capacity_per_slot=5,
            fee_fen=0,
            valid_from=NOW.date(),
        )
    schedule.generate_sessions(
        institution_id=institution.pk,
        date_from=NOW.date(),
        date_to=NOW.date() + dt.timedelta(days=7),
        actor=SYSTEM,
    )


def vaccines(stock_keeper: Actor) -> None:
    CatalogueItem.objects.get_or_create(
        code="VAC-HPV9",
        defaults={
            "name": "九价HPV疫苗",
            "kind": ItemKind.DRUG,
            "charge_category": ChargeCategory.TREATMENT,
            "insurance_category": InsuranceCategory.C,
            "unit_price_fen": 132_000,
        },
    )
    vaccination.define_product(
        vaccination.ProductIn("HepB", "深圳康泰生物制品", HEPB_PREFIX), actor=stock_keeper
    )
    vaccination.define_product(
        vaccination.ProductIn("HPV", "默沙东", HPV_PREFIX, "VAC-HPV9"), actor=stock_keeper
    )


def a_lot(
    stock_keeper: Actor,
    *,
    product: str = "HepB",
    lot_number: str = "202611B01",
    packages: int = 3,
    doses_per_package: int = 1,
    first_serial: int = 1,
) -> VaccineLot:
    prefix = HEPB_PREFIX if product == "HepB" else HPV_PREFIX
    return vaccination.receive_lot(
        vaccination.LotIn(
            product_code=product,
            lot_number=lot_number,
            supplier="国药控股",
            expires_on=NOW.date() + dt.timedelta(days=365),
            doses_per_package=doses_per_package,
            trace_codes=[trace_code(prefix, first_serial + i) for i in range(packages)],
        ),
        actor=stock_keeper,
    )


def mother_with_child(clerk: Actor, *, phone: str = "13812340001", serial: int = 1):
    """A mother registered at the clerk's hospital and her child, held by her phone as parent."""
    mother_id = resident_id(f"33010219920305{serial:02d}2"[:17])
    mother = identity.register_patient(
        identity.PatientRegistration(
            name="王芳",
            sex="female",
            birth_date=dt.date(1992, 3, 5),
            phone=phone,
            documents=[identity.DocumentInput("resident_id", mother_id)],
        ),
        actor=clerk,
    )
    account, _created = MobileAccount.objects.get_or_create(
        phone=phone, defaults={"created_at": NOW}
    )
    ProxyGrant.objects.create(
        patient=mother,
        account=account,
        relationship="self",
        basis="own_record",
        granted_at=NOW,
        granted_by="test",
    )
    parent = Actor(kind=ActorKind.PATIENT, label=phone[:3] + "****", account_id=account.pk)
    child = identity.register_patient(
        identity.PatientRegistration(
            name="王小宝",
            sex="male",
            birth_date=NOW.date() - dt.timedelta(days=40),
            phone=phone,
            guardian=identity.GuardianInput("resident_id", mother_id, "parent"),
            relationship="parent",
        ),
        actor=parent,
    )
    identity.affiliate_for_appointment(child.pk, clerk.institution_id)
    return mother, child, parent


def first_slot(institution: Institution, session: int = 0) -> Slot:
    """The first slot after now of the institution's `session`-th session from today."""
    now = clock.now()
    days = sorted(
        set(
            Slot.objects.filter(session__institution=institution, starts_at__gt=now).values_list(
                "session__date", flat=True
            )
        )
    )
    return (
        Slot.objects.filter(
            session__institution=institution, session__date=days[session], starts_at__gt=now
        )
        .order_by("starts_at")
        .first()
    )


def booked(
    patient: Patient,
    booker: Actor,
    institution: Institution,
    product: str = "HepB",
    dose: int = 2,
    session: int = 0,
):
    return vaccination.book_vaccination(
        patient_id=patient.pk,
        product_code=product,
        dose_number=dose,
        slot_id=first_slot(institution, session).pk,
        actor=booker,
    )


NO_TO_ALL = dict.fromkeys(vaccination.SCREENING_QUESTIONS, False)


def screened(visit: VaccinationVisit, nurse: Actor) -> VaccinationVisit:
    return vaccination.screen(visit.pk, answers=NO_TO_ALL, consent_by="王芳", actor=nurse)


def given(visit: VaccinationVisit, nurse: Actor, code: str) -> Dose:
    screened(visit, nurse)
    return vaccination.give_dose(visit.pk, trace_code=code, site="left_deltoid", actor=nurse)


def screened_by(visit_id: int, nurse: Actor) -> VaccinationVisit:
    return vaccination.screen(visit_id, answers=NO_TO_ALL, consent_by="张伟", actor=nurse)
