"""The generated scoping and audit checks (issue 12 items 1 and 8), NetBox-style: the routes come
from the URL configuration and the OpenAPI document, not from a list someone must remember.

Every page or API operation that takes an object id (a path parameter, an `*_id` query or body
field) must be registered by its app in `onetrip/<app>/tests/scope_cases.py`:

    CASES = {
        "GET /api/billing/bills/{bill_id}": Staff(make=a_bill, role="finance"),
        "staff/exams/plans/<id:plan_id>/": Staff(make=a_plan, role="exam_centre"),
        "p/reports/<id:report_id>": OwnPatient(make=a_report),
        "GET /api/consortium/departments/{department_id}/doctors": Unscoped("public directory"),
    }

The key is the operation (`METHOD /api/path/{param}`, as in the OpenAPI document) or the page's
route (as in the URL configuration). `make(world)` builds one object belonging to the world's
home institution (and its patient) and answers the `Target` to request. The generated test then
asks, for each registration:

- `Staff`: the role at the home institution succeeds (the control: the object really is
  reachable); the same role at another institution gets 404; a staff member of the home
  institution without the role's permissions gets 403; and, unless `audited=False` with a
  reason, the successful request left an audit row naming the staff member and the patient.
- `OwnPatient`: the patient's own account succeeds; another patient's account gets 404.
- `Unscoped`: nothing; the reason says why the id reaches no one's private data (a public
  directory) or is no record id at all (a sender's retry key).

A route taking an id with no registration fails `test_every_id_route_is_registered`, so a new
endpoint is covered the day it is added.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver

from onetrip.conftest import NOW, STAFF_PASSWORD
from onetrip.consortium import services as consortium
from onetrip.consortium.models import Institution, InstitutionLevel, StaffProfile
from onetrip.core.actors import SYSTEM, Actor, ActorKind
from onetrip.identity import services as identity
from onetrip.identity.models import MobileAccount, Patient, ProxyGrant


@dataclass(frozen=True)
class Target:
    """What to request: path parameters, query string, body (JSON for the API, form data for
    pages), and the patient whose data it is (the audit row must name them)."""

    path: dict[str, Any]
    patient_id: int | None = None
    query: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None


Maker = Callable[["World"], Target]


@dataclass(frozen=True)
class Staff:
    make: Maker
    role: str
    method: str = "GET"  # pages only; an operation's method is in its key
    audited: bool = True
    why_not_audited: str = ""
    # Answers other than 2xx/3xx that still prove the object was reached (a conflict the
    # object's state causes, not the caller's scope).
    also_ok: tuple[int, ...] = ()
    # The institution whose staff the object belongs to, when it cannot be the home hospital
    # (a township's family doctor books a care plan's follow-up): made by the maker, read after
    # it. The outsider stays `world.other`, which the maker must leave out of the object.
    at: Callable[[World], Institution] | None = None

    def __post_init__(self) -> None:
        if not self.audited and not self.why_not_audited:
            raise ValueError("say why this staff read of an object writes no audit row")


@dataclass(frozen=True)
class OwnPatient:
    make: Maker
    method: str = "GET"
    also_ok: tuple[int, ...] = ()


@dataclass(frozen=True)
class Unscoped:
    why: str


@dataclass(frozen=True)
class Pending:
    """Registered, but its object maker is not written yet: the generated test reports it as
    skipped with this note, so the gap stays visible in every run (docs/security.md)."""

    note: str


Case = Staff | OwnPatient | Unscoped | Pending
# An operation staff and patients both call is registered with one case of each.
Registration = Case | tuple[Case, ...]


def cases_of(registration: Registration) -> tuple[Case, ...]:
    return registration if isinstance(registration, tuple) else (registration,)


# A route parameter or field that names an object.
ID_NAME = re.compile(r"(^|_)id$")
ID_QUERY_NAMES = {"institution", "department"}


# --- the world each case is made in ----------------------------------------------------------


class World:
    """Two institutions (the home tertiary hospital and a township centre below it), staff of
    any role at either, a home patient with their own mobile account and a stranger's account
    holding another patient."""

    def __init__(self) -> None:
        self.home = consortium.create_institution(
            code="H001", name="市第一人民医院", level=InstitutionLevel.TERTIARY, actor=SYSTEM
        )
        self.other = consortium.create_institution(
            code="T001",
            name="东山乡卫生院",
            level=InstitutionLevel.TOWNSHIP,
            parent=self.home,
            actor=SYSTEM,
        )
        self._staff: dict[tuple[str, int], StaffProfile] = {}

    def staff(self, role: str | None, institution: Institution | None = None) -> StaffProfile:
        institution = institution or self.home
        key = (role or "", institution.pk)
        if key not in self._staff:
            self._staff[key] = consortium.create_staff_account(
                username=f"{role or 'norole'}-{institution.code}",
                password=STAFF_PASSWORD,
                full_name=f"{role} staff",
                institution=institution,
                roles=[role] if role else [],
                actor=SYSTEM,
            )
        return self._staff[key]

    def actor(self, role: str, institution: Institution | None = None) -> Actor:
        profile = self.staff(role, institution)
        return Actor(
            kind=ActorKind.STAFF,
            label=profile.user.username,
            user=profile.user,
            institution_id=profile.institution_id,
        )

    @cached_property
    def clerk(self) -> Actor:
        return self.actor("registration")

    @cached_property
    def patient(self) -> Patient:
        """The home institution's patient, holding their own mobile account."""
        patient = self.register("张伟", "13812345678", "110101199003074477")
        self._account_for(patient)
        return patient

    @cached_property
    def account(self) -> MobileAccount:
        self.patient  # noqa: B018 (made with the patient)
        return MobileAccount.objects.get(phone=self.patient.phone)

    @cached_property
    def patient_actor(self) -> Actor:
        return Actor(kind=ActorKind.PATIENT, label="138****5678", account_id=self.account.pk)

    @cached_property
    def stranger(self) -> MobileAccount:
        """Another patient's account (their own record, at the same hospital)."""
        return self._account_for(self.register("李娜", "13900002222", "110105198506121248"))

    def register(self, name: str, phone: str, resident_id: str) -> Patient:
        return identity.register_patient(
            identity.PatientRegistration(
                name=name,
                sex="female" if int(resident_id[16]) % 2 == 0 else "male",
                birth_date=dt.date(
                    int(resident_id[6:10]), int(resident_id[10:12]), int(resident_id[12:14])
                ),
                phone=phone,
                documents=[identity.DocumentInput("resident_id", resident_id)],
            ),
            actor=self.clerk,
        )

    @staticmethod
    def _account_for(patient: Patient) -> MobileAccount:
        account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
        ProxyGrant.objects.create(
            patient=patient,
            account=account,
            relationship="self",
            basis="own_record",
            granted_at=NOW,
            granted_by="test",
        )
        return account


