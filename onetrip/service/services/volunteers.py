"""Volunteers and medical social workers (R-SVC-3): the roster with training and assessment,
shifts at a post with sign-in, and requests for help (an elderly patient needs an escort) that
the service centre assigns to a helper and closes with the outcome."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError, FieldError, InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.service.models import (
    Helper,
    HelperKind,
    HelpNeed,
    HelpRequest,
    HelpStatus,
    Shift,
    TrainingKind,
    TrainingRecord,
)
from onetrip.service.services.common import choice, institution_of, require_staff, text

MANAGE = "service.add_helprequest"


class WrongState(DomainError):
    status = 409


def _mobile(errors: list[FieldError], name: str, phone: str, *, required: bool) -> str:
    phone = text(errors, name, phone, 20, required=required)
    if phone and not (phone.isdigit() and len(phone) == 11):
        errors.append(FieldError(name, _("Enter an 11-digit mobile number.")))
    return phone


@transaction.atomic
def enrol(
    *,
    name: str,
    phone: str,
    kind: str,
    actor: Actor,
) -> Helper:
    require_staff(actor, MANAGE)
    errors: list[FieldError] = []
    name = text(errors, "name", name, 50)
    phone = _mobile(errors, "phone", phone, required=True)
    choice(errors, "kind", kind, HelperKind)
    if errors:
        raise InvalidInput(*errors)
    helper = Helper.objects.create(
        institution_id=institution_of(actor),
        name=name,
        phone=phone,
        kind=kind,
    )
    audit.record(actor, AuditAction.CREATE, helper, summary=f"helper {helper.pk} enrolled ({kind})")
    return helper


def _helper(helper_id: int, actor: Actor, *, for_update: bool = False) -> Helper:
    helpers = Helper.objects.filter(pk=helper_id or 0, institution_id=institution_of(actor))
    helper = (helpers.select_for_update() if for_update else helpers).first()
    if helper is None or not helper.active:
        raise InvalidInput.field("helper_id", _("Choose a helper."), "invalid_choice")
    return helper


@transaction.atomic
def record_training(
    *,
    helper_id: int,
    kind: str,
    on: dt.date,
    topic: str,
    passed: bool = False,
    actor: Actor,
) -> TrainingRecord:
    """A training the helper attended, or an assessment with its result (`passed`)."""
    require_staff(actor, MANAGE)
    errors: list[FieldError] = []
    choice(errors, "kind", kind, TrainingKind)
    topic = text(errors, "topic", topic, 100)
    if errors:
        raise InvalidInput(*errors)
    helper = _helper(helper_id, actor)
    record = TrainingRecord.objects.create(
        helper=helper,
        kind=kind,
        on=on,
        topic=topic,
        passed=bool(passed) if kind == TrainingKind.ASSESSMENT else None,
    )
    audit.record(actor, AuditAction.CREATE, record, summary=f"helper {helper.pk} {kind} recorded")
    return record


@transaction.atomic
def plan_shift(
    *, helper_id: int, post: str, starts_at: dt.datetime, ends_at: dt.datetime, actor: Actor
) -> Shift:
    require_staff(actor, MANAGE)
    errors: list[FieldError] = []
    post = text(errors, "post", post, 50)
    if ends_at <= starts_at:
        errors.append(FieldError("ends_at", _("The shift ends before it starts."), "order"))
    if errors:
        raise InvalidInput(*errors)
    helper = _helper(helper_id, actor, for_update=True)
    shift = Shift.objects.create(helper=helper, post=post, starts_at=starts_at, ends_at=ends_at)
    audit.record(actor, AuditAction.CREATE, shift, summary=f"shift {shift.pk} planned")
    return shift


@transaction.atomic
def sign_in(shift_id: int, *, actor: Actor) -> Shift:
    """The helper arrives at the post; signed in once, by conditional UPDATE."""
    require_staff(actor, MANAGE)
    now = clock.now()
    shifts = Shift.objects.filter(pk=shift_id, helper__institution_id=institution_of(actor))
    if not shifts.exists():
        raise NotFound(_("No such shift."))
    if not shifts.filter(signed_in_at__isnull=True).update(signed_in_at=now):
        raise WrongState(_("Already signed in."), code="wrong_state")
    shift = shifts.get()
    audit.record(actor, AuditAction.UPDATE, shift, summary=f"shift {shift.pk} signed in")
    return shift


@transaction.atomic
def ask_for_help(
    *,
    contact_name: str,
    contact_phone: str,
    need: str,
    where: str,
    needed_at: dt.datetime,
    actor: Actor,
) -> HelpRequest:
    require_staff(actor, MANAGE)
    errors: list[FieldError] = []
    name = text(errors, "contact_name", contact_name, 50)
    phone = _mobile(errors, "contact_phone", contact_phone, required=False)
    choice(errors, "need", need, HelpNeed)
    where = text(errors, "where", where, 100)
    if errors:
        raise InvalidInput(*errors)
    now = clock.now()
    request = HelpRequest.objects.create(
        reference=f"new-{secrets.token_hex(8)}",
        institution_id=institution_of(actor),
        contact_name=name,
        contact_phone=phone,
        need=need,
        where=where,
        needed_at=needed_at,
        status=HelpStatus.OPEN,
        opened_at=now,
    )
    request.reference = f"ZY{now:%y%m%d}{request.pk:05d}"
    request.save(update_fields=["reference"])
    audit.record(
        actor, AuditAction.CREATE, request, summary=f"help request {request.reference} opened"
    )
    return request


def _locked_request(request_id: int, actor: Actor) -> HelpRequest:
    require_staff(actor, MANAGE)
    request = (
        HelpRequest.objects.select_for_update()
        .filter(pk=request_id, institution_id=institution_of(actor))
        .first()
    )
    if request is None:
        raise NotFound(_("No such request."))
    return request


@transaction.atomic
def assign(request_id: int, *, helper_id: int, actor: Actor) -> HelpRequest:
    request = _locked_request(request_id, actor)
    if request.status == HelpStatus.CLOSED:
        raise WrongState(_("This request is already closed."), code="wrong_state")
    request.helper = _helper(helper_id, actor)
    request.status = HelpStatus.ASSIGNED
    request.save()
    audit.record(
        actor, AuditAction.UPDATE, request, summary=f"help request {request.reference} assigned"
    )
    return request


@transaction.atomic
def close(request_id: int, *, outcome: str, actor: Actor) -> HelpRequest:
    request = _locked_request(request_id, actor)
    if request.status != HelpStatus.ASSIGNED:
        raise WrongState(_("Assign a helper first."), code="wrong_state")
    errors: list[FieldError] = []
    request.outcome = text(errors, "outcome", outcome, 300)
    if errors:
        raise InvalidInput(*errors)
    request.status = HelpStatus.CLOSED
    request.closed_at = clock.now()
    request.save()
    audit.record(
        actor, AuditAction.UPDATE, request, summary=f"help request {request.reference} closed"
    )
    return request


def roster(*, actor: Actor) -> list[Helper]:
    require_staff(actor, MANAGE)
    return list(
        Helper.objects.filter(institution_id=institution_of(actor), active=True)
        .prefetch_related("training")
        .order_by("kind", "name")
    )


def coming_shifts(*, actor: Actor) -> list[Shift]:
    require_staff(actor, MANAGE)
    since = clock.now() - dt.timedelta(hours=12)
    return list(
        Shift.objects.filter(helper__institution_id=institution_of(actor), ends_at__gte=since)
        .select_related("helper")
        .order_by("starts_at")[:100]
    )


def open_requests(*, actor: Actor) -> list[HelpRequest]:
    require_staff(actor, MANAGE)
    return list(
        HelpRequest.objects.filter(institution_id=institution_of(actor))
        .select_related("helper")
        .order_by("status", "needed_at")[:100]
    )


def request_for_staff(request_id: int, *, actor: Actor) -> HelpRequest:
    require_staff(actor, MANAGE)
    request = (
        HelpRequest.objects.filter(pk=request_id, institution_id=institution_of(actor))
        .select_related("helper")
        .first()
    )
    if request is None:
        raise NotFound(_("No such request."))
    return request
