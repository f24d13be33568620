"""Billing JSON API, under /api/billing."""

from ninja import Router

router = Router(tags=["billing"])
