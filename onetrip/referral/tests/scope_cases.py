"""Referral's registrations for the generated scoping test (`core/tests/scoping.py`).

The referral pages and FHIR reads check scope in `referral.services` (sending or receiving
institution only; the patient's own account) and are covered by `test_pages.py` and
`test_fhir.py`; their object makers for the generated test are not written yet."""

from onetrip.core.tests.scoping import Pending

MAKER = "needs a referral between the home hospital and the township (referral.services)"

CASES = {
    "fhir/CarePlan/<str:resource_id>": Pending(MAKER),
    "fhir/Patient/<str:patient_id>/$everything": Pending(MAKER),
    "fhir/ServiceRequest/<str:resource_id>": Pending(MAKER),
    "fhir/Task/<str:resource_id>": Pending(MAKER),
    "p/referrals/<id:referral_id>": Pending(MAKER),
    "p/referrals/contracts/<id:contract_id>/sign": Pending(MAKER),
    "p/referrals/record/<id:patient_id>": Pending(MAKER),
    "staff/referrals/<id:referral_id>": Pending(MAKER),
    "staff/referrals/<id:referral_id>/accept": Pending(MAKER),
    "staff/referrals/<id:referral_id>/green-channel": Pending(MAKER),
    "staff/referrals/<id:referral_id>/redirect": Pending(MAKER),
    "staff/referrals/consultations/<id:request_id>": Pending(MAKER),
    "staff/referrals/consultations/new/<id:patient_id>": Pending(MAKER),
    "staff/referrals/contracts/offer/<id:patient_id>": Pending(MAKER),
    "staff/referrals/down/<id:patient_id>": Pending(MAKER),
    "staff/referrals/follow-ups/<id:follow_up_id>/book": Pending(MAKER),
    "staff/referrals/record/<id:patient_id>": Pending(MAKER),
    "staff/referrals/up/<id:patient_id>": Pending(MAKER),
}
