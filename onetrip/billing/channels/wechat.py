"""WeChat Pay (API v3, H5 payment) as a billing channel.

A notification is acted on only after its RSA-SHA256 signature verifies against the platform
key named by `Wechatpay-Serial`, its timestamp is within five minutes of ours (a replayed old
notice is refused even when its signature is good) and its AES-256-GCM resource decrypts with
the APIv3 key. Success is answered with 204 and no body; failure with 4XX and
{"code": "FAIL", "message": ...}, which makes WeChat Pay deliver again.
"""

from __future__ import annotations

import base64
import datetime as dt
import json

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.http import HttpResponse, JsonResponse
from django.urls import reverse

from onetrip.billing.channels.base import (
    CLOSED,
    PAID,
    UNKNOWN,
    WAITING,
    BadNotice,
    Notice,
    ProviderOrder,
    ProviderRefused,
    StatementRow,
)
from onetrip.billing.money import yuan_to_fen
from onetrip.billing.sandbox import keys
from onetrip.billing.sandbox import wechat as provider
from onetrip.billing.sandbox.signing import verify
from onetrip.core import clock

NOTICE_MAX_AGE = dt.timedelta(minutes=5)
STATES = {
    "SUCCESS": PAID,
    "REFUND": PAID,  # paid, then (partly) refunded
    "NOTPAY": WAITING,
    "USERPAYING": WAITING,
    "CLOSED": CLOSED,
    "REVOKED": CLOSED,
    "PAYERROR": CLOSED,
}


class WeChatPayChannel:
    code = "wechat"
    asynchronous = True
    needs_reference = False

    def start(self, *, out_trade_no: str, amount_fen: int, description: str) -> str:
        status, body = provider.create_h5_order(
            {
                "appid": provider.APPID,
                "mchid": provider.MCHID,
                "description": description[:127],
                "out_trade_no": out_trade_no,
                "notify_url": reverse("api:billing_wechat_notify"),
                "amount": {"total": amount_fen, "currency": "CNY"},
                "scene_info": {"payer_client_ip": "127.0.0.1", "h5_info": {"type": "Wap"}},
            }
        )
        if status != 200:
            raise ProviderRefused(body["message"], code=body["code"])
        return body["h5_url"]

    def query(self, out_trade_no: str) -> ProviderOrder:
        status, body = provider.query_order(out_trade_no)
        if status == 404:
            return ProviderOrder(out_trade_no=out_trade_no, state=UNKNOWN)
        return _order(body)

    def refund(
        self, *, out_trade_no: str, out_refund_no: str, amount_fen: int, total_fen: int
    ) -> str:
        status, body = provider.refund(
            {
                "out_trade_no": out_trade_no,
                "out_refund_no": out_refund_no,
                "amount": {"refund": amount_fen, "total": total_fen, "currency": "CNY"},
            }
        )
        if status != 200:
            raise ProviderRefused(body["message"], code=body["code"])
        return body["refund_id"]

    def read_notice(self, headers: dict[str, str], body: bytes) -> Notice:
        timestamp = headers.get("Wechatpay-Timestamp", "")
        if headers.get("Wechatpay-Serial") != keys.platform_serial(provider.PROVIDER):
            raise BadNotice("unknown platform certificate serial", code="unknown_serial")
        message = f"{timestamp}\n{headers.get('Wechatpay-Nonce', '')}\n{body.decode()}\n"
        public_key = keys.platform_public_key(provider.PROVIDER)
        if not verify(public_key, message, headers.get("Wechatpay-Signature", "")):
            raise BadNotice("signature does not verify", code="bad_signature")
        if (
            not timestamp.isdigit()
            or abs(clock.now() - dt.datetime.fromtimestamp(int(timestamp), tz=dt.UTC))
            > NOTICE_MAX_AGE
        ):
            raise BadNotice("notification timestamp too old", code="stale_notice")
        try:
            envelope = json.loads(body)
            resource = envelope["resource"]
            plain = AESGCM(keys.wechat_api_v3_key()).decrypt(
                resource["nonce"].encode(),
                base64.b64decode(resource["ciphertext"]),
                resource.get("associated_data", "").encode(),
            )
            return Notice(notice_id=envelope["id"], order=_order(json.loads(plain)))
        except (KeyError, ValueError, TypeError, InvalidTag) as exc:
            raise BadNotice("unreadable notification resource", code="bad_resource") from exc

    def acknowledge(self) -> HttpResponse:
        return HttpResponse(status=204)

    def reject(self, reason: str) -> HttpResponse:
        return JsonResponse({"code": "FAIL", "message": reason}, status=400)

    def download_statement(self, day: dt.date) -> str:
        """GET /v3/bill/tradebill?bill_date=…&bill_type=ALL, then its download_url."""
        return provider.tradebill(day)

    def read_statement(self, text: str) -> list[StatementRow]:
        rows = []
        append = rows.append
        for line in text.splitlines()[1:]:
            if not line.startswith("`"):
                break  # the summary block starts with its own header line
            fields = line.split(",", 25)  # values keep their leading backtick: strip on use
            state = fields[9][1:]
            if state == "REFUND":
                append(StatementRow("refund", fields[15][1:], _fen(fields[16]), PAID))
            else:
                append(
                    StatementRow(
                        "payment", fields[6][1:], _fen(fields[24]), STATES.get(state, state)
                    )
                )
        return rows


def _fen(field: str) -> int:
    """A backticked yuan amount ("`12.30") in fen; the fast path for the bill's fixed format."""
    whole, dot, cents = field[1:].partition(".")
    if dot and len(cents) == 2 and whole.isdigit() and cents.isdigit():
        return int(whole) * 100 + int(cents)
    return yuan_to_fen(field[1:])


def _order(body: dict) -> ProviderOrder:
    success_time = body.get("success_time")
    return ProviderOrder(
        out_trade_no=body["out_trade_no"],
        state=STATES.get(body["trade_state"], WAITING),
        provider_trade_no=body.get("transaction_id", ""),
        amount_fen=body["amount"]["total"],
        paid_at=dt.datetime.fromisoformat(success_time) if success_time else None,
    )
