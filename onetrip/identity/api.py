"""Patients API: staff endpoints under /api/patients, patient self-service under /api/me."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status

from onetrip.core.actors import Actor, Channel, client_ip
from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.bounds import Day, Id
from onetrip.identity import services
from onetrip.identity.models import Relationship
from onetrip.identity.presenters import present_patient
from onetrip.web.sessions import (
    PatientSession,
    current_patient_actor,
    end_patient_session,
    start_patient_session,
)

router = Router(tags=["patients (staff)"], auth=StaffSession())


patient_router = Router(tags=["patients (self-service)"])


# --- schemas --------------------------------------------------------------------------------


class DocumentIn(Schema):
    doc_type: str
    number: str
    issuing_country: str = ""

    def to_input(self) -> services.DocumentInput:
        return services.DocumentInput(self.doc_type, self.number, self.issuing_country)


class GuardianIn(DocumentIn):
    relationship: str


class RegistrationIn(Schema):
    name: str
    sex: str
    birth_date: Day | None = None
    phone: str
    address: str = ""
    documents: list[DocumentIn] = []
    guardian: GuardianIn | None = None
    relationship: str = Relationship.SELF

    def to_registration(self) -> services.PatientRegistration:
        guardian = None
        if self.guardian is not None:
            guardian = services.GuardianInput(
                self.guardian.doc_type,
                self.guardian.number,
                self.guardian.relationship,
                self.guardian.issuing_country,
            )
        return services.PatientRegistration(
            name=self.name,
            sex=self.sex,
            birth_date=self.birth_date,
            phone=self.phone,
            address=self.address,
            documents=[d.to_input() for d in self.documents],
            guardian=guardian,
            relationship=self.relationship,
        )


class PatientChangeIn(Schema):
    name: str | None = None
    phone: str | None = None
    address: str | None = None


class ProxyIn(Schema):
    phone: str
    relationship: str


class ShareIn(Schema):
    institution_id: Id


class DocumentOut(Schema):
    id: int
    doc_type: str
    doc_type_label: str
    number: str
    issuing_country: str
    is_guardian_document: bool
    guardian_relationship: str


class PatientOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date
    phone: str
    address: str
    registered_at: dt.datetime
    documents: list[DocumentOut]
    identifiers_masked: bool


class ProxyOut(Schema):
    id: int
    patient_id: int
    relationship: str
    basis: str
    granted_at: dt.datetime


class PhoneIn(Schema):
    phone: str


class SignInIn(Schema):
    phone: str
    code: str


class AccountOut(Schema):
    account_id: int
    phone: str


class RecordClaimIn(Schema):
    doc_type: str
    number: str
    name: str
    birth_date: dt.date | None = None
    relationship: str = Relationship.SELF
    issuing_country: str = ""

    def to_input(self) -> services.RecordClaimInput:
        return services.RecordClaimInput(
            doc_type=self.doc_type,
            number=self.number,
            name=self.name,
            birth_date=self.birth_date,
            relationship=self.relationship,
            issuing_country=self.issuing_country,
        )


class RecordClaimOut(Schema):
    sent_to: str
    detail: str


class ClaimCodeIn(Schema):
    code: str


class RegistrationReceivedOut(Schema):
    detail: str


REGISTRATION_RECEIVED = _(
    "Received. A new record is now in your list; if the document was already on file, a code "
    "went to the mobile number on file instead: enter it to link that record."
)


def _claim_out(answer: services.ClaimAnswer) -> dict:
    return {
        "sent_to": answer.sent_to,
        "detail": str(services.CLAIM_SENT_MESSAGE % {"phone": answer.sent_to}),
    }


def _out(patient, actor: Actor) -> dict:
    return present_patient(patient, actor=actor)


# --- staff ----------------------------------------------------------------------------------


@router.get("", response=list[PatientOut])
def search_patients(request: HttpRequest, q: str):
    actor = api_staff_actor(request)
    return [_out(p, actor) for p in services.search_patients(q, actor=actor)]


@router.post("", response={201: PatientOut})
def register_patient(request: HttpRequest, payload: RegistrationIn):
    actor = api_staff_actor(request)
    patient = services.register_patient(payload.to_registration(), actor=actor)
    return Status(201, _out(patient, actor))


@router.post("/by-document", response=PatientOut)
def bring_into_scope(request: HttpRequest, payload: DocumentIn):
    """The patient presents a document here: bring their consortium record into scope."""
    actor = api_staff_actor(request)
    return _out(services.affiliate_by_document(payload.to_input(), actor=actor), actor)


@router.get("/{patient_id}", response=PatientOut)
def get_patient(request: HttpRequest, patient_id: Id):
    actor = api_staff_actor(request)
    return _out(services.view_patient(patient_id, actor=actor), actor)


@router.patch("/{patient_id}", response=PatientOut)
def change_patient(request: HttpRequest, patient_id: Id, payload: PatientChangeIn):
    actor = api_staff_actor(request)
    changes = payload.dict(exclude_none=True)
    return _out(services.update_patient(patient_id, changes, actor=actor), actor)


@router.post("/{patient_id}/documents", response={201: DocumentOut})
def add_document(request: HttpRequest, patient_id: Id, payload: DocumentIn):
    actor = api_staff_actor(request)
    services.add_document(patient_id, payload.to_input(), actor=actor)
    patient = services.view_patient(patient_id, actor=actor)
    return Status(201, _out(patient, actor)["documents"][-1])


@router.post("/{patient_id}/proxies", response={201: ProxyOut})
def record_written_consent(request: HttpRequest, patient_id: Id, payload: ProxyIn):
    actor = api_staff_actor(request)
    grant = services.grant_proxy(patient_id, payload.phone, payload.relationship, actor=actor)
    return Status(201, grant)


@router.post("/{patient_id}/shares", response={201: dict})
def share_patient(request: HttpRequest, patient_id: Id, payload: ShareIn):
    actor = api_staff_actor(request)
    services.share_patient(patient_id, payload.institution_id, actor=actor)
    return Status(201, {"patient_id": patient_id, "institution_id": payload.institution_id})


# --- patient self-service -------------------------------------------------------------------


def _patient_actor(request: HttpRequest) -> Actor:
    return current_patient_actor(request, channel=Channel.API)


@patient_router.post("/sign-in-code", response={202: dict})
def send_sign_in_code(request: HttpRequest, payload: PhoneIn):
    services.request_sign_in_code(payload.phone, client_address=client_ip(request))
    return Status(202, {"sent": True})


@patient_router.post("/session", response=AccountOut)
def sign_in(request: HttpRequest, payload: SignInIn):
    account = services.sign_in_with_code(
        payload.phone, payload.code, client_address=client_ip(request)
    )
    start_patient_session(request, account)
    return {"account_id": account.pk, "phone": account.phone}


@patient_router.delete("/session", response={204: None}, auth=PatientSession())
def sign_out(request: HttpRequest):
    end_patient_session(request)
    return Status(204, None)


@patient_router.get("/patients", response=list[PatientOut], auth=PatientSession())
def my_patients(request: HttpRequest):
    actor = _patient_actor(request)
    return [_out(p, actor) for p in services.patients_of_account(actor.account_id)]


@patient_router.post("/patients", response={202: RegistrationReceivedOut}, auth=PatientSession())
def register_self_or_child(request: HttpRequest, payload: RegistrationIn):
    """The same answer whether the record was created or its document was on file already (then
    a code went to the phone on file, to confirm at `/api/me/claims/confirm`): the API confirms
    no one's identity number. A created record is in `GET /api/me/patients`."""
    services.register_for_account(payload.to_registration(), actor=_patient_actor(request))
    return Status(202, {"detail": str(REGISTRATION_RECEIVED)})


