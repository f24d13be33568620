"""Issue 13 item 2 (D91–D93): each corrected indicator on a small November counted by hand, with
its traps — walk-ins and same-day registrations, rooms sharing a location label, exams done
without a booking, lab tests, other institutions and scopes, episodes with no trip yet,
bookings cancelled or still to come. Every figure is asserted against the count in the comment.
"""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from onetrip.conftest import NOW
from onetrip.consortium import services as consortium
from onetrip.consortium.models import ClinicKind, DoctorTitle, InstitutionLevel
from onetrip.core.actors import SYSTEM
from onetrip.core.events import EventKind as K
from onetrip.metrics import services
from onetrip.metrics.definitions import METRICS_BY_CODE
from onetrip.metrics.tests.conftest import TODAY, at
from onetrip.scheduling.models import SessionTemplate, Slot
from onetrip.scheduling.services import booking, queue, schedule
from onetrip.scheduling.tests.helpers import person

pytestmark = pytest.mark.django_db
MONTH = "2026-11"
NOV = {n: dt.date(2026, 11, n) for n in range(1, 31)}


@pytest.fixture
def county(org):
    hospital = consortium.create_institution(
        code="X001",
        name="东岙县人民医院",
        level=InstitutionLevel.COUNTY,
        parent=org.tertiary,
        actor=SYSTEM,
    )
    medicine = consortium.add_department(hospital, code="IM", name="内科", actor=SYSTEM)
    rooms = [
        consortium.add_clinic(medicine, name=f"内科{n}诊室", kind=ClinicKind.GENERAL, actor=SYSTEM)
        for n in (1, 2)
    ]
    return SimpleNamespace(hospital=hospital, medicine=medicine, rooms=rooms)


@pytest.fixture
def kpi_client(client, quality):
    client.force_login(quality.user)
    return client


def figure(client, code: str, **params) -> tuple:
    response = client.get("/api/metrics/figures", {"period": MONTH, **params})
    assert response.status_code == 200, response.content
    found = {f["code"]: f for f in response.json()["figures"]}[code]
    return found["numerator"], found["denominator"], found["value"], found["status"]


def test_appointment_rate_counts_appointments_at_city_public_hospitals_only(
    clock, org, county, emit, kpi_client
):
    def visit(booking_id, department, *, booked_at=None, channel="app", walk_in=False):
        if booked_at is not None:
            data = {"booking_id": booking_id, "booking_channel": channel, "referral": False}
            if channel == "primary_care":
                data["referral"] = True
            emit(K.APPOINTMENT_BOOKED, booked_at, department, data=data)
        emit(
            K.VISIT_CHECKED_IN,
            at(NOV[10], 9),
            department,
            on_site=True,
            data={"booking_id": booking_id, "walk_in": walk_in},
        )

    visit(11, org.medicine, booked_at=at(NOV[5]))  # ✓ booked ahead in the app
    visit(12, org.medicine, booked_at=at(NOV[10], 8), channel="window")  # ✗ same day, window
    # ✗ same day at a kiosk, 00:30 local time — still 9 November in UTC (the time-zone trap)
    visit(13, org.medicine, booked_at=at(NOV[10], 0, 30), channel="kiosk")
    visit(14, org.surgery, booked_at=at(NOV[9], 23, 30), channel="window")  # ✓ the day before
    visit(15, org.medicine, booked_at=at(NOV[10], 7), channel="app")  # ✓ the app, same day
    visit(16, org.surgery, booked_at=at(NOV[10], 7), channel="primary_care")  # ✓ a referral
    visit(17, org.medicine, booked_at=at(NOV[10], 8), channel="window", walk_in=True)  # ✗
    visit(None, org.medicine)  # ✗ a visit with no booking at all
    visit(18, county.medicine, booked_at=at(NOV[1]))  # not a city public hospital
    visit(19, org.general, booked_at=at(NOV[1]))  # a township centre

    # 4 appointments (11, 14, 15, 16) of 8 outpatient visits at the city hospital.
    assert figure(kpi_client, "appointment_rate") == (4, 8, "50.00", "met")
    assert figure(kpi_client, "appointment_rate", institution=county.hospital.pk)[3] in (
        "undefined",
        "no_data",
    )
    services.refresh_rollups(NOV[1], TODAY, actor=SYSTEM)
    assert figure(kpi_client, "appointment_rate") == (4, 8, "50.00", "met")


