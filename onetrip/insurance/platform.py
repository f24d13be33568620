"""The insurance platform adapter (R-PAY-3): one method, `exchange`, that posts a request
envelope and returns the response envelope. The sandbox answers in-process; a real adapter
posts to the provincial gateway with its signature headers and is chosen by setting
`ONETRIP_INSURANCE = {"platform": "dotted.path.Class", ...}`."""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULTS = {
    "platform": "onetrip.insurance.sandbox.SandboxPlatform",
    "area": "330100",  # mdtrtarea_admvs: Hangzhou
    "receiver_system": "YBXT",
}


class InsurancePlatform(Protocol):
    def exchange(self, request: dict[str, Any]) -> dict[str, Any]:
        """Answer one request envelope. Answers a msgid already seen with the same response."""


def config() -> dict[str, str]:
    return DEFAULTS | getattr(settings, "ONETRIP_INSURANCE", {})


@cache
def _platform_class(path: str) -> type:
    return import_string(path)


def current_platform() -> InsurancePlatform:
    return _platform_class(config()["platform"])()
