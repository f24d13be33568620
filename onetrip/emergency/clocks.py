"""The green channels' timelines and their clocks (D136). Pure: the moments of a run in, each
clock's state out.

A clock runs from one milestone to another with a target in minutes. Targets marked `standard`
are the accreditation standards' own figures; the others are OneTrip's defaults where the
standard sets no minute figure, to be replaced by the centre's protocol (each one says so)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onetrip.emergency.models import GreenChannel

# Moments read from the call and the run rather than recorded as milestones.
CALL, FIRST_CONTACT, DOOR = "call", "first_contact", "door"

MILESTONES: dict[str, Promise] = {
    CALL: _("Call received"),
    FIRST_CONTACT: _("First medical contact (on scene)"),
    DOOR: _("At the hospital door"),
    "ecg": _("First 12-lead ECG"),
    "ecg_diagnosis": _("ECG diagnosis"),
    "team_activated": _("Team activated"),
    "cath_lab": _("Arrived in the cath lab"),
    "wire": _("Wire crossed (balloon)"),
    "ct": _("CT scan started"),
    "needle": _("Thrombolysis started (needle)"),
    "puncture": _("Groin puncture (thrombectomy)"),
    "surgery": _("Emergency surgery started"),
    "decision_to_deliver": _("Decision to deliver"),
    "delivery": _("Baby delivered"),
    "nicu": _("Admitted to the NICU"),
}
DERIVED = (CALL, FIRST_CONTACT, DOOR)
RECORDED = tuple(code for code in MILESTONES if code not in DERIVED)

CHEST_PAIN_STANDARD = "中国胸痛中心认证标准（2015 年修订）及再认证数据指标"
STROKE_STANDARD = "医院卒中中心建设与管理指导原则（试行）（国卫办医函〔2016〕1235 号）"


@dataclass(frozen=True)
class Clock:
    code: str
    label: Promise
    start: str
    end: str
    target_minutes: int
    source: str
    standard: bool = True


CLOCKS: dict[str, tuple[Clock, ...]] = {
    GreenChannel.CHEST_PAIN: (
        Clock(
            "fmc_to_ecg", _("First contact to ECG"), FIRST_CONTACT, "ecg", 10, CHEST_PAIN_STANDARD
        ),
        Clock(
            "ecg_to_diagnosis",
            _("ECG to diagnosis"),
            "ecg",
            "ecg_diagnosis",
            10,
            CHEST_PAIN_STANDARD,
        ),
        Clock(
            "cath_lab_activation",
            _("Cath lab activation"),
            "team_activated",
            "cath_lab",
            30,
            CHEST_PAIN_STANDARD,
        ),
        Clock("door_to_wire", _("Door to balloon"), DOOR, "wire", 90, CHEST_PAIN_STANDARD),
    ),
    GreenChannel.STROKE: (
        Clock(
            "door_to_ct",
            _("Door to CT"),
            DOOR,
            "ct",
            25,
            "OneTrip default after the stroke centres' practice",
            standard=False,
        ),
        Clock("door_to_needle", _("Door to needle"), DOOR, "needle", 60, STROKE_STANDARD),
        Clock(
            "door_to_puncture",
            _("Door to puncture"),
            DOOR,
            "puncture",
            90,
            "OneTrip default (advanced stroke centre practice)",
            standard=False,
        ),
    ),
    GreenChannel.TRAUMA: (
        Clock(
            "door_to_ct",
            _("Door to CT"),
            DOOR,
            "ct",
            30,
            "OneTrip default: 创伤中心建设与管理指导原则（2018）sets no minute figure",
            standard=False,
        ),
        Clock(
            "door_to_surgery",
            _("Door to surgery"),
            DOOR,
            "surgery",
            60,
            "OneTrip default: 创伤中心建设与管理指导原则（2018）sets no minute figure",
            standard=False,
        ),
    ),
    GreenChannel.MATERNAL: (
        Clock(
            "decision_to_delivery",
            _("Decision to delivery"),
            "decision_to_deliver",
            "delivery",
            30,
            "OneTrip default: the 30-minute emergency caesarean rule of obstetric practice",
            standard=False,
        ),
    ),
    GreenChannel.NEONATAL: (
        Clock(
            "door_to_nicu",
            _("Door to NICU"),
            DOOR,
            "nicu",
            30,
            "OneTrip default: 危重新生儿救治中心建设与管理指南（2017）sets no minute figure",
            standard=False,
        ),
    ),
}


@dataclass(frozen=True)
class ClockState:
    clock: Clock
    started_at: dt.datetime | None
    ended_at: dt.datetime | None
    minutes: int | None  # whole minutes, start to end (or to now while running)
    met: bool | None  # None while it has not ended

    @property
    def overdue(self) -> bool:
        return self.met is False or (
            self.ended_at is None
            and self.minutes is not None
            and self.minutes > self.clock.target_minutes
        )


def minutes_between(start: dt.datetime, end: dt.datetime) -> int:
    return int((end - start).total_seconds() // 60)


def clock_states(
    channel: str, moments: dict[str, dt.datetime], now: dt.datetime
) -> list[ClockState]:
    states = []
    for clock in CLOCKS.get(channel, ()):
        start, end = moments.get(clock.start), moments.get(clock.end)
        if start is None:
            states.append(ClockState(clock, None, end, None, None))
            continue
        minutes = minutes_between(start, end or now)
        met = None if end is None else minutes <= clock.target_minutes
        states.append(ClockState(clock, start, end, minutes, met))
    return states


def clocks_ending_late(
    channel: str, moments: dict[str, dt.datetime], code: str, at: dt.datetime
) -> list[Clock]:
    """The clocks that milestone `code` at `at` would end past their target."""
    late = []
    for clock in CLOCKS.get(channel, ()):
        start = moments.get(clock.start)
        if (
            clock.end == code
            and start is not None
            and minutes_between(start, at) > clock.target_minutes
        ):
            late.append(clock)
    return late
