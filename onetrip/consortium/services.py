"""Consortium structure and staff accounts (R-ORG-1, R-ORG-2)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import (
    Clinic,
    Department,
    Doctor,
    Institution,
    InstitutionLevel,
    StaffProfile,
)
from onetrip.core.actors import Actor, ActorKind
from onetrip.core.errors import FieldError, InvalidInput, PermissionDenied
from onetrip.core.roles import ROLES_BY_CODE
from onetrip.core.text import clean_name


def _require(actor: Actor, perm: str) -> None:
    """Structure is edited by system administrators, or by the system (demo load, imports)."""
    if actor.kind == ActorKind.SYSTEM:
        return
    if actor.kind != ActorKind.STAFF:
        raise PermissionDenied(_("Your role does not allow this."))
    actor.require_perm(perm)


@transaction.atomic
def create_institution(
    *,
    code: str,
    name: str,
    level: str,
    parent: Institution | None = None,
    name_en: str = "",
    address: str = "",
    actor: Actor,
) -> Institution:
    _require(actor, "consortium.add_institution")
    if level not in InstitutionLevel.values:
        raise InvalidInput.field("level", _("Choose an institution level."))
    if Institution.objects.filter(code=code).exists():
        raise InvalidInput.field("code", _("This code is already used."), "duplicate")
    return Institution.objects.create(
        code=code, name=name, name_en=name_en, level=level, parent=parent, address=address
    )


@transaction.atomic
def add_department(
    institution: Institution, *, code: str, name: str, name_en: str = "", actor: Actor
) -> Department:
    _require(actor, "consortium.add_department")
    return Department.objects.create(institution=institution, code=code, name=name, name_en=name_en)


@transaction.atomic
def add_clinic(
    department: Department, *, name: str, kind: str, location: str = "", actor: Actor
) -> Clinic:
    _require(actor, "consortium.add_clinic")
    return Clinic.objects.create(department=department, name=name, kind=kind, location=location)


@transaction.atomic
def add_doctor(
    department: Department, *, name: str, title: str, speciality: str = "", actor: Actor
) -> Doctor:
    _require(actor, "consortium.add_doctor")
    name = _required_name(name, field="name")
    return Doctor.objects.create(
        department=department, name=name, title=title, speciality=speciality
    )


def _required_name(value: str, *, field: str) -> str:
    name = clean_name(value, field=field)
    if not name:
        raise InvalidInput.field(field, _("Enter the name."), "required")
    return name


def create_staff_account(
    *,
    username: str,
    password: str,
    full_name: str,
    institution: Institution,
    roles: list[str],
    doctor: Doctor | None = None,
    actor: Actor,
) -> StaffProfile:
    """A staff login bound to an institution, with its role groups."""
    _require(actor, "consortium.add_staffprofile")
    full_name = _required_name(full_name, field="full_name")
    errors = [
        FieldError("roles", _("Unknown role: %(role)s") % {"role": code}, "unknown_role")
        for code in roles
        if code not in ROLES_BY_CODE
    ]
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        errors.append(FieldError("username", _("This user name is taken."), "duplicate"))
    try:
        validate_password(password)
    except ValidationError as exc:
        errors.extend(FieldError("password", message, "weak") for message in exc.messages)
    if doctor is not None and doctor.department.institution_id != institution.pk:
        errors.append(FieldError("doctor", _("The doctor works at another institution.")))
    if errors:
        raise InvalidInput(*errors)
    return _create_staff(username, password, full_name, institution, roles, doctor)


@transaction.atomic
def _create_staff(
    username: str,
    password: str,
    full_name: str,
    institution: Institution,
    roles: list[str],
    doctor: Doctor | None,
) -> StaffProfile:
    # Only system administrators use the back office (Django admin) directly.
    is_back_office = "sysadmin" in roles
    user = get_user_model().objects.create_user(
        username=username, password=password, is_staff=is_back_office
    )
    user.groups.set(Group.objects.filter(name__in=[ROLES_BY_CODE[r].group_name for r in roles]))
    if doctor is not None:
        doctor.user = user
        doctor.save(update_fields=["user"])
    return StaffProfile.objects.create(user=user, institution=institution, full_name=full_name)
