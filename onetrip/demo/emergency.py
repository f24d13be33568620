"""The emergency demo (issue 22), written through the emergency services: the tertiary
hospital's 120 centre with five zones and their road times, six ambulances, three receiving
hospitals, the emergency fees, and this morning's calls: a chest-pain (STEMI) run handed over
with its ECG, cath-lab timeline and fees waiting to be settled; a stroke run on its way with
vital signs and an ECG on the hospital's board; a trauma call waiting for dispatch; a call
cancelled before dispatch."""

from __future__ import annotations

import datetime as dt
import math
import struct
import zlib

from onetrip.billing.models import CatalogueItem, ChargeCategory, InsuranceCategory, ItemKind
from onetrip.consortium.models import Institution, StaffProfile
from onetrip.core import clock
from onetrip.core.actors import Actor, ActorKind, Channel
from onetrip.emergency import services
from onetrip.emergency.models import Ambulance, AreaType, ReceivingHospital, RoadTime, Zone
from onetrip.identity.models import IdentityDocument

FEES = (
    ("EMG-AMBULANCE", "院前急救出车费", 5000),
    ("EMG-ECG", "十二导联心电图", 2500),
    ("EMG-PCI", "急诊经皮冠状动脉介入治疗", 1500000),
    ("EMG-THROMBOLYSIS", "静脉溶栓治疗", 300000),
    ("EMG-RESCUE", "抢救费", 20000),
)
# (code, name, area type); road minutes below, the same both ways.
ZONES = (
    ("Z01", "定澜区城区", AreaType.CITY_CENTRE),
    ("Z02", "东岙县城", AreaType.COUNTY_CENTRE),
    ("Z03", "青屿县城", AreaType.COUNTY_CENTRE),
    ("Z04", "东山乡", AreaType.OTHER),
    ("Z05", "青屿海岛", AreaType.OTHER),
)
ROADS = {
    ("Z01", "Z01"): 7,
    ("Z02", "Z02"): 5,
    ("Z03", "Z03"): 5,
    ("Z04", "Z04"): 9,
    ("Z05", "Z05"): 12,
    ("Z01", "Z02"): 28,
    ("Z01", "Z03"): 35,
    ("Z01", "Z04"): 22,
    ("Z01", "Z05"): 80,
    ("Z02", "Z03"): 40,
    ("Z02", "Z04"): 15,
    ("Z02", "Z05"): 75,
    ("Z03", "Z04"): 45,
    ("Z03", "Z05"): 45,
    ("Z04", "Z05"): 70,
}
AMBULANCES = (
    ("海州120-01", "Z01"),
    ("海州120-02", "Z01"),
    ("海州120-03", "Z01"),
    ("东岙120-01", "Z02"),
    ("青屿120-01", "Z03"),
    ("东山120-01", "Z04"),
)
RECEIVING = (
    ("ZJ-H001", "Z01", ["chest_pain", "stroke", "trauma", "maternal", "neonatal"]),
    ("ZJ-C001", "Z02", ["trauma", "maternal"]),
    ("ZJ-C002", "Z03", ["trauma"]),
)
AECG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<AnnotatedECG xmlns="urn:hl7-org:v3">'
    b'<id root="demo-ecg"/><code code="93000" codeSystem="2.16.840.1.113883.6.12"/>'
    b"</AnnotatedECG>\n"
)


def ecg_png(width: int = 720, height: int = 180, st_elevation: bool = True) -> bytes:
    """A synthetic rhythm strip drawn on ECG paper (pink grid, black trace), as a PNG, so the
    demo's boards show a picture; with ST elevation for the STEMI case."""
    grid, trace = (250, 215, 215), (20, 20, 20)
    pixels = [[(255, 250, 250)] * width for _ in range(height)]
    for y in range(height):
        for x in range(width):
            if x % 25 == 0 or y % 25 == 0:
                pixels[y][x] = grid
    baseline = height // 2
    previous = baseline
    for x in range(width):
        phase = (x % 150) / 150
        value = 6 * math.exp(-(((phase - 0.15) / 0.03) ** 2))  # P wave
        value += 60 * math.exp(-(((phase - 0.3) / 0.008) ** 2))  # R
        value -= 15 * math.exp(-(((phase - 0.32) / 0.01) ** 2))  # S
        value += (22 if st_elevation else 12) * math.exp(-(((phase - 0.5) / 0.06) ** 2))  # ST-T
        y = max(0, min(height - 1, baseline - int(value)))
        for between in range(min(previous, y), max(previous, y) + 1):
            pixels[between][x] = trace
        previous = y
    raw = b"".join(b"\x00" + bytes(c for pixel in row for c in pixel) for row in pixels)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _actor(profile: StaffProfile) -> Actor:
    return Actor(
        kind=ActorKind.STAFF,
        label=profile.user.get_username(),
        user=profile.user,
        institution_id=profile.institution_id,
        channel=Channel.SYSTEM,
    )


