"""Master patient index pages."""

urlpatterns: list = []
