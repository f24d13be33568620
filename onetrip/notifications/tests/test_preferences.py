"""Patients' channel preferences, language and quiet hours (issue 7 item 1): who is told how,
in which language, and when a non-urgent notice waits."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest

from onetrip.conftest import SHANGHAI
from onetrip.core.models import AuditEvent
from onetrip.identity import services as identity
from onetrip.notifications import policy, services
from onetrip.notifications.message_templates import TEMPLATES
from onetrip.notifications.models import ContactPreference, Notification, SandboxMessage
from onetrip.notifications.tests.conftest import PHONE
from onetrip.web.sessions import SESSION_KEY


def prefer(actor, channels=("sms",), language="zh-hans", quiet=(None, None)):
    return services.set_preferences(
        services.PreferenceInput(
            language=language, channels=list(channels), quiet_from=quiet[0], quiet_until=quiet[1]
        ),
        phone=PHONE,
        actor=actor,
    )


def at(hour: int, minute: int = 0, day: int = 23) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, minute, tzinfo=SHANGHAI)


# --- templates in both languages ------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(TEMPLATES))
def test_every_template_renders_in_chinese_and_english(code):
    template = TEMPLATES[code]
    params = {name: "chief" if name in template.labels else f"<{name}>" for name in template.params}
    zh_title, zh_body = template.render(params, "zh-hans")
    en_title, en_body = template.render(params, "en")
    assert zh_body != en_body
    assert zh_title != en_title
    assert re.search(r"[\u4e00-\u9fff]", zh_body + zh_title)
    assert not re.search(r"[\u4e00-\u9fff]", en_body + en_title)
    for name in template.params - set(template.labels):
        assert f"<{name}>" in zh_body
        assert f"<{name}>" in en_body


def test_a_choice_parameter_is_shown_in_the_readers_language():
    params = {"date": "2026-11-30", "time": "15:00", "doctor": "李医生", "title": "chief"}
    params["absent"] = "陈医生"
    template = TEMPLATES["clinic_substituted"]
    assert "主任医师" in template.render(params, "zh-hans")[1]
    assert "Chief physician" in template.render(params, "en")[1]


def test_a_notice_is_rendered_at_delivery_in_the_recipients_language(queue, account_actor):
    queue()  # queued while the phone had no preference
    prefer(account_actor, language="en")
    services.deliver_due()
    assert SandboxMessage.objects.get().body.startswith("[OneTrip] View and pay your bill")
    assert Notification.objects.get().language == "en"


def test_a_sign_in_code_to_a_phone_with_no_patient_is_in_chinese(db, clock):
    identity.request_sign_in_code("13700001111")
    services.deliver_due()
    assert re.fullmatch(r"【OneTrip】您的登录验证码为\d{6}.*", SandboxMessage.objects.get().body)


def test_a_sign_in_code_follows_the_phones_language(account_actor, clock):
    prefer(account_actor, language="en")
    identity.request_sign_in_code(PHONE)
    services.deliver_due()
    assert re.search(r"Your sign-in code is \d{6}", SandboxMessage.objects.get().body)


# --- routing ---------------------------------------------------------------------------------


def test_without_preferences_a_notice_goes_by_sms(queue):
    queue()
    services.deliver_due()
    assert list(SandboxMessage.objects.values_list("channel", flat=True)) == ["sms"]


def test_notices_go_by_the_channels_the_patient_chose(queue, account_actor):
    prefer(account_actor, channels=["app", "wechat"])
    queue()
    services.deliver_due()
    sent = {m.channel: m for m in SandboxMessage.objects.all()}
    assert set(sent) == {"app", "wechat"}
    assert sent["wechat"].title == "您的账单"
    assert sent["app"].address == PHONE
    assert Notification.objects.get().channels == ["app", "wechat"]


def test_a_sign_in_code_always_goes_by_sms_to_the_phone_signing_in(account_actor, clock):
    prefer(account_actor, channels=["wechat"])
    identity.request_sign_in_code(PHONE)
    services.deliver_due()
    assert list(SandboxMessage.objects.values_list("channel", flat=True)) == ["sms"]


# --- quiet hours -----------------------------------------------------------------------------


def test_a_non_urgent_notice_waits_until_the_quiet_hours_end(queue, account_actor, clock):
    prefer(account_actor, quiet=(dt.time(22, 0), dt.time(7, 30)))
    clock.set(at(23, 15))
    queue()
    assert services.deliver_due() == 1
    notification = Notification.objects.get()
    assert (notification.status, notification.next_attempt_at) == ("queued", at(7, 30, day=24))
    assert notification.attempts == 0  # held, not failed
    assert not SandboxMessage.objects.exists()

    clock.set(at(7, 29, day=24))
    assert services.deliver_due() == 0
    clock.set(at(7, 30, day=24))
    services.deliver_due()
    assert Notification.objects.get().status == "sent"
    assert SandboxMessage.objects.get().sent_at == at(7, 30, day=24)


@pytest.mark.parametrize(
    ("template", "params"),
    [
        ("clinic_stopped", {"doctor": "陈医生", "date": "2026-11-24", "time": "08:30"}),
        ("critical_value", {"test": "K", "value": "6.9", "flag": "HH", "order": "EO-1"}),
    ],
)
def test_urgent_notices_arrive_during_quiet_hours(queue, account_actor, clock, template, params):
    prefer(account_actor, quiet=(dt.time(22, 0), dt.time(7, 30)))
    clock.set(at(2, 40))
    queue(template, **params)
    services.deliver_due()
    assert Notification.objects.get().status == "sent"
    assert SandboxMessage.objects.get().sent_at == at(2, 40)


def test_a_sign_in_code_arrives_during_quiet_hours(account_actor, clock):
    prefer(account_actor, quiet=(dt.time(0, 0), dt.time(23, 59)))
    identity.request_sign_in_code(PHONE)
    services.deliver_due()
    assert SandboxMessage.objects.filter(template="sign_in_code").exists()


@pytest.mark.parametrize(
    ("moment", "window", "ends"),
    [
        (at(23, 0), (dt.time(22), dt.time(7)), at(7, day=24)),  # over midnight, before it
        (at(6, 59), (dt.time(22), dt.time(7)), at(7)),  # over midnight, after it
        (at(7, 0), (dt.time(22), dt.time(7)), None),  # the end is outside
        (at(21, 59), (dt.time(22), dt.time(7)), None),
        (at(13, 0), (dt.time(12), dt.time(14)), at(14)),  # a nap in the afternoon
        (at(14, 0), (dt.time(12), dt.time(14)), None),
        (at(13, 0), (None, None), None),
    ],
)
def test_quiet_hours_end(moment, window, ends):
    assert policy.quiet_hours_end(moment, *window) == ends


# --- the page and the API --------------------------------------------------------------------


@pytest.fixture
def phone_client(client, account_actor):
    session = client.session
    session[SESSION_KEY] = account_actor.account_id
    session.save()
    return client


def test_the_patient_sets_channels_language_and_quiet_hours_on_the_phone_page(phone_client, clock):
    page = phone_client.get("/p/notifications")
    assert page.status_code == 200
    assert "通知设置" in page.content.decode()
    response = phone_client.post(
        "/p/notifications",
        {
            "language": "en",
            "channels": ["sms", "app"],
            "quiet_from": "22:00",
            "quiet_until": "07:00",
        },
    )
    assert response.status_code == 302
    preference = ContactPreference.objects.get(phone=PHONE)
    assert (preference.language, preference.sms, preference.app, preference.wechat) == (
        "en",
        True,
        True,
        False,
    )
    assert (preference.quiet_from, preference.quiet_until) == (dt.time(22), dt.time(7))
    assert AuditEvent.objects.filter(summary="notification preferences set").exists()
    assert 'value="22:00"' in phone_client.get("/p/notifications").content.decode()


def test_the_page_refuses_no_channel_and_half_quiet_hours(phone_client, clock):
    page = phone_client.post(
        "/p/notifications", {"language": "zh-hans", "quiet_from": "22:00"}
    ).content.decode()
    assert "请至少选择一种通知方式" in page
    assert "请同时填写免打扰的开始和结束时间" in page
    assert not ContactPreference.objects.exists()


def test_the_page_needs_a_signed_in_phone(client, db):
    assert client.get("/p/notifications")["Location"].startswith("/p/sign-in")


def test_the_api_reads_and_sets_the_preferences(phone_client, clock):
    url = "/api/notifications/preferences"
    assert phone_client.get(url).json() == {
        "language": "zh-hans",
        "channels": ["sms"],
        "quiet_from": None,
        "quiet_until": None,
    }
    body = {"language": "en", "channels": ["wechat"], "quiet_from": "21:30", "quiet_until": "08:00"}
    response = phone_client.put(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 200
    assert response.json() == body | {"quiet_from": "21:30:00", "quiet_until": "08:00:00"}
    assert ContactPreference.objects.get().wechat


def test_the_api_answers_bad_preferences_with_field_errors(phone_client, clock):
    body = {"language": "fr", "channels": [], "quiet_from": "22:00", "quiet_until": "22:00"}
    response = phone_client.put(
        "/api/notifications/preferences", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 422
    assert sorted((e["field"], e["code"]) for e in response.json()["errors"]) == [
        ("channels", "required"),
        ("language", "invalid_choice"),
        ("quiet_until", "invalid"),
    ]
    assert not ContactPreference.objects.exists()


def test_the_api_needs_a_signed_in_phone(client, db):
    assert client.get("/api/notifications/preferences").status_code == 401
