"""Medical insurance JSON API, under /api/insurance."""

from ninja import Router

router = Router(tags=["insurance"])
