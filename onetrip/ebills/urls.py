"""Electronic bills pages."""

urlpatterns: list = []
