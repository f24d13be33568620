from django.urls import path

from onetrip.identity import views

urlpatterns = [
    path("", views.home, name="home"),
    path("p/sign-in", views.patient_sign_in, name="patient-sign-in"),
    path("p/sign-out", views.patient_sign_out, name="patient-sign-out"),
    path("p/", views.patient_home, name="patient-home"),
    path("p/register", views.patient_register, name="patient-register"),
    path("p/claim", views.patient_claim, name="patient-claim"),
    path("p/claim/code", views.patient_claim_code, name="patient-claim-code"),
    path(
        "p/patients/<id:patient_id>/documents",
        views.patient_add_document,
        name="patient-add-document",
    ),
    path(
        "p/patients/<id:patient_id>/family",
        views.patient_grant_proxy,
        name="patient-grant-proxy",
    ),
    path("p/family/<id:grant_id>/revoke", views.patient_revoke_proxy, name="patient-revoke-proxy"),
    path("staff/patients/", views.staff_patient_search, name="staff-patient-search"),
    path("staff/patients/new", views.staff_patient_register, name="staff-patient-register"),
    path("staff/patients/<id:patient_id>", views.staff_patient_detail, name="staff-patient-detail"),
    path(
        "staff/patients/<id:patient_id>/documents",
        views.staff_add_document,
        name="staff-add-document",
    ),
]
