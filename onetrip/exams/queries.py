"""Reads other apps ask of the exams domain (the monitoring indicators, R-KPI-3)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from onetrip.consortium.models import InstitutionLevel
from onetrip.exams.models import LARGE_EQUIPMENT, Device

# Seed 002 table 1.3: "县（区）级以上医院大型设备检查预约向基层开放".
HOSPITAL_LEVELS = (InstitutionLevel.TERTIARY, InstitutionLevel.COUNTY)


def hospital_large_equipment(institution_ids: Iterable[int] | None = None) -> QuerySet[Device]:
    """The active large equipment (CT, MRI) of county hospitals and above."""
    devices = Device.objects.filter(
        kind__in=LARGE_EQUIPMENT, is_active=True, institution__level__in=HOSPITAL_LEVELS
    )
    if institution_ids is not None:
        devices = devices.filter(institution_id__in=list(institution_ids))
    return devices.select_related("institution").order_by("institution_id", "code")
