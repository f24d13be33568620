"""Electronic bills pages."""

from django.urls import path

from onetrip.ebills import views

urlpatterns = [
    path("p/ebills/", views.my_bills, name="patient-ebills"),
    path("p/ebills/<id:bill_id>/", views.my_bill, name="patient-ebill"),
    path("p/ebills/<id:bill_id>/pdf", views.my_bill_pdf, name="patient-ebill-pdf"),
    path("kiosk/ebills/<id:bill_id>/", views.kiosk_print, name="kiosk-ebill-print"),
    path("ebills/verify/", views.verify, name="ebill-verify"),
]
