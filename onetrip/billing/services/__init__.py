"""Billing services: every state change of charges, settlements, payments, refunds and debts."""

from onetrip.billing.services.credit import (
    has_overdue_debt,
    overdue_debt_condition,
    overdue_debts,
)

__all__ = ["has_overdue_debt", "overdue_debt_condition", "overdue_debts"]
