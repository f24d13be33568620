"""Off-site reimbursement claims (R-PAY-8, D101): filed with the patient's own e-bills, sent to
the sandbox home-city insurance office, followed to payment; refusals change nothing."""

import datetime as dt

import pytest
from django.urls import reverse

from onetrip.conftest import NOW
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.core.models import AuditEvent
from onetrip.ebills import services as ebills
from onetrip.ebills.tests.conftest import source
from onetrip.identity import services as identity
from onetrip.identity.models import MobileAccount, ProxyGrant
from onetrip.insurance import claims
from onetrip.insurance.models import OffsiteClaim, OffsiteClaimBill, SandboxReimbursement
from onetrip.web.sessions import SESSION_KEY

pytestmark = pytest.mark.django_db


def _account_of(patient):
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship="self",
        basis="own_record",
        granted_at=NOW,
        granted_by="test",
    )
    return account, Actor(kind=ActorKind.PATIENT, label=patient.phone, account_id=account.pk)


@pytest.fixture
def me(register, clock):
    patient = register()
    account, actor = _account_of(patient)
    return patient, account, actor


def _self_paid_bill(patient, institution, number):
    """A bill paid in full by the patient (no fund, no account)."""
    return ebills.issue_ebill(
        settlement=source(
            patient,
            institution,
            settlement_id=f"S{number:04d}",
            fund_fen=0,
            account_fen=0,
            cash_fen=36_000,
            insurance_type="",
            insurance_number="",
        ),
        actor=SYSTEM,
    )


def _file(actor, bills, **extra):
    fields = {
        "ebill_ids": [b.pk for b in bills],
        "insured_area": "310000",
        "payee_account": "6222020200112233445",
        "idempotency_key": "k-1",
    }
    fields.update(extra)
    return claims.submit_claim(**fields, actor=actor)


def test_a_claim_is_filed_and_followed_to_payment(me, tertiary):
    patient, _account, actor = me
    bills = [_self_paid_bill(patient, tertiary, 1), _self_paid_bill(patient, tertiary, 2)]
    claim = _file(actor, bills)
    assert claim.status == "submitted"
    assert claim.claim_number.startswith("YD310000")
    assert claim.total_fen == 72_000
    assert claim.payee_account_masked != "6222020200112233445"
    assert claims.claimable_bills(actor=actor) == []  # both now on the claim
    seen = []
    for _ in range(4):
        claim = claims.refresh_claim(claim, actor=actor)
        seen.append(claim.status)
    assert seen == ["under_review", "approved", "paid", "paid"]
    assert claim.approved_fen == 50_400  # 70% of 720.00
    assert claim.reviewed_at
    assert claim.decided_at
    assert claim.paid_at
    assert (
        AuditEvent.objects.filter(patient_id=patient.pk, summary__contains="off-site").count() == 4
    )


def test_double_submit_with_the_same_key_files_once(me, tertiary):
    patient, _account, actor = me
    bills = [_self_paid_bill(patient, tertiary, 1)]
    first = _file(actor, bills)
    again = _file(actor, bills)
    assert again.pk == first.pk
    assert OffsiteClaim.objects.count() == 1
    assert SandboxReimbursement.objects.count() == 1


def test_an_ebill_already_on_a_claim_is_refused(me, tertiary):
    patient, _account, actor = me
    bills = [_self_paid_bill(patient, tertiary, 1)]
    _file(actor, bills)
    with pytest.raises(claims.ClaimRefused) as refused:
        _file(actor, bills, idempotency_key="k-2")
    assert refused.value.code == "already_claimed"
    assert OffsiteClaim.objects.count() == 1


def test_another_patients_ebill_is_not_found(me, register, tertiary):
    _patient, _account, actor = me
    other = register(
        name="李娜",
        sex="female",
        phone="13900002222",
        birth_date=dt.date(1985, 6, 12),
        documents=[ebills_doc("110105198506121248")],
    )
    theirs = _self_paid_bill(other, tertiary, 9)
    with pytest.raises(NotFound):
        _file(actor, [theirs])
    assert not OffsiteClaim.objects.exists()
    assert not OffsiteClaimBill.objects.exists()


def ebills_doc(number):
    return identity.DocumentInput("resident_id", number)


def test_a_bill_the_fund_paid_part_of_is_rejected_with_the_reason_and_freed(me, tertiary):
    patient, _account, actor = me
    insured = ebills.issue_ebill(settlement=source(patient, tertiary), actor=SYSTEM)
    claim = _file(actor, [insured])
    for _ in range(2):
        claim = claims.refresh_claim(claim, actor=actor)
    assert claim.status == "rejected"
    assert "医保" in claim.reason
    assert claims.refresh_claim(claim, actor=actor).status == "rejected"
    assert [b.ebill_id for b in claims.claimable_bills(actor=actor)] == [insured.pk]


def test_care_in_the_home_city_is_not_off_site(me, tertiary):
    patient, _account, actor = me
    with pytest.raises(InvalidInput) as refused:
        _file(actor, [_self_paid_bill(patient, tertiary, 1)], insured_area="330100")
    assert refused.value.errors[0].field == "insured_area"
    assert not OffsiteClaim.objects.exists()


def test_bad_input_names_each_field(me):
    _patient, _account, actor = me
    with pytest.raises(InvalidInput) as refused:
        claims.submit_claim(ebill_ids=[], insured_area="31", payee_account="12", actor=actor)
    assert {e.field for e in refused.value.errors} == {
        "ebill_ids",
        "insured_area",
        "payee_account",
    }


def _signed_in(client, account):
    session = client.session
    session[SESSION_KEY] = account.pk
    session.save()


def test_pages_another_patients_ebill_or_claim_is_a_404(me, register, tertiary, client):
    patient, account, actor = me
    other = register(
        name="李娜",
        sex="female",
        phone="13900002222",
        birth_date=dt.date(1985, 6, 12),
        documents=[ebills_doc("110105198506121248")],
    )
    _other_account, other_actor = _account_of(other)
    theirs = _self_paid_bill(other, tertiary, 9)
    their_claim = _file(other_actor, [_self_paid_bill(other, tertiary, 10)])
    mine = _self_paid_bill(patient, tertiary, 1)
    _signed_in(client, account)
    form = {
        "ebill_ids": [mine.pk, theirs.pk],
        "insured_area": "310000",
        "payee_account": "6222020200112233445",
        "idempotency_key": "page-1",
    }
    assert client.post(reverse("patient-offsite-claim-new"), form).status_code == 404
    assert client.get(reverse("patient-offsite-claim", args=[their_claim.pk])).status_code == 404
    form["ebill_ids"] = [mine.pk]
    answer = client.post(reverse("patient-offsite-claim-new"), form)
    assert answer.status_code == 302
    again = client.post(reverse("patient-offsite-claim-new"), form)  # a double tap
    assert again["Location"] == answer["Location"]
    assert OffsiteClaim.objects.filter(patient=patient).count() == 1
