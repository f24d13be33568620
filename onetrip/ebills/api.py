"""Electronic bills JSON API, under /api/ebills."""

from ninja import Router

router = Router(tags=["ebills"])
