"""Registering real-name patients (R-ID-1).

Staff at a registration window, and a signed-in mobile account, register a patient with a
validated identity document; a minor may be registered under a guardian's document. Every
refusal names the offending field and writes nothing: no patient, no document, no audit row.
"""

import datetime as dt
import re

import pytest

from onetrip.conftest import NOW, actor_for
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import InvalidInput, PermissionDenied
from onetrip.core.masking import mask_phone
from onetrip.core.models import AuditAction, AuditEvent
from onetrip.identity import services as identity
from onetrip.identity.models import (
    AffiliationReason,
    ConsentBasis,
    IdentityDocument,
    MobileAccount,
    Patient,
    PatientAffiliation,
    ProxyGrant,
)
from onetrip.notifications.testing import delivered

ZHANG_WEI_ID = "110101199003074477"  # male, born 1990-03-07
MOTHER_ID = "110105198506120026"  # female, born 1985-06-12
GIRL_OF_16_ID = "310115201008150024"  # female, born 2010-08-15: a minor
CHILD_BIRTH_DATE = dt.date(2020, 5, 1)


def written() -> tuple[int, int, int]:
    return Patient.objects.count(), IdentityDocument.objects.count(), AuditEvent.objects.count()


def fields_of(excinfo: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {error.field: error.code for error in excinfo.value.errors}


def guardian(number: str = MOTHER_ID, relationship: str = "parent") -> identity.GuardianInput:
    return identity.GuardianInput("resident_id", number, relationship)


def register_child(register, name: str, **overrides) -> Patient:
    fields = {
        "name": name,
        "sex": "female",
        "birth_date": CHILD_BIRTH_DATE,
        "documents": [],
        "guardian": guardian(),
    }
    fields.update(overrides)
    return register(**fields)


# --- staff registration ---------------------------------------------------------------------


def test_clerk_registers_a_patient_with_a_resident_id(clock, register, clerk, tertiary):
    patient = register(address="  北京市东城区 1 号  ")

    patient.refresh_from_db()
    assert (patient.name, patient.sex, patient.birth_date, patient.phone, patient.address) == (
        "张伟",
        "male",
        dt.date(1990, 3, 7),
        "13812345678",
        "北京市东城区 1 号",
    )
    assert patient.registered_at == NOW
    (document,) = patient.documents.all()
    assert (document.doc_type, document.number, document.is_guardian_document) == (
        "resident_id",
        ZHANG_WEI_ID,
        False,
    )
    (affiliation,) = PatientAffiliation.objects.filter(patient=patient)
    assert (affiliation.institution_id, affiliation.reason) == (
        tertiary.pk,
        AffiliationReason.REGISTERED,
    )
    (event,) = AuditEvent.objects.filter(patient_id=patient.pk)
    assert (event.action, event.actor_user, event.institution_id) == (
        AuditAction.CREATE,
        clerk.user,
        tertiary.pk,
    )


def test_number_typed_with_spaces_and_full_width_characters_is_stored_normalised(clock, register):
    patient = register(
        documents=[identity.DocumentInput("resident_id", "１１０１０１ 19900307447７")]
    )

    assert patient.documents.get().number == ZHANG_WEI_ID


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sex": "female"}, "sex"),
        ({"birth_date": dt.date(1990, 3, 8)}, "birth_date"),
    ],
)
def test_sex_or_birth_date_that_contradicts_the_id_number_is_refused(
    clock, register, overrides, field
):
    before = written()

    with pytest.raises(InvalidInput) as excinfo:
        register(**overrides)

    assert fields_of(excinfo) == {field: "mismatch"}
    assert written() == before


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        (
            {"documents": [identity.DocumentInput("resident_id", "110101199003074478")]},
            "documents.0.number",
            "checksum",
        ),
        (
            {"documents": [identity.DocumentInput("resident_id", "11010519900230001X")]},
            "documents.0.number",
            "birth_date",
        ),
        ({"phone": "1381234567"}, "phone", "format"),
        ({"phone": "23812345678"}, "phone", "format"),
        (
            {"documents": [identity.DocumentInput("driving_licence", "110101199003074477")]},
            "documents.0.doc_type",
            "unknown_type",
        ),
        ({"documents": []}, "documents", "required"),
        ({"name": "   "}, "name", "required"),
        ({"sex": "m"}, "sex", "invalid"),
        ({"birth_date": None}, "birth_date", "required"),
        ({"birth_date": dt.date(2026, 11, 24)}, "birth_date", "birth_date"),
    ],
)
def test_invalid_registration_names_the_field_and_writes_nothing(
    clock, register, overrides, field, code
):
    before = written()

    with pytest.raises(InvalidInput) as excinfo:
        register(**overrides)

    assert (field, code) in {(error.field, error.code) for error in excinfo.value.errors}
    assert str(excinfo.value.errors[0].message)
    assert written() == before


def test_all_invalid_fields_are_reported_together(clock, register):
    with pytest.raises(InvalidInput) as excinfo:
        register(
            name="",
            phone="12345",
            documents=[identity.DocumentInput("resident_id", "110101199003074478")],
        )

    assert fields_of(excinfo) == {
        "name": "required",
        "phone": "format",
        "documents.0.number": "checksum",
    }


def test_a_document_already_registered_cannot_be_registered_again(clock, register):
    register()
    before = written()

    with pytest.raises(InvalidInput) as excinfo:
        register(name="李伟", phone="13900001111")

    assert fields_of(excinfo) == {"documents.0.number": "duplicate"}
    assert written() == before
    assert IdentityDocument.objects.filter(number=ZHANG_WEI_ID).count() == 1


