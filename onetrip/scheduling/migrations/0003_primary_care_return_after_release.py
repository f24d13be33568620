"""R-APPT-3 corrected (D72): unused primary-care sources return to the shared pool a number of
days after their release (`primary_care_return_after_days`, default 3: seed 000 "提前 10 天放号，
3 天后剩余未用号源回收"), no longer a number of days before the visit
(`primary_care_return_days`, whose default 3 followed the catalogue's misreading).

A stored override of the old rule is rewritten: the misread value 3 becomes the seed's rule (3 days
after the release); any other value keeps its moment, `release − days before the visit` days
after the release in force at that override's level (its own release days, else the levels above
it, else the default 10), never below 0."""

from django.db import migrations

OLD = "primary_care_return_days"
NEW = "primary_care_return_after_days"
RELEASE = "primary_care_release_days"
DEFAULT_RELEASE = 10
MISREAD_DEFAULT = 3


def _release_days(policy, by_scope) -> int:
    """The release days in force at this override's level: the most specific level that sets
    them, from this row up to its institution."""
    levels = [
        (policy.institution_id, policy.department_id, policy.doctor_id),
        (policy.institution_id, policy.department_id, None),
        (policy.institution_id, None, None),
    ]
    for scope in levels:
        rules = by_scope.get(scope)
        if rules is not None and RELEASE in rules:
            return rules[RELEASE]
    return DEFAULT_RELEASE


def converted(rules: dict, release_days: int) -> dict:
    rules = dict(rules)
    before_visit = rules.pop(OLD)
    if before_visit == MISREAD_DEFAULT:
        rules[NEW] = 3
    else:
        rules[NEW] = max(0, release_days - before_visit)
    return rules


def reverted(rules: dict, release_days: int) -> dict:
    rules = dict(rules)
    rules[OLD] = max(0, release_days - rules.pop(NEW))
    return rules


def _rewrite(apps, change, key):
    SchedulingPolicy = apps.get_model("scheduling", "SchedulingPolicy")
    policies = list(SchedulingPolicy.objects.order_by("pk"))
    by_scope = {(p.institution_id, p.department_id, p.doctor_id): p.rules for p in policies}
    for policy in policies:
        if key in policy.rules:
            policy.rules = change(policy.rules, _release_days(policy, by_scope))
            policy.save(update_fields=["rules"])


def forward(apps, schema_editor):
    _rewrite(apps, converted, OLD)


def backward(apps, schema_editor):
    _rewrite(apps, reverted, NEW)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_remove_booker_state")]

    operations = [migrations.RunPython(forward, backward)]
