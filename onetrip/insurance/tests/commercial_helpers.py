"""A commercial policy the sandbox insurer holds (R-PAY-8), for tests of any app."""

from __future__ import annotations

import datetime as dt

from onetrip.insurance.models import SandboxCommercialPolicy

CERTNO = "110101199003074477"  # the `register` fixture's default patient


def sandbox_policy(**overrides) -> SandboxCommercialPolicy:
    """百万医疗 at PICC Health: 50.00 deductible, 80% of the rest, 1,000.00 a year at most."""
    fields = {
        "insurer": "picc_health",
        "policy_number": "PICC2026000123",
        "certno": CERTNO,
        "holder_name": "张伟",
        "product_name": "好医保·百万医疗",
        "valid_from": dt.date(2026, 1, 1),
        "valid_until": dt.date(2026, 12, 31),
        "deductible_fen": 5_000,
        "ratio_bp": 8_000,
        "annual_cap_fen": 100_000,
        "year": 2026,
    }
    fields.update(overrides)
    return SandboxCommercialPolicy.objects.create(**fields)
