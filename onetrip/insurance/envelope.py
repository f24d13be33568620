"""Message envelopes of the national medical-insurance platform (国家医疗保障信息平台), as in
../shared/reference/domain-rules.md §3.1: the request wraps `input` with the transaction code
(`infno`), a message id (`msgid` = institution code + yyyyMMddHHmmss + 4-digit sequence) and the
operator; the response carries `infcode` ("0" is success), `err_msg` and `output`.

Amounts cross the interface as yuan with two decimals (the spec's 16,2 numbers), written as
strings so no float ever touches money; `yuan`/`fen` convert at this edge only.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from onetrip.core.actors import Actor, ActorKind
from onetrip.insurance.platform import config

SUCCESS = "0"
# chrgitm_lv 收费项目等级: 01 甲类, 02 乙类, 03 丙类 (self-paid).
CATEGORY_TO_LEVEL = {"A": "01", "B": "02", "C": "03"}
INTERFACE_VERSION = "V1.0"
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def yuan(fen: int) -> str:
    return f"{Decimal(fen) / 100:.2f}"


def fen(amount: str) -> int:
    value = Decimal(amount) * 100
    if value != value.to_integral_value():
        raise ValueError(f"{amount} has fractions of a fen")
    return int(value)


def build_msgid(fixmedins_code: str, at: dt.datetime, sequence: int) -> str:
    return f"{fixmedins_code}{at:%Y%m%d%H%M%S}{sequence % 10_000:04d}"


def operator_type(actor: Actor) -> str:
    """opter_type: 1 经办人 (staff, or the system on their behalf), 3 移动终端 (the patient's
    phone). Kiosks sign patients in like the phone does, so 2 (自助终端) is not told apart."""
    return "3" if actor.kind == ActorKind.PATIENT else "1"


def request(
    *,
    infno: str,
    msgid: str,
    at: dt.datetime,
    institution_code: str,
    institution_name: str,
    actor: Actor,
    insuplc_admdvs: str,
    input: dict[str, Any],
) -> dict[str, Any]:
    return {
        "infno": infno,
        "msgid": msgid,
        "mdtrtarea_admvs": config()["area"],
        "insuplc_admdvs": insuplc_admdvs,
        "recer_sys_code": config()["receiver_system"],
        "dev_no": "",
        "dev_safe_info": "",
        "cainfo": "",
        "signtype": "SM3",
        "infver": INTERFACE_VERSION,
        "opter_type": operator_type(actor),
        "opter": str(actor.user.pk) if actor.user is not None else actor.kind,
        "opter_name": actor.label[:50],
        "inf_time": at.strftime(TIME_FORMAT),
        "fixmedins_code": institution_code,
        "fixmedins_name": institution_name,
        "sign_no": "",
        "input": input,
    }


def response(
    req: dict[str, Any], at: dt.datetime, *, output: dict[str, Any] | None = None, error: str = ""
) -> dict[str, Any]:
    return {
        "infcode": "-1" if error else SUCCESS,
        "inf_refmsgid": req.get("msgid", ""),
        "refmsg_time": req.get("inf_time", ""),
        "respond_time": at.strftime(TIME_FORMAT),
        "err_msg": error,
        "warn_msg": "",
        "cainfo": "",
        "signtype": "SM3",
        "output": output or {},
    }
