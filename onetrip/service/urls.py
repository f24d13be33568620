"""Service-centre pages: the complaints officer's worklist at /staff/complaints/, the patient's
service centre at /p/service/."""

from django.urls import path

from onetrip.service import staff_views, views

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
    path("p/service/errands/new", views.patient_open_errand, name="service-patient-errand-new"),
    path("p/service/errands/<id:ticket_id>", views.patient_errand, name="service-patient-errand"),
    path(
        "p/service/certificates/<id:certificate_id>/pdf",
        views.patient_certificate_pdf,
        name="service-patient-certificate-pdf",
    ),
    path("c/verify/<str:token>", views.verify_certificate, name="service-certificate-verify"),
    path("staff/certificates/", staff_views.certificate_desk, name="service-certificates"),
    path(
        "staff/certificates/<id:certificate_id>",
        staff_views.certificate,
        name="service-certificate",
    ),
    path(
        "staff/certificates/<id:certificate_id>/stamp",
        staff_views.certificate_stamp,
        name="service-certificate-stamp",
    ),
    path(
        "staff/certificates/<id:certificate_id>/refuse",
        staff_views.certificate_refuse,
        name="service-certificate-refuse",
    ),
    path(
        "staff/certificates/<id:certificate_id>/pdf",
        staff_views.certificate_staff_pdf,
        name="service-certificate-pdf",
    ),
    path("staff/lending/", staff_views.lending_desk, name="service-lending"),
    path("staff/lending/<id:equipment_id>/lend", staff_views.lend, name="service-lend"),
    path("staff/loans/<id:loan_id>", staff_views.loan, name="service-loan"),
    path(
        "staff/loans/<id:loan_id>/hand-over",
        staff_views.loan_hand_over,
        name="service-loan-hand-over",
    ),
    path("staff/loans/<id:loan_id>/return", staff_views.loan_return, name="service-loan-return"),
    path("staff/loans/<id:loan_id>/cancel", staff_views.loan_cancel, name="service-loan-cancel"),
    path("staff/lost-found/", staff_views.lost_found, name="service-found"),
    path("staff/lost-found/<id:item_id>", staff_views.found_item, name="service-found-item"),
    path(
        "staff/lost-found/<id:item_id>/claim", staff_views.found_claim, name="service-found-claim"
    ),
    path("staff/volunteers/", staff_views.volunteer_desk, name="service-volunteers"),
    path(
        "staff/volunteers/shifts/<id:shift_id>/sign-in",
        staff_views.shift_sign_in,
        name="service-shift-sign-in",
    ),
    path("staff/help/<id:request_id>", staff_views.help_request, name="service-help"),
    path("staff/help/<id:request_id>/assign", staff_views.help_assign, name="service-help-assign"),
    path("staff/help/<id:request_id>/close", staff_views.help_close, name="service-help-close"),
]