def _road_map(centre: Institution) -> dict[str, Zone]:
    zones = {
        code: Zone.objects.create(institution=centre, code=code, name=name, area_type=area)
        for code, name, area in ZONES
    }
    RoadTime.objects.bulk_create(
        RoadTime(origin=zones[a], destination=zones[b], minutes=minutes)
        for (a, b), minutes in ROADS.items()
    )
    return zones


def _fleet(centre: Institution, zones: dict[str, Zone]) -> None:
    Ambulance.objects.bulk_create(
        Ambulance(institution=centre, call_sign=sign, base_zone=zones[zone])
        for sign, zone in AMBULANCES
    )
    for code, zone, channels in RECEIVING:
        institution = Institution.objects.get(code=code)
        ReceivingHospital.objects.create(
            institution=institution, zone=zones[zone], channels=channels
        )
    CatalogueItem.objects.bulk_create(
        CatalogueItem(
            code=code,
            name=name,
            kind=ItemKind.SERVICE,
            charge_category=ChargeCategory.TREATMENT,
            insurance_category=InsuranceCategory.A,
            unit_price_fen=price,
        )
        for code, name, price in FEES
    )


def load(staff: dict[str, StaffProfile]) -> None:
    dispatcher = _actor(staff["dispatcher"])
    crew = _actor(staff["ambulance_crew"])
    department = _actor(staff["emergency_department"])
    centre = staff["dispatcher"].institution
    zones = _road_map(centre)
    _fleet(centre, zones)
    now = clock.now()
    _stemi_handed_over(zones, dispatcher, crew, department, now - dt.timedelta(hours=3))
    _stroke_on_the_way(zones, dispatcher, crew, now - dt.timedelta(minutes=25))
    with clock.frozen_at(now - dt.timedelta(minutes=4)):
        services.take_call(
            services.CallIn(
                caller_phone="13757001234",
                caller_name="王先生",
                zone_id=zones["Z02"].pk,
                address="东岙县城关街道环城南路 3 号路口",
                complaint="电动车与货车相撞，骑车人头部出血",
                answers={"major_trauma": True, "bleeding": True},
            ),
            actor=dispatcher,
        )
    with clock.frozen_at(now - dt.timedelta(minutes=50)):
        call = services.take_call(
            services.CallIn(
                caller_phone="13600005678",
                zone_id=zones["Z01"].pk,
                address="人民北路 120 号",
                complaint="老人跌倒，腰痛",
                answers={"bleeding": False},
            ),
            actor=dispatcher,
        )
        services.cancel_call(call.pk, reason="家属已自行送医", actor=dispatcher)


def _patient_with_id(institution_id: int, offset: int) -> IdentityDocument | None:
    """A registered patient the crew identifies; none when the demo loads no patients."""
    found = IdentityDocument.objects.filter(
        doc_type="resident_id",
        is_guardian_document=False,
        patient__affiliations__institution_id=institution_id,
    ).order_by("pk")[offset : offset + 1]
    return next(iter(found), None)


