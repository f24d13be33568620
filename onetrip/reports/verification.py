"""Verification of printed reports (R-EXAM-4): the QR code on a PDF carries a signed token naming
the report and its version. The public page it opens confirms the report is genuine and whether
it is still the current version, showing no result and only a masked name."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing

from onetrip.reports.models import Report

SALT = "onetrip.reports.verify"


def verification_token(report: Report) -> str:
    # No expiry: a printout is checked months later, and the token reveals nothing by itself.
    return signing.dumps([report.pk, report.version], salt=SALT)


@dataclass(frozen=True)
class Verification:
    report: Report
    printed_version: int

    @property
    def is_current(self) -> bool:
        return self.printed_version == self.report.version


def verify(token: str) -> Verification | None:
    """The report a token was issued for, or None for a forged, damaged or foreign token."""
    try:
        report_id, version = signing.loads(token, salt=SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    report = (
        Report.objects.select_related("patient", "performing_institution")
        .filter(pk=report_id, order__isnull=False)
        .first()
    )
    if report is None:
        return None
    return Verification(report=report, printed_version=version)
