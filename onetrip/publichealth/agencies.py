"""The two agencies a birth application reaches (出生一件事, R-PH-3, D171), each behind an adapter
shaped like its real exchange, with a local sandbox standing in for the agency's server.

- Household registration (户籍登记, public security): a submission (出生登记申报) answered with an
  acceptance number (受理编号); later queries answer accepted → completed (落户) or rejected.
- Newborn medical insurance (新生儿参保登记, the medical-insurance platform): a message with the
  platform's envelope fields (infno, msgid, input.data) answered with infcode 0 and an enrolment
  number; a query by that number answers the enrolment's state.

The sandboxes keep nothing: a reference carries the moment of submission, and the answer to a
query is a pure function of it and the one clock (accepted at once, completed 2 hours later for
household registration and 1 hour later for insurance). A submission whose name is "拒绝" (the
sandbox's test switch) is rejected, so the refusal path can be shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol

from onetrip.core import clock


@dataclass(frozen=True)
class AgencyAnswer:
    status: str  # accepted | completed | rejected
    reference: str
    note: str = ""


class HouseholdRegistry(Protocol):
    def submit_birth(self, record: dict[str, str]) -> AgencyAnswer: ...
    def query(self, reference: str) -> AgencyAnswer: ...


class InsurancePlatform(Protocol):
    def enrol_newborn(self, envelope: dict) -> dict: ...
    def query_enrolment(self, envelope: dict) -> dict: ...


REFUSED_NAME = "拒绝"


def _stamp(now: dt.datetime) -> str:
    return f"{int(now.timestamp()):d}"


def _submitted_at(reference: str) -> dt.datetime:
    return dt.datetime.fromtimestamp(int(reference.split("-")[-1]), tz=dt.UTC)


class SandboxHouseholdRegistry:
    DONE_AFTER = dt.timedelta(hours=2)

    def submit_birth(self, record: dict[str, str]) -> AgencyAnswer:
        required = ("child_name", "child_sex", "born_at", "certificate_number", "mother_id")
        missing = [k for k in required if not record.get(k)]
        if missing:
            return AgencyAnswer("rejected", "", f"missing {','.join(missing)}")
        if record["child_name"] == REFUSED_NAME:
            return AgencyAnswer("rejected", "", "name not accepted")
        return AgencyAnswer("accepted", f"HJ-{_stamp(clock.now())}")

    def query(self, reference: str) -> AgencyAnswer:
        done = clock.now() >= _submitted_at(reference) + self.DONE_AFTER
        return AgencyAnswer("completed" if done else "accepted", reference)


class SandboxInsurancePlatform:
    DONE_AFTER = dt.timedelta(hours=1)

    def enrol_newborn(self, envelope: dict) -> dict:
        data = envelope.get("input", {}).get("data", {})
        if envelope.get("infno") != "NB01" or not data.get("psn_name"):
            return {"infcode": -1, "err_msg": "bad envelope", "output": {}}
        if data["psn_name"] == REFUSED_NAME:
            return {"infcode": -1, "err_msg": "name not accepted", "output": {}}
        return {"infcode": 0, "err_msg": "", "output": {"enrol_no": f"YB-{_stamp(clock.now())}"}}

    def query_enrolment(self, envelope: dict) -> dict:
        number = envelope.get("input", {}).get("data", {}).get("enrol_no", "")
        done = clock.now() >= _submitted_at(number) + self.DONE_AFTER
        return {"infcode": 0, "output": {"enrol_no": number, "stas": "1" if done else "0"}}


def household_registry() -> HouseholdRegistry:
    return SandboxHouseholdRegistry()


def insurance_platform() -> InsurancePlatform:
    return SandboxInsurancePlatform()
