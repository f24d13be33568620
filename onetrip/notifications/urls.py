from django.urls import path

from onetrip.notifications import views

urlpatterns = [path("", views.sms_sandbox, name="sms-sandbox")]
