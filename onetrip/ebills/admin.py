"""Back office for e-bills: a bill is a fiscal document, so the admin only lists and shows them;
issuing and red-lettering go through the services (which talk to the fiscal platform)."""

from django.contrib import admin

from onetrip.core.backoffice import ReadOnlyAdmin
from onetrip.ebills.models import EBill


@admin.register(EBill)
class EBillAdmin(ReadOnlyAdmin):
    list_display = ["bill_code", "bill_number", "kind", "institution", "total_fen", "issued_at"]
    list_filter = ["kind", "visit_kind", "institution"]
    search_fields = ["bill_code", "bill_number", "settlement_reference"]
    date_hierarchy = "issued_at"
    exclude = ["payer_name", "patient"]  # personal data the back office does not need
