"""Daily rollups of the monitoring indicators' components (R-KPI-1).

A rollup row is derived data: `services.refresh_rollups` rewrites whole days from the domain-event
log and the supply-side reads, so the figures read from rollups are exactly those a recomputation
from raw records gives. Nothing here is typed in."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Rollup rows of records that name no department (a payment at a kiosk) use department 0.
NO_DEPARTMENT = 0


class DailyFigure(models.Model):
    """One component of the indicators for one institution, department and day. Components
    counted distinctly over a period (consulting rooms) keep one row per `key`."""

    institution_id = models.BigIntegerField(_("institution"))
    department_id = models.BigIntegerField(_("department"), default=NO_DEPARTMENT)
    day = models.DateField(_("day"))
    component = models.CharField(_("component"), max_length=40)
    key = models.CharField(_("key"), max_length=40, blank=True)
    value = models.BigIntegerField(_("value"))

    class Meta:
        verbose_name = _("daily figure")
        verbose_name_plural = _("daily figures")
        permissions = [("view_indicators", _("Can view the monitoring indicators"))]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "component", "institution_id", "department_id", "key"],
                name="daily_figure_once",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="daily_figure_not_negative"),
        ]
        indexes = [models.Index(fields=["component", "day"], name="daily_figure_component_day")]

    def __str__(self) -> str:
        return (
            f"{self.day} {self.component} {self.institution_id}/{self.department_id}: {self.value}"
        )


class RolledUpDay(models.Model):
    """A day whose rollup rows are complete; figures for other days are read from raw records."""

    day = models.DateField(_("day"), unique=True)
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("rolled-up day")
        verbose_name_plural = _("rolled-up days")
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day}"


class TodayFigure(models.Model):
    """A component of today's records up to `TodayMark.until`, for one institution, department
    and key (D94). Today's figures add these to the records after `until`, read raw; the rows
    are trusted only while the records before `until` are exactly those they were counted from."""

    institution_id = models.BigIntegerField(_("institution"))
    department_id = models.BigIntegerField(_("department"), default=NO_DEPARTMENT)
    day = models.DateField(_("day"))
    component = models.CharField(_("component"), max_length=40)
    key = models.CharField(_("key"), max_length=40, blank=True)
    value = models.BigIntegerField(_("value"))

    class Meta:
        verbose_name = _("figure of today so far")
        verbose_name_plural = _("figures of today so far")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "component", "institution_id", "department_id", "key"],
                name="today_figure_once",
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="today_figure_not_negative"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.day} {self.component} {self.institution_id}/{self.department_id}: {self.value}"
        )


class TodayMark(models.Model):
    """How far `TodayFigure` rows of a day go: the records that occurred before `until`, of
    which there were `events` (counted before the rows were computed)."""

    day = models.DateField(_("day"), unique=True)
    until = models.DateTimeField(_("until"))
    # Events of the counted kinds before `until` with ids above `watermark`: every event at or
    # under it was already visible when the rows were counted, so a late one has a higher id
    # and the proof reads only the recent ids (D260). 0: all of today's.
    events = models.BigIntegerField(_("events counted"))
    watermark = models.BigIntegerField(_("event id watermark"), default=0)
    components = models.TextField(_("components"), blank=True)  # their codes, comma-separated
    refreshed_at = models.DateTimeField(_("refreshed at"))

    class Meta:
        verbose_name = _("mark of today's figures")
        verbose_name_plural = _("marks of today's figures")

    def __str__(self) -> str:
        return f"{self.day} until {self.until}: {self.events}"


class FacilityReturn(models.Model):
    """A figure an institution reports for a period because no transaction shows it (R-KPI-3:
    a TCM service area, quality-nursing wards, …; the items are `returns.ITEMS`). Returns are
    never edited: a correction is a newer return for the same item and period, so who entered
    what and when stays on record."""

    institution_id = models.BigIntegerField(_("institution"))
    item = models.CharField(_("item"), max_length=40)
    period_code = models.CharField(_("period"), max_length=7)
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))  # exclusive
    achieved = models.PositiveIntegerField(_("achieved"))
    of = models.PositiveIntegerField(_("of"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_by = models.CharField(_("entered by"), max_length=150)
    entered_at = models.DateTimeField(_("entered at"))

    class Meta:
        verbose_name = _("facility return")
        verbose_name_plural = _("facility returns")
        permissions = [("enter_facility_returns", _("Can enter the institution's returns"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(of__isnull=True) | Q(achieved__lte=models.F("of")),
                name="facility_return_part_of_whole",
            ),
            models.CheckConstraint(
                condition=Q(period_start__lt=models.F("period_end")),
                name="facility_return_period_order",
            ),
        ]
        indexes = [
            models.Index(
                fields=["item", "institution_id", "period_start"], name="facility_return_lookup"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.institution_id} {self.period_code}: {self.achieved}/{self.of}"
