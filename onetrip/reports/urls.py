"""Reports pages."""

urlpatterns: list = []
