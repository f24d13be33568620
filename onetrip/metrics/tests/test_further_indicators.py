"""R-KPI-3 (seed 000; seed 002 table 1.1–1.3, 1.7, 1.10–1.13): the further indicators on one
hand-counted November, each with its traps, and the facility targets institutions report as
returns, entered on their page and shown beside the computed figures and in the report."""

from __future__ import annotations

import datetime as dt
from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from onetrip.conftest import NOW, actor_for
from onetrip.consortium import services as consortium
from onetrip.consortium.models import DoctorTitle, InstitutionLevel
from onetrip.core.actors import SYSTEM
from onetrip.core.errors import InvalidInput
from onetrip.core.events import EventKind as K
from onetrip.ebills.models import SelfServiceCopy
from onetrip.exams.models import Device
from onetrip.metrics import services
from onetrip.metrics.definitions import register_open_beds
from onetrip.metrics.models import FacilityReturn
from onetrip.metrics.tests.conftest import TODAY, at, make_ebill
from onetrip.scheduling.models import ClinicSession, SchedulingPolicy, SessionTemplate
from onetrip.scheduling.policy import ALL_ONLINE_SHARES
from onetrip.scheduling.services import schedule

pytestmark = pytest.mark.django_db
MONTH = "2026-11"
YESTERDAY = TODAY - dt.timedelta(days=1)


@pytest.fixture
def more(org):
    community = consortium.create_institution(
        code="C001",
        name="新城社区卫生服务中心",
        level=InstitutionLevel.COMMUNITY_CENTRE,
        parent=org.tertiary,
        actor=SYSTEM,
    )
    station = consortium.create_institution(
        code="S001",
        name="新城第一社区卫生服务站",
        level=InstitutionLevel.COMMUNITY_STATION,
        parent=community,
        actor=SYSTEM,
    )
    return SimpleNamespace(
        community=community,
        station=station,
        community_gp=consortium.add_department(community, code="GP", name="全科", actor=SYSTEM),
        station_gp=consortium.add_department(station, code="GP", name="全科", actor=SYSTEM),
    )


def figures(client, **params) -> dict:
    response = client.get("/api/metrics/figures", {"period": MONTH, **params})
    assert response.status_code == 200, response.content
    return {f["code"]: f for f in response.json()["figures"]}


def counted(figure) -> tuple:
    return figure["numerator"], figure["denominator"], figure["value"]


@pytest.fixture
def kpi_client(client, quality):
    client.force_login(quality.user)
    return client


def enter(actor, item, period, achieved, of=None, when=None, clock=None):
    if when is not None:
        clock.set(when)
    return services.enter_facility_return(
        item=item, period=period, achieved=achieved, of=of, actor=actor
    )


def test_primary_care_visit_share(clock, org, more, emit, kpi_client):
    """基层就诊率: visits at township and community health service centres ÷ all visits."""
    for department, day in (
        (org.medicine, YESTERDAY),
        (org.surgery, TODAY),
        (org.general, YESTERDAY),  # township centre: counted
        (more.community_gp, TODAY),  # community centre: counted
        (more.station_gp, TODAY),  # trap: a station is not a centre (seed 002's definition)
    ):
        emit(K.VISIT_CHECKED_IN, at(day, 9), department, data={"booking_id": None})
    # Trap: October is outside the period.
    emit(K.VISIT_CHECKED_IN, at(dt.date(2026, 10, 30)), org.general, data={"booking_id": None})
    # Trap: a call is not a visit.
    emit(K.VISIT_CALLED, at(TODAY, 10), org.general, data={"waited_minutes": 3})
    share = figures(kpi_client)["primary_care_visit_share"]
    assert counted(share) == (2, 5, "40.00")
    assert share["status"] == "no_target"  # the seed says "to rise", no number


