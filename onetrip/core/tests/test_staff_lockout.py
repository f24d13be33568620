"""Staff sign-in throttling and lockout (issue 12, item 4; D58): django-axes locks a user name
after five wrong passwords, even against the right one, until a system administrator unlocks it
or the cool-off passes."""

import pytest
from django.core.management import call_command

from onetrip.conftest import STAFF_PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, username: str, password: str):
    return client.post("/staff/login", {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_user_name_until_a_sysadmin_unlocks_it(
    client, make_staff, tertiary
):
    doctor = make_staff("doctor", tertiary).user
    answers = [sign_in(client, doctor.username, "not-the-password").status_code for _ in range(5)]
    assert answers == [200] * 4 + [429]

    locked = sign_in(client, doctor.username, STAFF_PASSWORD)

    assert locked.status_code == 429
    assert 'id="locked-out"' in locked.content.decode()
    assert "_auth_user_id" not in client.session

    call_command("axes_reset_username", doctor.username)

    assert sign_in(client, doctor.username, STAFF_PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(doctor.pk)


def test_a_sysadmin_sees_and_clears_lockouts_in_the_back_office(client, make_staff, tertiary):
    doctor = make_staff("doctor", tertiary).user
    for _ in range(5):
        sign_in(client, doctor.username, "not-the-password")
    sysadmin = make_staff("sysadmin", tertiary).user
    client.force_login(sysadmin)

    page = client.get("/admin/axes/accessattempt/")

    assert page.status_code == 200
    assert doctor.username in page.content.decode()
    attempt = page.context["cl"].result_list[0]
    client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    client.logout()
    assert sign_in(client, doctor.username, STAFF_PASSWORD).status_code == 302