def test_a_duplicate_among_several_documents_names_its_own_position(clock, register):
    register()
    before = written()

    with pytest.raises(InvalidInput) as excinfo:
        register(
            name="李伟",
            documents=[
                identity.DocumentInput("passport", "E12345678", "CHN"),
                identity.DocumentInput("resident_id", ZHANG_WEI_ID),
            ],
        )

    assert fields_of(excinfo) == {"documents.1.number": "duplicate"}
    assert written() == before


def test_the_same_document_listed_twice_in_one_request_is_refused(clock, register):
    before = written()

    with pytest.raises(InvalidInput) as excinfo:
        register(
            documents=[
                identity.DocumentInput("resident_id", ZHANG_WEI_ID),
                identity.DocumentInput("resident_id", ZHANG_WEI_ID.replace("1", "1 ", 1)),
            ]
        )

    assert fields_of(excinfo) == {"documents.1.number": "repeated"}
    assert written() == before


def test_a_role_without_registration_rights_cannot_register(clock, register, make_staff, tertiary):
    doctor = make_staff("doctor", tertiary)
    before = written()

    with pytest.raises(PermissionDenied):
        register(actor=actor_for(doctor))

    assert written() == before


# --- minors under a guardian's document -----------------------------------------------------


def test_a_minor_is_registered_under_a_guardians_document(clock, register):
    child = register_child(register, "王小红")

    (document,) = child.documents.all()
    assert (
        document.doc_type,
        document.number,
        document.is_guardian_document,
        document.guardian_relationship,
    ) == ("resident_id", MOTHER_ID, True, "parent")
    (event,) = AuditEvent.objects.filter(patient_id=child.pk)
    assert event.changes["guardian_document"] is True


def test_an_adult_cannot_be_registered_under_a_guardians_document(clock, register):
    before = written()

    with pytest.raises(InvalidInput) as excinfo:
        register_child(register, "王大红", birth_date=dt.date(2008, 11, 23))  # 18 today

    assert fields_of(excinfo) == {"guardian": "not_minor"}
    assert written() == before


def test_the_guardian_must_be_an_adult_parent_or_legal_guardian(clock, register):
    before = written()

    with pytest.raises(InvalidInput) as excinfo:
        register_child(register, "王小红", guardian=guardian(GIRL_OF_16_ID, "relative"))

    assert fields_of(excinfo) == {
        "guardian.relationship": "invalid",
        "guardian.number": "guardian_minor",
    }
    assert written() == before


def test_twins_share_a_guardian_document_but_an_own_document_is_never_reused(clock, register):
    first = register_child(register, "王小红")
    second = register_child(register, "王小明", sex="male")
    mother = register(
        name="王芳",
        sex="female",
        birth_date=dt.date(1985, 6, 12),
        phone="13900001111",
        documents=[identity.DocumentInput("resident_id", MOTHER_ID)],
    )

    assert set(
        IdentityDocument.objects.filter(number=MOTHER_ID).values_list(
            "patient_id", "is_guardian_document"
        )
    ) == {(first.pk, True), (second.pk, True), (mother.pk, False)}

    before = written()
    with pytest.raises(InvalidInput) as excinfo:
        register(
            name="王芳芳",
            sex="female",
            birth_date=dt.date(1985, 6, 12),
            documents=[identity.DocumentInput("resident_id", MOTHER_ID)],
        )
    assert fields_of(excinfo) == {"documents.0.number": "duplicate"}
    assert written() == before


# --- registration from a signed-in mobile account -------------------------------------------


CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")  # the message may be in Chinese: no \b


def signed_in(phone: str) -> Actor:
    identity.request_sign_in_code(phone)
    code = CODE.search(delivered().filter(phone=phone).latest("id").body).group(1)
    account = identity.sign_in_with_code(phone, code)
    return Actor(kind=ActorKind.PATIENT, label=mask_phone(phone), account_id=account.pk)


def test_a_mobile_account_registers_its_holder_with_its_own_number(clock, register):
    me = signed_in("13812345678")

    patient = register(actor=me)

    (grant,) = ProxyGrant.objects.filter(patient=patient)
    assert (grant.account_id, grant.relationship, grant.basis) == (
        me.account_id,
        "self",
        ConsentBasis.OWN_RECORD,
    )
    assert not PatientAffiliation.objects.filter(patient=patient).exists()
    assert list(identity.accessible_patients(me)) == [patient]


def test_a_mobile_account_cannot_register_itself_with_another_phone(clock, register):
    me = signed_in("13912345678")
    before = written()

    with pytest.raises(InvalidInput) as excinfo:
        register(actor=me, phone="13812345678")

    assert fields_of(excinfo) == {"phone": "not_own_phone"}
    assert written() == before
    assert not ProxyGrant.objects.exists()


def test_a_mobile_account_registers_a_minor_child_and_becomes_its_guardian(clock, register):
    me = signed_in("13900001111")

    child = register_child(register, "王小红", actor=me, phone="13900001111", relationship="parent")

    (grant,) = ProxyGrant.objects.filter(patient=child)
    assert (grant.account_id, grant.relationship, grant.basis, grant.revoked_at) == (
        me.account_id,
        "parent",
        ConsentBasis.GUARDIAN_OF_MINOR,
        None,
    )
    assert grant.account == MobileAccount.objects.get(phone="13900001111")
    assert list(identity.accessible_patients(me)) == [child]


def test_a_mobile_account_cannot_register_an_adult_relative(clock, register):
    me = signed_in("13900001111")
    before = written()

    with pytest.raises(InvalidInput) as excinfo:
        register(actor=me, relationship="parent")  # 张伟 is an adult

    assert fields_of(excinfo) == {"relationship": "consent_required"}
    assert written() == before
    assert not ProxyGrant.objects.exists()