def test_bed_turnover_counts_discharges_over_the_beds_reported(
    clock, org, more, emit, kpi_client, make_staff
):
    """床位周转次数: patients discharged ÷ actual open beds."""
    for bill, mode in ((11, "discharge"), (12, "discharge"), (12, "discharge"), (13, "bedside")):
        # Trap: bill 12's discharge arrives twice (one admission); a bedside payment is no
        # discharge.
        emit(K.PAYMENT_SETTLED, at(YESTERDAY), org.medicine, data={"mode": mode, "bill_id": bill})
    hospital = actor_for(make_staff("quality", org.tertiary))
    centre = actor_for(make_staff("quality", org.township))
    enter(hospital, "open_beds", "2026-Q4", 10)
    clock.advance(dt.timedelta(minutes=5))
    enter(hospital, "open_beds", "2026-Q4", 8)  # a correction replaces the first figure
    enter(centre, "open_beds", "2026-10", 2)
    enter(centre, "open_beds", "2026-12", 30)  # trap: December has not begun
    turnover = figures(kpi_client)["bed_turnover"]
    assert counted(turnover) == (2, 10, "0.20")

    # An inpatient domain registering its wards replaces the returns.
    from onetrip.metrics.definitions import _bed_readers

    registered = _bed_readers.get(False)
    register_open_beds(lambda institution_ids: 4)
    try:
        assert counted(figures(kpi_client)["bed_turnover"]) == (2, 4, "0.50")
    finally:
        if registered is None:
            _bed_readers.pop(False)
        else:
            register_open_beds(registered)


def test_township_and_community_sources_open_online(clock, org, more, pools, kpi_client):
    """Township and community centres' outpatient sources in online pools ÷ their sources."""
    doctor = consortium.add_doctor(
        org.general, name="赵医生", title=DoctorTitle.ATTENDING, actor=SYSTEM
    )
    SessionTemplate.objects.create(
        doctor=doctor,
        clinic=org.rooms[3],
        weekday=TODAY.weekday(),
        period="morning",
        start_time=dt.time(8, 0),
        end_time=dt.time(9, 0),
        slot_minutes=15,
        capacity_per_slot=5,
        valid_from=TODAY,
    )
    schedule.generate_sessions(
        institution_id=org.township.pk, date_from=TODAY, date_to=TODAY, actor=SYSTEM
    )
    # One session of 4 slots × 5 = 20 sources, all in the shared online pool (R-APPT-8's
    # per-level default). Trap: the hospital's own week of pools (`pools`) is not counted.
    online = figures(kpi_client)["centre_sources_online"]
    assert counted(online) == (20, 20, "100.00")
    assert online["status"] == "met"

    # A centre that overrides the default and keeps a fifth of its sources for its window
    # misses the target (its session generated again under the override).
    ClinicSession.objects.filter(institution=org.township).delete()
    SchedulingPolicy.objects.create(
        institution=org.township,
        rules={
            "pool_shares": dict.fromkeys(ALL_ONLINE_SHARES, 0) | {"shared_online": 80, "window": 20}
        },
    )
    schedule.generate_sessions(
        institution_id=org.township.pk, date_from=TODAY, date_to=TODAY, actor=SYSTEM
    )
    online = figures(kpi_client)["centre_sources_online"]
    assert counted(online)[:2] == (16, 20)
    assert online["status"] == "missed"


def test_large_equipment_open_to_primary_care(clock, org, more, emit, kpi_client):
    """County hospitals' and above large equipment booked by primary care ÷ that equipment."""

    def device(institution, code, kind, active=True):
        return Device.objects.create(
            institution=institution, code=code, kind=kind, name=code, is_active=active
        )

    ct = device(org.tertiary, "CT1", "ct")
    mri = device(org.tertiary, "MR1", "mri")
    device(org.tertiary, "MR0", "mri", active=False)  # trap: out of service
    ultrasound = device(org.tertiary, "US1", "ultrasound")  # trap: not large equipment
    township_ct = device(org.township, "CT9", "ct")  # trap: not a county hospital

    emit(
        K.EXAM_BOOKED,
        at(YESTERDAY),
        org.medicine,
        data={"device_id": ct.pk, "ordering_institution_id": org.township.pk},
    )
    emit(  # the same CT again from the community centre: one device
        K.EXAM_BOOKED,
        at(TODAY),
        org.medicine,
        data={"device_id": ct.pk, "ordering_institution_id": more.community.pk},
    )
    emit(  # trap: the hospital's own order
        K.EXAM_BOOKED,
        at(TODAY),
        org.medicine,
        data={"device_id": mri.pk, "ordering_institution_id": org.tertiary.pk},
    )
    emit(  # trap: ultrasound is not large equipment
        K.EXAM_BOOKED,
        at(TODAY),
        org.medicine,
        data={"device_id": ultrasound.pk, "ordering_institution_id": org.township.pk},
    )
    emit(  # trap: performed at the township
        K.EXAM_BOOKED,
        at(TODAY),
        org.general,
        data={"device_id": township_ct.pk, "ordering_institution_id": more.community.pk},
    )
    assert counted(figures(kpi_client)["large_equipment_open"]) == (1, 2, "50.00")


