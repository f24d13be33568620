"""Who is acting. Every service takes `*, actor` so the audit trail and permission checks have one
source: the staff member (with their institution), the signed-in patient account, or the system."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from onetrip.core.errors import NotAuthenticated, PermissionDenied

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser


class ActorKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    PATIENT = "patient", _("Patient")
    SYSTEM = "system", _("System")
    CLIENT = "client", _("External system")


class Channel(models.TextChoices):
    WEB = "web", _("Web page")
    API = "api", _("API")
    ADMIN = "admin", _("Back office")
    SYSTEM = "system", _("System job")


@dataclass(frozen=True)
class Actor:
    kind: str
    label: str
    user: AbstractUser | None = None
    account_id: int | None = None
    institution_id: int | None = None
    client_id: int | None = None
    # The booking channel the external system's key was issued for (checked active when the
    # request authenticated), so the services need not look the key up again.
    client_channel: str | None = None
    # The one bill a signed bill link names: its bearer (a patient without an account) may read
    # and pay that bill and nothing else.
    bill_id: int | None = None
    ip: str | None = None
    channel: str = Channel.WEB

    @property
    def is_staff(self) -> bool:
        return self.kind == ActorKind.STAFF

    def has_perm(self, perm: str) -> bool:
        return self.is_staff and self.user is not None and self.user.has_perm(perm)

    def require_perm(self, perm: str) -> None:
        if not self.has_perm(perm):
            raise PermissionDenied(_("Your role does not allow this."))


SYSTEM = Actor(kind=ActorKind.SYSTEM, label="system", channel=Channel.SYSTEM)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return any(
        address in ipaddress.ip_network(proxy, strict=False)
        for proxy in settings.ONETRIP_TRUSTED_PROXIES
    )


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for the audit trail. X-Forwarded-For is anyone's to write, so it is
    believed only from a configured proxy (`ONETRIP_TRUSTED_PROXIES`), walking back from the
    peer through trusted hops: the first untrusted hop is the client. A hop that is not an
    address (a proxy writing "unknown") stops the walk at the last address known."""
    peer = _address(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    client = peer
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        if not _trusted(client):
            break
        forwarded = _address(hop)
        if forwarded is None:
            break
        client = forwarded
    return str(client)


def staff_actor(request: HttpRequest, channel: str = Channel.WEB) -> Actor:
    """The signed-in staff member; refused unless the login is bound to an institution."""
    user = request.user
    profile = getattr(user, "staff_profile", None)
    if not user.is_authenticated:
        raise NotAuthenticated(_("Sign in with a staff account."))
    if profile is None or not user.is_active:
        raise PermissionDenied(_("Sign in with a staff account."), code="not_staff")
    return Actor(
        kind=ActorKind.STAFF,
        label=f"{user.get_username()} ({profile.full_name})",
        user=user,
        institution_id=profile.institution_id,
        ip=client_ip(request),
        channel=channel,
    )


def patient_actor(
    request: HttpRequest, *, account_id: int, phone_label: str, channel: str = Channel.WEB
) -> Actor:
    return Actor(
        kind=ActorKind.PATIENT,
        label=phone_label,
        account_id=account_id,
        ip=client_ip(request),
        channel=channel,
    )
