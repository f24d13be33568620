"""Scheduling's registrations for the generated scoping test (`core/tests/scoping.py`)."""

from onetrip.core.tests.scoping import Pending, Unscoped

TIMETABLE = "the public timetable: who works when and which times are free, no patient's data"
MAKER = "needs an appointment of the home patient at a clinic session of the home hospital"

CASES = {
    "GET /api/scheduling/departments/{department_id}/next-available": Unscoped(TIMETABLE),
    "GET /api/scheduling/sessions": Unscoped(TIMETABLE),
    "GET /api/scheduling/sessions/{session_id}/slots": Unscoped(TIMETABLE),
    "p/book/institutions/<id:institution_id>/": Unscoped(TIMETABLE),
    "p/book/departments/<id:department_id>/": Unscoped(TIMETABLE),
    "p/book/doctors/<id:doctor_id>/": Unscoped(TIMETABLE),
    "p/book/sessions/<id:session_id>/": Unscoped(TIMETABLE),
    "p/book/slots/<id:slot_id>/": Unscoped(TIMETABLE),
    "fhir/Schedule/<str:schedule_id>": Unscoped(TIMETABLE),
    "fhir/Slot/<str:slot_id>": Unscoped(TIMETABLE),
    "POST /api/scheduling/appointments": Pending(MAKER),
    "GET /api/scheduling/appointments/{appointment_id}": Pending(MAKER),
    "POST /api/scheduling/appointments/{appointment_id}/confirm": Pending(MAKER),
    "POST /api/scheduling/appointments/{appointment_id}/cancel": Pending(MAKER),
    "POST /api/scheduling/appointments/{appointment_id}/accept-offer": Pending(MAKER),
    "POST /api/scheduling/appointments/{appointment_id}/decline-offer": Pending(MAKER),
    "POST /api/scheduling/check-ins": Pending(MAKER),
    "POST /api/scheduling/waitlist": Pending(MAKER),
    "DELETE /api/scheduling/waitlist/{entry_id}": Pending(MAKER),
    "p/appointments/<id:appointment_id>": Pending(MAKER),
    "p/appointments/<id:appointment_id>/cancel": Pending(MAKER),
    "staff/booking/appointments/<id:appointment_id>": Pending(MAKER),
    "staff/clinic/sessions/<id:session_id>/stop": Pending(MAKER),
    "staff/clinic/sessions/<id:session_id>/substitute": Pending(MAKER),
    "staff/clinic/sessions/<id:session_id>/screen": Pending(MAKER),
    "staff/clinic/sessions/<id:session_id>/desk": Pending(MAKER),
    "staff/clinic/sessions/<id:session_id>/call-next": Pending(MAKER),
    "staff/clinic/sessions/<id:session_id>/check-in": Pending(MAKER),
    "staff/clinic/sessions/<id:session_id>/appointments/<id:appointment_id>/start": Pending(MAKER),
    "fhir/Appointment/<str:appointment_id>": Pending(MAKER),
    "p/appointments/<id:appointment_id>/queue": Pending(MAKER),
    "p/appointments/<id:appointment_id>/reschedule": Pending(MAKER),
    "p/book/sessions/<id:session_id>/waitlist": Pending(MAKER),
    "p/waitlist/<id:entry_id>/leave": Pending(MAKER),
}
