"""Back office: the price catalogue is maintained here; reconciliation runs are read-only.
Settlements and debts name patients and are not here (D7, D53): the cashier desk shows them."""

from django.contrib import admin

from onetrip.billing.models import CatalogueItem, ReconciliationRun
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


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = ("channel", "day", "ran_at", "matched")
