"""What a laboratory or imaging system submits (R-EXAM-4), whichever door it came through: the
HL7 v2 parser and the JSON API both produce these, and the services file them the same way."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

LOINC_SYSTEM = "http://loinc.org"
LOCAL_CODE_SYSTEM = "https://onetrip.example/fhir/CodeSystem/local-result-code"


class ReportStatus(models.TextChoices):
    PRELIMINARY = "preliminary", _("Preliminary")
    FINAL = "final", _("Final")
    CORRECTED = "corrected", _("Corrected")


class ReportKind(models.TextChoices):
    LAB = "lab", _("Laboratory")
    IMAGING = "imaging", _("Imaging")


class AbnormalFlag(models.TextChoices):
    """HL7 table 0078, the subset results here use. LL, HH and AA are critical values."""

    NORMAL = "N", _("Normal")
    LOW = "L", _("Low")
    HIGH = "H", _("High")
    CRITICAL_LOW = "LL", _("Critically low")
    CRITICAL_HIGH = "HH", _("Critically high")
    ABNORMAL = "A", _("Abnormal")
    CRITICAL_ABNORMAL = "AA", _("Critically abnormal")


CRITICAL_FLAGS = frozenset(
    {AbnormalFlag.CRITICAL_LOW, AbnormalFlag.CRITICAL_HIGH, AbnormalFlag.CRITICAL_ABNORMAL}
)


@dataclass(frozen=True)
class ObservationIn:
    code: str
    display: str
    code_system: str  # LOINC_SYSTEM, or LOCAL_CODE_SYSTEM for the hospital's own codes
    value: str
    numeric_value: Decimal | None = None
    unit: str = ""
    reference_range: str = ""
    abnormal_flag: str = ""

    @property
    def is_critical(self) -> bool:
        return self.abnormal_flag in CRITICAL_FLAGS


@dataclass(frozen=True)
class ReportIn:
    """One report: the order it answers (`placer_number`, the number OneTrip gave the order) and
    its observations. `patient_hint` is what the sender says about the patient; it is only shown
    to staff sorting quarantined reports, never used to find a patient."""

    placer_number: str
    kind: str
    status: str
    service_code: str
    service_name: str
    issued_at: dt.datetime
    service_system: str = LOCAL_CODE_SYSTEM
    filler_number: str = ""
    conclusion: str = ""
    patient_hint: str = ""
    observations: list[ObservationIn] = field(default_factory=list)
