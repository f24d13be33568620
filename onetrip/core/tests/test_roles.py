"""Staff roles as Django groups with real permissions (R-ORG-2).

The table in `core.roles` is the single source: after `migrate` every role has its group
`role:<code>` holding exactly the configured permissions, and staff get what their role allows.
"""

import pytest
from django.contrib.auth.models import Group, Permission

from onetrip.conftest import actor_for
from onetrip.core.roles import ROLES, ROLES_BY_CODE, sync_role_groups

pytestmark = pytest.mark.django_db

ROLE_CODES = [role.code for role in ROLES]
NO_PATIENT_ACCESS = {"quality", "sysadmin", "social_worker", "dispatcher"}


def group_permissions(group: Group) -> set[str]:
    return {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


def test_the_role_codes_are_those_of_the_requirements():
    assert ROLE_CODES == [
        "registration",
        "doctor",
        "nurse",
        "exam_centre",
        "admission",
        "ward_nurse",  # the ward's nurse station: discharge at the bedside (issue 25)
        "pharmacist",
        "finance",
        "referral",
        "service_centre",
        "complaints",
        "social_worker",
        "vaccinator",
        "maternal_child",
        "community_nurse",
        "quality",
        "sysadmin",
        "auditor",
        "dispatcher",  # the 120 centre: calls and ambulances, no patient records (issue 22)
        "ambulance_crew",
        "emergency_department",
    ]


@pytest.mark.parametrize("code", ROLE_CODES)
def test_after_migrate_each_role_has_its_group_with_exactly_its_permissions(code):
    role = ROLES_BY_CODE[code]

    group = Group.objects.get(name=f"role:{code}")

    assert group_permissions(group) == set(role.permissions)


def test_there_is_one_group_per_role_and_no_other_role_group():
    assert set(Group.objects.filter(name__startswith="role:").values_list("name", flat=True)) == {
        f"role:{code}" for code in ROLE_CODES
    }


@pytest.mark.parametrize("code", ROLE_CODES)
def test_every_role_but_those_without_patient_access_can_view_patients(make_staff, tertiary, code):
    staff = actor_for(make_staff(code, tertiary))

    assert staff.has_perm("identity.view_patient") is (code not in NO_PATIENT_ACCESS)


@pytest.mark.parametrize(
    ("code", "can_register", "sees_full_identifiers", "can_share", "can_audit"),
    [
        ("registration", True, True, False, False),
        ("admission", True, True, False, False),
        ("service_centre", True, False, False, False),
        ("finance", False, True, False, False),
        ("doctor", False, False, False, False),
        ("referral", False, False, True, False),
        ("auditor", False, False, False, True),
        ("sysadmin", False, False, False, False),
    ],
)
def test_what_a_role_allows(
    make_staff, tertiary, code, can_register, sees_full_identifiers, can_share, can_audit
):
    staff = actor_for(make_staff(code, tertiary))

    assert (
        staff.has_perm("identity.add_patient"),
        staff.has_perm("identity.view_full_identifiers"),
        staff.has_perm("identity.share_patient"),
        staff.has_perm("core.view_auditevent"),
    ) == (can_register, sees_full_identifiers, can_share, can_audit)


def test_syncing_repairs_a_group_edited_by_hand():
    group = Group.objects.get(name="role:doctor")
    group.permissions.add(Permission.objects.get(codename="view_full_identifiers"))
    Group.objects.get(name="role:auditor").delete()

    sync_role_groups()
    sync_role_groups()

    assert group_permissions(group) == set(ROLES_BY_CODE["doctor"].permissions)
    assert "identity.view_full_identifiers" not in group_permissions(group)
    assert group_permissions(Group.objects.get(name="role:auditor")) == {
        "identity.view_patient",
        "core.view_auditevent",
    }
