from django.contrib import admin
from django.urls import include, path

from onetrip.api import api

urlpatterns = [
    # The machine doors first (D243): a JSON or FHIR request is resolved without trying the
    # pages' 400 patterns, none of which starts with "api/" or "fhir/".
    path("api/", api.urls),
    path("fhir/", include("onetrip.mpi.fhir_urls")),  # Patient/$match before Patient/<id>
    path("fhir/", include("onetrip.identity.fhir_urls")),
    path("fhir/", include("onetrip.scheduling.fhir_urls")),
    path("", include("onetrip.identity.urls")),
    path("", include("onetrip.scheduling.urls")),
    path("staff/", include("onetrip.core.urls")),
    path("", include("onetrip.notifications.urls")),
    path("staff/clinic/", include("onetrip.scheduling.staff_urls")),
    path("", include("onetrip.mpi.urls")),
    path("", include("onetrip.exams.urls")),
    path("", include("onetrip.reports.urls")),
    path("", include("onetrip.billing.urls")),
    path("", include("onetrip.insurance.urls")),
    path("", include("onetrip.ebills.urls")),
    path("", include("onetrip.journey.urls")),
    path("", include("onetrip.metrics.urls")),
    path("", include("onetrip.referral.urls")),
    path("", include("onetrip.service.urls")),
    path("", include("onetrip.prescribing.urls")),
    path("", include("onetrip.pharmacy.urls")),
    path("", include("onetrip.publichealth.urls")),
    path("", include("onetrip.inpatient.urls")),
    path("", include("onetrip.emergency.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]
