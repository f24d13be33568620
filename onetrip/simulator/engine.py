"""The flow simulator (issue 7 item 4): a synthetic population's care episodes over the demo
consortium, driven through the real services with simulated time.

Every change goes through a service with the actor who would make it (a patient's app account,
the registration window, a kiosk, the clinic's workstation); the simulator itself only reads, to
choose what a person would choose (a time shown free, the replacement offered after a stop).
Simulated time is the injectable clock (`core.clock.frozen_at`): events run in time order, each
at its own moment, and every random draw comes from one seeded generator, so a seed gives the
same episodes, outcomes and counts every time on the same starting data.

One episode is one patient's problem: a booking through one channel (app, phone, window, kiosk,
primary-care referral), then a cancellation, a no-show, or a visit (check-in, the queue, the
consultation), exams ordered as one plan and done on their days with their reports filed through
the results intake, and the bill paid by a mode and channel (in the consulting room, at a kiosk,
on the phone, at the window, or after treatment). Clinics stopped the evening before move their
patients to the rebooking offers they accept.

Each simulated day is one transaction, as `load_demo` is one: the services' own atomic blocks
become savepoints, so a refusal rolls back only itself, and SQLite commits once a day.
"""

from __future__ import annotations

import datetime as dt
import heapq
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from django.db import connection, transaction
from django.utils import timezone

from onetrip.billing.models import ChargeSource, Debt, PaymentChannel, SettlementMode
from onetrip.billing.sandbox import alipay as alipay_sandbox
from onetrip.billing.sandbox import wechat as wechat_sandbox
from onetrip.billing.services import charges, payments, settlements
from onetrip.billing.services.sources import registration_item_code
from onetrip.consortium.models import Institution
from onetrip.core import clock
from onetrip.core.actors import SYSTEM, Actor, ActorKind, Channel
from onetrip.core.errors import DomainError, InvalidInput
from onetrip.demo.loader import (
    INSTITUTIONS,
    TERTIARY_CODE,
    exam_price_code,
    synthetic_adults,
)
from onetrip.exams import catalogue as exam_catalogue
from onetrip.exams import planning
from onetrip.exams import services as exams
from onetrip.exams.models import Device, DeviceKind
from onetrip.identity import services as identity
from onetrip.identity.models import PatientAffiliation
from onetrip.notifications.models import Notification
from onetrip.reports import services as reports
from onetrip.reports.results import LOINC_SYSTEM, AbnormalFlag, ObservationIn, ReportIn
from onetrip.scheduling.models import (
    Appointment,
    BookingChannel,
    ClinicSession,
    SessionStatus,
    booking_number_for,
)
from onetrip.scheduling.services import availability, booking, disruption, queue, schedule
from onetrip.simulator.cast import Place, assemble

__all__ = ["Mix", "Summary", "simulate"]

MAX_LEAD_DAYS = 9  # the longest a booking is made ahead (primary care, see `_booking_moment`)


@dataclass(frozen=True)
class Mix:
    """The synthetic population's habits. Shares are weights; rates are per episode unless said."""

    episodes_per_day: int = 600  # on a weekday; Saturday has half, Sunday none (no sessions)
    channels: tuple[tuple[str, float], ...] = (
        (BookingChannel.APP, 0.40),
        (BookingChannel.PHONE, 0.08),
        (BookingChannel.WINDOW, 0.22),
        (BookingChannel.KIOSK, 0.15),
        (BookingChannel.PRIMARY_CARE, 0.15),
    )
    new_app_user: float = 0.3  # an app booking by someone who first signs in and registers
    cancel: float = 0.07  # of advance bookings
    no_show: float = 0.05
    stop_clinic: float = 0.01  # per session, announced the evening before
    accept_offer: float = 0.8
    exams: float = 0.25  # of consultations
    exam_no_show: float = 0.03
    critical: float = 0.02  # of lab reports
    pay_modes: tuple[tuple[str, float], ...] = (
        (SettlementMode.IN_CLINIC, 0.35),
        (SettlementMode.MOBILE, 0.28),
        (SettlementMode.KIOSK, 0.15),
        (SettlementMode.WINDOW, 0.14),
        (SettlementMode.PAY_LATER, 0.08),
    )
    insured: float = 0.3  # settlements at a desk through the insurance platform
    abandon_payment: float = 0.03  # mobile payments started and never finished
    repay: float = 0.9  # pay-after-treatment debts repaid within the run


