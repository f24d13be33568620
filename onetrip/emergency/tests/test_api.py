"""The emergency API: a call taken, dispatched, its run's moments; refusals as problem details."""

from __future__ import annotations

import pytest


@pytest.fixture
def api(client, world):
    def as_(actor):
        client.force_login(actor.user)
        return client

    return as_


def test_a_call_through_the_api(api, world):
    dispatcher = api(world.dispatcher)
    taken = dispatcher.post(
        "/api/emergency/calls",
        {
            "caller_phone": "13900001111",
            "zone_id": world.zones.county.pk,
            "address": "县府路 8 号",
            "complaint": "突发言语不清",
            "answers": {"stroke_signs": True},
        },
        content_type="application/json",
    )
    assert taken.status_code == 201, taken.content
    call = taken.json()
    assert (call["priority"], call["channel"]) == (1, "stroke")
    board = dispatcher.get("/api/emergency/board").json()
    assert board["open_calls"][0]["recommendations"][0]["call_sign"] == "120-02"
    sent = dispatcher.post(
        f"/api/emergency/calls/{call['id']}/dispatch", {}, content_type="application/json"
    )
    assert sent.status_code == 201
    assert sent.json()["ambulance"] == "120-02"
    again = dispatcher.post(
        f"/api/emergency/calls/{call['id']}/dispatch", {}, content_type="application/json"
    )
    assert again.status_code == 409
    crew = api(world.crew)
    run_id = sent.json()["id"]
    early = crew.post(
        f"/api/emergency/runs/{run_id}/moments",
        {"moment": "on_scene"},
        content_type="application/json",
    )
    assert early.status_code == 409
    assert early.json()["code"] == "out_of_order"
    rolled = crew.post(
        f"/api/emergency/runs/{run_id}/moments",
        {"moment": "wheels_rolling"},
        content_type="application/json",
    )
    assert rolled.status_code == 200
    assert rolled.json()["wheels_rolling_at"]
    dispatcher = api(world.dispatcher)
    bad = dispatcher.post(
        "/api/emergency/calls",
        {"caller_phone": "", "zone_id": world.zones.city.pk, "address": "", "complaint": "x"},
        content_type="application/json",
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"caller_phone", "address"}
