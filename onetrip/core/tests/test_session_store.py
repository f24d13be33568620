"""Sessions read from Redis and kept in the database (D324): a signed-in request reads no
session row, a sign-out reaches every worker at once, and a Redis fault never leaves a signed-out
session readable. Against the Redis every machine and CI runs (skipped without one), in a
database of its own."""

from __future__ import annotations

import pytest
import redis
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from onetrip.core import session_store
from onetrip.core.tests.test_defaults import settings_of

pytestmark = pytest.mark.django_db

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_sessions(settings):
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    settings.CACHES = {
        **settings.CACHES,
        "sessions": {
            "BACKEND": "onetrip.core.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
        },
    }
    settings.SESSION_CACHE_ALIAS = "sessions"
    settings.SESSION_ENGINE = "onetrip.core.session_store"
    yield caches["sessions"]
    caches["sessions"].clear()


def signed(data: dict) -> str:
    store = session_store.SessionStore()
    store.update(data)
    store.save()
    return store.session_key


def test_production_reads_sessions_from_redis_and_the_demo_from_the_database(tmp_path):
    show = "from django.conf import settings as s; print(s.SESSION_ENGINE)"
    production = settings_of({"ONETRIP_SECRET_KEY": "a-long-random-value"}, tmp_path, show)
    demo = settings_of({"ONETRIP_DEMO": "1"}, tmp_path, show)

    assert production.stdout.split() == ["onetrip.core.session_store"]
    assert demo.stdout.split() == ["django.contrib.sessions.backends.db"]


def test_a_signed_in_request_reads_its_session_without_sql(redis_sessions):
    key = signed({"who": 7})

    with CaptureQueriesContext(connection) as sent:
        assert session_store.SessionStore(key).load() == {"who": 7}

    assert sent.captured_queries == []
    assert Session.objects.filter(session_key=key).exists()  # kept in the database too


def test_a_sign_out_in_one_worker_is_seen_by_every_other_at_once(
    redis_sessions, make_staff, tertiary
):
    profile = make_staff("doctor", tertiary)
    browser = Client()
    browser.force_login(profile.user)
    stolen = Client()  # another worker, or whoever copied the cookie
    stolen.cookies = browser.cookies.__class__(browser.cookies)
    login = reverse("staff-login")
    assert not stolen.get(reverse("staff-home")).url.startswith(login)

    browser.post(reverse("staff-logout"))

    assert stolen.get(reverse("staff-home")).url.startswith(login)
    assert not Session.objects.exists()


def test_a_redis_fault_during_sign_out_fails_it_and_leaves_the_session_whole(
    redis_sessions, monkeypatch
):
    key = signed({"who": 7})

    def down(*args, **kwargs):
        raise redis.ConnectionError("down")

    monkeypatch.setattr(redis_sessions, "delete", down)
    with pytest.raises(redis.ConnectionError):
        session_store.SessionStore(key).flush()
    monkeypatch.undo()

    assert session_store.SessionStore(key).load() == {"who": 7}
    assert Session.objects.filter(session_key=key).exists()


def test_a_redis_fault_after_a_change_leaves_nothing_stale_in_the_cache(
    redis_sessions, monkeypatch
):
    key = signed({"who": 7, "account": 3})
    store = session_store.SessionStore(key)
    store.pop("account")  # a patient's sign-out keeps the session, without the account

    def down(*args, **kwargs):
        raise redis.ConnectionError("down")

    monkeypatch.setattr(redis_sessions, "set", down)
    store.save()
    monkeypatch.undo()

    assert redis_sessions.get(store.cache_key) is None
    assert session_store.SessionStore(key).load() == {"who": 7}
