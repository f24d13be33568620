"""Issue 15's pages beyond the journeys: booking by doctor name or pinyin initials and by date,
the e-health card code, the window slip's fee, the clinic desk's not-yet-arrived list, the
waiting-room screen, the cashier's search by name, the outcome figures."""

import pytest

from onetrip.conftest import actor_for
from onetrip.identity import services as identity
from onetrip.scheduling.services import queue
from onetrip.scheduling.tests.helpers import book_at, person, session_on, sign_in_patient

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def patient_client(client, patient_actor):
    actor, _patient = patient_actor
    sign_in_patient(client, actor.account_id)
    return client


@pytest.mark.parametrize("query", ["李医生", "li", "lys", "LYS"])
def test_a_doctor_is_found_by_name_full_pinyin_or_initials(patient_client, sessions, clock, query):
    page = patient_client.get("/p/book/find", {"q": query}).content.decode()
    assert f'data-session-id="{session_on(sessions, 0).pk}"' in page  # today's, first
    assert "李医生" in page


def test_a_name_that_matches_nobody_says_so(patient_client, sessions, clock):
    page = patient_client.get("/p/book/find", {"q": "wang"}).content.decode()
    assert "Nothing free matches" in page


def test_booking_by_date_lists_that_days_sessions_only(patient_client, sessions, clock):
    day = session_on(sessions, 2)
    page = patient_client.get("/p/book/find", {"date": day.date.isoformat()}).content.decode()
    assert f'data-session-id="{day.pk}"' in page
    assert f'data-session-id="{session_on(sessions, 3).pk}"' not in page


def test_the_health_card_page_shows_one_code_per_patient(patient_client, patient_actor, clock):
    _actor, patient = patient_actor
    page = patient_client.get("/p/health-card").content.decode()
    assert page.count('<svg class="qr"') == 1
    card = patient.documents.get(doc_type="e_health_card").number
    assert len(card) == 64
    assert identity.health_card_id("110101199003074477") == card  # the same card every time


def test_the_window_slip_says_the_fee_is_unpaid_and_links_the_cashier(
    client, sessions, clerk, register, clock
):
    appointment = book_at(clerk, person(register, 1), session_on(sessions, 1), "08:30")
    client.force_login(clerk.user)
    page = client.get(f"/staff/booking/appointments/{appointment.pk}").content.decode()
    assert "Unpaid" in page
    assert f"/staff/billing/desk/?visit=V{appointment.booking_number}" in page


def test_the_clinic_desk_lists_who_is_booked_and_not_yet_arrived(
    client, sessions, clerk, register, make_staff, tertiary, clock
):
    today = session_on(sessions, 0)
    waiting = book_at(clerk, person(register, 1), today, "09:50")
    client.force_login(make_staff("nurse", tertiary).user)
    page = client.get(f"/staff/clinic/sessions/{today.pk}/desk").content.decode()
    assert 'class="not-arrived"' in page
    assert waiting.booking_number in page
    assert "Arrived: check in" in page


def test_the_calling_screen_is_made_for_a_tv(
    client, sessions, clerk, register, make_staff, tertiary, clock
):
    today = session_on(sessions, 0)
    called = book_at(clerk, person(register, 1), today, "09:50")
    queue.check_in(booking_number=called.booking_number, institution_id=tertiary.pk, actor=clerk)
    nurse = make_staff("nurse", tertiary)
    client.force_login(nurse.user)
    queue.call_next(today.pk, actor=actor_for(nurse))
    page = client.get(f"/staff/clinic/sessions/{today.pk}/screen").content.decode()
    assert 'class="bar"' not in page  # no staff menu on the waiting room's screen
    assert "data-fullscreen" in page
    assert 'data-announce="Number 1, 王*芳, please go to 内科专家门诊."' in page


def test_a_window_registers_an_elderly_patient_without_a_mobile_phone(register, clock):
    patient = person(register, 77, phone="", name="赵老汉")
    assert patient.phone == ""


def test_the_outcomes_page_shows_trips_and_repeat_exams(client, make_staff, tertiary, clock):
    client.force_login(make_staff("quality", tertiary).user)
    page = client.get("/staff/outcomes/").content.decode()
    assert 'id="trips-per-episode"' in page
    assert 'id="repeat-exams"' in page
