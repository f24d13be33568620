"""Master patient index JSON API, under /api/mpi."""

from ninja import Router

router = Router(tags=["mpi"])
