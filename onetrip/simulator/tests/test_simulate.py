"""The simulator (issue 7 item 4): episodes through the real services, the same for a seed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.db import transaction

from onetrip.billing.models import Settlement
from onetrip.core.models import AuditEvent
from onetrip.demo.loader import load_demo
from onetrip.exams.models import ExamOrder
from onetrip.metrics.models import RolledUpDay
from onetrip.reports.models import Report
from onetrip.scheduling.models import Appointment
from onetrip.scheduling.services import booking
from onetrip.simulator.engine import Mix, simulate

MONDAY = dt.date(2026, 11, 16)  # the week before the frozen clock's today (2026-11-23)
# Small, and busy with the rarer turns so a two-day run meets each of them.
MIX = Mix(episodes_per_day=40, stop_clinic=0.15, exams=0.5, cancel=0.15, no_show=0.1)


class _Undo(Exception):
    pass


@pytest.fixture
def demo(clock, db, settings):
    # Thirty-odd staff accounts: hash their passwords quickly.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    load_demo(patients=120, schedule_days=0)


def _outcome() -> dict:
    # Patients by who they are: PostgreSQL never rolls back a sequence, so the undone run's
    # registrations leave gaps in the primary keys.
    return {
        "appointments": list(
            Appointment.objects.order_by("pk").values_list(
                "patient__name", "patient__phone", "channel", "status"
            )
        ),
        "exams": list(ExamOrder.objects.order_by("pk").values_list("item__code", "status")),
        "settlements": list(
            Settlement.objects.order_by("pk").values_list("mode", "channel", "total_fen")
        ),
        "reports": Report.objects.count(),
    }


def _run_and_undo(seed: int):
    try:
        with transaction.atomic():
            summary = simulate(days=2, seed=seed, start=MONDAY, mix=MIX)
            outcome = _outcome()
            raise _Undo
    except _Undo:
        return summary, outcome


def test_same_seed_gives_the_same_run_through_every_step_of_a_visit(
    demo, django_capture_on_commit_callbacks
):
    first, first_outcome = _run_and_undo(seed=3)
    other, other_outcome = _run_and_undo(seed=4)
    demo_reports = Report.objects.filter(order__status="completed").count()
    # The demo's own cancellations (a referral the office redirected) are not the run's.
    demo_cancelled = Appointment.objects.filter(status="cancelled").count()
    with django_capture_on_commit_callbacks(execute=True):  # the fee refunds, as after commit
        summary = simulate(days=2, seed=3, start=MONDAY, mix=MIX)
    assert summary.counts == first.counts
    assert _outcome() == first_outcome
    assert other_outcome != first_outcome

    counts = summary.counts
    assert summary.episodes == round(40 * 1.15) + 40  # a Monday and a Tuesday
    for channel in ("app", "phone", "window", "kiosk", "primary_care"):
        assert counts[f"episodes via {channel}"] > 0, channel
        assert Appointment.objects.filter(channel=channel).exists(), channel
    for step in (
        "app users registered",
        "booked",
        "cancelled",
        "clinic sessions stopped",
        "checked in",
        "consultations",
        "exam plans booked",
        "exams checked in",
        "reports filed",
    ):
        assert counts[step] > 0, step
    cancelled = Appointment.objects.filter(status="cancelled").count() - demo_cancelled
    assert cancelled == counts["cancelled"]
    assert Appointment.objects.filter(status="clinic_stopped").exists()
    filed = Report.objects.filter(order__status="completed").count() - demo_reports
    assert filed == counts["reports filed"]
    modes = set(Settlement.objects.values_list("mode", flat=True))
    assert {"in_clinic", "mobile", "window"} <= modes
    # Nothing was written behind the services' back: every booking has its audit row.
    booked = Appointment.objects.values_list("pk", flat=True)
    audited = AuditEvent.objects.filter(
        object_type="scheduling.appointment", action="create"
    ).values_list("object_id", flat=True)
    assert {str(pk) for pk in booked} <= set(audited)
    # Issue 13 (D90): every refund is the fee of a booking the run ended, and nothing else;
    # settlements of served visits (exams included) stay settled.
    assert booking.fee_refund_problems(by_people=False) == []
    served = Appointment.objects.filter(status__in=("checked_in", "in_consultation", "finished"))
    served_bills = {f"V{a.booking_number}" for a in served}
    refunded = Settlement.objects.filter(status="refunded").values_list(
        "bill__visit_reference", flat=True
    )
    assert not served_bills & set(refunded)


def test_the_command_reports_what_happened(demo, capsys):
    call_command("simulate", days=1, seed=2, start=MONDAY, episodes_per_day=10)
    out = capsys.readouterr().out
    assert "Simulated 1 days (2026-11-16 to 2026-11-16): 12 patient episodes" in out
    assert "episodes via app" in out
    # The simulated days are closed: the indicators read them from their rollups (D94).
    assert RolledUpDay.objects.filter(day=MONDAY).exists()
    call_command("simulate", days=1, seed=2, start=MONDAY, episodes_per_day=10, once=True)
    assert "already run on this database; nothing changed" in capsys.readouterr().out


def test_the_command_needs_the_demo(db, capsys):
    with pytest.raises(Exception, match="load_demo"):
        call_command("simulate", days=1)
