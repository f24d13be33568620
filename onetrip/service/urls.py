"""Service-centre pages: the complaints officer's worklist at /staff/complaints/, the patient's
service centre at /p/service/."""

from django.urls import path

from onetrip.service import views

urlpatterns = [
    path("staff/complaints/", views.worklist, name="service-complaints"),
    path("staff/complaints/new", views.staff_new_complaint, name="service-complaint-new"),
    path("staff/complaints/<id:complaint_id>", views.complaint_detail, name="service-complaint"),
    path(
        "staff/complaints/<id:complaint_id>/route",
        views.route,
        name="service-complaint-route",
    ),
    path(
        "staff/complaints/<id:complaint_id>/respond",
        views.respond,
        name="service-complaint-respond",
    ),
    path(
        "staff/complaints/<id:complaint_id>/close",
        views.close,
        name="service-complaint-close",
    ),
    path("p/service/", views.patient_home, name="service-patient-home"),
    path("p/service/complaints/new", views.patient_new_complaint, name="service-patient-file"),
    path(
        "p/service/complaints/<id:complaint_id>",
        views.patient_complaint,
        name="service-patient-complaint",
    ),
    path(
        "p/service/complaints/<id:complaint_id>/rate",
        views.patient_rate,
        name="service-patient-rate",
    ),
    path("staff/errands/", views.window, name="service-window"),
    path("staff/errands/<id:ticket_id>", views.ticket, name="service-ticket"),
    path("staff/errands/<id:ticket_id>/done", views.ticket_done, name="service-ticket-done"),
    path("staff/errands/<id:ticket_id>/refuse", views.ticket_refuse, name="service-ticket-refuse"),
    path("staff/record-copies/", views.copies_office, name="service-copies"),
    path("staff/record-copies/<id:copy_id>", views.copy_detail, name="service-copy"),
    path(
        "staff/record-copies/<id:copy_id>/prepare", views.copy_prepare, name="service-copy-prepare"
    ),
    path("p/service/record-copies/new", views.patient_apply_copy, name="service-patient-apply"),
    path("p/service/record-copies/<id:copy_id>", views.patient_copy, name="service-patient-copy"),
    path(
        "p/service/record-copies/<id:copy_id>/pdf",
        views.patient_copy_pdf,
        name="service-patient-copy-pdf",
    ),
]
