"""Reports pages, the public verification page and the FHIR reads (mounted at the site root)."""

from django.urls import path

from onetrip.reports import fhir_views, views

urlpatterns = [
    path("p/reports/", views.patient_reports, name="patient-reports"),
    path("p/reports/<id:report_id>", views.patient_report, name="patient-report"),
    path("p/reports/<id:report_id>.pdf", views.patient_report_pdf, name="patient-report-pdf"),
    path("r/verify/<str:token>", views.verify_report, name="report-verify"),
    path(
        "staff/reports/patients/<id:patient_id>",
        views.staff_patient_reports,
        name="staff-patient-reports",
    ),
    path("staff/reports/<id:report_id>", views.staff_report, name="staff-report"),
    path("staff/reports/<id:report_id>.pdf", views.staff_report_pdf, name="staff-report-pdf"),
    path("staff/reports/critical", views.critical_worklist, name="reports-critical"),
    path(
        "staff/reports/critical/<id:alert_id>/acknowledge",
        views.acknowledge_critical,
        name="reports-acknowledge",
    ),
    path("staff/reports/inbox", views.results_inbox, name="reports-inbox"),
    path(
        "staff/reports/quarantine/<id:report_id>/attach",
        views.attach_report,
        name="reports-attach",
    ),
    path(
        "staff/reports/messages/<id:message_id>/replay",
        views.replay_message,
        name="reports-replay",
    ),
    path("staff/reports/recognition", views.recognition_warning, name="reports-recognition"),
    path("fhir/DiagnosticReport", fhir_views.diagnostic_report_search, name="reports-fhir-search"),
    path(
        "fhir/DiagnosticReport/<str:report_id>",
        fhir_views.diagnostic_report_read,
        name="reports-fhir-read",
    ),
    path(
        "fhir/Observation/<str:observation_id>",
        fhir_views.observation_read,
        name="reports-fhir-observation",
    ),
]
