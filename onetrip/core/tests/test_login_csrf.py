"""Login CSRF (issue 12, item 5; D58): another site's page cannot make a visitor's browser ask for
a code or sign in. The API takes JSON bodies only when declared as JSON, and refuses a
state-changing request whose Origin is another site; the pages check Django's CSRF token."""

import json
import re

import pytest
from django.test import Client

from onetrip.notifications.testing import delivered

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
EVIL = "https://evil.example"


def test_a_text_plain_body_is_refused_with_415(client):
    response = client.post(
        "/api/me/sign-in-code", json.dumps({"phone": PHONE}), content_type="text/plain"
    )

    assert response.status_code == 415
    assert response["Content-Type"] == "application/problem+json"
    assert not delivered().exists()


@pytest.mark.parametrize("path", ["/api/me/sign-in-code", "/api/me/session"])
def test_a_foreign_origin_cannot_ask_for_codes_or_sign_in(client, clock, path):
    client.post("/api/me/sign-in-code", {"phone": PHONE}, content_type="application/json")
    code = re.search(r"\d{6}", delivered().get().body).group()

    response = client.post(
        path,
        {"phone": PHONE, "code": code},
        content_type="application/json",
        HTTP_ORIGIN=EVIL,
    )

    assert response.status_code == 403
    assert response.json()["code"] == "cross_site"
    assert "onetrip_patient_account" not in client.session
    assert delivered().count() == 1


def test_the_sites_own_pages_and_clients_without_origin_sign_in(client, clock):
    own = {"HTTP_ORIGIN": "http://testserver"}
    client.post("/api/me/sign-in-code", {"phone": PHONE}, content_type="application/json", **own)
    code = re.search(r"\d{6}", delivered().get().body).group()

    response = client.post(
        "/api/me/session", {"phone": PHONE, "code": code}, content_type="application/json", **own
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/p/sign-in", {"phone": PHONE}),
        ("/staff/login", {"username": "doctor", "password": "x"}),
    ],
)
def test_sign_in_pages_need_the_csrf_token(path, data):
    browser = Client(enforce_csrf_checks=True)

    assert browser.post(path, data).status_code == 403
    assert not delivered().exists()
