"""Channel adapters: SMS, app message, WeChat template message. A real provider (Aliyun or
Tencent Cloud SMS, the app's push service, the WeChat official account's template message API)
plugs in beside the sandbox with the same `send`; this codebase ships only the sandboxes, which
store what would be sent and never send anything."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings

from onetrip.core import clock
from onetrip.notifications.models import SandboxMessage


@dataclass(frozen=True)
class Outgoing:
    channel: str
    address: str  # the phone; an app or WeChat adapter maps it to the account's device or openid
    template: str
    title: str
    body: str


@dataclass(frozen=True)
class SendReceipt:
    provider: str
    message_id: str


class Undeliverable(Exception):
    """The provider refuses the message for good (an unknown number, an unbound account):
    retrying cannot help, so the notification fails at once."""


class ChannelAdapter(Protocol):
    def send(self, message: Outgoing) -> SendReceipt: ...


class SandboxAdapter:
    """Accepts every message and keeps it for the sandbox page."""

    name = "sandbox"

    def send(self, message: Outgoing) -> SendReceipt:
        stored = SandboxMessage.objects.create(
            channel=message.channel,
            address=message.address,
            title=message.title[:100],
            body=message.body[:500],
            template=message.template,
            message_id=uuid.uuid4().hex,
            sent_at=clock.now(),
        )
        return SendReceipt(provider=self.name, message_id=stored.message_id)


ADAPTERS: dict[str, type[ChannelAdapter]] = {"sandbox": SandboxAdapter}


def adapter_for(channel: str) -> ChannelAdapter:
    return ADAPTERS[settings.ONETRIP_NOTIFY["backends"][channel]]()
