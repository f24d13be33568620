"""Billing pages."""

urlpatterns: list = []