# --- discovering the routes that take ids ------------------------------------------------------


def _walk(resolver: URLResolver, prefix: str = ""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def page_routes_taking_ids() -> set[str]:
    """Pages (and FHIR reads) whose route has an id converter; the API is read from OpenAPI."""
    routes = set()
    for route in _walk(get_resolver()):
        if route.startswith(("api/", "admin/")):
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if any(ID_NAME.search(name) for name in names):
            routes.add(route)
    return routes


def _resolve(schema: dict, node: dict) -> dict:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def operations_taking_ids() -> set[str]:
    """Operations with an id in the path, the query string or the JSON body's top level."""
    from onetrip.api import api

    schema = api.get_openapi_schema()
    found = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            names = [p["name"] for p in operation.get("parameters", [])]
            body = operation.get("requestBody", {}).get("content", {})
            for content in body.values():
                names += list(_resolve(schema, content.get("schema", {})).get("properties", {}))
            if any(ID_NAME.search(name) or name in ID_QUERY_NAMES for name in names):
                found.add(f"{method.upper()} {path}")
    return found


def registered_cases() -> dict[str, Registration]:
    """Every app's `tests/scope_cases.py` CASES, merged (a key registered twice fails)."""
    cases: dict[str, Registration] = {}
    for config in apps.get_app_configs():
        if not config.name.startswith("onetrip."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.tests.scope_cases")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.tests.scope_cases":
                raise
            continue
        for key, case in module.CASES.items():
            if key in cases:
                raise AssertionError(f"{key} is registered twice")
            cases[key] = case
    return cases


# --- requesting ---------------------------------------------------------------------------------


def url_of(key: str, target: Target) -> tuple[str, str]:
    """The method and URL a registration key and a target make."""
    method, _space, route = key.partition(" ") if key[0].isupper() else ("", "", key)
    if method:
        path = re.sub(r"{(\w+)}", lambda m: str(target.path[m.group(1)]), route)
    else:
        path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(target.path[m.group(1)]), route)
    return method, path
