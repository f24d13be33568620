"""The only door for sending anything to a patient's phone."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from onetrip.core import clock
from onetrip.notifications.adapters import sms_gateway
from onetrip.notifications.models import SmsMessage, SmsStatus


def queue_sms(phone: str, body: str, *, purpose: str) -> SmsMessage:
    """Write the message in the caller's transaction; it leaves only if that transaction commits."""
    from onetrip.notifications.tasks import deliver_sms as deliver_sms_task

    message = SmsMessage.objects.create(
        phone=phone, body=body, purpose=purpose, created_at=clock.now()
    )
    transaction.on_commit(partial(deliver_sms_task.enqueue, message.pk))
    return message


def deliver_sms(message_id: int) -> None:
    # Claim by conditional update: a duplicated or retried task finds nothing to claim.
    claimed = SmsMessage.objects.filter(pk=message_id, status=SmsStatus.QUEUED).update(
        status=SmsStatus.SENDING
    )
    if claimed != 1:
        return
    message = SmsMessage.objects.get(pk=message_id)
    try:
        receipt = sms_gateway().send(message.phone, message.body)
    except Exception:
        SmsMessage.objects.filter(pk=message_id).update(status=SmsStatus.FAILED)
        raise
    SmsMessage.objects.filter(pk=message_id).update(
        status=SmsStatus.SENT,
        sent_at=clock.now(),
        provider=receipt.provider,
        provider_message_id=receipt.message_id,
    )
