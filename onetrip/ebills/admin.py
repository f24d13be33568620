"""Back office for e-bills: a bill is a fiscal document, so the admin only lists and shows them;
issuing and red-lettering go through the services (which talk to the fiscal platform)."""

from django.contrib import admin

from onetrip.ebills.models import EBill


@admin.register(EBill)
class EBillAdmin(admin.ModelAdmin):
    list_display = ["bill_code", "bill_number", "kind", "institution", "total_fen", "issued_at"]
    list_filter = ["kind", "visit_kind", "institution"]
    search_fields = ["bill_code", "bill_number", "settlement_reference"]
    date_hierarchy = "issued_at"
    exclude = ["payer_name", "patient"]  # personal data the back office does not need

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
