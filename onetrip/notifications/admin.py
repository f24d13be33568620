from django.contrib import admin

from onetrip.core.backoffice import ReadOnlyAdmin
from onetrip.notifications.models import DeliveryAttempt, Notification, SandboxMessage


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["attempt", "channel", "attempted_at", "outcome", "provider", "error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "phone", "template", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "purpose"]
    search_fields = ["phone"]
    inlines = [DeliveryAttemptInline]


@admin.register(SandboxMessage)
class SandboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "channel", "address", "template"]
    list_filter = ["channel", "template"]
