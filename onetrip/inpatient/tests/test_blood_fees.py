"""Blood fees without running around (用血不用跑, R-PAY-6, D192): donors and their relatives do
not pay the stay's blood fees within the donor's allowance, checked against the blood centre."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.billing.models import CatalogueItem, Settlement
from onetrip.billing.services.charges import ChargeRequest, create_charge
from onetrip.conftest import NOW
from onetrip.core.errors import InvalidInput
from onetrip.inpatient import blood, bloodcentre, services
from onetrip.inpatient.tests.conftest import bed

RBC_FEN = 22000  # one unit of suspended red cells
PATIENT_ID = "110101199003074477"  # the `register` default: born 1990-03-07
SPOUSE_ID = "330902199105123426"
FATHER_ID = "330902196201013415"


@pytest.fixture(autouse=True)
def blood_centre():
    bloodcentre.sandbox_clear()
    yield
    bloodcentre.sandbox_clear()


def donor(id_number: str, *volumes: int) -> None:
    bloodcentre.sandbox_add_donor(
        id_number,
        "献血者",
        [
            bloodcentre.Donation(dt.date(2020, 1, 1) + dt.timedelta(days=200 * i), ml, "全血")
            for i, ml in enumerate(volumes)
        ],
    )


@pytest.fixture
def admitted(clock, doctor, centre, ward, register):
    CatalogueItem.objects.create(
        code="BLOOD-RBC",
        name="悬浮红细胞（每单位）",
        kind="material",
        charge_category="materials",
        insurance_category="B",
        unit_price_fen=RBC_FEN,
    )
    patient = register()
    admission = services.issue_notice(
        services.NoticeIn(
            patient_id=patient.pk,
            diagnosis="股骨颈骨折",
            planned_procedure="人工髋关节置换术",
            urgency="urgent",
            expected_los_days=7,
        ),
        actor=doctor,
    )
    services.book_bed(
        admission.pk, bed_id=bed(ward, "01", "A").pk, expected_date=NOW.date(), actor=centre
    )
    return services.admit(admission.pk, kind="code", value=str(patient.pk), actor=centre)


def transfuse(admission, units: int, actor) -> None:
    create_charge(
        ChargeRequest(
            patient_id=admission.patient_id,
            institution_id=admission.institution_id,
            visit_reference=admission.admission_number,
            item_code="BLOOD-RBC",
            quantity=units,
            source="ward",
            source_key=f"{admission.admission_number}:blood:1",
            visit_kind="inpatient",
        ),
        actor=actor,
    )


def discharge(admission, nurse):
    return services.discharge(
        admission.pk,
        services.DischargeIn(place="bedside", channel="cash", notes="术后恢复好"),
        actor=nurse,
    )


def test_a_spouse_of_a_donor_does_not_pay_blood_up_to_what_the_donor_gave(admitted, centre, nurse):
    donor(SPOUSE_ID, 400)
    transfuse(admitted, 3, nurse)  # 600 ml of blood used, 400 ml reimbursable

    claim = blood.claim_blood_fees(
        admitted.pk,
        donor_id_number=SPOUSE_ID,
        relationship="spouse",
        proof="marriage_certificate",
        actor=centre,
    )
    discharge(admitted, nurse)

    assert (claim.donated_ml, claim.unlimited, claim.allowance_ml) == (400, False, 400)
    settlement = Settlement.objects.get(bill_id=admitted.bill_id, mode="discharge")
    assert settlement.blood_fen == 2 * RBC_FEN
    claim.refresh_from_db()
    assert (claim.covered_ml, claim.covered_fen) == (400, 2 * RBC_FEN)


def test_a_donor_of_800_ml_pays_no_blood_fee_and_the_centre_is_told(
    admitted, centre, nurse, django_capture_on_commit_callbacks
):
    donor(PATIENT_ID, 400, 400)
    transfuse(admitted, 6, nurse)
    blood.claim_blood_fees(
        admitted.pk, donor_id_number=PATIENT_ID, relationship="self", proof="id_card", actor=centre
    )

    with django_capture_on_commit_callbacks(execute=True):
        discharge(admitted, nurse)

    settlement = Settlement.objects.get(bill_id=admitted.bill_id, mode="discharge")
    assert settlement.blood_fen == 6 * RBC_FEN
    assert blood.claim_of(admitted).reported_at is not None
    # The allowance is used once: the centre now counts the 1200 ml reimbursed.
    again = bloodcentre.parse_donor(
        bloodcentre.blood_centre().call(
            bloodcentre.envelope("DONOR_QUERY", "H001", {"id_no": PATIENT_ID})
        )
    )
    assert again.reimbursed_ml == 1200


@pytest.mark.parametrize(
    ("id_number", "relationship", "proof", "field"),
    [
        (SPOUSE_ID, "spouse", "birth_certificate", "proof"),  # not proof of a marriage
        (SPOUSE_ID, "parent", "household_register", "donor_id_number"),  # younger than patient
        (FATHER_ID, "self", "id_card", "donor_id_number"),  # not the patient's own number
        ("330902199999", "spouse", "marriage_certificate", "donor_id_number"),
    ],
)
def test_a_relationship_the_documents_do_not_bear_out_is_refused(
    admitted, centre, id_number, relationship, proof, field
):
    donor(SPOUSE_ID, 400)
    donor(FATHER_ID, 400)

    with pytest.raises(InvalidInput) as refused:
        blood.claim_blood_fees(
            admitted.pk,
            donor_id_number=id_number,
            relationship=relationship,
            proof=proof,
            actor=centre,
        )

    assert field in {e.field for e in refused.value.errors}


def test_someone_who_never_gave_blood_is_refused(admitted, centre):
    with pytest.raises(InvalidInput) as refused:
        blood.claim_blood_fees(
            admitted.pk,
            donor_id_number=FATHER_ID,
            relationship="parent",
            proof="household_register",
            actor=centre,
        )

    assert refused.value.errors[0].code == "no_donor"


def test_the_rule_reimburses_five_times_a_donors_own_gift_and_once_a_relatives():
    assert blood.allowance_ml("self", 400, 0) == 2000
    assert blood.allowance_ml("self", 800, 5000) is None
    assert blood.allowance_ml("child", 400, 100) == 300
    assert blood.allowance_ml("spouse_parent", 200, 400) == 0
