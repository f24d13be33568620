"""Our side of every platform exchange: build the envelope, log the request before it leaves and
the response when it comes back, and turn a refusal into a domain error.

The log is written outside any domain transaction on purpose: when a flow fails half-way, the
messages that did go out stay on record for reconciliation with the platform."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import Institution
from onetrip.core import clock
from onetrip.core.actors import Actor
from onetrip.core.errors import DomainError
from onetrip.insurance import envelope
from onetrip.insurance.models import PlatformExchange
from onetrip.insurance.platform import current_platform


class PlatformRefused(DomainError):
    def __init__(self, infno: str, err_msg: str) -> None:
        super().__init__(
            _("The insurance platform refused (%(infno)s): %(reason)s")
            % {"infno": infno, "reason": err_msg},
            code="platform_refused",
        )
        self.infno = infno
        self.err_msg = err_msg


def prepare(
    infno: str,
    input: dict[str, Any],
    *,
    institution: Institution,
    actor: Actor,
    patient_id: int | None = None,
    insuplc_admdvs: str = "",
) -> PlatformExchange:
    """Log a request with its own msgid; the sequence is the log row's id."""
    now = clock.now()
    exchange = PlatformExchange.objects.create(
        infno=infno, institution=institution, patient_id=patient_id, sent_at=now
    )
    exchange.msgid = envelope.build_msgid(institution.code, now, exchange.pk)
    exchange.request = envelope.request(
        infno=infno,
        msgid=exchange.msgid,
        at=now,
        institution_code=institution.code,
        institution_name=institution.name,
        actor=actor,
        insuplc_admdvs=insuplc_admdvs,
        input=input,
    )
    exchange.save(update_fields=["msgid", "request"])
    return exchange


def send(exchange: PlatformExchange) -> dict[str, Any]:
    """Send (or re-send, same msgid) and return `output`; a refusal raises PlatformRefused."""
    answer = current_platform().exchange(exchange.request)
    exchange.response = answer
    exchange.infcode = str(answer.get("infcode", ""))
    exchange.err_msg = str(answer.get("err_msg", ""))[:500]
    exchange.answered_at = clock.now()
    exchange.save(update_fields=["response", "infcode", "err_msg", "answered_at"])
    if exchange.infcode != envelope.SUCCESS:
        raise PlatformRefused(exchange.infno, exchange.err_msg)
    return answer.get("output") or {}


def call(infno: str, input: dict[str, Any], **context: Any) -> dict[str, Any]:
    return send(prepare(infno, input, **context))
