"""Emergency pages: the dispatcher's board at /staff/emergency/, the crew's phone at
/staff/emergency/crew/, the hospital's emergency board at /staff/emergency/arrivals/."""

from django.urls import path

from onetrip.emergency import views

urlpatterns = [
    path("staff/emergency/", views.dispatcher_board, name="emergency-dispatch"),
    path("staff/emergency/calls/new", views.take_call, name="emergency-take-call"),
    path(
        "staff/emergency/calls/<id:call_id>/dispatch",
        views.dispatch,
        name="emergency-dispatch-call",
    ),
    path("staff/emergency/calls/<id:call_id>/cancel", views.cancel_call, name="emergency-cancel"),
    path("staff/emergency/crew/", views.crew_home, name="emergency-crew"),
    path("staff/emergency/runs/<id:run_id>", views.crew_run, name="emergency-run"),
    path("staff/emergency/runs/<id:run_id>/moment", views.record_moment, name="emergency-moment"),
    path(
        "staff/emergency/runs/<id:run_id>/destination",
        views.choose_destination,
        name="emergency-destination",
    ),
    path("staff/emergency/runs/<id:run_id>/identify", views.identify, name="emergency-identify"),
    path(
        "staff/emergency/runs/<id:run_id>/unknown",
        views.unknown_patient,
        name="emergency-unknown",
    ),
    path("staff/emergency/runs/<id:run_id>/vitals", views.vitals, name="emergency-vitals"),
    path("staff/emergency/runs/<id:run_id>/ecg", views.ecg, name="emergency-ecg"),
    path("staff/emergency/arrivals/", views.arrivals_board, name="emergency-arrivals"),
    path("staff/emergency/arrivals/<id:run_id>", views.arrival, name="emergency-arrival"),
    path(
        "staff/emergency/arrivals/<id:run_id>/activate",
        views.activate_team,
        name="emergency-activate",
    ),
    path(
        "staff/emergency/arrivals/<id:run_id>/milestone",
        views.milestone,
        name="emergency-milestone",
    ),
    path("staff/emergency/arrivals/<id:run_id>/fee", views.fee, name="emergency-fee"),
    path("staff/emergency/ecgs/<id:ecg_id>/image", views.ecg_image, name="emergency-ecg-image"),
]
