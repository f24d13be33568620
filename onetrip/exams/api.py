"""Exams JSON API, under /api/exams."""

from ninja import Router

router = Router(tags=["exams"])
