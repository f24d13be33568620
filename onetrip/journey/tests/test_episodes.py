"""The episode rule (R-KPI-2), on events written by hand: what opens, joins, attaches to and
closes an episode, trips as distinct on-site days, queueing per visit."""

from __future__ import annotations

import datetime as dt

from onetrip.conftest import NOW
from onetrip.journey.episodes import Event, assemble_patient

HOSPITAL, TOWNSHIP = 1, 2
MEDICINE, SURGERY = 10, 20


class Log:
    """One patient's events, numbered in the order written."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(
        self, kind, days=0.0, *, institution=HOSPITAL, department=MEDICINE, on_site=False, **data
    ):
        event = Event(
            id=len(self.events) + 1,
            kind=kind,
            occurred_at=NOW + dt.timedelta(days=days),
            patient_id=7,
            institution_id=institution,
            department_id=department,
            on_site=on_site,
            data=data,
        )
        self.events.append(event)
        return event

    def visit(self, booking_id, days, *, department=MEDICINE, waited=5):
        """Booked the same day at the window, checked in, called, seen."""
        self.add(
            "appointment.booked",
            days,
            department=department,
            on_site=True,
            booking_id=booking_id,
            slot_start=(NOW + dt.timedelta(days=days)).isoformat(),
        )
        self.add(
            "visit.checked_in",
            days,
            department=department,
            on_site=True,
            visit_id=booking_id,
            booking_id=booking_id,
        )
        self.add(
            "visit.called",
            days,
            department=department,
            on_site=True,
            visit_id=booking_id,
            booking_id=booking_id,
            waited_minutes=waited,
        )
        self.add(
            "consultation.started",
            days,
            department=department,
            on_site=True,
            visit_id=booking_id,
            booking_id=booking_id,
            consulting_room="3诊室",
        )

    def exam(self, kind, days, order_id, *, on_site=False, institution=HOSPITAL, **data):
        return self.add(
            kind,
            days,
            institution=institution,
            on_site=on_site,
            order_id=order_id,
            ordering_institution_id=HOSPITAL,
            **data,
        )

    def episodes(self):
        return assemble_patient(self.events)


def test_a_visit_its_exam_its_report_and_the_return_visit_are_one_episode_of_two_trips():
    log = Log()
    log.visit(1, 0, waited=12)
    log.exam("exam.ordered", 0.01, 100)
    log.exam("exam.booked", 0.02, 100, starts_at=(NOW + dt.timedelta(days=3)).isoformat())
    log.exam("exam.checked_in", 3, 100, on_site=True)
    log.exam("report.filed", 3.2, 100)
    log.visit(2, 3.3, waited=4)  # the same day: the results read by the doctor
    [episode] = log.episodes()
    assert episode.trips == 2
    assert episode.trip_days == [NOW.date(), NOW.date() + dt.timedelta(days=3)]
    assert [v.waited_minutes for v in episode.visits] == [12, 4]
    assert episode.mean_waited_minutes == 8
    assert episode.key == "7-1"
    assert (episode.institution_id, episode.department_id) == (HOSPITAL, MEDICINE)
    reasons = [entry.reason for entry in episode.entries]
    assert reasons[:4] == ["opened", "booking", "booking", "booking"]
    assert reasons[4:7] == ["department", "order", "order"]


def test_an_exam_done_at_another_hospital_is_a_trip_of_the_ordering_episode():
    log = Log()
    log.visit(1, 0)
    log.exam("exam.ordered", 0.1, 100)
    log.exam("exam.checked_in", 2, 100, on_site=True, institution=TOWNSHIP)
    [episode] = log.episodes()
    assert episode.trips == 2


def test_another_department_is_another_problem():
    log = Log()
    log.visit(1, 0)
    log.visit(2, 0.1, department=SURGERY)
    medicine, surgery = log.episodes()
    assert (medicine.department_id, surgery.department_id) == (MEDICINE, SURGERY)
    assert medicine.trips == surgery.trips == 1  # the same day counts in each


def test_fourteen_idle_days_close_the_episode():
    log = Log()
    log.visit(1, 0)
    log.visit(2, 14)  # within: the same episode
    log.visit(3, 28.5)  # more than 14 days after the last one: a new episode
    first, second = log.episodes()
    assert (first.trips, second.trips) == (2, 1)
    assert second.opened_on == (NOW + dt.timedelta(days=28.5)).date()
    assert first.closed(NOW + dt.timedelta(days=28.5))
    assert not second.closed(NOW + dt.timedelta(days=28.5))


def test_a_visit_booked_weeks_ahead_continues_what_its_booking_opened():
    log = Log()
    visit_day = NOW + dt.timedelta(days=21)
    log.add("appointment.booked", 0, booking_id=1, slot_start=visit_day.isoformat())
    log.add("visit.checked_in", 21, on_site=True, visit_id=1, booking_id=1)
    [episode] = log.episodes()
    assert (episode.opened_on, episode.trips) == (NOW.date(), 1)


def test_a_booking_cancelled_before_anything_happened_is_no_episode():
    log = Log()
    log.add("appointment.booked", 0, booking_id=1, slot_start=NOW.isoformat())
    log.add("appointment.cancelled", 0.1, booking_id=1, reason="patient")
    assert log.episodes() == []


def test_a_payment_joins_the_latest_episode_at_its_institution_and_a_refund_follows_it():
    log = Log()
    log.visit(1, 0)
    log.visit(2, 0.1, department=SURGERY)
    log.add("payment.settled", 0.2, department=None, on_site=True, settlement_id=5)
    log.add("payment.refunded", 1, department=None, settlement_id=5)
    log.add(
        "payment.settled", 0.3, institution=TOWNSHIP, department=None, on_site=True, settlement_id=6
    )  # nothing at the township: no episode claims it
    medicine, surgery = log.episodes()
    assert [e.event.kind for e in surgery.entries][-2:] == ["payment.settled", "payment.refunded"]
    assert all(e.event.data.get("settlement_id") != 6 for e in medicine.entries + surgery.entries)


def test_a_phone_payment_is_not_a_trip():
    log = Log()
    log.visit(1, 0)
    log.add("payment.settled", 2, department=None, on_site=False, settlement_id=5)
    [episode] = log.episodes()
    assert episode.trips == 1


def test_the_order_of_events_not_their_ids_decides():
    log = Log()
    log.visit(1, 0)
    log.visit(2, 20)
    # Written with ids out of time order (ids are not commit order, D38): the same episodes.
    shuffled = list(reversed(log.events))
    assert [e.key for e in assemble_patient(shuffled)] == [e.key for e in log.episodes()]
