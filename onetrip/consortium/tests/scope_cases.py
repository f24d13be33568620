"""Consortium's registrations for the generated scoping test (`core/tests/scoping.py`)."""

from onetrip.core.tests.scoping import Unscoped

DIRECTORY = "the public directory of the consortium's institutions, departments and doctors"

CASES = {
    "GET /api/consortium/institutions/{institution_id}/departments": Unscoped(DIRECTORY),
    "GET /api/consortium/departments/{department_id}/doctors": Unscoped(DIRECTORY),
}
