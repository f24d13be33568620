"""Birth as one errand (R-PH-3): one application from the phone issues the certificate, creates
the newborn's record under the mother's document (held by the parent's phone, linked to the
mother), and sends the household-registration and insurance applications; the sweep follows
both agencies to their outcomes."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.conftest import NOW
from onetrip.consortium import services as consortium
from onetrip.consortium.models import InstitutionLevel
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import InvalidInput
from onetrip.identity import services as identity
from onetrip.identity.models import IdentityDocument, Patient
from onetrip.mpi.models import PersonLink
from onetrip.notifications.models import Notification
from onetrip.publichealth.agencies import REFUSED_NAME
from onetrip.publichealth.models import AgencyStatus
from onetrip.publichealth.services import births


def _apply(clinic, **overrides):
    fields = {
        "mother_id": clinic.mother.pk,
        "institution_id": clinic.hospital.pk,
        "child_name": "王小满",
        "child_sex": "female",
        "born_at": NOW - dt.timedelta(days=2),
        "weight_grams": 3250,
        "father_name": "李强",
    }
    fields.update(overrides)
    return births.apply_for_birth(births.BirthIn(**fields), actor=clinic.parent)


def test_one_application_gives_the_certificate_and_sends_both_agency_applications(clinic):
    application = _apply(clinic)
    assert application.certificate_number.startswith("Q")
    assert application.household_status == AgencyStatus.ACCEPTED
    assert application.household_reference.startswith("HJ-")
    assert application.insurance_status == AgencyStatus.ACCEPTED
    assert application.insurance_reference.startswith("YB-")
    assert Notification.objects.filter(template="birth_certificate_issued").count() == 1


def test_the_newborn_record_is_under_the_mothers_document_and_held_by_the_parent(clinic):
    application = _apply(clinic)
    newborn = application.newborn
    assert application.mother_id == clinic.mother.pk
    assert newborn.birth_date == (NOW - dt.timedelta(days=2)).date()
    guardian = IdentityDocument.objects.get(patient=newborn)
    mother_document = IdentityDocument.objects.get(patient=clinic.mother)
    assert guardian.is_guardian_document
    assert (guardian.number, guardian.guardian_relationship) == (mother_document.number, "parent")
    assert identity.accessible_patients(clinic.parent).filter(pk=newborn.pk).exists()
    # The patient index files the newborn as a person of its own, not merged with the mother.
    people = dict(PersonLink.objects.values_list("patient_id", "person_id"))
    assert people[newborn.pk] != people[clinic.mother.pk]


def test_the_sweep_follows_both_agencies_to_completion(clinic, clock):
    application = _apply(clinic)
    clock.advance(dt.timedelta(hours=1))
    assert births.track_births() == 1
    application.refresh_from_db()
    assert (application.household_status, application.insurance_status) == (
        AgencyStatus.ACCEPTED,
        AgencyStatus.COMPLETED,
    )
    clock.advance(dt.timedelta(hours=1))
    assert births.track_births() == 1
    application.refresh_from_db()
    assert application.household_status == AgencyStatus.COMPLETED
    assert births.track_births() == 0
    templates = set(Notification.objects.values_list("template", flat=True))
    assert {"birth_household_done", "birth_insurance_done"} <= templates


def test_an_agency_refusal_is_shown_with_its_reason(clinic):
    application = _apply(clinic, child_name=REFUSED_NAME)
    assert application.household_status == AgencyStatus.REJECTED
    assert application.insurance_status == AgencyStatus.REJECTED
    assert application.household_note


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"born_at": NOW - dt.timedelta(days=61)}, "born_at"),
        ({"born_at": NOW + dt.timedelta(hours=1)}, "born_at"),
        ({"weight_grams": 200}, "weight_grams"),
        ({"father_name": " "}, "father_name"),
    ],
)
def test_an_application_out_of_bounds_writes_nothing(clinic, overrides, field):
    before = Patient.objects.count()
    with pytest.raises(InvalidInput) as refused:
        _apply(clinic, **overrides)
    assert field in {e.field for e in refused.value.errors}
    assert Patient.objects.count() == before


def test_a_birth_at_a_hospital_the_mother_was_never_at_is_refused(clinic):
    elsewhere = consortium.create_institution(
        code="H009", name="县人民医院", level=InstitutionLevel.COUNTY, actor=SYSTEM
    )
    with pytest.raises(InvalidInput) as refused:
        _apply(clinic, institution_id=elsewhere.pk)
    assert refused.value.errors[0].code == "not_delivered_here"