def test_in_clinic_coverage_counts_consulting_rooms_of_hospitals(
    clock, org, county, emit, kpi_client
):
    # Two rooms of the city hospital share one location label: they are still two rooms.
    for room in org.rooms[:2]:
        room.location = "门诊楼3楼B区"
        room.save(update_fields=["location"])

    def settle(department, room, mode="in_clinic", when=None):
        data = {
            "mode": mode,
            "consulting_room": (room.location or room.name) if room else "",
            "clinic_id": room.pk if room else None,
            "fees": True,
        }
        emit(K.PAYMENT_SETTLED, when or at(NOV[12], 11), department, data=data)

    settle(org.medicine, org.rooms[0])
    settle(org.medicine, org.rooms[0], when=at(NOV[13], 11))  # the same room again
    settle(org.medicine, org.rooms[1])  # the other room behind the same label
    settle(org.surgery, None, mode="kiosk")  # not in a room
    settle(org.surgery, None)  # in-clinic with no room recorded
    settle(county.medicine, county.rooms[0])
    settle(org.general, org.rooms[3])  # the township's room: not a county hospital or above

    # 3 rooms settled (city 内科1, 内科2, county 内科1) of 5 hospital rooms (3 city + 2 county).
    assert figure(kpi_client, "in_clinic_rooms") == (3, 5, "60.00", "missed")
    # The county alone: 1 of its 2 rooms.
    assert figure(kpi_client, "in_clinic_rooms", institution=county.hospital.pk)[:3] == (
        1,
        2,
        "50.00",
    )


def test_time_slotted_exams_count_exams_done_without_a_booking(clock, org, emit, kpi_client):
    def booked(order, slotted):
        data = {"order_id": order, "time_slotted": slotted}
        emit(K.EXAM_BOOKED, at(NOV[11]), org.medicine, data=data)

    def started(order, department=org.medicine):
        emit(K.EXAM_STARTED, at(NOV[12], 10), department, data={"order_id": order}, on_site=True)

    def reported(order, version=1):
        data = {"order_id": order, "version": version}
        emit(K.REPORT_FILED, at(NOV[12], 16), org.medicine, data=data)

    booked(21, True)
    started(21)  # ✓ done on a 30-minute slot
    reported(21)  # its report: the exam is counted once
    booked(22, False)
    started(22)  # done, booked to a half-day: not time-slotted
    booked(23, True)  # booked but never done (a no-show): not an exam done
    reported(24)  # done without a booking, only its report on record
    reported(24, version=2)  # its corrected report: still one exam
    reported(25)  # a blood test drawn without a booking: done, not time-slotted
    booked(26, True)
    started(26)  # ✓ a blood draw booked to a slot
    started(27, org.general)  # at the township centre: not a county hospital or above

    # 2 time-slotted (21, 26) of 5 exams done at hospitals (21, 22, 24, 25, 26).
    assert figure(kpi_client, "time_slotted_exams") == (2, 5, "40.00", "missed")


def test_the_clinic_wait_is_labelled_and_the_registration_queue_has_no_data_yet(
    clock, org, county, emit, kpi_client
):
    def called(department, hour, minute, waited):
        data = {"waited_minutes": waited}
        emit(K.VISIT_CALLED, at(NOV[16], hour, minute), department, data=data)

    called(org.medicine, 8, 30, 6)  # ✓ peak, city hospital
    called(county.medicine, 9, 59, 4)  # ✓ peak, county hospital
    called(org.medicine, 10, 0, 30)  # after the peak hours
    called(org.general, 8, 15, 50)  # at peak, but a township centre

    # At peak, county hospitals and above: (6 + 4) / 2; all visits: 90 / 4.
    assert figure(kpi_client, "peak_queue_minutes") == (10, 2, "5.00", "no_target")
    assert figure(kpi_client, "queue_minutes") == (90, 4, "22.50", "no_target")
    for code in ("registration_queue_minutes", "peak_registration_queue_minutes"):
        assert figure(kpi_client, code) == (None, None, None, "no_data")
    assert METRICS_BY_CODE["queue_minutes"].requirement == "R-KPI-2"
    assert "挂号排队" in METRICS_BY_CODE["peak_registration_queue_minutes"].seed