@patient_router.post("/claims", response={202: RecordClaimOut}, auth=PatientSession())
def claim_record(request: HttpRequest, payload: RecordClaimIn):
    """Link a record registered elsewhere: the same answer whether or not one matched."""
    answer = services.start_record_claim(payload.to_input(), actor=_patient_actor(request))
    return Status(202, _claim_out(answer))


@patient_router.post("/claims/confirm", response=PatientOut, auth=PatientSession())
def confirm_claim(request: HttpRequest, payload: ClaimCodeIn):
    actor = _patient_actor(request)
    return _out(services.confirm_record_claim(payload.code, actor=actor), actor)


@patient_router.post(
    "/patients/{patient_id}/documents", response={201: PatientOut}, auth=PatientSession()
)
def add_my_document(request: HttpRequest, patient_id: Id, payload: DocumentIn):
    actor = _patient_actor(request)
    services.add_document(patient_id, payload.to_input(), actor=actor)
    return Status(201, _out(services.view_patient(patient_id, actor=actor), actor))


@patient_router.post(
    "/patients/{patient_id}/proxies", response={201: ProxyOut}, auth=PatientSession()
)
def give_family_access(request: HttpRequest, patient_id: Id, payload: ProxyIn):
    actor = _patient_actor(request)
    grant = services.grant_proxy(patient_id, payload.phone, payload.relationship, actor=actor)
    return Status(201, grant)


@patient_router.delete("/proxies/{grant_id}", response={204: None}, auth=PatientSession())
def withdraw_family_access(request: HttpRequest, grant_id: Id):
    services.revoke_proxy(grant_id, actor=_patient_actor(request))
    return Status(204, None)
