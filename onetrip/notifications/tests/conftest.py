from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import transaction

from onetrip.conftest import NOW
from onetrip.core.actors import Actor, ActorKind
from onetrip.identity.models import MobileAccount
from onetrip.notifications import adapters, services
from onetrip.notifications.adapters import SendReceipt

PHONE = "13812345678"


class FailingAdapter:
    """A provider that is down: every send raises, as a timeout would."""

    calls = 0

    def send(self, message: adapters.Outgoing) -> SendReceipt:
        type(self).calls += 1
        raise ConnectionError("gateway timed out")


@pytest.fixture
def failing(monkeypatch, settings) -> Callable[[str], type[FailingAdapter]]:
    """Make the given channel's provider fail."""

    def fail(channel: str) -> type[FailingAdapter]:
        monkeypatch.setitem(adapters.ADAPTERS, "failing", FailingAdapter)
        backends = settings.ONETRIP_NOTIFY["backends"] | {channel: "failing"}
        settings.ONETRIP_NOTIFY = settings.ONETRIP_NOTIFY | {"backends": backends}
        FailingAdapter.calls = 0
        return FailingAdapter

    return fail


@pytest.fixture
def queue(register, clock) -> Callable[..., None]:
    """Queue `template` for the registered patient's phone, as a service would."""
    patient = register()

    def queue_one(template: str = "billing_link", phone: str = patient.phone, **params) -> None:
        with transaction.atomic():
            services.notify(
                template,
                phone=phone,
                subject=patient,
                params=params or {"link": "https://onetrip.example/p/bills/1"},
            )

    return queue_one


@pytest.fixture
def account_actor(db) -> Actor:
    """The mobile account of the registered patient's phone, signed in."""
    account = MobileAccount.objects.create(phone=PHONE, created_at=NOW)
    return Actor(kind=ActorKind.PATIENT, label="138****5678", account_id=account.pk)
