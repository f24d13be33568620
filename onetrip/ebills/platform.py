"""The fiscal e-bill platform adapter (R-PAY-5). The platform (财政电子票据平台) hands out each
bill's code, number and check code, answers queries and registers red-letter reversals. The
sandbox stands in for it; a real adapter is chosen by setting
`ONETRIP_EBILL_PLATFORM = "dotted.path.Class"`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULT_PLATFORM = "onetrip.ebills.sandbox.SandboxEBillPlatform"


@dataclass(frozen=True)
class BillRequest:
    institution_code: str
    visit_kind: str  # "outpatient" | "inpatient"
    issued_on: dt.date
    total_fen: int  # negative for a red-letter bill
    payer_name: str
    settlement_reference: str


@dataclass(frozen=True)
class IssuedNumber:
    bill_code: str  # 票据代码, 8 digits
    bill_number: str  # 票据号码, 10 digits
    check_code: str  # 校验码, 6 characters
    platform_reference: str


@dataclass(frozen=True)
class BillStatus:
    exists: bool
    total_fen: int = 0
    red_lettered_fen: int = 0


class EBillPlatform(Protocol):
    def issue(self, request: BillRequest) -> IssuedNumber: ...

    def red_letter(
        self, request: BillRequest, *, original: IssuedNumber, reason: str
    ) -> IssuedNumber: ...

    def query(self, institution_code: str, bill_code: str, bill_number: str) -> BillStatus: ...


@cache
def _platform_class(path: str) -> type:
    return import_string(path)


def current_platform() -> EBillPlatform:
    return _platform_class(getattr(settings, "ONETRIP_EBILL_PLATFORM", DEFAULT_PLATFORM))()
