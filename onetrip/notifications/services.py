"""The only door for telling anyone anything (issue 7 item 1).

`notify` writes one outbox row in the caller's transaction and nothing else: the notice leaves
only if that transaction commits, and the request pays one INSERT. `deliver_due` (the worker,
`manage.py deliver_notifications`) claims due rows, renders them in the recipient's language,
sends them through each chosen channel's adapter, logs every attempt and retries with capped
exponential backoff.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models.constants import OnConflict
from django.utils.translation import gettext_lazy as _

from onetrip.core import audit, clock
from onetrip.core.actors import Actor
from onetrip.core.errors import FieldError, InvalidInput, NotAuthenticated
from onetrip.core.models import AuditAction
from onetrip.notifications import policy
from onetrip.notifications.adapters import Outgoing, Undeliverable, adapter_for
from onetrip.notifications.message_templates import TEMPLATES, MessageTemplate
from onetrip.notifications.models import (
    Channel,
    ContactPreference,
    DeliveryAttempt,
    DeliveryOutcome,
    Language,
    Notification,
    NotificationStatus,
)

ACTIVE = (NotificationStatus.QUEUED, NotificationStatus.SENDING)


def notify(
    template: str,
    *,
    phone: str,
    subject: models.Model,
    params: dict[str, str],
    occasion: str = "",
) -> None:
    """Queue `template` for the holder of `phone`, in the caller's transaction.

    The de-duplication key is purpose + subject + recipient (+ `occasion`, for a notice that may
    rightly come again about the same subject, such as a second move of one exam): the same
    notice caused twice is queued once, by the unique constraint, without a second round trip.
    """
    found = TEMPLATES[template]
    if set(params) != found.params:
        raise ValueError(f"{template} takes {sorted(found.params)}, not {sorted(params)}")
    if not phone:
        return  # a patient without a mobile phone is told on paper, at the desk
    now = clock.now()
    key = f"{found.purpose}:{dedup_subject(type(subject))}:{subject.pk}:{phone}"
    _queue(
        Notification(
            phone=phone,
            template=template,
            purpose=found.purpose,
            params={name: str(value) for name, value in params.items()},
            urgent=found.urgent,
            dedup_key=f"{key}:{occasion}"[:200] if occasion else key,
            created_at=now,
            next_attempt_at=now,
        )
    )


@functools.cache
def queued_row(template: str) -> dict:
    """What `notify` writes for `template` apart from the recipient, the params, the
    de-duplication key's subject and the times, for a database function that queues the notice
    in the statement that caused it (D270: `scheduling_book`, which fills in the rest as
    `notify` would and is held to it by the booking's tests). Cached: copy it to extend it."""
    found = TEMPLATES[template]
    notice = Notification(template=template, purpose=found.purpose, urgent=found.urgent)
    return {
        "template": notice.template,
        "purpose": notice.purpose,
        "urgent": notice.urgent,
        "status": notice.status,
        "attempts": notice.attempts,
        "channels": notice.channels,
        "sent_channels": notice.sent_channels,
        "language": notice.language,
        "body": notice.body,
    }


def dedup_subject(subject: type[models.Model]) -> str:
    """The subject part of the de-duplication key `notify` writes for a row of `subject`."""
    return subject._meta.label_lower


_OUTBOX_FIELDS = [f for f in Notification._meta.concrete_fields if not f.primary_key]


def _queue(notice: Notification) -> None:
    """`bulk_create([notice], ignore_conflicts=True)` without the ORM's per-call compiling: the
    statement is written once per database (D241), the values prepared by the fields as the ORM
    prepares them."""
    connection = connections[router.db_for_write(Notification)]
    with connection.cursor() as cursor:
        cursor.execute(
            _insert_ignoring_conflicts(connection.alias),
            [f.get_db_prep_save(f.pre_save(notice, True), connection) for f in _OUTBOX_FIELDS],
        )


@functools.cache
def _insert_ignoring_conflicts(alias: str) -> str:
    connection = connections[alias]
    ops, quote = connection.ops, connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in _OUTBOX_FIELDS)
    values = ", ".join(["%s"] * len(_OUTBOX_FIELDS))
    conflict = ops.on_conflict_suffix_sql(_OUTBOX_FIELDS, OnConflict.IGNORE, None, None)
    return (
        f"{ops.insert_statement(on_conflict=OnConflict.IGNORE)} "
        f"{quote(Notification._meta.db_table)} ({columns}) VALUES ({values}) {conflict}"
    ).strip()


# --- the worker -----------------------------------------------------------------------------