# How many of a weekday's episodes come on each day of the week (Monday first).
WEEKDAY_LOAD = (1.15, 1.0, 1.0, 1.0, 0.95, 0.5, 0.0)
# When advance bookings are made, by hour: the 07:00 release, the morning, the evening.
BOOKING_HOURS = (
    (0, 1), (6, 2), (7, 12), (8, 8), (9, 7), (10, 6), (11, 4), (12, 3), (13, 3), (14, 4),
    (15, 4), (16, 3), (17, 3), (18, 4), (19, 6), (20, 7), (21, 6), (22, 3), (23, 1),
)  # fmt: skip
# Exams doctors order, by how often (the device must be at the institution).
EXAM_WEIGHTS = {
    "BLOOD_ROUTINE": 8,
    "BLOOD_FASTING": 5,
    "ECG": 5,
    "US_ABD": 4,
    "US_PELVIS": 2,
    "ECHO": 1,
    "CT_ABD": 1,
    "CT_CHEST_ENH": 1,
    "MRI_HEAD_ENH": 0.5,
    "GASTROSCOPY": 0.5,
}


@dataclass
class Summary:
    days: int = 0
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    episodes: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    prepare_seconds: float = 0.0
    run_seconds: float = 0.0
    run_cpu_seconds: float = 0.0
    # The invariant of fee refunds after the run (D90): empty when every refund is one the run
    # caused, of the fee of a booking that ended, and of nothing else.
    refund_problems: list[str] = field(default_factory=list)

    @property
    def episodes_per_second(self) -> float:
        return self.episodes / self.run_seconds if self.run_seconds else 0.0


@dataclass
class _Session:
    session: ClinicSession
    place: Place
    waiting: int = 0
    busy: bool = False
    call_pending: bool = False


@dataclass(frozen=True)
class _Exam:
    order_id: int
    code: str
    institution_id: int  # where it is done
    placer_number: str
    starts_at: dt.datetime


@dataclass
class _Episode:
    number: int
    channel: str
    visit_day: dt.date
    place: Place  # where the visit is
    booker: Actor
    patient_id: int | None = None
    appointment_id: int | None = None
    session: _Session | None = None
    slot_start: dt.datetime | None = None
    fate: str = "attend"
    generation: int = 0  # bumped when a stop-clinic moves the episode: older events lapse


def simulate(
    *,
    days: int,
    seed: int,
    start: dt.date | None = None,
    mix: Mix | None = None,
    progress: Callable[[int, int, int], None] | None = None,
) -> Summary:
    """Simulate `days` days from `start` (by default the `days` days before today) over the demo
    consortium. `progress(days_done, days, bookings)` is called after each simulated day."""
    if not Institution.objects.filter(code=TERTIARY_CODE).exists():
        raise DomainError("The demo consortium is not loaded: run `manage.py load_demo` first.")
    first = start or clock.today() - dt.timedelta(days=days)
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        # Write-ahead log, synced at checkpoints rather than at every commit: the e-bills and
        # SMS delivered after each day's commit write in autocommit, one commit per statement.
        # A crash loses at most the last days simulated; it never corrupts the file (D49).
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
    return _Simulation(days, seed, first, mix or Mix(), progress).run()


