"""Staff pages for running clinics (R-APPT-5/6/7): the stop-clinic console, the queue desk and
the calling screen, each behind its permission."""

import pytest

from onetrip.conftest import actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import DoctorTitle
from onetrip.core.actors import SYSTEM
from onetrip.notifications.testing import delivered
from onetrip.scheduling.services import queue
from onetrip.scheduling.tests.helpers import book_at, person, session_on

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    # Assertions read the English messages whatever the Chinese catalogue says.
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def today(sessions):
    return session_on(sessions, 0)


@pytest.fixture
def nurse(make_staff, tertiary):
    return make_staff("nurse", tertiary)


def test_the_console_needs_the_stop_session_permission(client, make_staff, tertiary):
    assert client.get("/staff/clinic/").status_code == 302  # to the sign-in page
    client.force_login(make_staff("doctor", tertiary).user)
    assert client.get("/staff/clinic/").status_code == 403
    assert client.post("/staff/clinic/sessions/1/stop", {"reason": "x"}).status_code == 403


def test_the_console_lists_the_days_sessions_with_booked_counts(
    client, clock, sessions, clerk, register
):
    session = session_on(sessions, 7)
    book_at(clerk, person(register, 1), session, "10:00")
    client.force_login(clerk.user)
    page = client.get("/staff/clinic/", {"date": "2026-11-30"}).content.decode()
    assert "李医生" in page
    assert f'id="session-{session.pk}"' in page
    assert "1 patient will be notified and offered another time." in page


def test_a_clerk_stops_a_session_from_the_console(client, clock, sessions, clerk, register):
    session = session_on(sessions, 7)
    patient = person(register, 1)
    book_at(clerk, patient, session, "10:00")
    client.force_login(clerk.user)

    response = client.post(
        f"/staff/clinic/sessions/{session.pk}/stop",
        {"reason": "doctor ill", "date": "2026-11-30"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/staff/clinic/?date=2026-11-30"
    assert "The session is stopped and its patients are notified." in response.content.decode()
    session.refresh_from_db()
    assert (session.status, session.stop_reason) == ("stopped", "doctor ill")
    assert delivered().filter(purpose="clinic_stopped", phone=patient.phone).exists()


def test_a_refused_stop_is_shown_and_changes_nothing(client, clock, sessions, clerk):
    session = session_on(sessions, 7)
    client.force_login(clerk.user)
    response = client.post(
        f"/staff/clinic/sessions/{session.pk}/stop",
        {"reason": " ", "date": "2026-11-30"},
        follow=True,
    )
    assert "Give the reason for stopping." in response.content.decode()
    session.refresh_from_db()
    assert session.status == "open"


def test_a_clerk_picks_a_substitute(client, clock, sessions, clerk, medicine):
    colleague = consortium.add_doctor(
        medicine, name="周医生", title=DoctorTitle.CHIEF, actor=SYSTEM
    )
    session = session_on(sessions, 7)
    client.force_login(clerk.user)
    page = client.get("/staff/clinic/", {"date": "2026-11-30"}).content.decode()
    assert f'<option value="{colleague.pk}"' in page
    client.post(f"/staff/clinic/sessions/{session.pk}/substitute", {"doctor": colleague.pk})
    session.refresh_from_db()
    assert session.substitute_id == colleague.pk


def test_the_calling_screen_masks_names_and_refreshes_itself(
    client, clock, today, clerk, register, nurse
):
    first = book_at(clerk, person(register, 1), today, "09:50")
    second = book_at(clerk, person(register, 2), today, "10:00")
    for appointment in (first, second):
        queue.check_in(
            booking_number=appointment.booking_number,
            institution_id=today.institution_id,
            actor=actor_for(nurse),
        )
    queue.call_next(today.pk, actor=actor_for(nurse))
    client.force_login(nurse.user)

    page = client.get(f"/staff/clinic/sessions/{today.pk}/screen").content.decode()
    board = client.get(
        f"/staff/clinic/sessions/{today.pk}/screen", headers={"HX-Request": "true"}
    ).content.decode()

    assert "王*芳" in page
    assert "王一芳" not in page
    assert "王二芳" not in page
    assert "No. 1" in page
    assert "No. 2" in page
    assert 'hx-trigger="every 5s"' in page
    assert board.lstrip().startswith('<div id="board"')
    assert "<html" not in board


def test_a_doctor_calls_the_next_patient_at_the_desk(
    client, clock, today, clerk, register, nurse, make_staff, tertiary
):
    appointment = book_at(clerk, person(register, 1), today, "10:00")
    queue.check_in(
        booking_number=appointment.booking_number,
        institution_id=today.institution_id,
        actor=actor_for(nurse),
    )
    client.force_login(make_staff("doctor", tertiary).user)
    desk = client.get(f"/staff/clinic/sessions/{today.pk}/desk").content.decode()
    assert "Call next" in desk
    assert 'name="booking_number"' not in desk  # doctors do not check patients in

    response = client.post(f"/staff/clinic/sessions/{today.pk}/call-next", follow=True)

    assert "Called 王*芳." in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == "called"
    client.post(f"/staff/clinic/sessions/{today.pk}/appointments/{appointment.pk}/start")
    appointment.refresh_from_db()
    assert appointment.status == "in_consultation"


def test_a_nurse_checks_a_patient_in_at_the_desk(client, clock, today, clerk, register, nurse):
    appointment = book_at(clerk, person(register, 1), today, "10:00")
    client.force_login(nurse.user)
    url = f"/staff/clinic/sessions/{today.pk}/check-in"

    refused = client.post(url, {"booking_number": "123456789"}, follow=True)
    assert "This booking number is not valid: check each digit." in refused.content.decode()
    client.post(url, {"booking_number": appointment.booking_number})

    appointment.refresh_from_db()
    assert appointment.status == "checked_in"


def test_queue_pages_need_their_permissions_and_a_session_here(
    client, clock, today, make_staff, tertiary, township
):
    client.force_login(make_staff("registration", tertiary).user)
    assert client.get(f"/staff/clinic/sessions/{today.pk}/desk").status_code == 403
    assert client.get(f"/staff/clinic/sessions/{today.pk}/screen").status_code == 200
    client.force_login(make_staff("nurse", township).user)
    assert client.get(f"/staff/clinic/sessions/{today.pk}/screen").status_code == 404


def test_todays_clinics_link_to_desk_and_screen(client, clock, today, nurse):
    client.force_login(nurse.user)
    page = client.get("/staff/clinic/today").content.decode()
    assert f"/staff/clinic/sessions/{today.pk}/desk" in page
    assert f"/staff/clinic/sessions/{today.pk}/screen" in page
