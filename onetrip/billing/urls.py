"""Billing pages."""

from django.urls import path

from onetrip.billing import views

urlpatterns = [
    path("p/bills/<str:token>/", views.bill_page, name="billing-bill"),
    path("staff/billing/desk/", views.cashier_desk, name="billing-desk"),
    path(
        "kiosk/bills/<str:token>/", views.bill_page, {"place": "kiosk"}, name="billing-kiosk-bill"
    ),
    path(
        "sandbox/wechat/cashier/<str:token>/",
        views.sandbox_cashier,
        {"provider": "wechat"},
        name="billing-sandbox-wechat-cashier",
    ),
    path(
        "sandbox/alipay/cashier/<str:token>/",
        views.sandbox_cashier,
        {"provider": "alipay"},
        name="billing-sandbox-alipay-cashier",
    ),
]