class _Simulation:
    def __init__(self, days, seed, first, mix, progress) -> None:
        self.days = days
        self.first = first
        self.last = first + dt.timedelta(days=days - 1)
        self.mix = mix
        self.rng = random.Random(seed)
        self.progress = progress
        self.summary = Summary(days=days, first_day=self.first, last_day=self.last)
        self.count = self.summary.counts
        self.events: list = []
        self.sequence = 0
        self.by_appointment: dict[int, _Episode] = {}
        self.by_session: dict[int, list[_Episode]] = {}
        self.sessions: dict[int, _Session] = {}
        self.day_sessions: dict[dt.date, dict[int, list[_Session]]] = {}
        self.app_users: list[tuple[int, Actor]] = []
        self.new_adult = synthetic_adults(seed, first)
        self.areas = {spec.code: spec.patient_area for spec in INSTITUTIONS}

    # --- set-up -----------------------------------------------------------------------------

    def prepare(self) -> None:
        """The cast, and sessions and device calendars over the simulated days (the services
        leave days already there alone)."""
        self.places = assemble()
        self.hospitals = [p for p in self.places.values() if p.is_hospital]
        earliest = self.first - dt.timedelta(days=MAX_LEAD_DAYS)
        horizon = self.last + dt.timedelta(days=planning.HORIZON_DAYS)
        for place in self.places.values():
            schedule.generate_sessions(
                institution_id=place.institution_id,
                date_from=self.first,
                date_to=self.last,
                actor=SYSTEM,
            )
        for device in Device.objects.order_by("pk"):
            exam_catalogue.open_calendar(device, self.first, horizon)
        kinds: dict[int, set[str]] = {}
        for institution_id, kind in Device.objects.values_list("institution_id", "kind"):
            kinds.setdefault(institution_id, set()).add(kind)
        items = {item.code: item for item in exam_catalogue.DEFAULT_ITEMS}
        self.exam_items = items
        self.orderable = {
            place_id: [code for code in EXAM_WEIGHTS if items[code].kind in here]
            for place_id, here in kinds.items()
        }
        self.patients: dict[int, list[int]] = {}
        for patient_id, institution_id in PatientAffiliation.objects.order_by(
            "patient_id", "institution_id"
        ).values_list("patient_id", "institution_id"):
            self.patients.setdefault(institution_id, []).append(patient_id)
        for day_offset in range(self.days):
            day = self.first + dt.timedelta(days=day_offset)
            self._at(_moment(day - dt.timedelta(days=MAX_LEAD_DAYS), 0, 1), self.plan_day, day)
        day = earliest
        while day <= self.last:
            self._at(_moment(day, 23, 50), self.close_day)
            day += dt.timedelta(days=1)

    # --- the event loop ---------------------------------------------------------------------

    def _at(self, moment: dt.datetime, handler: Callable, *args) -> None:
        if timezone.localdate(moment) > self.last:
            self.count["steps left for after the run"] += 1
            return
        self.sequence += 1
        heapq.heappush(self.events, (moment, self.sequence, handler, args))

    def run(self) -> Summary:
        started = time.perf_counter()
        with transaction.atomic():
            self.prepare()
        self.summary.prepare_seconds = time.perf_counter() - started
        if not self.events:
            return self.summary
        started, cpu = time.perf_counter(), time.process_time()
        with clock.frozen_at(self.events[0][0]) as frozen:
            while self.events:
                day = timezone.localdate(self.events[0][0])
                with transaction.atomic():
                    while self.events and timezone.localdate(self.events[0][0]) == day:
                        moment, _sequence, handler, args = heapq.heappop(self.events)
                        frozen.set(moment)
                        handler(*args)
                if self.progress is not None and day >= self.first:
                    done = min((day - self.first).days + 1, self.days)
                    self.progress(done, self.days, self.count["booked"])
        self.summary.run_seconds = time.perf_counter() - started
        self.summary.run_cpu_seconds = time.process_time() - cpu
        # Refunds run after each day's commit; nobody refunds by hand in a simulation.
        self.summary.refund_problems = booking.fee_refund_problems(by_people=False)
        return self.summary

    def _refused(self, step: str, error: DomainError) -> None:
        code = error.errors[0].code if isinstance(error, InvalidInput) else error.code
        self.count[f"refused {step}: {code}"] += 1

    # --- planning a day ---------------------------------------------------------------------

    def plan_day(self, day: dt.date) -> None:
        """Draw the day's episodes and the clinics that will be stopped the evening before."""
        sessions = list(
            ClinicSession.objects.filter(date=day, status=SessionStatus.OPEN).order_by("pk")
        )
        here: dict[int, list[_Session]] = {}
        for session in sessions:
            state = self.sessions.setdefault(
                session.pk, _Session(session, self.places[session.institution_id])
            )
            here.setdefault(session.institution_id, []).append(state)
            if self.rng.random() < self.mix.stop_clinic:
                evening = _moment(day - dt.timedelta(days=1), 17, self.rng.randrange(60))
                self._at(evening, self.stop_clinic, state)
        self.day_sessions[day] = here
        channels, weights = zip(*self.mix.channels, strict=True)
        total = round(self.mix.episodes_per_day * WEEKDAY_LOAD[day.weekday()])
        for _number in range(total):
            channel = self.rng.choices(channels, weights)[0]
            episode = self._new_episode(channel, day, here)
            if episode is None:
                self.count["no session to book"] += 1
                continue
            self.summary.episodes += 1
            self.count[f"episodes via {episode.channel}"] += 1
            roll = self.rng.random()
            if roll < self.mix.no_show:
                episode.fate = "no_show"
            elif roll < self.mix.no_show + self.mix.cancel and episode.channel in _ADVANCE:
                episode.fate = "cancel"
            self._at(self._booking_moment(episode), self.book, episode)

    def _new_episode(self, channel: str, day: dt.date, here) -> _Episode | None:
        rng = self.rng
        number = self.summary.episodes + 1
        if channel == BookingChannel.PRIMARY_CARE:
            home = rng.choice([p for p in self.places.values() if not p.is_hospital])
            place = self.places[home.hospital_id]
            patients = self.patients.get(home.institution_id, [])
            booker = home.window
        elif channel == BookingChannel.APP:
            place = rng.choices(
                self.hospitals, [3 if p.code == TERTIARY_CODE else 1 for p in self.hospitals]
            )[0]
            patients, booker = [], None
        else:
            place = rng.choice(list(self.places.values()))
            if channel == BookingChannel.KIOSK and place.kiosk is None:
                channel = BookingChannel.WINDOW
            patients = self.patients.get(place.institution_id, [])
            booker = {
                BookingChannel.WINDOW: place.window,
                BookingChannel.PHONE: place.desk,
                BookingChannel.KIOSK: place.kiosk,
            }[channel]
        if not here.get(place.institution_id):
            return None
        episode = _Episode(number, channel, day, place, booker)
        if channel == BookingChannel.APP:
            if self.app_users and rng.random() >= self.mix.new_app_user:
                episode.patient_id, episode.booker = rng.choice(self.app_users)
        elif patients:
            episode.patient_id = rng.choice(patients)
        else:
            return None
        return episode

    def _booking_moment(self, episode: _Episode) -> dt.datetime:
        rng, day = self.rng, episode.visit_day
        if episode.channel in _ADVANCE:
            if episode.channel == BookingChannel.PRIMARY_CARE:
                # The primary-care pool is open from 10 days ahead and returned 3 days before.
                lead = rng.randint(3, MAX_LEAD_DAYS)
                return _moment(day - dt.timedelta(days=lead), rng.randint(8, 16), rng.randrange(60))
            lead = rng.choice((0, 1, 1, 2, 2, 3, 4, 5, 7))
            hours, weights = zip(*BOOKING_HOURS, strict=True)
            hour = rng.choices(hours, weights)[0]
            if lead == 0:
                hour = min(hour, 9)
            return _moment(day - dt.timedelta(days=lead), hour, rng.randrange(60))
        # At the window or the kiosk on the day: arrivals through the morning and early afternoon.
        hour = rng.choices((7, 8, 9, 10, 13, 14, 15), (3, 6, 5, 3, 2, 3, 1))[0]
        return _moment(day, hour, rng.randrange(60))

    # --- booking ----------------------------------------------------------------------------

    def book(self, episode: _Episode) -> None:
        if episode.patient_id is None and not self._register_app_user(episode):
            return
        now = clock.now()
        options = self.day_sessions[episode.visit_day][episode.place.institution_id]
        for _attempt in range(3):
            state = self.rng.choice(options)
            free = [
                view
                for view in availability.session_slots(state.session, episode.channel, now)
                if view.remaining > 0 and view.starts_at > now + dt.timedelta(minutes=10)
            ]
            if not free:
                continue
            view = self.rng.choice(free[: max(4, len(free) // 2)])
            request = booking.BookingRequest(episode.patient_id, view.slot_id, episode.channel)
            try:
                appointment = booking.book_slot(request, actor=episode.booker)
            except DomainError as error:
                self._refused("booking", error)
                return
            self.count["booked"] += 1
            self._booked(episode, appointment.pk, state, view.starts_at)
            return
        self.count["nothing free to book"] += 1

    def _register_app_user(self, episode: _Episode) -> bool:
        """A new app user: signs in with the code sent by SMS, registers themselves."""
        registration = self.new_adult(self.areas[episode.place.code])
        try:
            identity.request_sign_in_code(registration.phone)
            # The code the SMS would carry: the outbox row's parameters (the worker renders
            # and sends it; the simulation reads it as the patient reads the phone).
            params = (
                Notification.objects.filter(phone=registration.phone, template="sign_in_code")
                .order_by("-pk")
                .values_list("params", flat=True)
                .first()
            )
            account = identity.sign_in_with_code(registration.phone, params["code"])
            actor = Actor(
                kind=ActorKind.PATIENT,
                label=f"mobile {registration.phone[:3]}****{registration.phone[-4:]}",
                account_id=account.pk,
                channel=Channel.WEB,
            )
            patient = identity.register_patient(registration, actor=actor)
        except DomainError as error:
            self._refused("app registration", error)
            return False
        self.count["app users registered"] += 1
        episode.patient_id, episode.booker = patient.pk, actor
        self.app_users.append((patient.pk, actor))
        return True

    def _booked(self, episode, appointment_id, state: _Session, starts_at) -> None:
        episode.appointment_id, episode.session, episode.slot_start = (
            appointment_id,
            state,
            starts_at,
        )
        self.by_appointment[appointment_id] = episode
        self.by_session.setdefault(state.session.pk, []).append(episode)
        now = clock.now()
        if episode.fate == "cancel":
            policy = schedule.session_policy(state.session)
            deadline = min(booking.cancel_deadline(episode.visit_day, policy), starts_at)
            if deadline - now > dt.timedelta(minutes=20):
                span = (deadline - now).total_seconds() - 600
                when = now + dt.timedelta(seconds=600 + self.rng.random() * span)
                self._at(when, self.cancel, episode, episode.generation)
                return
            episode.fate = "attend"
        if episode.fate == "no_show":
            if episode.generation == 0:  # not again for a rebooking
                self.count["no-shows"] += 1
            return
        # Check-in opens 30 minutes before the time booked; people come in the last half hour.
        arrival = starts_at - dt.timedelta(minutes=self.rng.randint(0, 28))
        self._at(
            max(arrival, now + dt.timedelta(minutes=1)), self.arrive, episode, episode.generation
        )

    def cancel(self, episode: _Episode, generation: int) -> None:
        if generation != episode.generation:
            return
        try:
            booking.cancel_appointment(episode.appointment_id, actor=episode.booker)
        except DomainError as error:
            self._refused("cancellation", error)
            return
        episode.fate = "cancelled"
        self.count["cancelled"] += 1

    def stop_clinic(self, state: _Session) -> None:
        """The doctor cannot come: the window stops the session; patients get offers."""
        try:
            disruption.stop_session(
                state.session.pk, "医生临时停诊（模拟）", actor=state.place.window
            )
        except DomainError as error:
            self._refused("stop-clinic", error)
            return
        self.count["clinic sessions stopped"] += 1
        now = clock.now()
        for episode in self.by_session.get(state.session.pk, []):
            if episode.session is not state or episode.fate == "cancelled":
                continue  # moved or cancelled already
            episode.generation += 1
            offer = (
                Appointment.objects.filter(replaces_id=episode.appointment_id)
                .values_list("pk", "slot__starts_at", "session_id")
                .first()
            )
            if offer is None:
                self.count["stopped without rebooking"] += 1
                continue
            if self.rng.random() < self.mix.accept_offer:
                when = now + dt.timedelta(minutes=self.rng.randint(5, 90))
                self._at(when, self.accept_offer, episode, offer)
            else:
                self.count["rebooking offers let lapse"] += 1

    def accept_offer(self, episode: _Episode, offer) -> None:
        offer_id, starts_at, session_id = offer
        actor = episode.booker if episode.channel == BookingChannel.APP else episode.place.window
        try:
            disruption.accept_offer(offer_id, actor=actor)
        except DomainError as error:
            self._refused("rebooking offer", error)
            return
        self.count["rebooking offers accepted"] += 1
        self._booked(episode, offer_id, self._session(session_id), starts_at)

    def _session(self, session_id: int) -> _Session:
        """A session of a day not planned yet (the same doctor's next free time)."""
        if session_id not in self.sessions:
            session = ClinicSession.objects.get(pk=session_id)
            self.sessions[session_id] = _Session(session, self.places[session.institution_id])
        return self.sessions[session_id]

    # --- the visit --------------------------------------------------------------------------

    def arrive(self, episode: _Episode, generation: int) -> None:
        if generation != episode.generation:
            return
        place = episode.place
        kiosk = place.kiosk is not None and episode.channel in (
            BookingChannel.APP,
            BookingChannel.KIOSK,
        )
        try:
            queue.check_in(
                booking_number=booking_number_for(episode.appointment_id),
                institution_id=place.institution_id,
                actor=place.kiosk if kiosk else place.window,
            )
        except DomainError as error:
            self._refused("check-in", error)
            return
        self.count["checked in"] += 1
        state = episode.session
        state.waiting += 1
        if not state.busy and not state.call_pending:
            state.call_pending = True
            self._at(max(clock.now(), state.session.starts_at), self.call, state)

    def call(self, state: _Session) -> None:
        state.call_pending = False
        if state.busy or not state.waiting:
            return
        desk = state.place.desk
        try:
            head = queue.call_next(state.session.pk, actor=desk)
            if head is None:
                return
            state.waiting -= 1
            queue.start_consultation(head.pk, actor=desk)
        except DomainError as error:
            self._refused("call", error)
            return
        self.count["consultations"] += 1
        state.busy = True
        minutes = self.rng.randint(3, 12)
        self._at(clock.now() + dt.timedelta(minutes=minutes), self.consulted, state, head.pk)

    def consulted(self, state: _Session, appointment_id: int) -> None:
        state.busy = False
        if state.waiting and not state.call_pending:
            state.call_pending = True
            self._at(clock.now() + dt.timedelta(minutes=1), self.call, state)
        episode = self.by_appointment[appointment_id]
        desk = state.place.desk
        visit = f"V{booking_number_for(appointment_id)}"
        try:
            charge = charges.create_charge(
                charges.ChargeRequest(
                    patient_id=episode.patient_id,
                    institution_id=state.place.institution_id,
                    visit_reference=visit,
                    item_code=registration_item_code(state.session.fee_fen),
                    quantity=1,
                    source=ChargeSource.REGISTRATION,
                    source_key=booking.registration_key(appointment_id),
                ),
                actor=desk,
            )
        except DomainError as error:
            self._refused("charge", error)
            return
        orderable = self.orderable.get(state.place.institution_id)
        if orderable and self.rng.random() < self.mix.exams:
            self._order_exams(episode, state, visit, orderable)
        self._pay(episode, state, charge.bill_id)

    # --- exams and reports ------------------------------------------------------------------

    def _order_exams(self, episode, state: _Session, visit: str, orderable: list[str]) -> None:
        desk, rng = state.place.desk, self.rng
        wanted = min(rng.choice((1, 1, 2, 2, 3)), len(orderable))
        codes: list[str] = []
        while len(codes) < wanted:
            code = rng.choices(orderable, [EXAM_WEIGHTS[c] for c in orderable])[0]
            if code not in codes:
                codes.append(code)
        try:
            for code in codes:
                order = exams.place_exam_order(
                    patient_id=episode.patient_id,
                    item_code=code,
                    ordering_doctor_id=state.session.doctor_id,
                    actor=desk,
                )
                charges.create_charge(
                    charges.ChargeRequest(
                        patient_id=episode.patient_id,
                        institution_id=state.place.institution_id,
                        visit_reference=visit,
                        item_code=exam_price_code(code),
                        quantity=1,
                        source=ChargeSource.EXAM_ORDER,
                        source_key=f"exam:{order.placer_number}",
                    ),
                    actor=desk,
                )
            self.count["exams ordered"] += len(codes)
            proposal = planning.propose_plan(episode.patient_id, actor=desk)
            choices = [
                exams.SlotChoice(e.order.pk, e.device.pk, e.starts_at) for e in proposal.exams
            ]
            self.count["exams not planned"] += len(proposal.not_planned)
            if not choices:
                return
            exams.confirm_plan(episode.patient_id, choices, actor=desk)
        except DomainError as error:
            self._refused("exam plan", error)
            return
        self.count["exam plans booked"] += 1
        self.count["exams booked"] += len(choices)
        for proposed in proposal.exams:
            order = proposed.order
            exam = _Exam(
                order.pk,
                order.item.code,
                order.performing_institution_id,
                order.placer_number,
                proposed.starts_at,
            )
            if rng.random() < self.mix.exam_no_show:
                self.count["exam no-shows"] += 1
            else:
                arrival = exam.starts_at - dt.timedelta(minutes=rng.randint(5, 25))
                self._at(max(arrival, clock.now()), self.exam_arrives, exam)

    def exam_arrives(self, exam: _Exam) -> None:
        desk = self.places[exam.institution_id].desk
        try:
            exams.check_in_exam(exam.order_id, actor=desk)
        except DomainError as error:
            self._refused("exam check-in", error)
            return
        self.count["exams checked in"] += 1
        start = max(clock.now(), exam.starts_at) + dt.timedelta(minutes=self.rng.randint(0, 10))
        self._at(start, self.exam_starts, exam)

    def exam_starts(self, exam: _Exam) -> None:
        desk = self.places[exam.institution_id].desk
        try:
            exams.start_exam(exam.order_id, actor=desk)
        except DomainError as error:
            self._refused("exam start", error)
            return
        item = self.exam_items[exam.code]
        lab = item.kind == DeviceKind.BLOOD_DRAW
        turnaround = self.rng.randint(60, 180) if lab else self.rng.randint(30, 300)
        self._at(
            clock.now() + dt.timedelta(minutes=item.minutes + turnaround), self.report, exam, lab
        )

    def report(self, exam: _Exam, lab: bool) -> None:
        item = self.exam_items[exam.code]
        critical = lab and self.rng.random() < self.mix.critical
        incoming = ReportIn(
            placer_number=exam.placer_number,
            kind="lab" if lab else "imaging",
            status="final",
            service_code=item.code,
            service_name=item.name,
            issued_at=clock.now(),
            conclusion="" if lab else "未见明显异常。",
            observations=[_glucose(self.rng, critical)] if lab else [],
        )
        desk = self.places[exam.institution_id].desk
        try:
            reports.submit_report(incoming, message_id=f"sim-{exam.placer_number}", actor=desk)
        except DomainError as error:
            self._refused("report", error)
            return
        self.count["reports filed"] += 1
        if critical:
            self.count["critical values"] += 1

    # --- payment ----------------------------------------------------------------------------

    def _pay(self, episode: _Episode, state: _Session, bill_id: int) -> None:
        modes, weights = zip(*self.mix.pay_modes, strict=True)
        mode = self.rng.choices(modes, weights)[0]
        if mode == SettlementMode.KIOSK and state.place.kiosk is None:
            mode = SettlementMode.WINDOW
        delay = {
            SettlementMode.IN_CLINIC: 0,
            SettlementMode.PAY_LATER: 0,
            SettlementMode.KIOSK: self.rng.randint(2, 15),
            SettlementMode.WINDOW: self.rng.randint(5, 25),
            SettlementMode.MOBILE: self.rng.randint(1, 120),
        }[mode]
        when = clock.now() + dt.timedelta(minutes=delay)
        self._at(when, self.settle, episode, state, bill_id, mode)

    def settle(self, episode: _Episode, state: _Session, bill_id: int, mode: str) -> None:
        rng, desk = self.rng, state.place.desk
        insured = mode == SettlementMode.PAY_LATER or (
            mode in (SettlementMode.IN_CLINIC, SettlementMode.WINDOW)
            and rng.random() < self.mix.insured
        )
        online = rng.choice((PaymentChannel.WECHAT, PaymentChannel.ALIPAY))
        if mode in (SettlementMode.MOBILE, SettlementMode.KIOSK):
            # The bill link on the phone or the kiosk screen: whoever holds it pays.
            actor = Actor(kind=ActorKind.PATIENT, label=f"bill link {bill_id}", bill_id=bill_id)
            channel, reference = online, ""
        elif mode == SettlementMode.PAY_LATER:
            actor, channel, reference = desk, PaymentChannel.CREDIT, ""
        elif mode == SettlementMode.WINDOW:
            actor = desk
            channel = rng.choice((PaymentChannel.CASH, PaymentChannel.BANK_CARD, online))
            reference = f"POS{rng.randrange(10**8):08d}" if channel == "bank_card" else ""
        else:
            actor, channel, reference = desk, online, ""
        request = settlements.SettlementRequest(
            bill_id=bill_id,
            mode=mode,
            channel=channel,
            use_insurance=insured,
            reference=reference,
            clinic_id=state.session.clinic_id if mode == SettlementMode.IN_CLINIC else None,
        )
        try:
            settlement = settlements.settle_bill(request, actor=actor)
        except DomainError as error:
            self._refused(f"settlement {mode}", error)
            if not insured:
                return
            # Not insured, or not eligible to pay later: pay the whole bill in the room instead.
            fallback = settlements.SettlementRequest(
                bill_id=bill_id,
                mode=SettlementMode.IN_CLINIC,
                channel=online,
                clinic_id=state.session.clinic_id,
            )
            mode = SettlementMode.IN_CLINIC
            try:
                settlement = settlements.settle_bill(fallback, actor=desk)
            except DomainError as error:
                self._refused(f"settlement {mode}", error)
                return
        if settlement.channel in _ONLINE and settlement.status == "pending":
            if mode == SettlementMode.MOBILE and rng.random() < self.mix.abandon_payment:
                self.count["mobile payments abandoned"] += 1
                return
            self._provider_pays(settlement)
        self.count[f"settled {mode} via {settlement.channel}"] += 1
        owed = mode == SettlementMode.PAY_LATER and settlement.cash_fen > 0
        if owed and rng.random() < self.mix.repay:
            when = clock.now() + dt.timedelta(days=rng.randint(1, 9), hours=rng.randint(0, 6))
            self._at(when, self.repay, settlement.pk)

    def _provider_pays(self, settlement) -> None:
        """The patient confirms on the provider's cashier page; the provider notifies us (the
        bytes and headers its HTTPS call would carry)."""
        if not settlement.payment.amount_fen:
            return  # nothing to pay at the provider
        if settlement.channel == PaymentChannel.WECHAT:
            trade = wechat_sandbox.pay(settlement.payment.out_trade_no)
            headers, body = wechat_sandbox.notification(trade)
        else:
            trade = alipay_sandbox.pay(settlement.payment.out_trade_no)
            headers, body = {}, urlencode(alipay_sandbox.notification(trade)).encode()
        payments.receive_notice(settlement.channel, headers, body)

    def repay(self, settlement_id: int) -> None:
        debt_id, bill_id = Debt.objects.values_list("pk", "settlement__bill_id").get(
            settlement_id=settlement_id
        )
        # The debt's link, like the bill link, reaches that one bill.
        actor = Actor(kind=ActorKind.PATIENT, label=f"debt link {settlement_id}", bill_id=bill_id)
        try:
            repayment = settlements.repay_debt(
                debt_id=debt_id, channel=PaymentChannel.WECHAT, actor=actor
            )
            if repayment.status == "pending":
                self._provider_pays(repayment)
        except DomainError as error:
            self._refused("repayment", error)
            return
        self.count["debts repaid"] += 1

    # --- the end of each day ----------------------------------------------------------------

    def close_day(self) -> None:
        """The periodic jobs: expired holds back, exam no-shows, stuck payments recovered."""
        booking.sweep_expired_holds()
        exams.mark_no_shows()
        payments.reconcile_pending()


_ADVANCE = (BookingChannel.APP, BookingChannel.PHONE, BookingChannel.PRIMARY_CARE)
_ONLINE = (PaymentChannel.WECHAT, PaymentChannel.ALIPAY)


def _moment(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _glucose(rng: random.Random, critical: bool) -> ObservationIn:
    value = round(rng.uniform(24.0, 30.0) if critical else rng.gauss(5.4, 0.9), 1)
    if critical:
        flag = AbnormalFlag.CRITICAL_HIGH
    elif value > 6.1:
        flag = AbnormalFlag.HIGH
    elif value < 3.9:
        flag = AbnormalFlag.LOW
    else:
        flag = AbnormalFlag.NORMAL
    return ObservationIn(
        code="2345-7",
        display="葡萄糖",
        code_system=LOINC_SYSTEM,
        value=f"{value}",
        numeric_value=Decimal(f"{value}"),
        unit="mmol/L",
        reference_range="3.9-6.1",
        abnormal_flag=flag,
    )
