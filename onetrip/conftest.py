"""Fixtures shared by every app's tests: a frozen clock, a small consortium, staff per role,
and patients registered through the real services."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections
from django.utils import translation

from onetrip.consortium import services as consortium
from onetrip.consortium.models import Institution, InstitutionLevel, StaffProfile
from onetrip.core import clock as clock_module
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.core.errors import DomainError
from onetrip.identity import services as identity
from onetrip.identity.models import Patient

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 9, 30, tzinfo=SHANGHAI)
STAFF_PASSWORD = "correct-horse-battery"


@pytest.fixture(autouse=True)
def default_language() -> Iterator[None]:
    """Each test starts in the default language: a page request leaves its language active in
    the thread (LocaleMiddleware does not reset it), which would leak into the next test."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    """Rate-limit counters live in the local-memory cache, which outlives a test: each test
    starts with none spent."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clock() -> Iterator[clock_module.FrozenClock]:
    with clock_module.frozen_at(NOW) as frozen:
        yield frozen


@pytest.fixture
def tertiary(db) -> Institution:
    return consortium.create_institution(
        code="H001", name="市第一人民医院", level=InstitutionLevel.TERTIARY, actor=SYSTEM
    )


@pytest.fixture
def township(tertiary) -> Institution:
    return consortium.create_institution(
        code="T001",
        name="东山乡卫生院",
        level=InstitutionLevel.TOWNSHIP,
        parent=tertiary,
        actor=SYSTEM,
    )


def actor_for(profile: StaffProfile) -> Actor:
    return Actor(
        kind=ActorKind.STAFF,
        label=profile.user.username,
        user=profile.user,
        institution_id=profile.institution_id,
        ip="10.0.0.8",
    )


@pytest.fixture
def make_staff(db) -> Callable[..., StaffProfile]:
    counter = iter(range(1, 1000))

    def make(role: str, institution: Institution) -> StaffProfile:
        return consortium.create_staff_account(
            username=f"{role}{next(counter)}",
            password=STAFF_PASSWORD,
            full_name=f"{role} staff",
            institution=institution,
            roles=[role],
            actor=SYSTEM,
        )

    return make


@pytest.fixture
def clerk(make_staff, tertiary) -> Actor:
    """A registration-window clerk at the tertiary hospital."""
    return actor_for(make_staff("registration", tertiary))


@pytest.fixture
def register(clerk) -> Callable[..., Patient]:
    """Register a patient at the clerk's institution; keyword arguments override the defaults."""

    def register_patient(**overrides) -> Patient:
        fields = {
            "name": "张伟",
            "sex": "male",
            "birth_date": dt.date(1990, 3, 7),
            "phone": "13812345678",
            "documents": [identity.DocumentInput("resident_id", "110101199003074477")],
        }
        fields.update(overrides)
        actor = fields.pop("actor", clerk)
        return identity.register_patient(identity.PatientRegistration(**fields), actor=actor)

    return register_patient


@pytest.fixture
def postgres_only() -> None:
    """For race tests: they need PostgreSQL's row locks and unique-index waits."""
    if connection.vendor != "postgresql":
        pytest.skip("race tests run on PostgreSQL (set DATABASE_URL)")


def race(attempts: list[Callable[[], object]]) -> list:
    """Run the callables in threads released together (each on its own connection). Each
    outcome is what the callable returned, a refusal's code, or the repr of anything else (an
    IntegrityError or a deadlock, which would be a 500, so no test expects one)."""
    start = threading.Barrier(len(attempts))
    outcomes: list = [None] * len(attempts)

    def run(index: int) -> None:
        start.wait()
        try:
            outcomes[index] = attempts[index]()
        except DomainError as exc:
            outcomes[index] = exc.code
        except Exception as exc:
            outcomes[index] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture
def browser(live_server):
    """Debian's chromium driven by Playwright. Skipped (one line) where chromium is absent."""
    if not CHROMIUM.exists():
        pytest.skip(
            "browser tests need Debian's chromium at /usr/bin/chromium (.ci/run installs it)"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous, so Django's async-safety guard must stand aside for browser tests.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        try:
            yield chromium
        finally:
            chromium.close()
            # The test's ORM calls ran beside Playwright's event loop, on a connection of their
            # own context; close it or the test database cannot be dropped.
            connections.close_all()
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def phone_page(browser, live_server):
    """A phone-sized page (390×844, touch) in Simplified Chinese."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
        base_url=live_server.url,
    )
    page = context.new_page()
    yield page
    context.close()
