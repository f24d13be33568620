"""E-prescriptions through the services: written with the rules' findings stored, approved by
the pharmacist (charged to the bill through billing) or returned with a reason, refused when a
finding must be changed, and paid on the phone (the paid follow-up marks it paid)."""

from __future__ import annotations

import pytest

from onetrip.billing.models import Charge, ChargeSource
from onetrip.core.errors import InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditEvent
from onetrip.notifications.models import Notification
from onetrip.prescribing.models import Diagnosis, Prescription, PrescriptionStatus
from onetrip.prescribing.services import prescriptions
from onetrip.prescribing.services.common import WrongState
from onetrip.prescribing.tests.conftest import amlodipine, pay_on_phone, write

pytestmark = pytest.mark.django_db


def test_a_clean_prescription_is_approved_charged_and_paid(rx):
    prescription = write(rx, amlodipine(quantity=2))
    assert prescription.status == PrescriptionStatus.IN_REVIEW
    assert prescription.reference.startswith("RX2611")
    assert list(prescription.findings.all()) == []
    diagnosis = Diagnosis.objects.get()
    assert diagnosis.in_person
    assert diagnosis.condition_code == "I10"

    prescriptions.approve(prescription.pk, actor=rx.pharmacist)
    charge = Charge.objects.get(source=ChargeSource.PRESCRIPTION)
    assert (charge.code, charge.quantity, charge.amount_fen) == ("DR-AML", 2, 5700)
    assert Notification.objects.filter(template="prescription_approved").count() == 1

    pay_on_phone(prescription, rx.patient_actor)
    prescription.refresh_from_db()
    assert prescription.status == PrescriptionStatus.PAID
    assert prescription.paid_at is not None
    assert prescriptions.unpaid_bill(prescription) is None
    assert AuditEvent.objects.filter(object_type="prescribing.prescription").count() == 3


def test_a_blocking_finding_stops_approval_and_the_pharmacist_returns_it(rx):
    prescription = write(rx, amlodipine(dose="20"))
    explained = [text for _f, text in prescriptions.explained_findings(prescription)]
    assert len(explained) == 2
    assert "20" in explained[0]
    with pytest.raises(WrongState) as refused:
        prescriptions.approve(prescription.pk, actor=rx.pharmacist)
    assert refused.value.code == "blocked"
    assert not Charge.objects.exists()

    with pytest.raises(InvalidInput):
        prescriptions.return_to_doctor(prescription.pk, reason=" ", actor=rx.pharmacist)
    prescriptions.return_to_doctor(
        prescription.pk, reason="氨氯地平每日最多10mg", actor=rx.pharmacist
    )
    prescription.refresh_from_db()
    assert prescription.status == PrescriptionStatus.RETURNED
    with pytest.raises(WrongState):
        prescriptions.approve(prescription.pk, actor=rx.pharmacist)


def test_twelve_weeks_for_a_chronic_patient_is_allowed(rx):
    prescription = write(rx, amlodipine(quantity=3), days=84, chronic=True)
    assert list(prescription.findings.all()) == []
    acute = write(rx, amlodipine(), days=84)
    assert [f.rule for f in acute.findings.all()] == ["duration"]


def test_only_doctors_write_and_only_pharmacists_approve(rx, make_staff, township):
    from onetrip.conftest import actor_for

    with pytest.raises(PermissionDenied):
        write(rx, doctor=rx.pharmacist)
    prescription = write(rx)
    with pytest.raises(PermissionDenied):
        prescriptions.approve(prescription.pk, actor=rx.doctor)
    elsewhere = actor_for(make_staff("pharmacist", township))
    with pytest.raises(NotFound):
        prescriptions.approve(prescription.pk, actor=elsewhere)


def test_a_bad_line_is_refused_field_by_field_and_writes_nothing(rx):
    with pytest.raises(InvalidInput) as refused:
        write(rx, amlodipine(dose="lots"), prescriptions.LineIn("NOPE", "1", 1, "oral", 1))
    fields = {e.field for e in refused.value.errors}
    assert fields == {"lines.0.single_dose", "lines.1.drug_code"}
    assert not Prescription.objects.exists()
    assert not Diagnosis.objects.exists()
