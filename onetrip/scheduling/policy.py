"""Booking rules as data (R-APPT-3/4/5/6/7). Defaults follow ../shared/reference/domain-rules.md §1;
an institution, a department or a doctor may override any of them (most specific wins)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import PRIMARY_CARE_LEVELS
from onetrip.core.errors import FieldError, InvalidInput

# Percent of a session's capacity per pool. Online = shared_online + primary_care = 80 (≥80% of
# general, specialist and expert capacity online); primary_care is 40% of online.
DEFAULT_POOL_SHARES = {
    "primary_care": 32,
    "shared_online": 48,
    "window": 10,
    "in_clinic": 5,
    "phone": 3,
    "kiosk": 2,
}


# R-APPT-8: township, community and island institutions put every outpatient source online, so
# their sessions go wholly to the shared online pool (window and in-clinic bookings draw on it
# too). A per-level default, under the institution's, department's and doctor's overrides.
ALL_ONLINE_SHARES = dict.fromkeys(DEFAULT_POOL_SHARES, 0) | {"shared_online": 100}
LEVEL_RULES: dict[str, dict[str, Any]] = {
    level: {"pool_shares": ALL_ONLINE_SHARES} for level in PRIMARY_CARE_LEVELS
}


@dataclasses.dataclass(frozen=True)
class BookingPolicy:
    release_time: dt.time = dt.time(7, 0)
    window_days: int = 14
    # Seed 000 §一(二)(2): primary-care sources are released 10 days ahead and what primary care
    # has not used 3 days after that release returns to the shared pool (7 days before the visit).
    primary_care_release_days: int = 10
    primary_care_return_after_days: int = 3
    pool_shares: dict[str, int] = dataclasses.field(
        default_factory=lambda: dict(DEFAULT_POOL_SHARES)
    )
    hold_minutes: int = 15
    cancel_days_before: int = 1
    cancel_deadline: dt.time = dt.time(15, 0)
    no_show_grace_minutes: int = 30
    no_show_limit: int = 3
    no_show_window_days: int = 90
    suspension_days: int = 90
    per_department_per_day: int = 1
    daily_cap: int | None = 3
    weekly_cap: int | None = 10
    early_check_in_minutes: int = 30
    late_insert_every: int = 3
    waitlist_offer_minutes: int = 30

    def with_overrides(self, overrides: dict[str, Any]) -> BookingPolicy:
        return dataclasses.replace(self, **_parse(overrides))


TIME_FIELDS = {"release_time", "cancel_deadline"}


def _parse(overrides: dict[str, Any]) -> dict[str, Any]:
    """Validate stored or submitted overrides; the JSON form keeps times as "HH:MM"."""
    known = {f.name for f in dataclasses.fields(BookingPolicy)}
    errors: list[FieldError] = []
    parsed: dict[str, Any] = {}
    for name, value in overrides.items():
        if name not in known:
            errors.append(FieldError(name, _("Unknown rule."), "unknown"))
        elif name in TIME_FIELDS:
            try:
                parsed[name] = dt.time.fromisoformat(value)
            except (TypeError, ValueError):
                errors.append(FieldError(name, _("Enter a time as HH:MM."), "invalid"))
        elif name == "pool_shares":
            shares = value if isinstance(value, dict) else {}
            if (
                sorted(shares) != sorted(DEFAULT_POOL_SHARES)
                or not all(_is_count(share) for share in shares.values())
                or sum(shares.values()) != 100
            ):
                errors.append(
                    FieldError(name, _("Give every pool a share; shares add up to 100."), "invalid")
                )
            else:
                parsed[name] = dict(shares)
        elif value is None and name in ("daily_cap", "weekly_cap"):
            parsed[name] = None
        elif not _is_count(value):
            errors.append(FieldError(name, _("Enter a whole number, 0 or more."), "invalid"))
        else:
            parsed[name] = value
    if errors:
        raise InvalidInput(*errors)
    return parsed


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


DEFAULT_POLICY = BookingPolicy()


def level_policy(level: str | None) -> BookingPolicy:
    """The defaults for an institution of `level` (R-APPT-8), before its own overrides."""
    rules = LEVEL_RULES.get(level or "")
    return DEFAULT_POLICY.with_overrides(rules) if rules else DEFAULT_POLICY
