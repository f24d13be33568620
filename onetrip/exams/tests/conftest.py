"""Exam fixtures: the default catalogue, a tertiary hospital with one device of each kind and
two weeks of open calendars, a registered patient and a doctor who orders."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from onetrip.conftest import NOW, actor_for
from onetrip.consortium.models import Department, Doctor, DoctorTitle
from onetrip.core.actors import Actor, ActorKind
from onetrip.exams import catalogue
from onetrip.exams.models import DeviceKind
from onetrip.identity.models import (
    ConsentBasis,
    MobileAccount,
    Patient,
    ProxyGrant,
    Relationship,
)

ONE_OF_EACH = dict.fromkeys(DeviceKind.values, 1)


@dataclass
class ExamSetup:
    patient: Patient
    now: dt.datetime


@pytest.fixture
def exam_setup(clock, tertiary, register) -> ExamSetup:
    catalogue.load_default_catalogue()
    catalogue.equip_institution(tertiary.pk, ONE_OF_EACH, NOW.date(), 14)
    return ExamSetup(patient=register(), now=NOW)


@pytest.fixture
def doctor_actor(make_staff, tertiary) -> Actor:
    profile = make_staff("doctor", tertiary)
    department = Department.objects.create(institution=tertiary, code="IM", name="内科")
    Doctor.objects.create(
        department=department, name="李医生", title=DoctorTitle.ATTENDING, user=profile.user
    )
    return actor_for(profile)


@pytest.fixture
def phone_actor(exam_setup) -> Actor:
    """The patient signed in on their phone (a mobile account holding their own record)."""
    account = MobileAccount.objects.create(phone=exam_setup.patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=exam_setup.patient,
        account=account,
        relationship=Relationship.SELF,
        basis=ConsentBasis.OWN_RECORD,
        granted_at=NOW,
        granted_by="test",
    )
    return Actor(kind=ActorKind.PATIENT, label="138****5678", account_id=account.pk)


@pytest.fixture(autouse=True)
def every_plan_checked(monkeypatch):
    """Every plan the planner makes in these tests passes the independent checker (D128)."""
    from onetrip.exams import checker, planner

    plan_visits = planner._plan_visits

    def checked(needs, context, alternative_days, time_limit):
        plan = plan_visits(needs, context, alternative_days, time_limit)
        problems = checker.check_plan(
            checker.planned_exams(plan.exams),
            checker.rules_as_data(context.rules),
            history=checker.history_exams(context.history),
            travel=checker.travel_as_data(context.calendar.travel.table),
        )
        assert problems == [], problems
        return plan

    monkeypatch.setattr(planner, "_plan_visits", checked)
