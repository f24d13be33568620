"""R-KPI-3's indicators recounted from the raw rows, for the recomputation test of every
indicator (`test_figures.recompute`)."""

from __future__ import annotations

import datetime as dt

from onetrip.consortium.models import Institution
from onetrip.core.events import EventKind as K
from onetrip.ebills.models import EBill
from onetrip.exams.models import Device
from onetrip.inpatient.models import Admission
from onetrip.metrics.models import FacilityReturn
from onetrip.publichealth.models import ChildCheck, Pregnancy
from onetrip.service.models import Complaint, ErrandTicket

CENTRES = ("township", "community_centre")
PRIMARY = ("township", "community_centre", "community_station", "island_hut")
HOSPITALS = ("tertiary", "county")


def recompute_further(events, pools, institution_ids, start, end, department, local_day) -> dict:
    level = dict(Institution.objects.values_list("pk", "level"))

    def of(kind):
        return [e for e in events if e.kind == kind]

    checked_in = of(K.VISIT_CHECKED_IN)
    settled = of(K.PAYMENT_SETTLED)
    fees = [e for e in settled if e.data.get("fees") is True]
    referenced = set(
        EBill.objects.filter(kind="normal").values_list("settlement_reference", flat=True)
    )
    centre_pools = [p for p in pools if level[p.department.institution_id] in CENTRES]
    large = Device.objects.filter(
        kind__in=("ct", "mri"), is_active=True, institution__level__in=HOSPITALS
    )
    used = {
        e.data["device_id"]
        for e in of(K.EXAM_BOOKED)
        if level[e.institution_id] in HOSPITALS
        and level.get(e.data.get("ordering_institution_id")) in PRIMARY
        and e.data.get("device_id") in set(large.values_list("pk", flat=True))
    }
    bills = [
        b
        for b in EBill.objects.filter(kind="normal", institution_id__in=institution_ids)
        if start <= local_day(b.issued_at) < end and department is None
    ]
    beds: dict[int, FacilityReturn] = {}
    for entry in FacilityReturn.objects.filter(
        item="open_beds",
        institution_id__in=institution_ids,
        period_start__lte=dt.date(2026, 11, 23),
    ).order_by("period_start", "entered_at", "pk"):
        beds[entry.institution_id] = entry
    complaints = [
        c
        for c in Complaint.objects.filter(kind="complaint", institution_id__in=institution_ids)
        if department is None or c.department_id == department
    ]
    closed = [c for c in complaints if c.closed_at and start <= local_day(c.closed_at) < end]
    rated = [c for c in complaints if c.rated_at and start <= local_day(c.rated_at) < end]
    done = [
        t
        for t in ErrandTicket.objects.filter(status="done", institution_id__in=institution_ids)
        if start <= local_day(t.closed_at) < end and department is None
    ]
    stays = [
        a
        for a in Admission.objects.filter(status="discharged", institution_id__in=institution_ids)
        if start <= local_day(a.discharged_at) < end
        and (department is None or a.department_id == department)
    ]
    operations = [a for a in stays if a.urgency == "elective" and a.planned_procedure]
    # No ambulance was called in this month's scenario: every emergency figure is 0 ÷ 0 here
    # (onetrip/emergency/tests/test_indicators.py counts a month of runs by hand).
    emergency = dict.fromkeys(
        ("ambulance_dispatch", "ambulance_response", "ambulance_response_county"), (0, 0)
    ) | {"green_channel_clocks": (0, 0)}
    # Nor was anything prescribed (onetrip/pharmacy/tests and onetrip/prescribing/tests count
    # their indicators by hand).
    pharmacy = dict.fromkeys(
        (
            "rx_ready_on_arrival",
            "rx_window_wait",
            "online_follow_ups",
            "rx_review_turnaround",
            "deliveries_on_time",
        ),
        (0, 0),
    )
    return (
        emergency
        | pharmacy
        | {
            "complaints_on_time": (sum(1 for c in closed if c.closed_on_time), len(closed)),
            "complaint_satisfaction": (sum(1 for c in rated if c.rating >= 4), len(rated)),
            "errands_on_time": (sum(1 for t in done if t.on_time), len(done)),
            "day_surgery": (
                sum(1 for a in operations if a.counted_as_day_surgery),
                len(operations),
            ),
            "clinical_pathways": (
                sum(
                    1
                    for a in stays
                    if getattr(getattr(a, "pathway", None), "status", "") == "completed"
                ),
                len(stays),
            ),
            "average_length_of_stay": (
                sum(
                    max((local_day(a.discharged_at) - local_day(a.admitted_at)).days, 1)
                    for a in stays
                ),
                len(stays),
            ),
            "pre_admission_waiting": (
                sum((local_day(a.admitted_at) - local_day(a.issued_at)).days for a in stays),
                len(stays),
            ),
            "bed_turnover": (
                len({e.data.get("bill_id") for e in settled if e.data["mode"] == "discharge"}),
                sum(entry.achieved for entry in beds.values()),
            ),
            "primary_care_visit_share": (
                sum(1 for e in checked_in if level[e.institution_id] in CENTRES),
                len(checked_in),
            ),
            "centre_sources_online": (
                sum(
                    p.capacity for p in centre_pools if p.kind in ("shared_online", "primary_care")
                ),
                sum(p.capacity for p in centre_pools),
            ),
            "large_equipment_open": (
                len(used),
                large.filter(institution_id__in=institution_ids).count(),
            ),
            "ebill_coverage": (
                sum(1 for e in fees if str(e.data["settlement_id"]) in referenced),
                len(fees),
            ),
            "self_service_invoices": (
                sum(1 for b in bills if b.self_service_copies.exists()),
                len(bills),
            ),
        }
    )


def recompute_maternal_child(institution_ids, start, end, local_day) -> dict:
    """孕产妇和3岁以下儿童系统管理 (D187) counted from the raw records: mothers delivered in the
    period (registered < 13 weeks, ≥ 5 checks done, both postnatal visits) and children whose
    first, second or third birthday falls in it (4, 2 and 1 of that year's checks done)."""
    people = []
    for p in Pregnancy.objects.filter(delivered_on__isnull=False):
        if p.institution_id in institution_ids and start <= p.delivered_on < end:
            early = (local_day(p.registered_at) - p.last_period).days <= 90
            done = p.checks.filter(done_at__isnull=False).count()
            kinds = set(p.postnatal.values_list("kind", flat=True))
            people.append(early and done >= 5 and kinds == {"home_visit", "day_42"})
    by_child: dict[int, list] = {}
    for check in ChildCheck.objects.select_related("patient").order_by("pk"):
        by_child.setdefault(check.patient_id, []).append(check)
    years = {1: ({1, 3, 6, 8, 12}, 4), 2: ({18, 24}, 2), 3: ({30, 36}, 1)}
    for checks in by_child.values():
        if checks[0].institution_id not in institution_ids:
            continue
        born = checks[0].patient.birth_date
        done_months = {c.age_months for c in checks if c.done_at is not None}
        for year, (months, required) in years.items():
            try:
                birthday = born.replace(year=born.year + year)
            except ValueError:  # born on 29 February
                birthday = dt.date(born.year + year, 2, 28)
            if start <= birthday < end:
                people.append(len(done_months & months) >= required)
    return {"maternal_child_coverage": (sum(people), len(people))}
