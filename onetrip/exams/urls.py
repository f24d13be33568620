"""Exams pages: patients' phone pages under p/exams/, staff desk pages under staff/exams/."""

from django.urls import path

from onetrip.exams import views

urlpatterns = [
    path("p/exams/", views.patient_exams, name="exams-patient"),
    path(
        "p/exams/patients/<id:patient_id>/plan",
        views.patient_plan,
        name="exams-patient-propose",
    ),
    path("p/exams/plans/<id:plan_id>/", views.patient_booked_plan, name="exams-patient-plan"),
    path("staff/exams/", views.staff_console, name="exams-staff-console"),
    path("staff/exams/patients/<id:patient_id>/plan", views.staff_plan, name="exams-staff-plan"),
    path(
        "staff/exams/plans/<id:plan_id>/", views.staff_booked_plan, name="exams-staff-booked-plan"
    ),
    path("staff/exams/today/", views.staff_today, name="exams-staff-today"),
]
