"""SMS gateway adapters. Real gateways (Aliyun, Tencent Cloud SMS) plug in here with the same
`send` signature; this codebase only ships the sandbox, which never sends anything."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings


@dataclass(frozen=True)
class SendReceipt:
    provider: str
    message_id: str


class SmsGateway(Protocol):
    def send(self, phone: str, body: str) -> SendReceipt: ...


class SandboxSmsGateway:
    """Accepts every message; the outbox row itself is what the sandbox page shows."""

    name = "sandbox"

    def send(self, phone: str, body: str) -> SendReceipt:
        return SendReceipt(provider=self.name, message_id=uuid.uuid4().hex)


GATEWAYS: dict[str, type[SmsGateway]] = {"sandbox": SandboxSmsGateway}


def sms_gateway() -> SmsGateway:
    return GATEWAYS[settings.ONETRIP_SMS_BACKEND]()
