"""Back office for insurance: policies are edited here (system administrators). The exchange
log, pre-settlements and settlements name patients and are not here (D7, D53)."""

from django.contrib import admin

from onetrip.insurance.models import (
    InsurancePolicy,
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
