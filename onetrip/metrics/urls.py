from django.urls import path

from onetrip.metrics import views

urlpatterns = [
    path("staff/metrics/", views.dashboard, name="metrics-dashboard"),
    path("staff/metrics/returns/", views.facility_returns, name="metrics-returns"),
    path("staff/metrics/<str:code>/", views.metric_detail, name="metrics-detail"),
    path("staff/metrics/<str:code>/records", views.metric_records, name="metrics-records"),
]
