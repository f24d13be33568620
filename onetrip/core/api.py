"""Audit trail browsing for privacy auditors (R-ORG-3)."""

import datetime as dt

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Query, Router, Schema
from ninja.pagination import paginate

from onetrip.core import audit_queries
from onetrip.core.api_auth import StaffSession, api_staff_actor
from onetrip.core.models import AuditEvent

router = Router(tags=["audit"], auth=StaffSession())


class AuditEventOut(Schema):
    id: int
    occurred_at: dt.datetime
    actor_kind: str
    actor_label: str
    institution_id: int | None
    action: str
    object_type: str
    object_id: str
    patient_id: int | None
    summary: str
    changes: dict
    ip: str | None
    channel: str


@router.get("/events", response=list[AuditEventOut])
@paginate
def list_audit_events(
    request: HttpRequest, filters: Query[audit_queries.AuditFilter]
) -> QuerySet[AuditEvent]:
    return audit_queries.audit_events(filters, actor=api_staff_actor(request))
