"""Facility targets no transaction shows (R-KPI-3, seed 002 table 1.7, 1.10–1.13): the items
institutions report as periodic returns, and the indicators computed from those returns, shown
beside the indicators computed from records.

A return states how things stand (a TCM service area is in service, so many wards give quality
nursing), so a figure for a period reads each institution's latest return for a period that
began before the period ends; a newer return for the same period corrects an older one."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from onetrip.consortium.models import InstitutionLevel as Level
from onetrip.metrics.definitions import Direction, Metric, Unit
from onetrip.metrics.models import FacilityReturn

HOSPITALS = (Level.TERTIARY, Level.COUNTY)
# Seed 002: "基层医疗卫生机构（指社区卫生服务中心和卫生院，下同）".
PRIMARY_CENTRES = (Level.TOWNSHIP, Level.COMMUNITY_CENTRE)
ALL_LEVELS = tuple(Level.values)


class Kind:
    YES_NO = "yes_no"  # achieved 1 or 0
    PART_OF = "part_of"  # achieved of a whole (wards with quality nursing of all wards)
    COUNT = "count"  # a number


@dataclass(frozen=True)
class ReturnItem:
    code: str
    name: Promise
    question: Promise
    kind: str
    levels: tuple[str, ...]  # the institutions that report it


ITEMS: tuple[ReturnItem, ...] = (
    ReturnItem(
        "tcm_service_area",
        _("TCM comprehensive service area"),
        _("Is a standardised TCM comprehensive service area (中医综合服务区) in service?"),
        Kind.YES_NO,
        PRIMARY_CENTRES,
    ),
    ReturnItem(
        "quality_nursing_wards",
        _("Wards with quality nursing service"),
        _("How many of your wards give quality nursing service (优质护理服务病区)?"),
        Kind.PART_OF,
        HOSPITALS + PRIMARY_CENTRES,
    ),
    ReturnItem(
        "quality_control",
        _("Quality-control centre coverage"),
        _(
            "Did the city or county quality-control centres give your institution guidance, "
            "training and inspection in the period?"
        ),
        Kind.YES_NO,
        ALL_LEVELS,
    ),
    ReturnItem(
        "standardised_stations",
        _("Standardised community health service stations"),
        _("How many community health service stations have completed standardised construction?"),
        Kind.COUNT,
        (Level.COUNTY, Level.COMMUNITY_CENTRE),
    ),
    ReturnItem(
        "procurement_community",
        _("County procurement community"),
        _("Is the county's procurement community (采购共同体) established?"),
        Kind.YES_NO,
        (Level.COUNTY,),
    ),
    ReturnItem(
        "open_beds",
        _("Actual open beds"),
        _("How many beds are actually open (实际开放床位数)?"),
        Kind.COUNT,
        HOSPITALS + PRIMARY_CENTRES,
    ),
)
ITEMS_BY_CODE = {item.code: item for item in ITEMS}


class Aggregate:
    INSTITUTIONS = "institutions"  # institutions answering yes ÷ institutions of the levels
    PARTS = "parts"  # Σ achieved ÷ Σ of
    SUM = "sum"  # Σ achieved, against a count


@dataclass(frozen=True)
class ReportedMetric(Metric):
    """An indicator computed from returns: the item, the institutions it is counted over and
    how the returns add up."""

    item: str = ""
    levels: tuple[str, ...] = ()
    aggregate: str = Aggregate.INSTITUTIONS


REPORTED: tuple[ReportedMetric, ...] = (
    ReportedMetric(
        "tcm_service_areas",
        "R-KPI-3",
        _("Township and community centres with a TCM comprehensive service area"),
        _(
            "community health service centres and township health centres with a standardised "
            "TCM comprehensive service area ÷ those centres × 100%"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(70),
        _("seed 002 table 1.10"),
        item="tcm_service_area",
        levels=PRIMARY_CENTRES,
    ),
    ReportedMetric(
        "quality_nursing_hospitals",
        "R-KPI-3",
        _("Quality nursing wards at county hospitals and above"),
        _("wards giving quality nursing service ÷ wards, county public hospitals and above"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(100),
        _("seed 002 table 1.11: full coverage"),
        item="quality_nursing_wards",
        levels=HOSPITALS,
        aggregate=Aggregate.PARTS,
    ),
    ReportedMetric(
        "quality_nursing_primary",
        "R-KPI-3",
        _("Quality nursing coverage at primary care"),
        _("wards giving quality nursing service ÷ wards, township and community centres"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(60),
        _("seed 002 table 1.11"),
        item="quality_nursing_wards",
        levels=PRIMARY_CENTRES,
        aggregate=Aggregate.PARTS,
    ),
    ReportedMetric(
        "quality_control_coverage",
        "R-KPI-3",
        _("Institutions covered by the quality-control centres"),
        _(
            "institutions given guidance, training and inspection by the quality-control "
            "centres ÷ institutions × 100%"
        ),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(100),
        _("seed 002 table 1.12: full coverage"),
        item="quality_control",
        levels=ALL_LEVELS,
    ),
    ReportedMetric(
        "standardised_stations",
        "R-KPI-3",
        _("Community health service stations built to standard"),
        _("community health service stations whose standardised construction is complete"),
        Unit.COUNT,
        Direction.AT_LEAST,
        Decimal(110),
        _("seed 002 table 1.13: the whole city"),
        item="standardised_stations",
        levels=(Level.COUNTY, Level.COMMUNITY_CENTRE),
        aggregate=Aggregate.SUM,
    ),
    ReportedMetric(
        "procurement_communities",
        "R-KPI-3",
        _("Counties with a procurement community"),
        _("counties (county hospitals) with an established procurement community ÷ counties"),
        Unit.PERCENT,
        Direction.AT_LEAST,
        Decimal(100),
        _("seed 002 table 1.7"),
        item="procurement_community",
        levels=(Level.COUNTY,),
    ),
)


def latest_returns(
    item: str, institution_ids: Iterable[int], before: dt.date
) -> dict[int, FacilityReturn]:
    """Each institution's standing return for the item: the latest period begun before
    `before`, and of that period the last entry (a correction replaces what it corrects)."""
    return latest_returns_of((item,), institution_ids, before).get(item, {})


def latest_returns_of(
    items: Iterable[str], institution_ids: Iterable[int], before: dt.date
) -> dict[str, dict[int, FacilityReturn]]:
    """`latest_returns` of several items in one read, by item."""
    found: dict[str, dict[int, FacilityReturn]] = {}
    for entry in FacilityReturn.objects.filter(
        item__in=list(items), institution_id__in=list(institution_ids), period_start__lt=before
    ).order_by("period_start", "entered_at", "pk"):
        found.setdefault(entry.item, {})[entry.institution_id] = entry
    return found
