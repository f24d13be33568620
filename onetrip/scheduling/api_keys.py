"""Per-institution API keys for external systems (R-APPT-1): a township clinic's HIS books its own
patients into the consortium's shared pool through the channel its key was issued for.

A key is an 8-character public prefix (to find the client) followed by a random secret. Only a
SHA-256 of the secret is stored: the secret has 256 random bits, so a fast hash is enough, and the
plaintext is shown once, when the key is issued. `onetrip.web.auth.ApiKeyAuth` signs a request in
with one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import PRIMARY_CARE_LEVELS, Institution
from onetrip.consortium.queries import institution_subtree_ids
from onetrip.core import audit, clock
from onetrip.core.actors import Actor, ActorKind, Channel, client_ip
from onetrip.core.errors import InvalidInput, NotFound
from onetrip.core.models import AuditAction
from onetrip.scheduling.models import ApiClient, BookingChannel

PREFIX_LENGTH = 8


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def issue_api_key(
    institution_id: int, name: str, channel: str, *, actor: Actor
) -> tuple[ApiClient, str]:
    """Register an external system of an institution at or below the administrator's own and
    return it with its key, which is never shown again."""
    actor.require_perm("scheduling.add_apiclient")
    name = " ".join(name.split())
    if not name:
        raise InvalidInput.field("name", _("Name the system the key is for."), "required")
    if len(name) > 100:
        raise InvalidInput.field("name", _("This value is too long."), "string_too_long")
    if channel not in BookingChannel.values:
        raise InvalidInput.field("channel", _("Choose a booking channel."))
    if institution_id not in institution_subtree_ids(actor.institution_id):
        raise NotFound(_("No such institution."))
    institution = Institution.objects.get(pk=institution_id)
    if channel == BookingChannel.PRIMARY_CARE and institution.level not in PRIMARY_CARE_LEVELS:
        raise InvalidInput.field(
            "channel",
            _("Only township, community and island institutions book into the primary-care pool."),
            "not_primary_care",
        )
    prefix = secrets.token_urlsafe(6)  # 8 characters
    secret = secrets.token_urlsafe(32)
    client = ApiClient.objects.create(
        institution=institution,
        name=name,
        key_prefix=prefix,
        key_hash=_secret_hash(secret),
        channel=channel,
        created_at=clock.now(),
    )
    audit.record(
        actor,
        AuditAction.CREATE,
        client,
        summary=f"API key issued to {client.name}",
        changes={"institution": institution_id, "channel": channel, "prefix": prefix},
    )
    return client, prefix + secret


@transaction.atomic
def revoke_api_key(client_id: int, *, actor: Actor) -> ApiClient:
    actor.require_perm("scheduling.change_apiclient")
    client = (
        ApiClient.objects.select_for_update(no_key=True)
        .filter(pk=client_id, institution_id__in=institution_subtree_ids(actor.institution_id))
        .first()
    )
    if client is None:
        raise NotFound(_("No such API client."))
    if client.is_active:
        client.is_active = False
        client.save(update_fields=["is_active"])
        audit.record(actor, AuditAction.REVOKE, client, summary=f"API key of {client.name} revoked")
        # At once in this process, and again after commit: a request of this process between
        # the two could have cached the row as it was before the commit.
        forget_cached_keys()
        transaction.on_commit(forget_cached_keys)
    return client


def client_for_key(key: str) -> ApiClient | None:
    """The active client the key belongs to, if any."""
    prefix, secret = key[:PREFIX_LENGTH], key[PREFIX_LENGTH:]
    if not secret:
        return None
    client = ApiClient.objects.filter(key_prefix=prefix, is_active=True).first()
    if client is None or not hmac.compare_digest(client.key_hash, _secret_hash(secret)):
        return None
    return client


# Signed-in keys of this process: SHA-256 of the whole key -> (client, when to look again). A
# booking would otherwise spend a round trip on its key; a revoked key stops working at once in
# the process that revoked it and within CACHED_KEY_SECONDS in every other one (D205).
CACHED_KEY_SECONDS = 5.0
CACHED_KEYS_AT_MOST = 1000
_cached_keys: dict[str, tuple[ApiClient, float]] = {}


def cached_client_for_key(key: str) -> ApiClient | None:
    """`client_for_key`, remembered for CACHED_KEY_SECONDS (unknown keys are never remembered)."""
    digest = _secret_hash(key)
    now = time.monotonic()
    cached = _cached_keys.get(digest)
    if cached is not None and cached[1] > now:
        return cached[0]
    client = client_for_key(key)
    if client is None:
        _cached_keys.pop(digest, None)
        return None
    if len(_cached_keys) >= CACHED_KEYS_AT_MOST:
        _cached_keys.clear()
    _cached_keys[digest] = (client, now + CACHED_KEY_SECONDS)
    return client


def forget_cached_keys() -> None:
    _cached_keys.clear()


def client_actor(client: ApiClient, request: HttpRequest) -> Actor:
    return Actor(
        kind=ActorKind.CLIENT,
        label=f"client:{client.name}",
        client_id=client.pk,
        client_channel=client.channel,
        institution_id=client.institution_id,
        ip=client_ip(request),
        channel=Channel.API,
    )
