"""Mounted at /staff/clinic/."""

from django.urls import path

from onetrip.scheduling import staff_views

urlpatterns = [
    path("", staff_views.console, name="clinic-console"),
    path("sessions/<id:session_id>/stop", staff_views.stop, name="clinic-stop"),
    path("sessions/<id:session_id>/substitute", staff_views.substitute, name="clinic-substitute"),
    path("today", staff_views.today, name="clinic-today"),
    path("sessions/<id:session_id>/screen", staff_views.screen, name="clinic-screen"),
    path("sessions/<id:session_id>/desk", staff_views.desk, name="clinic-desk"),
    path("sessions/<id:session_id>/call-next", staff_views.call_next, name="clinic-call-next"),
    path("sessions/<id:session_id>/check-in", staff_views.check_in, name="clinic-check-in"),
    path(
        "sessions/<id:session_id>/appointments/<id:appointment_id>/start",
        staff_views.start_consultation,
        name="clinic-start-consultation",
    ),
]
