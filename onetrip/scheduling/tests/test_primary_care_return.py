"""R-APPT-3 as the seed says it (D72): primary-care sources are released 10 days ahead and what
primary care has not used 3 days after that release (7 days before the visit) returns to the
shared pool. Walked with the injectable clock, for the default, for an override and for policies
stored under the old rule and rewritten by the data migration."""

import datetime as dt
import importlib

import pytest
from django.apps import apps

from onetrip.conftest import SHANGHAI
from onetrip.core.clock import now
from onetrip.scheduling.models import PoolKind, SchedulingPolicy
from onetrip.scheduling.policy import DEFAULT_POLICY
from onetrip.scheduling.services import availability
from onetrip.scheduling.tests.helpers import session_on

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module(
    "onetrip.scheduling.migrations.0003_primary_care_return_after_release"
)


def primary_care_open_to_window(session, now) -> bool:
    """Whether a window clerk can see the session's primary-care units at `now`."""
    views = availability.session_slots(session, "window", now)
    open_units = sum(view.remaining for view in views)
    without_primary = sum(
        view.pools.get(kind, 0)
        for view in views
        for kind in (PoolKind.WINDOW, PoolKind.SHARED_ONLINE)
    )
    return open_units > without_primary


def local(day: dt.date, hhmm: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.fromisoformat(hhmm), tzinfo=SHANGHAI)


def test_the_default_is_three_days_after_the_release_not_three_days_before_the_visit():
    assert DEFAULT_POLICY.primary_care_release_days == 10
    assert DEFAULT_POLICY.primary_care_return_after_days == 3


def test_unused_primary_care_units_return_seven_days_before_the_visit(clock, sessions):
    session = session_on(sessions, 8)  # Tuesday 1 December, released to primary care 21 Nov
    returns_at = local(session.date - dt.timedelta(days=7), "07:00")  # 24 November 07:00
    assert not primary_care_open_to_window(session, now())
    clock.set(returns_at - dt.timedelta(minutes=1))
    assert not primary_care_open_to_window(session, now())
    clock.set(returns_at)
    assert primary_care_open_to_window(session, now())
    # Under the misreading they would have waited until 28 November.
    assert returns_at.date() < session.date - dt.timedelta(days=3)


def test_the_return_stays_configurable(clock, sessions, tertiary):
    SchedulingPolicy.objects.create(
        institution=tertiary, rules={"primary_care_return_after_days": 5}
    )
    session = session_on(sessions, 8)
    clock.set(local(session.date - dt.timedelta(days=7), "07:00"))
    assert not primary_care_open_to_window(session, now())
    clock.set(local(session.date - dt.timedelta(days=5), "07:00"))
    assert primary_care_open_to_window(session, now())


def test_the_migration_corrects_the_misread_value_and_keeps_local_choices(
    clock, sessions, tertiary, medicine, doctor
):
    misread = SchedulingPolicy.objects.create(
        institution=tertiary, rules={"primary_care_return_days": 3, "window_days": 14}
    )
    chosen = SchedulingPolicy.objects.create(
        institution=tertiary, department=medicine, rules={"primary_care_return_days": 5}
    )
    own_release = SchedulingPolicy.objects.create(
        institution=tertiary,
        department=medicine,
        doctor=doctor,
        rules={"primary_care_release_days": 12, "primary_care_return_days": 2},
    )
    MIGRATION.forward(apps, None)
    for policy in (misread, chosen, own_release):
        policy.refresh_from_db()
    assert misread.rules == {"primary_care_return_after_days": 3, "window_days": 14}
    # 5 days before the visit, released 10 ahead: 5 days after the release, the same moment.
    assert chosen.rules == {"primary_care_return_after_days": 5}
    assert own_release.rules == {
        "primary_care_release_days": 12,
        "primary_care_return_after_days": 10,
    }
    # The doctor's sessions now return 2 days before the visit, as their override said.
    session = session_on(sessions, 8)
    clock.set(local(session.date - dt.timedelta(days=3), "07:00"))
    assert not primary_care_open_to_window(session, now())
    clock.set(local(session.date - dt.timedelta(days=2), "07:00"))
    assert primary_care_open_to_window(session, now())


def test_the_migration_goes_back(tertiary):
    policy = SchedulingPolicy.objects.create(
        institution=tertiary, rules={"primary_care_return_after_days": 4}
    )
    MIGRATION.backward(apps, None)
    policy.refresh_from_db()
    assert policy.rules == {"primary_care_return_days": 6}


def test_the_window_desk_says_when_the_pool_returns(client, clock, clerk, sessions, medicine):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(clerk.user)
    session = session_on(sessions, 8)
    page = client.get(
        "/staff/booking/", {"department": medicine.pk, "date": session.date.isoformat()}
    ).content.decode()
    assert "Unused primary-care sources return to the shared pool on 2026-11-24 07:00." in page
    clock.set(local(dt.date(2026, 11, 24), "07:00"))
    page = client.get(
        "/staff/booking/", {"department": medicine.pk, "date": session.date.isoformat()}
    ).content.decode()
    assert "Unused primary-care sources returned to the shared pool on 2026-11-24 07:00." in page
