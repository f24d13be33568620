"""URL converters. `id` is the one for object ids in page addresses: a number no database
column can hold names no object, so it does not match (404) instead of reaching a query."""

from __future__ import annotations

from onetrip.core.bounds import MAX_ID


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError("not an id")  # Django takes a ValueError as "no match"
        return number

    def to_url(self, value: int) -> str:
        return str(value)
