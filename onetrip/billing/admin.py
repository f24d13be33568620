"""Back office: the price catalogue is maintained here; money records are read-only (they
change only through the services, with their journal and audit rows)."""

from django.contrib import admin

from onetrip.billing.models import CatalogueItem, Debt, ReconciliationRun, Settlement


@admin.register(CatalogueItem)
class CatalogueItemAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "kind",
        "charge_category",
        "insurance_category",
        "unit_price_fen",
        "is_active",
    )
    list_filter = ("kind", "insurance_category", "is_active")
    search_fields = ("code", "name")


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = (
        "pk",
        "bill",
        "mode",
        "channel",
        "status",
        "total_fen",
        "cash_fen",
        "settled_at",
    )
    list_filter = ("mode", "channel", "status")


@admin.register(Debt)
class DebtAdmin(ReadOnlyAdmin):
    list_display = ("pk", "patient", "amount_fen", "due_on", "status")
    list_filter = ("status",)


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = ("channel", "day", "ran_at", "matched")
