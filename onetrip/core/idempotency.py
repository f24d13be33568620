"""Idempotency-Key: a client repeats a request with the same key to retry it safely.

A key is unique within its scope, the caller's own account, login or external system, so two
callers can never collide on a key or read each other's answer. Each service keeps the scope and
the key on the row it creates, under a unique constraint, and answers a repeat with that row."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import InvalidInput

SCOPE_LENGTH = 60  # the width of every `idempotency_scope` column
KEY_LENGTH = 100


def idempotency_scope(actor: Actor) -> str:
    if actor.kind == ActorKind.PATIENT:
        return f"account:{actor.account_id}"
    if actor.kind == ActorKind.STAFF and actor.user is not None:
        return f"user:{actor.user.pk}"
    if actor.kind == ActorKind.CLIENT:
        return f"client:{actor.client_id}"
    return f"{actor.kind}:{actor.label}"[:SCOPE_LENGTH]


def check_idempotency_key(key: str) -> None:
    if len(key) > KEY_LENGTH:
        raise InvalidInput.field("idempotency_key", _("The key is too long."))