def _stemi_handed_over(zones, dispatcher, crew, department, start: dt.datetime) -> None:
    """A STEMI call three hours ago: ECG from the scene, cath lab activated before the door,
    balloon 68 minutes after the door (every clock on target), fees charged after (the bill
    still to settle)."""
    with clock.frozen_at(start) as frozen:
        call = services.take_call(
            services.CallIn(
                caller_phone="13905781111",
                caller_name="陈女士",
                zone_id=zones["Z01"].pk,
                address="定澜区解放路 56 号 3 单元 402",
                complaint="丈夫胸口压榨样疼痛 40 分钟，出冷汗",
                answers={"chest_pain": True},
            ),
            actor=dispatcher,
        )
        frozen.advance(dt.timedelta(seconds=75))
        run = services.dispatch_nearest(call.pk, actor=dispatcher)
        frozen.advance(dt.timedelta(seconds=60))
        services.record_moment(run.pk, "wheels_rolling", actor=crew)
        frozen.advance(dt.timedelta(minutes=7))
        services.record_moment(run.pk, "on_scene", actor=crew)
        document = _patient_with_id(run.ambulance.institution_id, 0)
        if document is None:  # a load without patients: the run stays where it is
            return
        services.identify_patient(run.pk, "resident_id", document.number, actor=crew)
        services.choose_destination(run.pk, run.ambulance.institution_id, actor=crew)
        frozen.advance(dt.timedelta(minutes=6))
        services.send_ecg(
            run.pk, waveform_name="stemi.xml", waveform=AECG, image=ecg_png(), actor=crew
        )
        services.record_vitals(
            run.pk,
            services.VitalsIn(
                heart_rate=102, systolic=98, diastolic=62, spo2=94, respiratory_rate=22, gcs=15
            ),
            actor=crew,
        )
        frozen.advance(dt.timedelta(minutes=4))
        services.record_milestone(run.pk, "ecg_diagnosis", actor=department)
        services.activate_team(run.pk, actor=department)
        frozen.advance(dt.timedelta(minutes=8))
        services.record_moment(run.pk, "leaving_scene", actor=crew)
        frozen.advance(dt.timedelta(minutes=9))
        services.record_moment(run.pk, "at_hospital", actor=crew)
        frozen.advance(dt.timedelta(minutes=12))
        services.record_milestone(run.pk, "cath_lab", actor=department)
        frozen.advance(dt.timedelta(minutes=56))
        services.record_milestone(run.pk, "wire", actor=department)
        frozen.advance(dt.timedelta(minutes=30))
        for fee in ("EMG-AMBULANCE", "EMG-ECG", "EMG-PCI"):
            services.charge_fee(run.pk, fee, actor=department)


def _stroke_on_the_way(zones, dispatcher, crew, start: dt.datetime) -> None:
    """A stroke call 25 minutes ago: on scene, patient identified, vitals and ECG sent, leaving
    for the tertiary hospital now: on its board with the expected arrival."""
    with clock.frozen_at(start) as frozen:
        call = services.take_call(
            services.CallIn(
                caller_phone="13588882222",
                caller_name="刘先生",
                zone_id=zones["Z01"].pk,
                address="定澜区海洲路 18 号",
                complaint="父亲突发右侧肢体无力、口角歪斜 30 分钟",
                answers={"stroke_signs": True},
            ),
            actor=dispatcher,
        )
        frozen.advance(dt.timedelta(seconds=100))
        run = services.dispatch_nearest(call.pk, actor=dispatcher)
        frozen.advance(dt.timedelta(seconds=50))
        services.record_moment(run.pk, "wheels_rolling", actor=crew)
        frozen.advance(dt.timedelta(minutes=8))
        services.record_moment(run.pk, "on_scene", actor=crew)
        document = _patient_with_id(run.ambulance.institution_id, 1)
        if document is None:  # a load without patients: the run stays where it is
            return
        services.identify_patient(run.pk, "resident_id", document.number, actor=crew)
        services.choose_destination(run.pk, run.ambulance.institution_id, actor=crew)
        frozen.advance(dt.timedelta(minutes=5))
        services.record_vitals(
            run.pk,
            services.VitalsIn(
                heart_rate=88, systolic=178, diastolic=96, spo2=97, respiratory_rate=18, gcs=13
            ),
            actor=crew,
        )
        services.send_ecg(
            run.pk,
            waveform_name="stroke.xml",
            waveform=AECG,
            image=ecg_png(st_elevation=False),
            actor=crew,
        )
        frozen.advance(dt.timedelta(minutes=9))
        services.record_moment(run.pk, "leaving_scene", actor=crew)
