"""A NUL character (U+0000) in a query or a form is refused (a page's 400, the API's 422 naming the
field) before it reaches PostgreSQL, which cannot store one in text and would fail as a server
error. JSON bodies are checked by their schemas (identity's tests)."""

import pytest

pytestmark = pytest.mark.django_db


def test_a_search_with_a_nul_character_is_a_bad_request_page(client, clerk):
    client.force_login(clerk.user)

    response = client.get("/staff/booking/", {"q": "张\x00三"})

    assert response.status_code == 400
    assert "NUL" in response.content.decode()


def test_an_api_query_with_a_nul_character_is_a_422_naming_the_field(client, clerk):
    client.force_login(clerk.user)

    response = client.get("/api/audit/events", {"actor": "x\x00"})

    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"] == [
        {
            "field": "actor",
            "message": response.json()["errors"][0]["message"],
            "code": "null_character",
        }
    ]


def test_a_form_with_a_nul_character_is_refused(client):
    response = client.post("/p/sign-in", {"phone": "1380013\x000000"})

    assert response.status_code == 400


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "张\x00三", "sex": "F", "birth_date": "1990-03-07"}, "name"),
        ({"name": "张三", "guardian": {"number": "1\x00"}}, "guardian.number"),
        (
            {"name": "张三", "documents": [{"number": "ok"}, {"number": "\x00"}]},
            "documents.1.number",
        ),
    ],
)
def test_an_api_body_with_a_nul_character_is_a_422_naming_the_field(client, clerk, body, field):
    """Every operation at once, before its schema: one that forgot would fail in PostgreSQL."""
    client.force_login(clerk.user)

    response = client.post("/api/mpi/candidates", body, content_type="application/json")

    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [(field, "invalid")]
