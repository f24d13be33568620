"""Demo data for prescribing and the pharmacy (issue 20): every institution's formulary with the
shared chronic-disease catalogue's drugs (R-RX-3), the interaction pairs, and a few
prescriptions at each step (in review, approved to pay, in the dispensing queue, ready at the
window), all written through the services. The price catalogue's drug lines have no service
yet, so they are inserted like the loader's other price lines."""

from __future__ import annotations

from decimal import Decimal as D

from onetrip.billing.models import (
    CatalogueItem,
    ChargeCategory,
    InsuranceCategory,
    ItemKind,
    PaymentChannel,
    SettlementMode,
)
from onetrip.billing.services import settlements
from onetrip.consortium.models import Institution, StaffProfile
from onetrip.core.actors import SYSTEM, Actor, ActorKind, Channel
from onetrip.identity import services as identity
from onetrip.pharmacy.models import DispenseOrder
from onetrip.pharmacy.services import dispensing
from onetrip.prescribing.models import Prescription
from onetrip.prescribing.services import formulary, prescriptions
from onetrip.prescribing.services.formulary import DrugIn
from onetrip.prescribing.services.prescriptions import LineIn, PrescriptionIn

# code, substance, name, unit, single min/max, daily max, routes, class, price (fen a pack),
# and the optional facts: allergy group, pregnancy, minimum age, herbal.
DRUGS: tuple[tuple, ...] = (
    (
        "DR-AML",
        "amlodipine",
        "苯磺酸氨氯地平片 5mg×28",
        "mg",
        2.5,
        10,
        10,
        ("oral",),
        "钙通道阻滞剂",
        2850,
        {},
    ),
    (
        "DR-NIF",
        "nifedipine",
        "硝苯地平控释片 30mg×7",
        "mg",
        30,
        60,
        90,
        ("oral",),
        "钙通道阻滞剂",
        3320,
        {},
    ),
    (
        "DR-CAP",
        "captopril",
        "卡托普利片 25mg×100",
        "mg",
        12.5,
        50,
        150,
        ("oral",),
        "ACE抑制剂",
        600,
        {"pregnancy": True},
    ),
    (
        "DR-MET",
        "metformin",
        "盐酸二甲双胍片 0.5g×60",
        "mg",
        250,
        1000,
        2000,
        ("oral",),
        "双胍类",
        1680,
        {"min_age": 10},
    ),
    (
        "DR-SIM",
        "simvastatin",
        "辛伐他汀片 20mg×28",
        "mg",
        10,
        40,
        40,
        ("oral",),
        "他汀类",
        2460,
        {},
    ),
    (
        "DR-CLA",
        "clarithromycin",
        "克拉霉素片 0.25g×6",
        "mg",
        250,
        500,
        1000,
        ("oral",),
        "大环内酯类",
        1890,
        {},
    ),
    (
        "DR-AMX",
        "amoxicillin",
        "阿莫西林胶囊 0.25g×24",
        "mg",
        250,
        1000,
        4000,
        ("oral",),
        "青霉素类",
        1250,
        {"allergy": "penicillin"},
    ),
    (
        "HB-XYS",
        "xiaoyao_san",
        "逍遥散（中药饮片，代煎）7剂",
        "剂",
        1,
        1,
        2,
        ("decoction",),
        "中药饮片",
        9800,
        {"herbal": True},
    ),
)
INTERACTIONS = (
    (
        "clarithromycin",
        "simvastatin",
        "major",
        "克拉霉素抑制CYP3A4，辛伐他汀浓度升高，横纹肌溶解风险。",
    ),
    ("amlodipine", "simvastatin", "moderate", "合用时辛伐他汀每日不超过20mg。"),
)
CHRONIC = (
    ("I10", "高血压", ("amlodipine", "nifedipine", "captopril")),
    ("E11", "2型糖尿病", ("metformin",)),
    ("E78", "高脂血症", ("simvastatin",)),
)


def price_drugs() -> None:
    for code, _g, name, *_rest, price, facts in DRUGS:
        CatalogueItem.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": ItemKind.DRUG,
                "charge_category": (
                    ChargeCategory.HERBAL_PIECES
                    if facts.get("herbal")
                    else ChargeCategory.WESTERN_MEDICINE
                ),
                "insurance_category": InsuranceCategory.A,
                "unit_price_fen": price,
            },
        )


