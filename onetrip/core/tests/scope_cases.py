"""Core's registrations for the generated scoping and audit test (`core/tests/scoping.py`)."""

from __future__ import annotations

from onetrip.core.tests.scoping import Unscoped

CASES = {
    "GET /api/audit/events": Unscoped(
        "patient_id filters the caller's own institution's trail (core.audit_queries): another "
        "institution's patient matches no row, the same empty answer as an unknown id"
    ),
}