def test_ebill_coverage_and_self_service_printing(clock, org, more, emit, kpi_client, register):
    """E-bill coverage: fee settlements with their e-bill ÷ fee settlements. Self-service
    printing: e-bills the patient printed or downloaded ÷ e-bills issued."""
    patient = register()
    for settlement, fees in ((101, True), (102, True), (103, True), (104, False)):
        # Trap: 104 is a deposit top-up; its receipt is not a medical e-bill.
        emit(
            K.PAYMENT_SETTLED,
            at(YESTERDAY),
            org.medicine,
            data={"mode": "window", "settlement_id": settlement, "fees": fees, "bill_id": 1},
        )
    first = make_ebill(org.tertiary, patient, 101, at(YESTERDAY, 11), 1)
    make_ebill(org.tertiary, patient, 102, at(YESTERDAY, 11), 2)
    # Trap: 103's only e-bill is a red letter (a reversal is not its bill).
    make_ebill(org.tertiary, patient, 103, at(TODAY, 8), 3, kind="red_letter", original=first)
    october = make_ebill(org.tertiary, patient, 90, at(dt.date(2026, 10, 28)), 4)
    for bill, channel in ((first, "kiosk"), (first, "phone"), (october, "kiosk")):
        # Trap: the first bill printed twice counts once; October's bill is not November's.
        SelfServiceCopy.objects.create(ebill=bill, channel=channel, made_at=NOW)
    found = figures(kpi_client)
    assert counted(found["ebill_coverage"]) == (2, 3, "66.67")
    assert counted(found["self_service_invoices"]) == (1, 2, "50.00")


def test_the_patient_printing_at_the_kiosk_is_recorded(clock, org, register, client):
    from onetrip.identity.models import MobileAccount, ProxyGrant
    from onetrip.scheduling.tests.helpers import sign_in_patient

    patient = register()
    account = MobileAccount.objects.create(phone=patient.phone, created_at=NOW)
    ProxyGrant.objects.create(
        patient=patient,
        account=account,
        relationship="self",
        basis="own_record",
        granted_at=NOW,
        granted_by="test",
    )
    bill = make_ebill(org.tertiary, patient, 201, NOW, 7)
    sign_in_patient(client, account.pk)
    assert client.get(f"/kiosk/ebills/{bill.pk}/").status_code == 200
    assert client.get(f"/p/ebills/{bill.pk}/pdf").status_code == 200
    assert sorted(bill.self_service_copies.values_list("channel", flat=True)) == [
        "kiosk",
        "phone",
    ]


