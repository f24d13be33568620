"""How episodes read on the staff timeline and in the API: event kinds and assembly reasons in
words, institution and department names, trips and waiting per episode."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from onetrip.billing.money import fen_to_yuan
from onetrip.consortium.models import Department, Institution
from onetrip.core import clock
from onetrip.core.events import EventKind
from onetrip.journey import episodes as rule
from onetrip.journey.episodes import Episode

KIND_LABELS = {
    EventKind.APPOINTMENT_BOOKED: _("Appointment booked"),
    EventKind.APPOINTMENT_CANCELLED: _("Appointment cancelled"),
    EventKind.VISIT_CHECKED_IN: _("Checked in"),
    EventKind.VISIT_CALLED: _("Called to the consulting room"),
    EventKind.CONSULTATION_STARTED: _("Consultation started"),
    EventKind.EXAM_ORDERED: _("Exam ordered"),
    EventKind.EXAM_BOOKED: _("Exam booked"),
    EventKind.EXAM_CHECKED_IN: _("Checked in for the exam"),
    EventKind.EXAM_STARTED: _("Exam started"),
    EventKind.EXAM_CANCELLED: _("Exam cancelled"),
    EventKind.EXAM_NO_SHOW: _("Exam missed"),
    EventKind.REPORT_FILED: _("Report filed"),
    EventKind.PAYMENT_SETTLED: _("Paid"),
    EventKind.PAYMENT_REFUNDED: _("Refunded"),
}

REASON_LABELS = {
    rule.OPENED: _("opens the episode"),
    rule.BY_BOOKING: _("same booking"),
    rule.BY_ORDER: _("same exam order"),
    rule.BY_THREAD: _("same department within %(days)s days"),
    rule.BY_INSTITUTION: _("payment at the same institution"),
    rule.BY_SETTLEMENT: _("same payment"),
}


def _detail(kind: str, data: dict[str, Any]) -> str:
    if kind == EventKind.VISIT_CALLED:
        return str(_("waited %(minutes)s min") % {"minutes": data["waited_minutes"]})
    if kind == EventKind.EXAM_STARTED and data.get("waited_minutes") is not None:
        return str(_("waited %(minutes)s min") % {"minutes": data["waited_minutes"]})
    if kind == EventKind.CONSULTATION_STARTED:
        return data["consulting_room"]
    if kind in (EventKind.EXAM_ORDERED, EventKind.EXAM_BOOKED, EventKind.REPORT_FILED):
        return data.get("room", "")  # the event's kind names the exam; its code is internal
    if kind == EventKind.PAYMENT_SETTLED:
        return f"¥{fen_to_yuan(data['total_fen'])}"
    if kind == EventKind.PAYMENT_REFUNDED:
        return f"¥{fen_to_yuan(data['amount_fen'])}"
    return ""


def present_episodes(episodes: list[Episode]) -> list[dict[str, Any]]:
    """Each episode with its place, status, trips, visits and timeline, ready to show."""
    institution_ids = {i for e in episodes for i in e.institutions | {e.institution_id}}
    department_ids = {ent.event.department_id for e in episodes for ent in e.entries}
    institutions = dict(
        Institution.objects.filter(pk__in=institution_ids - {None}).values_list("pk", "name")
    )
    departments = dict(
        Department.objects.filter(pk__in=department_ids - {None}).values_list("pk", "name")
    )
    now = clock.now()
    shown = []
    for episode in episodes:
        mean_wait = episode.mean_waited_minutes
        shown.append(
            {
                "key": episode.key,
                "patient_id": episode.patient_id,
                "institution": institutions.get(episode.institution_id, ""),
                "department": departments.get(episode.department_id, str(_("Outside orders"))),
                "opened_on": episode.opened_on,
                "closed": episode.closed(now),
                "referral": episode.referral,
                "trips": episode.trips,
                "trip_days": episode.trip_days,
                "visits": [
                    {
                        "day": visit.day,
                        "department": departments.get(visit.department_id, ""),
                        "waited_minutes": visit.waited_minutes,
                    }
                    for visit in episode.visits
                ],
                "mean_waited_minutes": None if mean_wait is None else round(mean_wait, 1),
                "timeline": [
                    {
                        "event_id": entry.event.id,
                        "kind": entry.event.kind,
                        "label": str(KIND_LABELS.get(entry.event.kind, entry.event.kind)),
                        "at": timezone.localtime(entry.event.occurred_at),
                        "institution": institutions.get(entry.event.institution_id, ""),
                        "department": departments.get(entry.event.department_id, ""),
                        "on_site": entry.event.on_site,
                        "detail": _detail(entry.event.kind, entry.event.data),
                        "reason": str(REASON_LABELS[entry.reason]) % {"days": rule.IDLE_DAYS},
                    }
                    for entry in episode.entries
                ],
            }
        )
    return shown
