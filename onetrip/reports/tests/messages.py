"""Build ORU^R01 messages for tests: a glucose and potassium panel by default."""

from __future__ import annotations

GLUCOSE = "OBX|1|NM|2345-7^Glucose^LN||5.6|mmol/L|3.9-6.1|N|||F"
POTASSIUM_CRITICAL = "OBX|2|NM|2823-3^Potassium^LN||6.9|mmol/L|3.5-5.3|HH|||F"
LOCAL_HBA1C = "OBX|3|NM|HBA1C^糖化血红蛋白^L||6.1|%|4.0-6.0|H|||F"


def oru(
    *,
    control_id: str = "LIS0001",
    placer: str = "EX202611230001",
    status: str = "F",
    section: str = "CH",
    service: str = "24323-8^Comprehensive metabolic panel^LN",
    observations: tuple[str, ...] = (GLUCOSE,),
    message_type: str = "ORU^R01^ORU_R01",
    version: str = "2.5",
    separator: str = "\r",
) -> str:
    segments = [
        f"MSH|^~\\&|LIS|H001|ONETRIP|H001|20261123093000||{message_type}|{control_id}|P|{version}",
        "PID|1||P0001^^^H001^MR||张^伟||19900307|M",
        obr(placer, f"F{control_id}", service, section, status),
        *observations,
    ]
    return separator.join(segments) + separator


def obr(placer: str, filler: str, service: str, section: str, status: str) -> str:
    fields = [""] * 26
    fields[0], fields[1], fields[2], fields[3], fields[4] = "OBR", "1", placer, filler, service
    fields[7] = "20261123080000"
    fields[22], fields[24], fields[25] = "20261123093000", section, status
    return "|".join(fields)
