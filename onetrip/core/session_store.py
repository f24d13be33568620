"""Sessions read from the shared Redis cache, kept in the database (D324).

Django's `cached_db` engine with its writes ordered so that the cache never says more than the
database: a signed-in user's requests read their session from Redis (one key, no SQL), and a
sign-out or revocation takes effect in every worker at once, because every worker reads the
same cache and a write first removes the cached copy. Django's own engine writes the database
first and then the cache, and logs a failing cache write and carries on: a sign-out during a
Redis fault would leave the old session readable from the cache until it expired.

Only with a cache every worker shares (`settings.SESSION_ENGINE` is this module only when the
cache is Redis); with a per-process cache the sessions stay in the database alone.
"""

from __future__ import annotations

import logging

from django.contrib.sessions.backends import cached_db
from django.contrib.sessions.backends.db import SessionStore as DBStore
from django.core.cache.backends.base import BaseCache

logger = logging.getLogger("django.contrib.sessions")


class SessionStore(cached_db.SessionStore):
    _cache: BaseCache  # set by cached_db's __init__ (django-stubs leave it out)

    def save(self, must_create: bool = False) -> None:
        if self.session_key is None:
            return self.create()  # which saves with must_create
        if not must_create:
            # A failure here fails the write before the database changes: nothing stale.
            self._cache.delete(self.cache_key_prefix + self.session_key)
        DBStore.save(self, must_create)
        try:
            self._cache.set(self.cache_key, dict(self.items()), self.get_expiry_age())
        except Exception:
            # Nothing is cached for the key now: the next read finds the database's row.
            logger.exception("Error saving to cache (%s)", self._cache)

    def delete(self, session_key: str | None = None) -> None:
        session_key = session_key or self.session_key
        if session_key is None:
            return
        key = self.cache_key_prefix + session_key
        self._cache.delete(key)  # a failure leaves the session whole, and says so
        DBStore.delete(self, session_key)
        # A read between the two deletes may have cached the row again from the database.
        self._cache.delete(key)
