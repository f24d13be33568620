from django.contrib import admin

from onetrip.core.backoffice import ReadOnlyAdmin
from onetrip.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    """Read-only: the trail is written by `core.audit.record` and never edited."""

    list_display = ["occurred_at", "actor_label", "action", "object_type", "patient_id", "summary"]
    list_filter = ["action", "actor_kind", "channel", "institution"]
    search_fields = ["actor_label", "summary", "object_id"]
    date_hierarchy = "occurred_at"
