"""Pure rules of delivery: how long to wait before trying again, and when quiet hours end."""

from __future__ import annotations

import datetime as dt

from django.conf import settings


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: doubling from the base, capped."""
    policy = settings.ONETRIP_NOTIFY
    seconds = policy["backoff_base_seconds"] * 2 ** (attempts - 1)
    return dt.timedelta(seconds=min(seconds, policy["backoff_cap_seconds"]))


def quiet_hours_end(
    moment: dt.datetime, quiet_from: dt.time | None, quiet_until: dt.time | None
) -> dt.datetime | None:
    """The end of the quiet hours `moment` falls in (local time), or None outside them. A window
    whose start is after its end runs over midnight (22:00–07:00)."""
    if quiet_from is None or quiet_until is None:
        return None
    local = moment.time().replace(tzinfo=None)
    if quiet_from < quiet_until:
        inside = quiet_from <= local < quiet_until
        ends_on = moment.date()
    else:
        inside = local >= quiet_from or local < quiet_until
        ends_on = moment.date() + dt.timedelta(days=1 if local >= quiet_from else 0)
    if not inside:
        return None
    return dt.datetime.combine(ends_on, quiet_until, tzinfo=moment.tzinfo)
