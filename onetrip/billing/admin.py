"""Back office: the price catalogue is maintained here; money records are read-only (they
change only through the services, with their journal and audit rows)."""

from django.contrib import admin

from onetrip.billing.models import CatalogueItem, Debt, ReconciliationRun, Settlement
from onetrip.core.backoffice import ReadOnlyAdmin


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
