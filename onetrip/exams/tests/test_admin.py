"""The appointment centre edits rules in the back office; a rule naming an unknown tag is
refused (R-EXAM-1 rules as data)."""

import pytest

from onetrip.exams.models import ExamRule

pytestmark = pytest.mark.django_db


def test_the_appointment_centre_switches_a_rule_off_and_refuses_unknown_tags(
    client, exam_setup, make_staff, tertiary
):
    staff = make_staff("exam_centre", tertiary)
    staff.user.is_staff = True
    staff.user.save()
    client.force_login(staff.user)
    rule = ExamRule.objects.get(code="IODINE_7_DAYS_APART")
    url = f"/admin/exams/examrule/{rule.pk}/change/"
    form = {
        "code": rule.code,
        "kind": rule.kind,
        "first_tag": "iodinated_contrast",
        "second_tag": "no_such_tag",
        "days": 7,
        "minutes": 0,
        "reason": rule.reason,
        "reason_en": rule.reason_en,
    }
    refused = client.post(url, form)
    assert refused.status_code == 200
    assert "no_such_tag" not in ExamRule.objects.get(pk=rule.pk).second_tag
    form["second_tag"] = "iodinated_contrast"
    form["days"] = 5
    assert client.post(url, form).status_code == 302
    rule.refresh_from_db()
    assert (rule.days, rule.is_active) == (5, False)  # unchecked box: switched off
