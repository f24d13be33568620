"""The one pagination of the API (settings.NINJA_PAGINATION_CLASS): ninja's limit and offset,
both bounded (core.bounds) so a page request never asks the database for an absurd slice."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.conf import settings
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 500
MAX_OFFSET = 10**9


class BoundedLimitOffset(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(settings.PAGINATION_PER_PAGE, ge=1, le=MAX_LIMIT)
        offset: int = Field(0, ge=0, le=MAX_OFFSET)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
