"""Check-in and queue calling (R-APPT-6, R-APPT-7) with a frozen clock: by booking number,
identity document or e-health card QR code; the early window, late and missed arrivals; walk-ins;
the calling order; check-in, call and consultation times for measuring waiting."""

import datetime as dt

import pytest

from onetrip.conftest import NOW, actor_for
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from onetrip.core.models import AuditEvent
from onetrip.identity import services as identity
from onetrip.scheduling.models import ApiClient, Appointment
from onetrip.scheduling.services import queue
from onetrip.scheduling.tests.helpers import at, book_at, person, resident_id, session_on

pytestmark = pytest.mark.django_db

E_HEALTH_ID = "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90"


@pytest.fixture
def today(sessions):
    return session_on(sessions, 0)


@pytest.fixture
def patient(register):
    return lambda n, **overrides: person(register, n, **overrides)


@pytest.fixture
def booked(clerk):
    return lambda patient, session, hhmm, **request: book_at(
        clerk, patient, session, hhmm, **request
    )


@pytest.fixture
def nurse(make_staff, tertiary):
    return actor_for(make_staff("nurse", tertiary))


def check_in_number(appointment, actor, **overrides):
    fields = {
        "booking_number": appointment.booking_number,
        "institution_id": appointment.session.institution_id,
        "actor": actor,
    }
    return queue.check_in(**(fields | overrides))


def test_check_in_by_booking_number_opens_before_the_slot(clock, today, patient, booked, nurse):
    appointment = booked(patient(1), today, "10:00")  # check-in opens 30 min before: now
    checked = check_in_number(appointment, nurse)
    assert checked.status == "checked_in"
    assert checked.checked_in_at == NOW
    event = AuditEvent.objects.get(object_id=str(appointment.pk), summary="checked in")
    assert event.patient_id == appointment.patient_id


def test_too_early_is_refused_with_the_opening_time(clock, today, patient, booked, nurse):
    appointment = booked(patient(1), today, "10:10")
    with pytest.raises(DomainError) as refused:
        check_in_number(appointment, nurse)
    assert refused.value.code == "too_early"
    assert "09:40" in str(refused.value.message)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.checked_in_at) == ("booked", None)
    assert not AuditEvent.objects.filter(summary__startswith="checked in").exists()


def test_a_wrong_check_digit_is_refused_on_the_booking_number(clock, today, patient, booked, nurse):
    appointment = booked(patient(1), today, "10:00")
    number = appointment.booking_number
    mistyped = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(InvalidInput) as refused:
        check_in_number(appointment, nurse, booking_number=mistyped)
    assert [(e.field, e.code) for e in refused.value.errors] == [("booking_number", "checksum")]
    with pytest.raises(InvalidInput) as refused:
        check_in_number(appointment, nurse, booking_number="12ab")
    assert refused.value.errors[0].code == "format"
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_check_in_by_resident_id_finds_todays_booking(clock, today, patient, booked, nurse):
    holder = patient(1)
    appointment = booked(holder, today, "10:00")
    number = holder.documents.get().number
    checked = queue.check_in(
        doc_type="resident_id", doc_number=number, institution_id=today.institution_id, actor=nurse
    )
    assert checked.pk == appointment.pk
    assert checked.status == "checked_in"


def test_check_in_by_e_health_card_qr_code(clock, today, patient, booked, nurse):
    holder = patient(
        1,
        documents=[
            identity.DocumentInput("resident_id", resident_id(1)),
            identity.DocumentInput("e_health_card", E_HEALTH_ID),
        ],
    )
    appointment = booked(holder, today, "10:00")
    checked = queue.check_in(
        doc_type="e_health_card",
        doc_number=f"{E_HEALTH_ID}:01:20261123235959",
        institution_id=today.institution_id,
        actor=nurse,
    )
    assert checked.pk == appointment.pk


