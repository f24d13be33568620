"""The blood centre's donor records behind an adapter (用血不用跑, R-PAY-6, D192), shaped like a
provincial blood-donation information system's exchange: a request envelope with the service
code, the hospital's code, a request id and the time; an answer with a result code, a message
and the data.

- `DONOR_QUERY` (献血者查询) by identity number answers the donor's number and name, every
  donation (date, volume in ml, whole blood or apheresis) and the volume already reimbursed to
  the donor and their family (`reimbursed_ml`), or code `1001` (not a donor).
- `REIMBURSE_REPORT` (用血报销登记) tells the centre what a hospital reimbursed at discharge, so
  the donor's allowance is used once across hospitals; a report already made is answered `0000`.

`SandboxBloodCentre` stands in for the centre's server. A person is a donor when put into it
with `sandbox_add_donor` (the tests' donors), or when the second sequence digit of their
identity number (the 16th character) is 0: then they gave 200 ml once a year for as many years
as the number's 15th digit says, at least once (the demo's donors, with no state to share
between processes). Reports are kept in memory, so a restart forgets them."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from typing import Protocol

from onetrip.core import clock

OK = "0000"
NOT_A_DONOR = "1001"
BAD_REQUEST = "4000"


@dataclass(frozen=True)
class Donation:
    donated_on: dt.date
    volume_ml: int
    component: str  # 全血 (whole blood) or 机采血小板 (apheresis platelets)


@dataclass(frozen=True)
class DonorRecord:
    donor_no: str
    name: str
    donations: tuple[Donation, ...]
    reimbursed_ml: int

    @property
    def donated_ml(self) -> int:
        return sum(d.volume_ml for d in self.donations)


class BloodCentre(Protocol):
    def call(self, envelope: dict) -> dict: ...


def envelope(service: str, hospital_code: str, data: dict) -> dict:
    return {
        "service": service,
        "hospital_code": hospital_code,
        "request_id": secrets.token_hex(8),
        "timestamp": clock.now().strftime("%Y%m%d%H%M%S"),
        "data": data,
    }


def parse_donor(answer: dict) -> DonorRecord | None:
    """The donor of a `DONOR_QUERY` answer; None when the person gave no blood. Any other code
    is the centre failing, which the caller shows as such."""
    if answer.get("code") == NOT_A_DONOR:
        return None
    if answer.get("code") != OK:
        raise BloodCentreUnavailable(answer.get("msg", ""))
    data = answer["data"]
    return DonorRecord(
        donor_no=data["donor_no"],
        name=data["name"],
        donations=tuple(
            Donation(dt.date.fromisoformat(d["date"]), int(d["volume_ml"]), d["component"])
            for d in data["donations"]
        ),
        reimbursed_ml=int(data["reimbursed_ml"]),
    )


class BloodCentreUnavailable(Exception):
    pass


@dataclass
class _SandboxDonor:
    donor_no: str
    name: str
    donations: list[Donation]
    reports: dict[str, int] = field(default_factory=dict)  # hospital reference → ml


_SANDBOX: dict[str, _SandboxDonor] = {}


def sandbox_add_donor(id_number: str, name: str, donations: list[Donation]) -> None:
    """Put a donor into the sandbox (demo and tests); again replaces them."""
    _SANDBOX[id_number.upper()] = _SandboxDonor(f"XZ{len(_SANDBOX) + 1:08d}", name, donations)


def _derived_donor(id_number: str) -> _SandboxDonor | None:
    if len(id_number) != 18 or id_number[15] != "0" or not id_number[14].isdigit():
        return None
    years = max(int(id_number[14]), 1)
    first = clock.today().replace(month=3, day=1)
    donor = _SandboxDonor(
        f"XZD{id_number[-8:]}",
        "献血者",
        [
            Donation(first.replace(year=first.year - year), 200, "全血")
            for year in range(years, 0, -1)
        ],
    )
    # Kept once derived, so its reports add up across calls in this process.
    _SANDBOX[id_number] = donor
    return donor


def sandbox_clear() -> None:
    _SANDBOX.clear()


class SandboxBloodCentre:
    def call(self, request: dict) -> dict:
        data = request.get("data") or {}
        if not request.get("hospital_code") or not request.get("request_id"):
            return {"code": BAD_REQUEST, "msg": "missing hospital_code or request_id"}
        if request.get("service") == "DONOR_QUERY":
            return self._donor(str(data.get("id_no", "")).upper())
        if request.get("service") == "REIMBURSE_REPORT":
            return self._report(data)
        return {"code": BAD_REQUEST, "msg": "unknown service"}

    def _donor(self, id_number: str) -> dict:
        donor = _SANDBOX.get(id_number) or _derived_donor(id_number)
        if donor is None:
            return {"code": NOT_A_DONOR, "msg": "not a donor"}
        return {
            "code": OK,
            "msg": "",
            "data": {
                "donor_no": donor.donor_no,
                "name": donor.name,
                "donations": [
                    {
                        "date": d.donated_on.isoformat(),
                        "volume_ml": d.volume_ml,
                        "component": d.component,
                    }
                    for d in donor.donations
                ],
                "reimbursed_ml": sum(donor.reports.values()),
            },
        }

    def _report(self, data: dict) -> dict:
        donor = next((d for d in _SANDBOX.values() if d.donor_no == data.get("donor_no")), None)
        if donor is None or not data.get("reference"):
            return {"code": BAD_REQUEST, "msg": "unknown donor or no reference"}
        donor.reports.setdefault(data["reference"], int(data["volume_ml"]))
        return {"code": OK, "msg": ""}


def blood_centre() -> BloodCentre:
    return SandboxBloodCentre()
