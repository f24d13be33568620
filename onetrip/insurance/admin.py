"""Back office for insurance: policies are edited here (system administrators); the exchange
log, pre-settlements and settlements are records of what the platform said and only listed."""

from django.contrib import admin

from onetrip.core.backoffice import ReadOnlyAdmin
from onetrip.insurance.models import (
    InsurancePolicy,
    InsuranceQuote,
    InsuranceSettlement,
    PlatformExchange,
)


@admin.register(InsurancePolicy)
class InsurancePolicyAdmin(admin.ModelAdmin):
    list_display = [
        "insutype",
        "deductible_fen",
        "fund_ratio_a_bp",
        "fund_ratio_b_bp",
        "b_self_pay_first_bp",
        "annual_ceiling_fen",
        "account_may_pay",
    ]


@admin.register(PlatformExchange)
class PlatformExchangeAdmin(ReadOnlyAdmin):
    list_display = ["sent_at", "infno", "msgid", "infcode", "err_msg", "institution"]
    list_filter = ["infno", "infcode", "institution"]
    search_fields = ["msgid"]
    date_hierarchy = "sent_at"


@admin.register(InsuranceQuote)
class InsuranceQuoteAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "visit_reference", "mdtrt_id", "status", "total_fen", "cash_fen"]
    list_filter = ["status", "insutype", "institution"]
    search_fields = ["visit_reference", "mdtrt_id"]


@admin.register(InsuranceSettlement)
class InsuranceSettlementAdmin(ReadOnlyAdmin):
    list_display = ["settled_at", "setl_id", "status", "total_fen", "fund_fen", "cash_fen"]
    list_filter = ["status", "institution"]
    search_fields = ["setl_id"]
