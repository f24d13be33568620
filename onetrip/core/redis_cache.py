"""Django's Redis cache with one redis-py client per connection pool (D304).

Django's `RedisCacheClient.get_client` builds a new `redis.Redis` object for every command: the
object fills a table of about 170 response callbacks each time, which cost more CPU than the
command's round trip to Redis (a signed-in app user's session read, a rate-limit counter). The
client object holds no connection and no per-command state (redis-py takes a connection from
the pool for each command and gives it back), and redis-py documents it as safe to share, so one
per pool does the same work. Nothing else changes: the same pools, servers, serializer, timeouts
and keys as Django's backend.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class PooledClientRedisCacheClient(RedisCacheClient):
    # Django's, which its type stubs do not declare.
    _client: Callable[..., Any]
    _get_connection_pool: Callable[[bool], Any]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}  # id of the pool -> its client; pools live as long

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict) -> None:
        super().__init__(server, params)
        self._class = PooledClientRedisCacheClient
