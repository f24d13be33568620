"""Reading the audit trail: auditors see their own institution and the ones below it, and what
patients did to records affiliated with them."""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.db.models import Q, QuerySet
from ninja import Schema

from onetrip.core.actors import Actor, ActorKind
from onetrip.core.bounds import Day, Id
from onetrip.core.models import AuditEvent

# The institution and every one below it. The tree is consortium's, and core imports no domain
# app (docs/architecture.md), so consortium hands its reader over at start-up
# (`ConsortiumConfig.ready`), as billing's `when_paid` takes its follow-ups.
_subtree_reader: Callable[[int | None], list[int]] | None = None


def read_subtrees_with(reader: Callable[[int | None], list[int]]) -> None:
    global _subtree_reader
    _subtree_reader = reader


def institution_subtree_ids(root_id: int | None) -> list[int]:
    if _subtree_reader is None:
        raise RuntimeError("consortium has not registered its institution tree reader")
    return _subtree_reader(root_id)


class AuditFilter(Schema):
    patient_id: Id | None = None
    actor: str | None = None
    action: str | None = None
    date_from: Day | None = None
    date_to: Day | None = None


def audit_events(filters: AuditFilter, *, actor: Actor) -> QuerySet[AuditEvent]:
    actor.require_perm("core.view_auditevent")
    institutions = institution_subtree_ids(actor.institution_id)
    # Patients act from their phones, outside any institution: their own changes belong to the
    # trail of every institution the patient is affiliated with.
    affiliated = apps.get_model("identity", "PatientAffiliation").objects.filter(
        institution_id__in=institutions
    )
    events = AuditEvent.objects.filter(
        Q(institution_id__in=institutions)
        | Q(
            actor_kind=ActorKind.PATIENT,
            patient_id__in=affiliated.values("patient_id"),
        )
    )
    if filters.patient_id is not None:
        events = events.filter(patient_id=filters.patient_id)
    if filters.actor:
        events = events.filter(actor_label__icontains=filters.actor)
    if filters.action:
        events = events.filter(action=filters.action)
    if filters.date_from:
        events = events.filter(occurred_at__date__gte=filters.date_from)
    if filters.date_to:
        events = events.filter(occurred_at__date__lte=filters.date_to)
    return events.order_by("-occurred_at", "-id")
