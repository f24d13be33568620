"""Security headers (issue 12, item 10; D58): a strict Content-Security-Policy that the templates
keep to (no inline script or style), Permissions-Policy, no-store on everything carrying health
data, and HTTPS enforced (redirect, HSTS) outside the demo."""

import re
from pathlib import Path

import pytest

import onetrip

pytestmark = pytest.mark.django_db

TEMPLATES = sorted(Path(onetrip.__file__).parent.glob("**/templates/**/*.html"))
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\son[a-z]+=|\sstyle=|javascript:")


def test_every_page_gets_a_strict_content_security_policy(client):
    policy = client.get("/p/sign-in")["Content-Security-Policy"]

    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p).split("onetrip/", 1)[-1])
def test_no_template_needs_inline_script_or_style(template):
    """The policy refuses inline code; a template with some would break in the browser."""
    assert INLINE.findall(template.read_text()) == []


def test_responses_carry_permissions_policy_and_no_store(client, clerk, register):
    patient = register()
    client.force_login(clerk.user)

    for path in ("/p/sign-in", f"/staff/patients/{patient.pk}", f"/api/patients/{patient.pk}"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" in response["Cache-Control"], path
        assert "camera=()" in response["Permissions-Policy"], path


def test_static_files_stay_cacheable(client):
    response = client.get("/static/css/onetrip.css")

    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_with_https_on_plain_http_is_redirected_and_hsts_sent(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000

    assert client.get("/p/sign-in").status_code == 301
    secure = client.get("/p/sign-in", secure=True)
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