def test_a_document_with_no_booking_today_is_not_found(
    clock, sessions, today, patient, booked, nurse
):
    holder = patient(1)
    booked(holder, session_on(sessions, 1), "10:00")
    with pytest.raises(NotFound):
        queue.check_in(
            doc_type="resident_id",
            doc_number=holder.documents.get().number,
            institution_id=today.institution_id,
            actor=nurse,
        )


def test_an_invalid_document_number_is_refused_on_its_field(clock, today, nurse):
    with pytest.raises(InvalidInput) as refused:
        queue.check_in(
            doc_type="resident_id",
            doc_number="110101198506010000",
            institution_id=today.institution_id,
            actor=nurse,
        )
    assert refused.value.errors[0].field == "doc_number"


def test_after_the_slot_the_patient_is_late_but_checked_in(clock, today, patient, booked, nurse):
    appointment = booked(patient(1), today, "09:40")
    clock.set(at("09:55"))
    checked = check_in_number(appointment, nurse)
    assert checked.status == "checked_in"
    assert AuditEvent.objects.filter(
        object_id=str(appointment.pk), summary="checked in late"
    ).exists()


def test_after_the_no_show_grace_the_booking_is_missed(clock, today, patient, booked, nurse):
    appointment = booked(patient(1), today, "09:40")
    clock.set(at("10:21"))  # slot ended 09:50, grace 30 minutes
    with pytest.raises(DomainError) as refused:
        check_in_number(appointment, nurse)
    assert refused.value.code == "missed"


def test_a_booking_for_another_day_is_not_checked_in_today(clock, sessions, patient, booked, nurse):
    appointment = booked(patient(1), session_on(sessions, 1), "10:00")
    with pytest.raises(DomainError) as refused:
        check_in_number(appointment, nurse)
    assert refused.value.code == "not_today"


def test_a_repeated_scan_returns_the_check_in_already_made(clock, today, patient, booked, nurse):
    appointment = booked(patient(1), today, "10:00")
    check_in_number(appointment, nurse)
    clock.advance(dt.timedelta(minutes=2))
    again = check_in_number(appointment, nurse)
    assert again.checked_in_at == NOW
    assert AuditEvent.objects.filter(summary="checked in").count() == 1


def test_staff_set_the_priority_class_on_seeing_proof(clock, today, patient, booked, nurse):
    appointment = booked(patient(1), today, "10:00")
    assert check_in_number(appointment, nurse, priority=1).priority == 1


def test_a_kiosk_of_the_institution_checks_in(clock, today, tertiary, township, patient, booked):
    appointment = booked(patient(1), today, "10:00")

    def client_actor(channel, institution):
        client = ApiClient.objects.create(
            institution=institution,
            name=f"{channel} {institution.code}",
            key_prefix=f"{channel[:4]}{institution.code}"[:8],
            key_hash="-",
            channel=channel,
            created_at=NOW,
        )
        return Actor(
            kind=ActorKind.CLIENT,
            label=f"client:{client.name}",
            client_id=client.pk,
            client_channel=client.channel,
            institution_id=institution.pk,
        )

    with pytest.raises(PermissionDenied):
        check_in_number(appointment, client_actor("app", tertiary))
    with pytest.raises(NotFound):  # another institution's kiosk (D107)
        check_in_number(appointment, client_actor("kiosk", township))
    kiosk = client_actor("kiosk", tertiary)
    with pytest.raises(PermissionDenied):
        check_in_number(appointment, kiosk, priority=1)
    assert check_in_number(appointment, kiosk).status == "checked_in"


def test_staff_without_the_permission_or_elsewhere_cannot_check_in(
    clock, today, township, patient, booked, make_staff, tertiary
):
    appointment = booked(patient(1), today, "10:00")
    with pytest.raises(PermissionDenied):
        check_in_number(appointment, actor_for(make_staff("doctor", tertiary)))
    with pytest.raises(NotFound):  # another institution's desk (D107)
        check_in_number(appointment, actor_for(make_staff("nurse", township)))
    appointment.refresh_from_db()
    assert appointment.status == "booked"


