"""Metrics' registrations for the generated scoping and audit test (`core/tests/scoping.py`).

`institution` names the subtree the KPI office reads: their own institution and those below it.
Any other answers 404, the same as an unknown one (D109)."""

from __future__ import annotations

from onetrip.conftest import NOW
from onetrip.core.tests.scoping import Staff, Target, World

KPI = "quality"
AGGREGATE = "counts and rates of the institution's subtree: no one patient's data is read"


def the_home_hospital(world: World, **query) -> Target:
    return Target({}, None, query={"institution": world.home.pk, **query})


def a_figure(world: World, **query) -> Target:
    target = the_home_hospital(world, **query)
    return Target({"code": "appointment_rate"}, None, query=target.query)


CASES = {
    "GET /api/metrics/figures": Staff(
        the_home_hospital, KPI, audited=False, why_not_audited=AGGREGATE
    ),
    "GET /api/metrics/figures/{code}": Staff(
        a_figure, KPI, audited=False, why_not_audited=AGGREGATE
    ),
    # The records behind a number name patients: one SEARCH row for the list (no one patient).
    "GET /api/metrics/figures/{code}/records": Staff(a_figure, KPI),
    "GET /api/metrics/report": Staff(
        lambda w: the_home_hospital(w, period=f"{NOW:%Y-%m}"),
        KPI,
        audited=False,
        why_not_audited=AGGREGATE,
    ),
}
