"""The face check (刷脸, R-ID-3) behind one pluggable verifier.

Real identity-verification services (Tencent Cloud FaceID's DetectAuth / GetDetectInfoEnhanced,
Alibaba Cloud's InitFaceVerify / DescribeFaceVerify, the Ministry of Public Security's CTID) all
work the same way: the server starts a check for a name and ID number and gets a token and a URL,
the person is filmed (liveness and comparison with the ID photo) on the service's page, which
sends them back, and the server asks the service for the result. `FaceVerifier` is that shape;
`settings.ONETRIP_FACE_VERIFIER` names the class (the sandbox by default, `face_sandbox`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

# The similarity (0–100) from which the face counts as the card holder's.
PASS_SIMILARITY = Decimal("70")


@dataclass(frozen=True)
class FaceStart:
    token: str
    url: str  # where the person is filmed; the service sends them back to the redirect URL


@dataclass(frozen=True)
class FaceResult:
    finished: bool  # False while the person has not been filmed yet
    passed: bool
    similarity: Decimal | None
    code: str  # the service's result code, kept for the audit row


class FaceVerifier(Protocol):
    def start(self, *, name: str, id_number: str, redirect_url: str) -> FaceStart: ...

    def result(self, token: str) -> FaceResult: ...


def verifier() -> FaceVerifier:
    return import_string(settings.ONETRIP_FACE_VERIFIER)()
