"""The staff sign-in backend (D246): Django's permission rules, read in fewer statements."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from onetrip.core.auth_backend import StaffModelBackend

pytestmark = pytest.mark.django_db


def test_own_and_group_permissions_are_one_read_and_the_profile_is_joined(
    make_staff, tertiary, django_assert_num_queries
):
    profile = make_staff("finance", tertiary)
    own = Permission.objects.get(codename="view_auditevent")
    profile.user.user_permissions.add(own)
    backend = StaffModelBackend()
    with django_assert_num_queries(1):
        user = backend.get_user(profile.user.pk)
        assert user.staff_profile.pk == profile.pk
    grouped = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(group__user=user).select_related("content_type")
    }
    with django_assert_num_queries(1):
        perms = backend.get_all_permissions(user)
        assert user.has_perm("core.view_auditevent")
        assert all(user.has_perm(p) for p in grouped)
    assert perms == grouped | {"core.view_auditevent"}
    assert perms == user.get_all_permissions()


def test_inactive_users_have_none_and_superusers_all(make_staff, tertiary):
    profile = make_staff("finance", tertiary)
    backend = StaffModelBackend()
    user = backend.get_user(profile.user.pk)
    user.is_active = False
    assert backend.get_all_permissions(user) == set()
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert backend.get_user(user.pk) is None
    root = get_user_model().objects.create_superuser("root", password="x-long-password-1")
    assert len(backend.get_all_permissions(root)) == Permission.objects.count()
    assert backend.get_user(10**9) is None
