"""Sign-in abuse (issue 12, item 4; D58): SMS pumping, guessing across re-sent codes, and a
stranger voiding someone's code. The limits are `settings.ONETRIP_LIMITS`."""

import datetime as dt
import re

import pytest
from django.core.cache import caches
from django.test import override_settings

from onetrip.core import limits
from onetrip.core.errors import TooManyRequests
from onetrip.notifications.testing import delivered

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
SIX_DIGITS = re.compile(r"(?<!\d)(\d{6})(?!\d)")


def ask(client, phone: str, address: str = "203.0.113.7"):
    return client.post(
        "/api/me/sign-in-code",
        {"phone": phone},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def guess(client, code: str, phone: str = PHONE, address: str = "203.0.113.7"):
    return client.post(
        "/api/me/session",
        {"phone": phone, "code": code},
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def latest_code(phone: str = PHONE) -> str:
    body = delivered().filter(phone=phone).latest("id").body
    return SIX_DIGITS.search(body).group(1)


def test_one_client_cannot_send_codes_to_many_numbers(client, clock):
    answers = [ask(client, f"139{n:08d}") for n in range(11)]

    assert [a.status_code for a in answers] == [202] * 10 + [429]
    assert answers[-1]["Content-Type"] == "application/problem+json"
    assert int(answers[-1]["Retry-After"]) > 0
    # Another client is not held up by the first one's spending.
    assert ask(client, "13700000000", address="198.51.100.9").status_code == 202


def test_one_number_gets_at_most_five_codes_an_hour_from_anywhere(client, clock):
    answers = []
    for n in range(6):
        answers.append(ask(client, PHONE, address=f"198.51.100.{n}"))
        clock.advance(dt.timedelta(seconds=61))

    assert [a.status_code for a in answers] == [202] * 5 + [429]
    assert delivered().filter(phone=PHONE).count() == 5


def test_wrong_guesses_are_counted_across_re_sent_codes(client, clock):
    wrong_answers = []
    for _round in range(3):
        ask(client, PHONE)
        for n in range(4):
            wrong_answers.append(guess(client, f"{n:06d}" if n else "999999").status_code)
        clock.advance(dt.timedelta(seconds=61))
    # Three codes were sent, so no single code's five-attempt cap was reached; the number's
    # budget of ten wrong guesses was.
    assert wrong_answers.count(429) >= 1
    ask(client, PHONE, address="198.51.100.1")

    refused = guess(client, latest_code(), address="198.51.100.2")

    assert refused.status_code == 429
    assert "sessionid" not in refused.cookies


def test_a_strangers_request_does_not_void_the_code_being_typed(client, clock):
    ask(client, PHONE)
    victims_code = latest_code()
    clock.advance(dt.timedelta(seconds=61))
    ask(client, PHONE, address="198.51.100.66")  # the stranger

    assert guess(client, victims_code).status_code == 200


@pytest.mark.parametrize(
    "cache",
    [
        {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        {
            "BACKEND": "onetrip.core.redis_cache.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
        },
    ],
    ids=["local-memory", "redis"],
)
def test_limits_count_in_the_configured_cache(cache):
    """Production keeps the counters in Redis (shared by every worker); the demo in memory."""
    with override_settings(CACHES={"default": cache}):
        store = caches["default"]
        try:
            store.clear()
        except Exception as exc:  # Redis not running on this machine
            pytest.skip(f"no Redis at 127.0.0.1:6379: {exc}")
        for _ in range(5):
            limits.spend("record_claim_guess_per_account", "account-7")
        limits.check("sign_in_guess_per_phone", "account-7")  # another limit, untouched
        for _ in range(5):
            limits.spend("record_claim_guess_per_account", "account-7")
        with pytest.raises(TooManyRequests):
            limits.check("record_claim_guess_per_account", "account-7")
        limits.check("record_claim_guess_per_account", "account-8")
        store.clear()