def test_trips_per_episode_leaves_out_episodes_with_no_trip_yet(clock, org, emit, kpi_client):
    def booked(patient, booking_id, when, slot, department=org.medicine):
        data = {
            "booking_id": booking_id,
            "slot_start": slot.isoformat(),
            "booking_channel": "app",
            "referral": False,
        }
        emit(K.APPOINTMENT_BOOKED, when, department, patient_id=patient, data=data)

    def came(patient, booking_id, when, department=org.medicine, waited=5):
        data = {"booking_id": booking_id, "visit_id": booking_id, "walk_in": False}
        emit(K.VISIT_CHECKED_IN, when, department, patient_id=patient, data=data, on_site=True)
        data = {"booking_id": booking_id, "visit_id": booking_id, "waited_minutes": waited}
        emit(K.VISIT_CALLED, when, department, patient_id=patient, data=data, on_site=True)

    # Patient 101: booked on 2 November, came on the 5th and back on the 12th: 1 episode, 2 trips.
    booked(101, 1, at(NOV[2]), at(NOV[5], 9))
    came(101, 1, at(NOV[5], 9))
    booked(101, 2, at(NOV[5], 10), at(NOV[12], 9))
    came(101, 2, at(NOV[12], 9))
    # Patient 102: booked on the 20th for 3 December: an episode with no trip yet, left out.
    booked(102, 3, at(NOV[20]), at(dt.date(2026, 12, 3), 9))
    # Patient 103: a walk-in at the township centre on the 8th: 1 episode, 1 trip.
    came(103, 4, at(NOV[8], 9), org.general)
    # Patient 104: an episode opened in October, back on 2 November: not opened in November.
    booked(104, 5, at(dt.date(2026, 10, 20)), at(dt.date(2026, 10, 25), 9))
    came(104, 5, at(dt.date(2026, 10, 25), 9))
    booked(104, 6, at(dt.date(2026, 10, 25), 10), at(NOV[2], 9))
    came(104, 6, at(NOV[2], 9))

    # 3 trips (101: 2, 103: 1) over 2 episodes that travelled.
    assert figure(kpi_client, "trips_per_episode") == (3, 2, "1.50", "no_target")
    assert figure(kpi_client, "trips_per_episode", institution=org.township.pk)[:3] == (
        1,
        1,
        "1.00",
    )


def test_exam_no_shows(clock, org, emit, kpi_client):
    for order, kind, department in (
        (31, K.EXAM_CHECKED_IN, org.medicine),
        (32, K.EXAM_CHECKED_IN, org.medicine),
        (33, K.EXAM_NO_SHOW, org.medicine),
        (34, K.EXAM_CHECKED_IN, org.general),
        (35, K.EXAM_CANCELLED, org.medicine),  # cancelled ahead: neither came nor missed
    ):
        emit(kind, at(NOV[17]), department, data={"order_id": order})

    # 1 missed (33) of 4 booked exams due (31–34).
    assert figure(kpi_client, "exam_no_shows") == (1, 4, "25.00", "no_target")


def test_appointment_no_shows_count_bookings_that_stood_on_a_day_that_ended(
    clock, org, clerk, register, kpi_client
):
    doctor = consortium.add_doctor(
        org.medicine, name="陈医生", title=DoctorTitle.CHIEF, actor=SYSTEM
    )
    for weekday in {NOV[10].weekday(), TODAY.weekday()}:
        SessionTemplate.objects.create(
            doctor=doctor,
            clinic=org.rooms[0],
            weekday=weekday,
            period="morning",
            start_time=dt.time(8, 0),
            end_time=dt.time(9, 0),
            slot_minutes=15,
            capacity_per_slot=5,
            valid_from=NOV[1],
        )
    clock.set(at(NOV[2], 7))
    schedule.generate_sessions(
        institution_id=org.tertiary.pk, date_from=NOV[3], date_to=TODAY, actor=SYSTEM
    )
    clock.set(at(NOV[9], 10))
    patients = [person(register, n) for n in range(1, 5)]

    def book(patient, day):
        slot = (
            Slot.objects.filter(session__doctor=doctor, session__date=day)
            .order_by("starts_at")
            .first()
        )
        request = booking.BookingRequest(patient_id=patient.pk, slot_id=slot.pk, channel="window")
        return booking.book_slot(request, actor=clerk)

    came = book(patients[0], NOV[10])
    book(patients[1], NOV[10])  # ✗ never came: a no-show
    cancelled = book(patients[2], NOV[10])
    booking.cancel_appointment(cancelled.pk, actor=clerk)  # cancelled the day before: not due
    clock.set(at(NOV[10], 8, 5))
    queue.check_in(booking_number=came.booking_number, institution_id=org.tertiary.pk, actor=clerk)
    clock.set(at(TODAY, 7))
    book(patients[3], TODAY)  # today's visit: the day has not ended
    clock.set(NOW)

    # 1 missed of 2 bookings that stood on 10 November.
    assert figure(kpi_client, "appointment_no_shows") == (1, 2, "50.00", "no_target")


def test_the_new_figures_are_in_the_report(clock, org, emit, kpi_client):
    emit(K.EXAM_NO_SHOW, at(NOV[17]), org.medicine, data={"order_id": 1})
    response = kpi_client.get("/api/metrics/report", {"period": MONTH, "format": "xlsx"})
    assert response.status_code == 200, response.content
    sheet = load_workbook(BytesIO(response.content)).active
    names = {row[2] for row in sheet.iter_rows(values_only=True)}
    for code in ("trips_per_episode", "queue_minutes", "appointment_no_shows", "exam_no_shows"):
        assert str(METRICS_BY_CODE[code].name) in names, code
    page = kpi_client.get("/staff/metrics/", {"period": MONTH}).content.decode()
    for code in ("trips_per_episode", "queue_minutes", "appointment_no_shows", "exam_no_shows"):
        assert f'id="indicator-{code}"' in page
    assert "预约（转诊）占城市公立医院门诊比例达到 15%" in page
