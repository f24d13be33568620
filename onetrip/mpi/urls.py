"""Master patient index pages."""

from django.urls import path

from onetrip.mpi import views

urlpatterns = [
    path("staff/mpi/review/", views.review_queue, name="mpi-review-queue"),
    path("staff/mpi/review/<id:candidate_id>", views.review_pair, name="mpi-review-pair"),
    path("staff/mpi/review/<id:candidate_id>/decide", views.decide_pair, name="mpi-decide-pair"),
    path("staff/mpi/source-records/", views.source_record_lookup, name="mpi-source-records"),
]
