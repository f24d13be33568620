"""The audit trail's only writer (R-ORG-3)."""

from __future__ import annotations

from typing import Any

from django.db import connection, models, transaction

from onetrip.core import bulk, clock
from onetrip.core.actors import Actor
from onetrip.core.models import AuditAction, AuditEvent


def record(
    actor: Actor,
    action: AuditAction,
    target: models.Model | type[models.Model],
    *,
    summary: str,
    patient_id: int | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Write the audit row for `action` on `target` in the caller's transaction.

    `target` is the record acted on, or a model class for actions on no single record (a search).
    """
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError(
            "audit.record must run inside the transaction of the change it records"
        )
    return AuditEvent.objects.create(
        occurred_at=clock.now(),
        **actor_columns(actor),
        action=action,
        object_type=target._meta.label_lower,
        object_id="" if isinstance(target, type) else str(target.pk),
        patient_id=patient_id,
        summary=summary[:255],
        changes=changes or {},
    )


def actor_columns(actor: Actor) -> dict[str, Any]:
    """Who acted, as an audit row's columns: `record`'s, and what a writer inserting the row in
    SQL is handed (the booking function `scheduling_book`, D207)."""
    return {
        "actor_kind": actor.kind,
        "actor_label": actor.label[:150],
        "actor_user_id": actor.user.pk if actor.is_staff and actor.user is not None else None,
        "actor_account_id": actor.account_id,
        "institution_id": actor.institution_id,
        "ip": actor.ip,
        "channel": actor.channel,
    }


def record_many(
    actor: Actor,
    action: AuditAction,
    rows: list[tuple[models.Model, int | None, str, dict[str, Any]]],
) -> None:
    """`record` for many rows at once (target, patient_id, summary, changes): by COPY, for batch
    runs that change thousands of records in one transaction."""
    if not connection.in_atomic_block:
        raise transaction.TransactionManagementError(
            "audit.record_many must run inside the transaction of the changes it records"
        )
    now = clock.now()
    user_id = actor.user.pk if actor.is_staff and actor.user is not None else None
    bulk.insert_rows(
        AuditEvent,
        AUDIT_FIELDS,
        (
            (
                now,
                actor.kind,
                actor.label[:150],
                user_id,
                actor.account_id,
                actor.institution_id,
                action,
                target._meta.label_lower,
                str(target.pk),
                patient_id,
                summary[:255],
                changes,
                actor.ip,
                actor.channel,
            )
            for target, patient_id, summary, changes in rows
        ),
    )


AUDIT_FIELDS = (
    "occurred_at",
    "actor_kind",
    "actor_label",
    "actor_user_id",
    "actor_account_id",
    "institution_id",
    "action",
    "object_type",
    "object_id",
    "patient_id",
    "summary",
    "changes",
    "ip",
    "channel",
)


def record_staff_read(
    actor: Actor, target: models.Model | type[models.Model], *, patient_id: int, summary: str
) -> None:
    """A staff member read a patient's data (R-ORG-3, 等保 2.0 audit of every access to health
    data): one VIEW row in its own transaction. Patients reading their own data and the system
    leave none."""
    if actor.is_staff:
        with transaction.atomic():
            record(actor, AuditAction.VIEW, target, patient_id=patient_id, summary=summary)
