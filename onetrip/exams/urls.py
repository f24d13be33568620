"""Exams pages."""

urlpatterns: list = []
