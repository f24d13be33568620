"""Complaints (R-SVC-2): deadlines by severity from the injectable clock, escalation by the sweep
when they pass, the patient told at each step and asked to rate the closure."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from onetrip.conftest import NOW
from onetrip.core.errors import InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditEvent
from onetrip.identity import services as identity
from onetrip.notifications.models import Notification
from onetrip.service.models import Complaint
from onetrip.service.services import complaints
from onetrip.service.services.complaints import ComplaintIn, WrongState

pytestmark = pytest.mark.django_db


def from_the_app(centre, severity="medium", **overrides):
    fields = {
        "kind": "complaint",
        "cause": "waiting",
        "severity": severity,
        "description": "候诊两个小时无人叫号",
        "institution_id": centre.hospital.pk,
        "patient_id": centre.patient.pk,
    }
    fields.update(overrides)
    return complaints.file_complaint(ComplaintIn(**fields), actor=centre.patient_actor)


@pytest.mark.parametrize(("severity", "hours"), [("low", 120), ("medium", 48), ("high", 24)])
def test_the_deadline_comes_from_the_clock_by_severity(centre, severity, hours):
    complaint = from_the_app(centre, severity)
    assert complaint.filed_at == NOW
    assert complaint.due_at == NOW + dt.timedelta(hours=hours)
    assert complaint.reference.startswith("TS261123")
    assert Notification.objects.filter(
        phone=centre.patient.phone, template="complaint_received"
    ).exists()


def test_the_sweep_escalates_only_past_the_deadline_and_tells_the_patient(centre, clock):
    complaint = from_the_app(centre, "high")
    complaints.route_complaint(
        complaint.pk, department_id=centre.medicine.pk, severity="high", actor=centre.officer
    )
    clock.advance(dt.timedelta(hours=23, minutes=59))
    assert complaints.escalate_overdue() == 0
    clock.advance(dt.timedelta(minutes=2))
    call_command("escalate_complaints")
    complaint.refresh_from_db()
    assert complaint.escalation_level == 1
    assert complaint.due_at == NOW + dt.timedelta(hours=24, minutes=1) + dt.timedelta(hours=24)
    assert complaints.escalate_overdue() == 0  # once per deadline
    assert Notification.objects.filter(template="complaint_escalated").count() == 1
    assert [s.step for s in complaint.steps.all()] == ["received", "routed", "escalated"]

    complaints.respond(complaint.pk, response="已约谈当事医生", actor=centre.officer)
    complaints.close_complaint(complaint.pk, actor=centre.officer)
    complaint.refresh_from_db()
    assert complaint.closed_on_time is False
    assert Notification.objects.filter(template="complaint_closed").exists()
    complaints.rate_closure(complaint.pk, rating=4, actor=centre.patient_actor)
    with pytest.raises(WrongState):
        complaints.rate_closure(complaint.pk, rating=5, actor=centre.patient_actor)
    assert Complaint.objects.get().rating == 4


def test_staff_enter_phone_and_box_complaints_at_their_own_hospital(centre):
    complaint = complaints.file_complaint(
        ComplaintIn(
            kind="praise",
            cause="attitude",
            severity="low",
            description="护士耐心细致",
            channel="box",
            contact_name="王女士",
            contact_phone="13900001111",
        ),
        actor=centre.window,
    )
    assert complaint.institution_id == centre.hospital.pk
    assert complaint.patient_id is None
    with pytest.raises(InvalidInput) as refused:
        complaints.file_complaint(
            ComplaintIn(kind="x", cause="waiting", severity="low", description="", channel="app"),
            actor=centre.window,
        )
    assert {e.field for e in refused.value.errors} >= {"kind", "description", "channel"}
    with pytest.raises(PermissionDenied):
        complaints.route_complaint(
            complaint.pk, department_id=centre.medicine.pk, severity="low", actor=centre.window
        )


def test_a_patient_files_only_for_patients_they_hold(centre, register):
    stranger = register(
        name="李娜",
        sex="female",
        birth_date=dt.date(1985, 6, 12),
        phone="13900002222",
        documents=[identity.DocumentInput("resident_id", "110105198506121248")],
    )
    with pytest.raises(InvalidInput):
        from_the_app(centre, patient_id=stranger.pk)
    complaint = from_the_app(centre)
    with pytest.raises(NotFound):
        complaints.complaint_for_patient(complaint.pk + 1, actor=centre.patient_actor)


def test_the_worklist_audits_the_patients_it_shows(centre):
    from_the_app(centre)
    assert len(complaints.worklist(actor=centre.officer)) == 1
    assert AuditEvent.objects.filter(
        action="view", patient_id=centre.patient.pk, actor_user=centre.officer.user
    ).exists()


def test_monthly_statistics_by_department_and_cause(centre):
    for _ in range(2):
        complaint = from_the_app(centre)
        complaints.route_complaint(
            complaint.pk, department_id=centre.medicine.pk, severity="low", actor=centre.officer
        )
    complaints.respond(complaint.pk, response="已改进", actor=centre.officer)
    complaints.close_complaint(complaint.pk, actor=centre.officer)
    complaints.rate_closure(complaint.pk, rating=4, actor=centre.patient_actor)
    (row,) = complaints.monthly_statistics(NOW.year, NOW.month, actor=centre.officer)
    assert (row.department, row.filed, row.closed, row.closed_on_time) == ("内科", 2, 1, 1)
    assert row.average_rating == 4.0


def test_filing_from_the_phone_is_rate_limited(centre):
    from onetrip.core.errors import TooManyRequests

    for _ in range(5):
        from_the_app(centre)
    with pytest.raises(TooManyRequests):
        from_the_app(centre)
