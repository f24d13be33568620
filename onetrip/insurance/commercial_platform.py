"""The adapter to commercial health insurers and to the home-city insurance office's manual
reimbursement service (R-PAY-8, D100, D101): one method, `call(operation, payload)`, that answers
`{"ok": True, "data": {...}}` or `{"ok": False, "code": ..., "message": ...}`.

The sandbox answers in-process; a real adapter (one per insurer's direct-settlement gateway, and
the provincial reimbursement service) is chosen by `ONETRIP_COMMERCIAL_INSURANCE = {"platform":
"dotted.path.Class"}`. Operations: verify_policy, quote, settle, reverse, submit_claim,
query_claim. Every write carries our reference: the same reference is answered once."""

from __future__ import annotations

from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from onetrip.core.errors import DomainError

DEFAULTS = {"platform": "onetrip.insurance.commercial_sandbox.CommercialSandbox"}


class CommercialPlatform(Protocol):
    def call(self, operation: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Answer one request."""


class InsurerRefused(DomainError):
    status = 409

    def __init__(self, code: str, message: str) -> None:
        super().__init__(
            _("The insurer refused: %(reason)s") % {"reason": message}, code=code or "refused"
        )
        self.reason = message


@cache
def _platform_class(path: str) -> type:
    return import_string(path)


def current_platform() -> CommercialPlatform:
    config = DEFAULTS | getattr(settings, "ONETRIP_COMMERCIAL_INSURANCE", {})
    return _platform_class(config["platform"])()


def call(operation: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The answer's data; a refusal raises InsurerRefused with the platform's code."""
    answer = current_platform().call(operation, payload)
    if not answer.get("ok"):
        raise InsurerRefused(str(answer.get("code", "")), str(answer.get("message", ""))[:200])
    return answer.get("data") or {}
