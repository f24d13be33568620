"""Medical insurance pages."""

urlpatterns: list = []