def test_a_walk_in_is_booked_at_the_window_and_checked_in(clock, today, patient, clerk):
    walk_in = queue.register_walk_in(patient(1).pk, today.pk, actor=clerk)
    assert (walk_in.is_walk_in, walk_in.channel, walk_in.status) == (True, "window", "checked_in")
    assert walk_in.checked_in_at == NOW
    assert walk_in.slot.starts_at > NOW


def test_walk_ins_are_for_todays_sessions_only(clock, sessions, patient, clerk):
    with pytest.raises(DomainError) as refused:
        queue.register_walk_in(patient(1).pk, session_on(sessions, 1).pk, actor=clerk)
    assert refused.value.code == "not_today"
    assert not Appointment.objects.exists()


def test_calling_order_and_waiting_times(clock, today, patient, booked, nurse):
    """Military first; then by slot with the booked patient before the walk-in of the same slot;
    the late patient after three on-time ones."""
    late = booked(patient(1), today, "09:40")
    a = booked(patient(2), today, "09:50")
    walk_in = booked(patient(3), today, "09:50", walk_in=True)
    b = booked(patient(4), today, "10:00")
    c = booked(patient(5), today, "10:10")
    d = booked(patient(6), today, "10:20")
    military = booked(patient(7), today, "10:20", priority=1)
    for appointment in (walk_in, a, b):
        check_in_number(appointment, nurse)
        clock.advance(dt.timedelta(minutes=1))
    clock.set(at("09:50"))
    for appointment in (c, d, military):
        check_in_number(appointment, nurse)
    clock.set(at("09:51"))
    check_in_number(late, nurse)

    calls = []
    while (called := queue.call_next(today.pk, actor=nurse)) is not None:
        calls.append(called.pk)
        clock.advance(dt.timedelta(minutes=4))
    assert calls == [military.pk, a.pk, walk_in.pk, b.pk, late.pk, c.pk, d.pk]

    first = Appointment.objects.get(pk=military.pk)
    assert first.status == "called"
    assert first.called_at == at("09:51")
    assert first.called_at - first.checked_in_at == dt.timedelta(minutes=1)
    assert AuditEvent.objects.filter(summary="called").count() == 7


def test_the_doctor_starts_the_consultation_of_a_called_patient(
    clock, today, patient, booked, nurse, make_staff, tertiary
):
    doctor = actor_for(make_staff("doctor", tertiary))
    appointment = booked(patient(1), today, "10:00")
    check_in_number(appointment, nurse)
    with pytest.raises(DomainError) as refused:
        queue.start_consultation(appointment.pk, actor=doctor)
    assert refused.value.code == "not_called"
    clock.advance(dt.timedelta(minutes=5))
    assert queue.call_next(today.pk, actor=doctor).pk == appointment.pk
    clock.advance(dt.timedelta(minutes=1))
    started = queue.start_consultation(appointment.pk, actor=doctor)
    assert started.status == "in_consultation"
    assert started.consultation_started_at == NOW + dt.timedelta(minutes=6)
    assert started.called_at - started.checked_in_at == dt.timedelta(minutes=5)


def test_nobody_waiting_calls_nobody(clock, today, nurse):
    assert queue.call_next(today.pk, actor=nurse) is None


def test_the_board_numbers_patients_by_check_in(clock, today, patient, booked, nurse):
    later_slot = booked(patient(1), today, "10:00")
    earlier_slot = booked(patient(2), today, "09:50")
    check_in_number(later_slot, nurse)
    clock.advance(dt.timedelta(minutes=1))
    check_in_number(earlier_slot, nurse)
    queue.call_next(today.pk, actor=nurse)
    board = queue.session_queue(today.pk, actor=nurse)
    assert [a.pk for a in board.called] == [earlier_slot.pk]
    assert [a.pk for a in board.waiting] == [later_slot.pk]
    assert board.numbers == {later_slot.pk: 1, earlier_slot.pk: 2}
