"""The bounds every input is checked against before it reaches a service or the database
(docs/security.md, "Input bounds"). One place, so an API field, a page's query parameter and a
service agree on what is absurd.

Ids are positive and fit a signed 64-bit column (SQLite's INTEGER and PostgreSQL's bigint); an
id past that cannot name a row, so it is refused at the edge rather than overflowing a driver.
Money is integer fen and counts are whole numbers, both strict in JSON bodies: `"2"` and `true`
are refused, not coerced. Dates stay in years that calendar arithmetic (a day before, a week
after, a local midnight) survives."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import AfterValidator, Field, StrictInt

MAX_ID = 2**63 - 1
# One amount, in fen: ¥10 million covers any single hospital bill, deposit or refund.
MAX_FEN = 10**9
# One charge line's quantity (ward days, tablets, units): far above any real line.
MAX_QUANTITY = 10_000
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2100, 12, 31)


def parse_day(text: str) -> dt.date:
    """A YYYY-MM-DD day within the bounds; ValueError for anything else."""
    day = dt.date.fromisoformat(text)
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        raise ValueError(f"{text} is outside {EARLIEST_DAY.year}–{LATEST_DAY.year}")
    return day


def parse_id(text: str) -> int:
    """An id as text (a query parameter); ValueError for anything that cannot name a row."""
    number = int(text) if text.isascii() else int("x")
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"{text} is not an id")
    return number


def _within_days(moment: dt.datetime) -> dt.datetime:
    if not EARLIEST_DAY <= moment.date() <= LATEST_DAY:
        raise ValueError(f"Enter a time between {EARLIEST_DAY.year} and {LATEST_DAY.year}.")
    return moment


# Ids in paths, query strings and bodies (lax: a path or query value is text by nature).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Money and counts in bodies: a JSON integer, nothing else.
Fen = Annotated[StrictInt, Field(ge=1, le=MAX_FEN)]
FenOrZero = Annotated[StrictInt, Field(ge=0, le=MAX_FEN)]
Quantity = Annotated[StrictInt, Field(ge=1, le=MAX_QUANTITY)]
Day = Annotated[dt.date, Field(ge=EARLIEST_DAY, le=LATEST_DAY)]
Moment = Annotated[dt.datetime, AfterValidator(_within_days)]
