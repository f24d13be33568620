from django.contrib.auth.views import LogoutView
from django.urls import path

from onetrip.core import views

urlpatterns = [
    path("", views.staff_home, name="staff-home"),
    path("login", views.StaffLoginView.as_view(), name="staff-login"),
    path("logout", LogoutView.as_view(next_page="staff-login"), name="staff-logout"),
    path("audit/", views.audit_trail, name="staff-audit"),
]
