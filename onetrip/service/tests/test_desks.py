"""Behind the one window (issue 21): errands followed on the phone, certificates stamped and
checked by their QR token, equipment lent against a deposit refunded on return, found items
claimed with an identity check, and helpers assigned to requests for help."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import signing

from onetrip.billing.models import Charge, ChargeSource
from onetrip.conftest import NOW
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.identity.models import MobileAccount
from onetrip.service.models import LoanStatus
from onetrip.service.services import certificates, errands, lending, record_copies, volunteers
from onetrip.service.tests.conftest import a_wheelchair, pay_at_window

pytestmark = pytest.mark.django_db

OWNER_ID = "110101199003074477"  # the registered patient's own resident ID number
OTHER_ID = "110101198505120045"


def stranger() -> Actor:
    account, _ = MobileAccount.objects.get_or_create(phone="13900001111", created_at=NOW)
    return Actor(kind=ActorKind.PATIENT, label="139****1111", account_id=account.pk)


# --- errands on the phone -------------------------------------------------------------------


def test_an_errand_opened_on_the_phone_shows_its_promise_and_refusal_only_to_its_account(
    centre, clock
):
    ticket = errands.open_on_phone(
        "sick_leave",
        patient_id=centre.patient.pk,
        institution_id=centre.hospital.pk,
        details="3月5日门诊",
        actor=centre.patient_actor,
    )
    assert ticket.due_at == NOW + dt.timedelta(hours=2)
    assert (ticket.contact_name, ticket.patient_id) == (centre.patient.name, centre.patient.pk)
    errands.refuse(ticket.pk, reason="缺少门诊病历", actor=centre.window)
    seen = errands.ticket_for_patient(ticket.pk, actor=centre.patient_actor)
    assert (seen.status, seen.refusal_reason) == ("refused", "缺少门诊病历")
    assert list(errands.patient_tickets(stranger())) == []
    with pytest.raises(NotFound):
        errands.ticket_for_patient(ticket.pk, actor=stranger())


def test_a_phone_errand_needs_a_patient_the_account_holds(centre):
    with pytest.raises(InvalidInput) as refused:
        errands.open_on_phone(
            "sick_leave",
            patient_id=centre.patient.pk,
            institution_id=centre.hospital.pk,
            details="",
            actor=stranger(),
        )
    assert refused.value.errors[0].field == "patient_id"


# --- certificates ----------------------------------------------------------------------------


def sick_leave(centre, **overrides):
    fields = {
        "patient_id": centre.patient.pk,
        "kind": "sick_leave",
        "doctor_name": "李医生",
        "statement": "急性支气管炎，建议休息",
        "starts_on": dt.date(2026, 3, 5),
        "ends_on": dt.date(2026, 3, 7),
    } | overrides
    return certificates.submit(certificates.CertificateIn(**fields), actor=centre.window)


def test_a_stamped_certificate_verifies_and_a_forged_or_unstamped_token_does_not(centre):
    certificate = sick_leave(centre)
    unstamped_token = certificates.verification_token(certificate)
    assert certificates.verify(unstamped_token) is None
    certificates.stamp(certificate.pk, actor=centre.window)
    token = certificates.verification_token(certificate)
    assert certificates.verify(token).pk == certificate.pk
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    assert certificates.verify(tampered) is None
    # A token for another certificate id, signed with some other key, is not ours.
    forged = signing.dumps([certificate.pk, certificate.reference], salt="x", key="wrong-key")
    assert certificates.verify(forged) is None
    assert certificates.verify("not-a-token") is None


def test_a_sick_leave_needs_its_period_and_a_reviewed_certificate_is_reviewed_once(centre):
    with pytest.raises(InvalidInput) as refused:
        sick_leave(centre, ends_on=None)
    assert refused.value.errors[0].field == "ends_on"
    with pytest.raises(InvalidInput):
        sick_leave(centre, ends_on=dt.date(2026, 3, 1))
    certificate = sick_leave(centre)
    certificates.refuse(certificate.pk, reason="医生未签名", actor=centre.window)
    with pytest.raises(certificates.WrongState):
        certificates.stamp(certificate.pk, actor=centre.window)
    with pytest.raises(NotFound):
        certificates.stamped_for_patient(certificate.pk, actor=centre.patient_actor)


def test_the_certificate_check_page_answers_not_valid_for_a_forged_code(centre, client):
    certificate = sick_leave(centre)
    certificates.stamp(certificate.pk, actor=centre.window)
    token = certificates.verification_token(certificate)
    page = client.get(f"/c/verify/{token}")
    assert page.status_code == 200
    assert certificate.reference in page.content.decode()
    assert "急性支气管炎" not in page.content.decode()  # the diagnosis stays on the paper
    forged = client.get(f"/c/verify/{token[:-1]}x")
    assert forged.status_code == 404
    assert 'id="not-valid"' in forged.content.decode()


# --- lending ---------------------------------------------------------------------------------


def test_a_loan_waits_for_its_deposit_and_refunds_it_on_return(centre):
    chair = a_wheelchair(centre.hospital)
    loan = lending.lend(equipment_id=chair.pk, patient_id=centre.patient.pk, actor=centre.window)
    charge = Charge.objects.get(source_key=lending.deposit_key(loan))
    assert (charge.source, charge.amount_fen, loan.deposit_fen) == (
        ChargeSource.SERVICE_CENTRE,
        20000,
        20000,
    )
    with pytest.raises(lending.WrongState) as unpaid:
        lending.hand_over(loan.pk, actor=centre.window)
    assert unpaid.value.code == "deposit_unpaid"
    with pytest.raises(lending.WrongState) as twice:
        lending.lend(equipment_id=chair.pk, patient_id=centre.patient.pk, actor=centre.window)
    assert twice.value.code == "already_lent"
    pay_at_window(lending.deposit_bill(loan).pk, centre.cashier)
    assert lending.hand_over(loan.pk, actor=centre.window).status == LoanStatus.LENT
    returned = lending.take_back(loan.pk, actor=centre.window)
    assert returned.status == LoanStatus.RETURNED
    charge.refresh_from_db()
    assert charge.settlement.status == "refunded"
    again = lending.lend(equipment_id=chair.pk, patient_id=centre.patient.pk, actor=centre.window)
    assert again.pk != loan.pk


def test_an_unpaid_loan_is_cancelled_and_its_charge_withdrawn(centre):
    chair = a_wheelchair(centre.hospital)
    loan = lending.lend(equipment_id=chair.pk, patient_id=centre.patient.pk, actor=centre.window)
    assert lending.cancel(loan.pk, actor=centre.window).status == LoanStatus.CANCELLED
    assert not Charge.objects.filter(source_key=lending.deposit_key(loan)).exists()


def test_record_copy_fees_are_charged_to_the_service_centre(centre):
    copy = record_copies.apply(
        record_copies.CopyIn(
            patient_id=centre.patient.pk,
            institution_id=centre.hospital.pk,
            visit_description="2026年3月门诊",
            purpose="personal",
            copies=1,
            delivery="pdf",
        ),
        actor=centre.patient_actor,
    )
    assert Charge.objects.get(source_key=record_copies.fee_key(copy)).source == "service_centre"


# --- lost and found ----------------------------------------------------------------------------


def test_a_found_wallet_goes_only_to_the_holder_of_the_id_card_inside(centre):
    wallet = lending.log_found(
        description="黑色钱包，内有身份证",
        found_where="门诊二楼候诊区",
        owner_document=OWNER_ID,
        actor=centre.window,
    )
    umbrella = lending.log_found(
        description="蓝色雨伞", found_where="住院部大厅", actor=centre.window
    )
    assert [i.pk for i in lending.search_found("钱包", actor=centre.window)] == [wallet.pk]
    with pytest.raises(InvalidInput) as not_owner:
        lending.claim(
            wallet.pk,
            claimant_name="王五",
            doc_type="resident_id",
            doc_number=OTHER_ID,
            actor=centre.window,
        )
    assert not_owner.value.errors[0].code == "not_owner"
    with pytest.raises(InvalidInput):  # a number failing its check digit is no identity
        lending.claim(
            umbrella.pk,
            claimant_name="王五",
            doc_type="resident_id",
            doc_number="110101199003074478",
            actor=centre.window,
        )
    claimed = lending.claim(
        wallet.pk,
        claimant_name="张伟",
        doc_type="resident_id",
        doc_number=OWNER_ID.lower(),
        actor=centre.window,
    )
    assert claimed.status == "claimed"
    assert OWNER_ID not in claimed.claimant_document  # kept masked
    with pytest.raises(lending.WrongState):
        lending.claim(
            wallet.pk,
            claimant_name="张伟",
            doc_type="resident_id",
            doc_number=OWNER_ID,
            actor=centre.window,
        )


# --- volunteers ----------------------------------------------------------------------------------


def test_an_escort_request_is_assigned_to_a_helper_and_closed(centre, clock):
    helper = volunteers.enrol(
        name="陈志愿", phone="13700000001", kind="volunteer", actor=centre.window
    )
    volunteers.record_training(
        helper_id=helper.pk, kind="training", on=NOW.date(), topic="导诊", actor=centre.window
    )
    volunteers.record_training(
        helper_id=helper.pk,
        kind="assessment",
        on=NOW.date(),
        topic="导诊考核",
        passed=True,
        actor=centre.window,
    )
    assert [(r.kind, r.passed) for r in helper.training.order_by("pk")] == [
        ("training", None),
        ("assessment", True),
    ]
    shift = volunteers.plan_shift(
        helper_id=helper.pk,
        post="门诊大厅导诊台",
        starts_at=NOW,
        ends_at=NOW + dt.timedelta(hours=4),
        actor=centre.window,
    )
    assert volunteers.sign_in(shift.pk, actor=centre.window).signed_in_at == NOW
    with pytest.raises(volunteers.WrongState):
        volunteers.sign_in(shift.pk, actor=centre.window)
    request = volunteers.ask_for_help(
        contact_name="刘奶奶",
        contact_phone="",
        need="escort",
        where="门诊一楼",
        needed_at=NOW + dt.timedelta(minutes=30),
        actor=centre.window,
    )
    with pytest.raises(volunteers.WrongState):
        volunteers.close(request.pk, outcome="x", actor=centre.window)
    volunteers.assign(request.pk, helper_id=helper.pk, actor=centre.window)
    closed = volunteers.close(request.pk, outcome="陪同完成检查", actor=centre.window)
    assert (closed.status, closed.helper_id) == ("closed", helper.pk)


def test_a_window_ticket_for_a_patient_is_on_that_patients_phone(centre):
    ticket = errands.open_ticket(
        errands.TicketIn(
            errand="insurance_filing", contact_name="张伟", patient_id=centre.patient.pk
        ),
        actor=centre.window,
    )
    assert list(errands.patient_tickets(centre.patient_actor)) == [ticket]
    with pytest.raises(InvalidInput):
        errands.open_ticket(
            errands.TicketIn(errand="insurance_filing", contact_name="张伟", patient_id=10**9),
            actor=centre.window,
        )
