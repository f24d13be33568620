"""Referral pages (mounted at the site root) and the FHIR resources at /fhir/."""

from django.urls import path

from onetrip.referral import fhir_views, views

urlpatterns = [
    path("staff/referrals/", views.worklist, name="referral-worklist"),
    path("staff/referrals/office", views.office, name="referral-office"),
    path("staff/referrals/<id:referral_id>", views.detail, name="referral-detail"),
    path("staff/referrals/<id:referral_id>/accept", views.accept, name="referral-accept"),
    path(
        "staff/referrals/<id:referral_id>/redirect",
        views.redirect_referral,
        name="referral-redirect",
    ),
    path(
        "staff/referrals/<id:referral_id>/green-channel",
        views.green_channel,
        name="referral-green-channel",
    ),
    path(
        "staff/referrals/follow-ups/<id:follow_up_id>/book",
        views.book_follow_up,
        name="referral-book-follow-up",
    ),
    path("staff/referrals/up/<id:patient_id>", views.refer_up, name="referral-new-up"),
    path("staff/referrals/down/<id:patient_id>", views.refer_down, name="referral-new-down"),
    path("staff/referrals/record/<id:patient_id>", views.shared_record, name="referral-record"),
    path(
        "staff/referrals/consultations/new/<id:patient_id>",
        views.new_consultation,
        name="referral-new-consultation",
    ),
    path(
        "staff/referrals/consultations/<id:request_id>",
        views.consultation,
        name="referral-consultation",
    ),
    path(
        "staff/referrals/contracts/offer/<id:patient_id>",
        views.offer_contract,
        name="referral-offer-contract",
    ),
    path("p/referrals/", views.patient_referrals, name="patient-referrals"),
    path("p/referrals/<id:referral_id>", views.patient_referral, name="patient-referral"),
    path(
        "p/referrals/contracts/<id:contract_id>/sign",
        views.sign_contract,
        name="patient-sign-contract",
    ),
    path("p/referrals/record/<id:patient_id>", views.patient_record, name="patient-record"),
    path(
        "fhir/ServiceRequest/<str:resource_id>",
        fhir_views.service_request_read,
        name="referral-fhir-service-request",
    ),
    path("fhir/Task/<str:resource_id>", fhir_views.task_read, name="referral-fhir-task"),
    path(
        "fhir/CarePlan/<str:resource_id>", fhir_views.care_plan_read, name="referral-fhir-care-plan"
    ),
    path(
        "fhir/Patient/<str:patient_id>/$everything",
        fhir_views.patient_everything,
        name="referral-fhir-everything",
    ),
]
