"""Metrics' registrations for the generated scoping test (`core/tests/scoping.py`)."""

from onetrip.core.tests.scoping import Pending

NOTE = "`institution` names a subtree the KPI office may read; needs its own 404 rule"

CASES = {
    "GET /api/metrics/figures": Pending(NOTE),
    "GET /api/metrics/figures/{code}": Pending(NOTE),
    "GET /api/metrics/figures/{code}/records": Pending(NOTE),
    "GET /api/metrics/report": Pending(NOTE),
}
