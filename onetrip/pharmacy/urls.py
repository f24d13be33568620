"""Pharmacy pages (mounted at the site root): staff at /staff/pharmacy/, patients at
/p/medicines/."""

from django.urls import path

from onetrip.pharmacy import views

urlpatterns = [
    path("staff/pharmacy/", views.queue, name="pharmacy-queue"),
    path("staff/pharmacy/screen/", views.screen, name="pharmacy-screen"),
    path("staff/pharmacy/orders/<id:order_id>/ready", views.ready, name="pharmacy-ready"),
    path("staff/pharmacy/orders/<id:order_id>/call", views.call, name="pharmacy-call"),
    path(
        "staff/pharmacy/orders/<id:order_id>/hand-over",
        views.hand_over,
        name="pharmacy-hand-over",
    ),
    path("staff/pharmacy/deliveries/<id:delivery_id>/decoct", views.decoct, name="pharmacy-decoct"),
    path(
        "staff/pharmacy/deliveries/<id:delivery_id>/dispatch",
        views.dispatch,
        name="pharmacy-dispatch",
    ),
    path(
        "staff/pharmacy/deliveries/<id:delivery_id>/confirm",
        views.confirm,
        name="pharmacy-confirm",
    ),
    path("p/medicines/", views.patient_home, name="pharmacy-patient-home"),
    path(
        "p/medicines/<id:prescription_id>",
        views.patient_prescription,
        name="pharmacy-patient-prescription",
    ),
    path(
        "p/medicines/<id:prescription_id>/arrived",
        views.patient_arrived,
        name="pharmacy-patient-arrived",
    ),
    path(
        "p/medicines/<id:prescription_id>/delivery",
        views.patient_delivery,
        name="pharmacy-patient-delivery",
    ),
]