def stock_formulary(institution_id: int, *, actor: Actor = SYSTEM) -> None:
    """The institution's formulary: the shared catalogue's drugs and the rest, with their facts."""
    price_drugs()
    formulary.open_formulary(institution_id, actor=actor)
    for code, generic, name, unit, low, high, daily, routes, klass, _price, facts in DRUGS:
        formulary.add_drug(
            institution_id,
            DrugIn(
                code=code,
                generic=generic,
                name=name,
                unit=unit,
                min_single_dose=D(str(low)),
                max_single_dose=D(str(high)),
                max_daily_dose=D(str(daily)),
                routes=routes,
                therapeutic_class=klass,
                allergy_group=facts.get("allergy", ""),
                pregnancy_contraindicated=facts.get("pregnancy", False),
                min_age_years=facts.get("min_age", 0),
                herbal=facts.get("herbal", False),
            ),
            actor=actor,
        )


def consortium_catalogue(*, actor: Actor = SYSTEM) -> None:
    """The interaction table and the chronic-disease catalogue every member shares."""
    for generic, other, severity, why in INTERACTIONS:
        formulary.add_interaction(generic, other, severity=severity, explanation=why, actor=actor)
    for code, name, generics in CHRONIC:
        for generic in generics:
            formulary.add_chronic_drug(code, name, generic, actor=actor)


def _staff(profile: StaffProfile) -> Actor:
    user = profile.user
    return Actor(
        kind=ActorKind.STAFF,
        label=f"{user.get_username()} ({profile.full_name})",
        user=user,
        institution_id=profile.institution_id,
        channel=Channel.SYSTEM,
    )


def _prescribe(doctor: Actor, patient_id: int, lines: list[LineIn], **facts) -> Prescription:
    fields = {"condition_code": "I10", "condition_name": "原发性高血压", "days": 7} | facts
    return prescriptions.write_prescription(
        PrescriptionIn(patient_id=patient_id, lines=lines, **fields), actor=doctor
    )


def load(staff: dict[str, StaffProfile]) -> int:
    """Formularies everywhere, then at the tertiary hospital: a chronic patient's 12-week
    prescription paid and waiting at the window, one paid and in the dispensing queue, one
    approved awaiting payment on the phone, and one in review with findings to explain.
    Returns the prescriptions written."""
    consortium_catalogue()
    for institution_id in Institution.objects.order_by("pk").values_list("pk", flat=True):
        stock_formulary(institution_id)
    prescriber, reviewer, window = (
        _staff(staff["doctor"]),
        _staff(staff["pharmacist"]),
        _staff(staff["finance"]),
    )
    patients = list(identity.accessible_patients(prescriber).exclude(phone="").order_by("pk")[:4])
    if len(patients) < 4:
        return 0
    amlodipine = LineIn("DR-AML", "5", 1, "oral", 3)
    chronic = _prescribe(prescriber, patients[0].pk, [amlodipine], days=84, chronic=True)
    queued = _prescribe(
        prescriber,
        patients[1].pk,
        [LineIn("DR-MET", "500", 3, "oral", 2)],
        condition_code="E11",
        condition_name="2型糖尿病",
        days=28,
        chronic=True,
    )
    to_pay = _prescribe(
        prescriber,
        patients[2].pk,
        [LineIn("DR-AMX", "500", 3, "oral", 1)],
        condition_code="J02",
        condition_name="急性咽炎",
    )
    # In review: simvastatin with clarithromycin (a major interaction) and a long course.
    _prescribe(
        prescriber,
        patients[3].pk,
        [LineIn("DR-SIM", "20", 1, "oral", 1), LineIn("DR-CLA", "500", 2, "oral", 1)],
        condition_code="J18",
        condition_name="社区获得性肺炎",
        days=10,
    )
    for prescription in (chronic, queued, to_pay):
        prescriptions.approve(prescription.pk, actor=reviewer)
    for prescription in (chronic, queued):
        bill = prescriptions.unpaid_bill(prescription)
        settlements.settle_bill(
            settlements.SettlementRequest(
                bill_id=bill.pk, mode=SettlementMode.WINDOW, channel=PaymentChannel.CASH
            ),
            actor=window,
        )
    order = DispenseOrder.objects.get(prescription=chronic)
    dispensing.mark_ready(order.pk, actor=reviewer)
    return 4
