"""Who acts in a simulation: the demo consortium's own staff and systems, plus one simulator
workstation account per institution for the clinic, exam-desk and cashier work the demo has no
accounts for. Everything here is created through the services, once; later runs reuse it."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from onetrip.consortium import services as consortium
from onetrip.consortium.models import Institution, InstitutionLevel, StaffProfile
from onetrip.core.actors import SYSTEM, Actor, ActorKind, Channel
from onetrip.demo.loader import DEMO_ACCOUNTS
from onetrip.scheduling import api_keys
from onetrip.scheduling.models import ApiClient, BookingChannel

# The workstation's roles: the doctor calls and sees patients and orders exams, the nurse and the
# exam centre run the desks, the service centre takes phone bookings, finance settles (insured
# settlements need it).
WORKSTATION_ROLES = ["doctor", "nurse", "exam_centre", "service_centre", "finance"]
KIOSK_NAME = "门诊自助机（模拟）"
HOSPITAL_LEVELS = (InstitutionLevel.TERTIARY, InstitutionLevel.COUNTY)


@dataclass(frozen=True)
class Place:
    """One institution and who acts there."""

    institution_id: int
    code: str
    level: str
    hospital_id: int  # the nearest hospital up the tree: where primary care refers to
    window: Actor  # the demo's registration window: window bookings, check-in, stop-clinic
    desk: Actor  # the simulator's workstation
    kiosk: Actor | None  # hospitals only

    @property
    def is_hospital(self) -> bool:
        return self.level in HOSPITAL_LEVELS


def staff_actor(profile: StaffProfile) -> Actor:
    user = profile.user
    return Actor(
        kind=ActorKind.STAFF,
        label=f"{user.get_username()} ({profile.full_name})",
        user=user,
        institution_id=profile.institution_id,
        channel=Channel.SYSTEM,
    )


def assemble() -> dict[int, Place]:
    """The places of the demo consortium by institution id, creating what is missing."""
    institutions = list(Institution.objects.order_by("pk"))
    by_code = {i.code: i for i in institutions}
    by_id = {i.pk: i for i in institutions}
    profiles = {
        p.user.get_username(): p
        for p in StaffProfile.objects.select_related("user").filter(
            user__username__in=[a.username for a in DEMO_ACCOUNTS]
        )
    }
    windows = {
        by_code[a.institution_code].pk: staff_actor(profiles[a.username])
        for a in DEMO_ACCOUNTS
        if a.role == "registration"
    }
    sysadmin = staff_actor(profiles["sysadmin"])
    places = {}
    for institution in institutions:
        hospital = institution
        while hospital.level not in HOSPITAL_LEVELS and hospital.parent_id is not None:
            hospital = by_id[hospital.parent_id]
        places[institution.pk] = Place(
            institution_id=institution.pk,
            code=institution.code,
            level=institution.level,
            hospital_id=hospital.pk,
            window=windows[institution.pk],
            desk=staff_actor(_workstation(institution)),
            kiosk=_kiosk(institution, sysadmin) if institution.level in HOSPITAL_LEVELS else None,
        )
    return places


def workstation_username(institution_code: str) -> str:
    return f"sim-{institution_code.lower()}"


def _workstation(institution: Institution) -> StaffProfile:
    username = workstation_username(institution.code)
    profile = StaffProfile.objects.select_related("user").filter(user__username=username).first()
    if profile is not None:
        return profile
    return consortium.create_staff_account(
        username=username,
        # Nobody signs in as the simulator: the password is thrown away.
        password=secrets.token_urlsafe(24),
        full_name="模拟工作站",
        institution=institution,
        roles=WORKSTATION_ROLES,
        actor=SYSTEM,
    )


def _kiosk(institution: Institution, sysadmin: Actor) -> Actor:
    client = ApiClient.objects.filter(
        institution=institution, name=KIOSK_NAME, is_active=True
    ).first()
    if client is None:
        client, _key = api_keys.issue_api_key(
            institution.pk, KIOSK_NAME, BookingChannel.KIOSK, actor=sysadmin
        )
    return Actor(
        kind=ActorKind.CLIENT,
        label=f"client:{client.name}",
        institution_id=institution.pk,
        client_id=client.pk,
        client_channel=client.channel,
        channel=Channel.API,
    )
