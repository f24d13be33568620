"""Staff accounts (R-ORG-2): the refusals of `create_staff_account`, each naming its field, and
nothing written when one is refused."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from onetrip.conftest import STAFF_PASSWORD, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import StaffProfile
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import InvalidInput, PermissionDenied


def create(institution, **overrides):
    fields = {
        "username": "window1",
        "password": STAFF_PASSWORD,
        "full_name": "王芳",
        "institution": institution,
        "roles": ["registration"],
        "actor": SYSTEM,
    } | overrides
    return consortium.create_staff_account(**fields)


def refusal(institution, **overrides) -> tuple[str, str]:
    accounts = StaffProfile.objects.count()
    with pytest.raises(InvalidInput) as refused:
        create(institution, **overrides)
    assert StaffProfile.objects.count() == accounts
    (error,) = refused.value.errors
    return error.field, error.code


def test_an_account_is_bound_to_its_institution_with_its_roles(tertiary):
    profile = create(tertiary)
    assert profile.institution == tertiary
    assert list(profile.user.groups.values_list("name", flat=True))
    assert profile.user.check_password(STAFF_PASSWORD)
    assert not profile.user.is_staff  # the back office is for system administrators only


def test_an_unknown_role_is_refused(tertiary):
    assert refusal(tertiary, roles=["registration", "wizard"]) == ("roles", "unknown_role")
    assert not get_user_model().objects.filter(username="window1").exists()


def test_a_weak_password_is_refused(tertiary):
    with pytest.raises(InvalidInput) as refused:
        create(tertiary, password="12345678")
    assert {(e.field, e.code) for e in refused.value.errors} == {("password", "weak")}
    assert not get_user_model().objects.filter(username="window1").exists()


def test_a_taken_user_name_is_refused(tertiary):
    create(tertiary)
    assert refusal(tertiary, full_name="李娜") == ("username", "duplicate")


def test_an_empty_name_is_refused(tertiary):
    with pytest.raises(InvalidInput) as refused:
        create(tertiary, full_name="  ")
    assert refused.value.errors[0].field == "full_name"


def test_only_an_administrator_creates_accounts(tertiary, make_staff):
    clerk = actor_for(make_staff("registration", tertiary))
    with pytest.raises(PermissionDenied):
        create(tertiary, actor=clerk)
    assert not get_user_model().objects.filter(username="window1").exists()