def test_facility_targets_from_returns(clock, org, more, make_staff, kpi_client):
    tertiary = actor_for(make_staff("quality", org.tertiary))
    township = actor_for(make_staff("quality", org.township))
    community = actor_for(make_staff("quality", more.community))
    station = actor_for(make_staff("quality", more.station))

    enter(township, "tcm_service_area", "2026", 1)
    enter(community, "tcm_service_area", "2026-Q4", 1)
    clock.advance(dt.timedelta(hours=1))
    enter(community, "tcm_service_area", "2026-Q4", 0)  # corrected: not yet in service
    with pytest.raises(InvalidInput) as refused:  # a station has no TCM area to report
        enter(station, "tcm_service_area", "2026-Q4", 1)
    assert refused.value.errors[0].field == "item"
    enter(tertiary, "quality_nursing_wards", "2026-11", 8, of=10)
    enter(township, "quality_nursing_wards", "2026-11", 1, of=1)
    enter(tertiary, "quality_control", "2026-Q4", 1)
    enter(township, "quality_control", "2026-Q4", 1)
    enter(community, "standardised_stations", "2026-Q3", 3)
    enter(community, "standardised_stations", "2026-Q4", 5)  # the latest period stands
    with pytest.raises(InvalidInput):
        enter(tertiary, "quality_nursing_wards", "2026-11", 11, of=10)
    with pytest.raises(InvalidInput):
        enter(township, "tcm_service_area", "2026-13", 1)
    assert FacilityReturn.objects.count() == 9  # the three refusals wrote nothing

    scope = services.resolve_scope(actor=tertiary, institution_id=org.tertiary.pk).scope
    from onetrip.metrics.periods import parse_period

    reported = {f.metric.code: f for f in services.reported_figures(scope, parse_period(MONTH))}

    def of(code):
        f = reported[code]
        return f.numerator, f.denominator, f.value and str(f.value), f.status

    # Township yes, community corrected to no: 1 of the 2 centres (the station is no centre).
    assert of("tcm_service_areas") == (1, 2, "50.00", "missed")
    assert reported["tcm_service_areas"].last_entry.entered_by == community.label
    # Hospitals: 8 of 10 wards; primary: the township's 1 of 1.
    assert of("quality_nursing_hospitals") == (8, 10, "80.00", "missed")
    assert of("quality_nursing_primary") == (1, 1, "100.00", "met")
    # 2 of the 4 institutions (the two that did not report count against the target).
    assert of("quality_control_coverage") == (2, 4, "50.00", "missed")
    assert of("standardised_stations") == (5, None, "5", "missed")
    assert of("procurement_communities")[3] == "no_data"  # no county hospital in scope

    page = kpi_client.get("/staff/metrics/", {"period": MONTH}).content.decode()
    assert 'id="reported-tcm_service_areas"' in page
    assert community.label in page

    report = kpi_client.get("/api/metrics/report", {"period": MONTH, "format": "xlsx"})
    book = load_workbook(BytesIO(report.content))
    main = list(book.worksheets[0].iter_rows(values_only=True))
    # The reported figures sit under the computed ones: the TCM share of the root's section.
    assert (org.tertiary.name, "R-KPI-3", "50.00 %") in [(r[0], r[1], r[4]) for r in main]
    returns_rows = list(book.worksheets[1].iter_rows(values_only=True))[1:]
    assert (more.community.name, "1 / 1") not in [(r[0], r[3]) for r in returns_rows]
    assert (more.community.name, "0 / 1") in [(r[0], r[3]) for r in returns_rows]
    assert all(r[4] for r in returns_rows)  # who entered each
    pdf = kpi_client.get("/api/metrics/report", {"period": MONTH, "format": "pdf"})
    assert pdf.content.startswith(b"%PDF")


def test_the_returns_page(clock, org, make_staff, client):
    officer = make_staff("quality", org.township)
    client.force_login(officer.user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/staff/metrics/returns/").content.decode()
    assert "TCM comprehensive service area" in page
    assert "County procurement community" not in page  # a township does not report it
    bad = client.post(
        "/staff/metrics/returns/", {"item": "tcm_service_area", "period": "soon", "achieved": 1}
    )
    assert bad.status_code == 400
    assert FacilityReturn.objects.count() == 0
    done = client.post(
        "/staff/metrics/returns/",
        {"item": "tcm_service_area", "period": "2026-Q4", "achieved": 1, "note": "已验收"},
    )
    assert done.status_code == 302
    page = client.get("/staff/metrics/returns/").content.decode()
    assert "2026-Q4" in page
    assert "已验收" in page
    nurse = make_staff("nurse", org.township)
    client.force_login(nurse.user)
    assert client.get("/staff/metrics/returns/").status_code == 403
