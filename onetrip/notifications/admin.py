from django.contrib import admin

from onetrip.notifications.models import DeliveryAttempt, Notification, SandboxMessage


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ["attempt", "channel", "attempted_at", "outcome", "provider", "error"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(ReadOnly):
    list_display = ["created_at", "phone", "template", "status", "attempts", "next_attempt_at"]
    list_filter = ["status", "purpose"]
    search_fields = ["phone"]
    inlines = [DeliveryAttemptInline]


@admin.register(SandboxMessage)
class SandboxMessageAdmin(ReadOnly):
    list_display = ["sent_at", "channel", "address", "template"]
    list_filter = ["channel", "template"]