def deliver_due(limit: int = 50) -> int:
    """Claim up to `limit` due notices and deliver them; the number claimed.

    Claiming is one short transaction: `SELECT … FOR UPDATE SKIP LOCKED` on PostgreSQL (two
    workers never take the same row) and the write lock on SQLite; the claimed rows are leased
    (`sending`, due again after the lease) so a worker that dies leaves them to another.
    """
    now = clock.now()
    due = Notification.objects.filter(status__in=ACTIVE, next_attempt_at__lte=now)
    if not due.exists():  # the idle poll takes no write lock
        return 0
    lease = now + dt.timedelta(seconds=settings.ONETRIP_NOTIFY["lease_seconds"])
    with transaction.atomic():
        ids = list(
            due.select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        Notification.objects.filter(pk__in=ids).update(
            status=NotificationStatus.SENDING, next_attempt_at=lease
        )
    claimed = list(Notification.objects.filter(pk__in=ids).order_by("id"))
    phones = {n.phone for n in claimed}
    preferences = {p.phone: p for p in ContactPreference.objects.filter(phone__in=phones)}
    for notification in claimed:
        _deliver(notification, preferences.get(notification.phone))
    return len(ids)


def _channels(template: MessageTemplate, preference: ContactPreference | None) -> list[str]:
    if template.channels is not None:
        return list(template.channels)
    if preference is None:
        return [Channel.SMS]
    return [c for c in Channel.values if getattr(preference, c)]


def _deliver(notification: Notification, preference: ContactPreference | None) -> None:
    now = clock.now()
    mine = Notification.objects.filter(pk=notification.pk, status=NotificationStatus.SENDING)
    template = TEMPLATES[notification.template]
    if not notification.urgent and preference is not None:
        held_until = policy.quiet_hours_end(now, preference.quiet_from, preference.quiet_until)
        if held_until is not None:
            mine.update(status=NotificationStatus.QUEUED, next_attempt_at=held_until)
            return
    language = preference.language if preference is not None else Language.ZH_HANS
    title, body = template.render(notification.params, language)
    channels = notification.channels or _channels(template, preference)
    sent = list(notification.sent_channels)
    attempt = notification.attempts + 1
    log, permanent = [], False
    for channel in channels:
        if channel in sent:
            continue
        row = DeliveryAttempt(
            notification_id=notification.pk, channel=channel, attempt=attempt, attempted_at=now
        )
        try:
            receipt = adapter_for(channel).send(
                Outgoing(channel, notification.phone, notification.template, title, body)
            )
        except Exception as exc:  # any failure of a provider is logged and retried
            permanent = permanent or isinstance(exc, Undeliverable)
            row.outcome, row.error = DeliveryOutcome.FAILED, f"{type(exc).__name__}: {exc}"[:300]
        else:
            sent.append(channel)
            row.outcome, row.provider = DeliveryOutcome.SENT, receipt.provider
            row.provider_message_id = receipt.message_id
        log.append(row)
    done = len(sent) == len(channels)
    gave_up = not done and (permanent or attempt >= settings.ONETRIP_NOTIFY["max_attempts"])
    if done:
        status, next_at = NotificationStatus.SENT, now
    elif gave_up:
        status, next_at = NotificationStatus.FAILED, now
    else:
        status, next_at = NotificationStatus.QUEUED, now + policy.backoff(attempt)
    with transaction.atomic():
        DeliveryAttempt.objects.bulk_create(log)
        mine.update(
            status=status,
            next_attempt_at=next_at,
            attempts=attempt,
            channels=channels,
            sent_channels=sent,
            language=language,
            body=body[:500],
            sent_at=now if done else None,
        )


# --- preferences ----------------------------------------------------------------------------


@dataclass(frozen=True)
class PreferenceInput:
    language: str
    channels: list[str]
    quiet_from: dt.time | None = None
    quiet_until: dt.time | None = None


def preferences_of(phone: str) -> ContactPreference:
    """The stored preferences of `phone`, or the defaults (unsaved) when it has none."""
    found = ContactPreference.objects.filter(phone=phone).first()
    return found or ContactPreference(phone=phone)


def _validate(data: PreferenceInput) -> None:
    errors = []
    if data.language not in Language.values:
        errors.append(FieldError("language", _("Choose a language."), "invalid_choice"))
    if not data.channels:
        errors.append(
            FieldError("channels", _("Choose at least one way to reach you."), "required")
        )
    elif not set(data.channels) <= set(Channel.values):
        errors.append(FieldError("channels", _("Unknown channel."), "invalid_choice"))
    if (data.quiet_from is None) != (data.quiet_until is None):
        missing = "quiet_until" if data.quiet_until is None else "quiet_from"
        errors.append(
            FieldError(
                missing, _("Give both the start and the end of the quiet hours."), "required"
            )
        )
    elif data.quiet_from is not None and data.quiet_from == data.quiet_until:
        errors.append(
            FieldError("quiet_until", _("Quiet hours must end at another time than they start."))
        )
    if errors:
        raise InvalidInput(*errors)


@transaction.atomic
def set_preferences(data: PreferenceInput, *, phone: str, actor: Actor) -> ContactPreference:
    """The signed-in mobile account sets how its phone is told. Preferences are keyed by the
    phone, which the interface reads from the signed-in account (notifications stands below
    identity and imports none of it)."""
    _validate(data)
    if actor.account_id is None or not phone:
        raise NotAuthenticated(_("Sign in with your mobile number first."))
    values = {
        "language": data.language,
        "quiet_from": data.quiet_from,
        "quiet_until": data.quiet_until,
        "updated_at": clock.now(),
    } | {channel: channel in data.channels for channel in Channel.values}
    preference, _created = ContactPreference.objects.update_or_create(phone=phone, defaults=values)
    audit.record(
        actor,
        AuditAction.UPDATE,
        preference,
        summary="notification preferences set",
        changes={
            "language": data.language,
            "channels": sorted(data.channels),
            "quiet_hours": [str(data.quiet_from or ""), str(data.quiet_until or "")],
        },
    )
    return preference


def sent_to(phone: str, *, limit: int = 50) -> list[Notification]:
    """The notices delivered to a phone, newest first: its in-app message list."""
    return list(
        Notification.objects.filter(phone=phone, status=NotificationStatus.SENT).order_by(
            "-sent_at", "-pk"
        )[:limit]
    )
