"""Reports JSON API, under /api/reports."""

from ninja import Router

router = Router(tags=["reports"])
