"""Insurance pages: commercial policies and off-site claims (R-PAY-8)."""

from django.urls import path

from onetrip.insurance import views

urlpatterns = [
    path("p/insurance/", views.my_insurance, name="patient-insurance"),
    path("p/insurance/claims/", views.my_claims, name="patient-offsite-claims"),
    path("p/insurance/claims/new/", views.new_claim, name="patient-offsite-claim-new"),
    path("p/insurance/claims/<id:claim_id>/", views.my_claim, name="patient-offsite-claim"),
    path("staff/insurance/claims/", views.claims_desk, name="insurance-claims-desk"),
    path("staff/insurance/claims/<id:claim_id>/", views.claim_desk, name="insurance-claim"),
]
