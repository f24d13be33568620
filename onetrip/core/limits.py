"""Rate limits on whatever sends or guesses (D58), counted by django-ratelimit.

A limit is a named list of rates in `settings.ONETRIP_LIMITS` (for example "5/h" and "10/d" per
phone). `spend` counts one use against every rate of the limit for a key and refuses once any
rate is over; `check` only looks. The counters live in the default cache: Redis in production,
so every worker shares them; local memory in the demo and tests. Windows are fixed, in real time
(not the injectable clock): a limit protects the real SMS gateway and the real guesser.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage

from onetrip.core.errors import TooManyRequests


def _usages(limit: str, key: str, *, increment: bool) -> list[dict]:
    return [
        usage
        for rate in settings.ONETRIP_LIMITS[limit]
        if (
            usage := get_usage(
                None,
                group=f"onetrip.{limit}",
                key=lambda _group, _request: key,
                rate=rate,
                increment=increment,
            )
        )
        is not None
    ]


def _refuse_if_over(usages: list[dict], message: str | None) -> None:
    over = [u for u in usages if u["should_limit"]]
    if over:
        wait = max(u["time_left"] for u in over)
        raise TooManyRequests(
            message or _("Too many attempts. Please wait and try again later."), retry_after=wait
        )


def spend(limit: str, key: str | None, *, message: str | None = None) -> None:
    """Count one use of `limit` for `key`; TooManyRequests if that goes over any of its rates.
    A missing key (no client address known) is not counted."""
    if key is None:
        return
    _refuse_if_over(_usages(limit, key, increment=True), message)


def check(limit: str, key: str | None, *, message: str | None = None) -> None:
    """TooManyRequests if `limit` is already spent for `key`, without counting a use."""
    if key is None:
        return
    usages = _usages(limit, key, increment=False)
    # Without a use counted, "over" is reaching the limit, not passing it.
    _refuse_if_over([{**u, "should_limit": u["count"] >= u["limit"]} for u in usages], message)
