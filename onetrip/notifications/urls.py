from django.urls import path

from onetrip.notifications import views

urlpatterns = [
    path("staff/sms/", views.sandbox, name="sms-sandbox"),
    path("p/messages", views.patient_messages, name="patient-messages"),
    path(
        "p/notifications",
        views.patient_preferences,
        name="patient-notification-preferences",
    ),
]
