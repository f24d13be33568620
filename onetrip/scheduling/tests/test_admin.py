"""The back office for scheduling reference data: templates, exceptions and rules are edited
there; sessions and API clients are only listed (they change through the services)."""

from __future__ import annotations

import pytest
from django.utils import translation

from onetrip.scheduling.admin import SchedulingPolicyForm
from onetrip.scheduling.models import ApiClient, ClinicSession
from onetrip.scheduling.tests.helpers import township_key

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model",
    ["sessiontemplate", "scheduleexception", "schedulingpolicy", "clinicsession", "apiclient"],
)
def test_every_scheduling_list_opens(admin_client, sessions, model):
    assert admin_client.get(f"/admin/scheduling/{model}/").status_code == 200


def test_sessions_and_api_clients_are_read_only(
    admin_client, sessions, make_staff, tertiary, township
):
    township_key(make_staff, tertiary, township)
    client = ApiClient.objects.get()
    session = ClinicSession.objects.first()

    page = admin_client.get(f"/admin/scheduling/apiclient/{client.pk}/change/")

    assert page.status_code == 200
    assert client.key_hash not in page.content.decode()
    assert admin_client.get("/admin/scheduling/apiclient/add/").status_code == 403
    admin_client.post(
        f"/admin/scheduling/clinicsession/{session.pk}/change/", {"status": "stopped"}
    )
    assert ClinicSession.objects.get(pk=session.pk).status == "open"


def test_booking_rules_must_parse(tertiary):
    form = SchedulingPolicyForm(
        data={"institution": tertiary.pk, "rules": '{"hold_minutes": -1, "colour": "red"}'}
    )

    with translation.override("en"):
        assert not form.is_valid()
    assert sorted(form.errors["rules"]) == [
        "colour: Unknown rule.",
        "hold_minutes: Enter a whole number, 0 or more.",
    ]
    assert SchedulingPolicyForm(
        data={"institution": tertiary.pk, "rules": '{"hold_minutes": 10}'}
    ).is_valid()
