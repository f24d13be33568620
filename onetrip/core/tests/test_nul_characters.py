"""A NUL character (U+0000) in a query, a form or a JSON body is refused as a 400 naming the field,
before it reaches PostgreSQL, which cannot store one in text and would fail as a server error."""

import pytest

from onetrip.identity.models import Patient

pytestmark = pytest.mark.django_db


def test_a_search_with_a_nul_character_is_a_bad_request_page(client, clerk):
    client.force_login(clerk.user)

    response = client.get("/staff/booking/", {"q": "张\x00三"})

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_an_api_body_with_a_nul_character_names_the_field_and_writes_nothing(client, clerk):
    client.force_login(clerk.user)
    before = Patient.objects.count()

    response = client.post(
        "/api/patients",
        '{"name": "张\\u0000三", "id_number": "110101199003070011"}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"][0]["code"] == "null_character"
    assert Patient.objects.count() == before


def test_a_form_with_a_nul_character_is_refused(client):
    response = client.post("/p/sign-in", {"phone": "1380013\x000000"})

    assert response.status_code == 400
