"""Insecure defaults (issue 12, item 3; D57): debug is off unless asked for, the demo's secret is
random per install, production refuses to start without one, the sandbox phone needs a staff
sign-in in every mode, and error pages show no routes or tracebacks."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpRequest
from django.urls import path

import onetrip
from onetrip.urls import urlpatterns as site_urlpatterns

pytestmark = pytest.mark.django_db

PUBLISHED_SECRET = "onetrip-demo-only-secret"  # main's default until issue 12
SHOW = "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY, s.SECURE_SSL_REDIRECT)"


def settings_of(
    env: dict[str, str], tmp_path: Path, show: str = SHOW
) -> subprocess.CompletedProcess:
    """The settings a fresh process builds from `env` alone (nothing inherited from the tests),
    as `show` prints them."""
    clean = {
        "PATH": os.environ["PATH"],
        "DJANGO_SETTINGS_MODULE": "onetrip.settings",
        "ONETRIP_VAR_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {show}"],
        env=clean,
        capture_output=True,
        text=True,
        cwd=Path(onetrip.__file__).parent.parent,
        timeout=120,
    )


def test_a_production_start_without_a_secret_refuses_to_run(tmp_path):
    started = settings_of({}, tmp_path)

    assert started.returncode != 0
    assert "ONETRIP_SECRET_KEY is not set" in started.stderr


def test_production_has_debug_off_and_https_on(tmp_path):
    started = settings_of({"ONETRIP_SECRET_KEY": "a-long-random-production-value"}, tmp_path)

    assert started.stdout.split() == ["False", "a-long-random-production-value", "True"]


def test_the_demo_runs_with_debug_off_and_a_random_secret_kept_per_install(tmp_path):
    first = settings_of({"ONETRIP_DEMO": "1"}, tmp_path).stdout.split()
    again = settings_of({"ONETRIP_DEMO": "1"}, tmp_path).stdout.split()
    other_install = settings_of({"ONETRIP_DEMO": "1"}, tmp_path / "other").stdout.split()

    debug, secret, https = first
    assert (debug, https) == ("False", "False")
    assert secret != PUBLISHED_SECRET
    assert len(secret) >= 50
    assert again[1] == secret == (tmp_path / "secret_key").read_text()
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    assert other_install[1] != secret


@pytest.mark.parametrize("debug", [True, False])
def test_the_sms_sandbox_needs_a_staff_sign_in_in_every_mode(
    client, settings, make_staff, tertiary, debug
):
    settings.DEBUG = debug
    client.post("/p/sign-in", {"phone": "13912345678"})

    anonymous = client.get("/staff/sms/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/staff/login")

    client.force_login(make_staff("doctor", tertiary).user)
    assert client.get("/staff/sms/").status_code == 403
    # and the doctor's desk menu does not offer the page it would refuse
    assert 'id="nav-sandbox"' not in client.get("/staff/", follow=True).content.decode()


def boom(request: HttpRequest):
    raise RuntimeError("secret internals: /etc/onetrip and a traceback")


urlpatterns = [path("boom", boom), *site_urlpatterns]


def test_the_404_page_lists_no_routes(client):
    page = client.get("/no/such/page").content.decode()

    assert 'id="not-found"' in page
    assert "URLconf" not in page
    assert "staff/" not in page.split("<main", 1)[1]


@pytest.mark.urls("onetrip.core.tests.test_defaults")
def test_the_500_page_shows_no_traceback(client):
    client.raise_request_exception = False

    response = client.get("/boom")

    assert response.status_code == 500
    page = response.content.decode()
    assert 'id="server-error"' in page
    assert "Traceback" not in page
    assert "secret internals" not in page
