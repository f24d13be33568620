"""Production's Redis cache (D304): Django's backend with one redis-py client per pool. What a
user relies on stays: every worker sees one shared store at once (counters, sessions, their
removal), and a fault is an error, never a stale or local answer. Against the Redis every
machine and CI runs (skipped without one), in database 15."""

from __future__ import annotations

import pytest
import redis

from onetrip.core.redis_cache import RedisCache
from onetrip.core.tests.test_defaults import settings_of

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def two_workers():
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.ConnectionError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    first, second = RedisCache(REDIS_URL, {}), RedisCache(REDIS_URL, {})
    yield first, second
    first.clear()


def test_production_uses_it(tmp_path):
    show = "from django.conf import settings as s; print(s.CACHES['default']['BACKEND'])"
    production = settings_of({"ONETRIP_SECRET_KEY": "a-long-random-value"}, tmp_path, show)

    assert production.stdout.split() == ["onetrip.core.redis_cache.RedisCache"]


def test_one_client_serves_every_command(two_workers):
    cache, _ = two_workers
    client = cache._cache.get_client()

    cache.set("k", 1)
    cache.get("k")

    assert cache._cache.get_client(write=True) is client
    assert client.connection_pool is cache._cache._pools[0]


def test_what_one_worker_writes_or_removes_the_other_sees_at_once(two_workers):
    first, second = two_workers

    first.set("session", {"who": 7}, 60)
    assert second.get("session") == {"who": 7}
    first.delete("session")  # a sign-out
    assert second.get("session") is None

    assert first.add("attempts", 0, 60)
    first.incr("attempts")
    second.incr("attempts")
    assert first.get("attempts") == 2  # one counter for every worker (rate limits)


def test_a_fault_is_an_error_every_time_not_a_remembered_answer():
    cache = RedisCache("redis://127.0.0.1:1/15", {})  # nothing listens there

    for _ in range(2):
        with pytest.raises(redis.ConnectionError):
            cache.get("session")
