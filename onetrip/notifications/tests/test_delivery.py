"""The outbox and its worker (issue 7 item 1): one row per notice, de-duplicated; delivery with
retries, capped exponential backoff, a give-up after N attempts and a log row per attempt."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction

from onetrip.conftest import NOW
from onetrip.core import clock as clock_module
from onetrip.identity import services as identity
from onetrip.notifications import services
from onetrip.notifications.adapters import ADAPTERS, Undeliverable
from onetrip.notifications.models import (
    DeliveryAttempt,
    Notification,
    NotificationStatus,
    SandboxMessage,
)
from onetrip.notifications.testing import delivered

PHONE = "13812345678"
LINK = {"link": "https://onetrip.example/p/bills/1"}


def test_a_notice_is_written_in_the_callers_transaction_and_only_if_it_commits(queue):
    def failing_change() -> None:
        with transaction.atomic():
            queue()
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        failing_change()
    assert not Notification.objects.exists()

    queue()
    (notification,) = Notification.objects.all()
    assert (notification.status, notification.body, notification.next_attempt_at) == (
        NotificationStatus.QUEUED,
        "",
        NOW,
    )
    assert not SandboxMessage.objects.exists()  # nothing leaves before the worker runs


def test_the_same_notice_caused_twice_is_queued_once(queue, register):
    queue()
    queue()  # a double click, a replayed message
    assert Notification.objects.count() == 1
    queue(phone="13900000000")  # another recipient is another notice
    assert Notification.objects.count() == 2


def test_the_dedup_key_is_enforced_by_the_database(queue):
    queue()
    first = Notification.objects.get()
    with pytest.raises(Exception, match="(?i)unique"), transaction.atomic():
        Notification.objects.create(
            phone=first.phone,
            template=first.template,
            purpose=first.purpose,
            dedup_key=first.dedup_key,
            created_at=NOW,
            next_attempt_at=NOW,
        )


def test_an_occasion_lets_the_same_subject_be_told_again(register, clock):
    patient = register()
    with transaction.atomic():
        for day in ("2026-11-23", "2026-11-23", "2026-11-24"):
            services.notify("billing_link", phone=PHONE, subject=patient, params=LINK, occasion=day)
    assert Notification.objects.count() == 2


def test_a_template_refuses_missing_parameters(register, clock):
    with pytest.raises(ValueError, match="link"), transaction.atomic():
        services.notify("billing_link", phone=PHONE, subject=register(), params={})


def test_the_worker_delivers_through_the_sandbox_and_logs_the_attempt(queue):
    queue()
    out = io.StringIO()
    call_command("deliver_notifications", stdout=out)

    assert "notifications handled: 1" in out.getvalue()
    notification = Notification.objects.get()
    assert (notification.status, notification.sent_at, notification.attempts) == ("sent", NOW, 1)
    sms = SandboxMessage.objects.get(channel="sms")
    assert sms.address == PHONE
    assert sms.body == notification.body == "【OneTrip】查看并支付您的账单：" + LINK["link"]
    (attempt,) = DeliveryAttempt.objects.all()
    assert (attempt.channel, attempt.attempt, attempt.outcome, attempt.provider) == (
        "sms",
        1,
        "sent",
        "sandbox",
    )
    assert attempt.provider_message_id == sms.message_id
    assert services.deliver_due() == 0  # delivered once


def test_a_failed_delivery_is_retried_with_capped_exponential_backoff(queue, failing, clock):
    failing("sms")
    queue()
    waits = []
    for _attempt in range(5):
        assert services.deliver_due() == 1
        notification = Notification.objects.get()
        waits.append((notification.next_attempt_at - NOW).total_seconds())
        assert services.deliver_due() == 0  # not due again before its backoff
        clock.set(notification.next_attempt_at)
    # 30 s, 60 s, 120 s, 240 s, 480 s after each failure (seconds from the first attempt)
    assert waits == [30, 90, 210, 450, 930]
    log = DeliveryAttempt.objects.all()
    assert [a.attempt for a in log] == [1, 2, 3, 4, 5]
    assert {(a.outcome, a.error) for a in log} == {("failed", "ConnectionError: gateway timed out")}


def test_the_backoff_is_capped(settings, queue, failing, clock):
    settings.ONETRIP_NOTIFY = settings.ONETRIP_NOTIFY | {"max_attempts": 20}
    failing("sms")
    queue()
    waits = []
    for _attempt in range(10):
        services.deliver_due()
        due = Notification.objects.get().next_attempt_at
        waits.append(due - clock_module.now())
        clock.set(due)
    assert waits[6] == dt.timedelta(seconds=30 * 2**6)  # 32 min
    assert waits[7:] == [dt.timedelta(hours=1)] * 3  # 64 min would pass the one-hour cap


def test_the_worker_gives_up_after_the_last_attempt(settings, queue, failing, clock):
    settings.ONETRIP_NOTIFY = settings.ONETRIP_NOTIFY | {"max_attempts": 3}
    adapter = failing("sms")
    queue()
    for _attempt in range(3):
        services.deliver_due()
        clock.set(Notification.objects.get().next_attempt_at)
    notification = Notification.objects.get()
    assert (notification.status, notification.attempts, adapter.calls) == ("failed", 3, 3)
    clock.advance(dt.timedelta(days=1))
    assert services.deliver_due() == 0
    assert adapter.calls == 3
    assert DeliveryAttempt.objects.filter(outcome="failed").count() == 3


def test_a_message_the_provider_refuses_for_good_fails_at_once(monkeypatch, settings, queue):
    class Refusing:
        def send(self, message):
            raise Undeliverable("number does not exist")

    monkeypatch.setitem(ADAPTERS, "refusing", Refusing)
    backends = settings.ONETRIP_NOTIFY["backends"] | {"sms": "refusing"}
    settings.ONETRIP_NOTIFY = settings.ONETRIP_NOTIFY | {"backends": backends}
    queue()
    services.deliver_due()
    notification = Notification.objects.get()
    assert (notification.status, notification.attempts) == ("failed", 1)
    assert DeliveryAttempt.objects.get().error == "Undeliverable: number does not exist"


def test_a_retry_sends_only_to_the_channels_that_failed(
    settings, queue, failing, clock, account_actor
):
    services.set_preferences(
        services.PreferenceInput(language="zh-hans", channels=["sms", "wechat"]),
        phone=PHONE,
        actor=account_actor,
    )
    adapter = failing("wechat")
    queue()
    services.deliver_due()
    assert Notification.objects.get().sent_channels == ["sms"]

    clock.set(Notification.objects.get().next_attempt_at)
    backends = settings.ONETRIP_NOTIFY["backends"] | {"wechat": "sandbox"}  # WeChat is back
    settings.ONETRIP_NOTIFY = settings.ONETRIP_NOTIFY | {"backends": backends}
    services.deliver_due()

    notification = Notification.objects.get()
    assert (notification.status, notification.sent_channels) == ("sent", ["sms", "wechat"])
    assert SandboxMessage.objects.filter(channel="sms").count() == 1  # not texted twice
    assert SandboxMessage.objects.filter(channel="wechat").count() == 1
    assert adapter.calls == 1
    assert [(a.channel, a.attempt, a.outcome) for a in DeliveryAttempt.objects.all()] == [
        ("sms", 1, "sent"),
        ("wechat", 1, "failed"),
        ("wechat", 2, "sent"),
    ]


def test_a_worker_that_died_leaves_its_claim_to_another_after_the_lease(queue, clock, monkeypatch):
    queue()

    def die(notification, preference):
        raise SystemExit("worker killed")

    monkeypatch.setattr(services, "_deliver", die)
    with pytest.raises(SystemExit):
        services.deliver_due()
    monkeypatch.undo()
    assert Notification.objects.get().status == "sending"
    assert services.deliver_due() == 0  # still leased
    clock.advance(dt.timedelta(minutes=5))
    assert services.deliver_due() == 1
    assert Notification.objects.get().status == "sent"


def test_delivered_helper_reads_what_the_sandbox_sent(db, clock):
    identity.request_sign_in_code(PHONE)
    assert "验证码" in delivered(phone=PHONE).get().body


def test_a_link_to_a_page_is_sent_absolute_from_the_sites_address(register, settings, clock):
    settings.ONETRIP_SITE_URL = "https://onetrip.example.cn/"
    patient = register()
    with transaction.atomic():
        services.notify(
            "billing_link", phone=PHONE, subject=patient, params={"link": "/p/bills/x/"}
        )
    assert delivered(phone=PHONE).get().body.endswith("https://onetrip.example.cn/p/bills/x/")
