"""Emergency fixtures: the tertiary hospital runs the 120 centre and receives patients; three
zones (the city centre, a county centre, an island) with road times; three ambulances; a
dispatcher, a crew and the emergency department; the emergency fees in the price catalogue."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from onetrip.billing.models import CatalogueItem, ChargeCategory, InsuranceCategory, ItemKind
from onetrip.conftest import actor_for
from onetrip.consortium.models import Institution
from onetrip.core.actors import Actor
from onetrip.emergency import services
from onetrip.emergency.models import (
    Ambulance,
    AreaType,
    ReceivingHospital,
    RoadTime,
    Zone,
)

FEES = {
    "EMG-AMBULANCE": ("院前急救出车费", 5000),
    "EMG-ECG": ("十二导联心电图", 2500),
    "EMG-PCI": ("急诊经皮冠状动脉介入治疗", 1500000),
    "EMG-THROMBOLYSIS": ("静脉溶栓治疗", 300000),
    "EMG-RESCUE": ("抢救费", 20000),
}
CHEST_PAIN = {"chest_pain": True}


def emergency_fees() -> None:
    for code, (name, price) in FEES.items():
        CatalogueItem.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": ItemKind.SERVICE,
                "charge_category": ChargeCategory.TREATMENT,
                "insurance_category": InsuranceCategory.A,
                "unit_price_fen": price,
            },
        )


@dataclass
class RoadMap:
    city: Zone
    county: Zone
    island: Zone


def road_map(centre: Institution) -> RoadMap:
    city = Zone.objects.create(
        institution=centre, code="Z01", name="城区", area_type=AreaType.CITY_CENTRE
    )
    county = Zone.objects.create(
        institution=centre, code="Z02", name="县城", area_type=AreaType.COUNTY_CENTRE
    )
    island = Zone.objects.create(
        institution=centre, code="Z03", name="海岛", area_type=AreaType.OTHER
    )
    for origin, destination, minutes in (
        (city, city, 6),
        (county, county, 5),
        (island, island, 8),
        (city, county, 25),
        (city, island, 70),
        (county, island, 50),
    ):
        RoadTime.objects.create(origin=origin, destination=destination, minutes=minutes)
    return RoadMap(city, county, island)


@dataclass
class World:
    centre: Institution
    zones: RoadMap
    city_ambulance: Ambulance
    county_ambulance: Ambulance
    spare_ambulance: Ambulance
    dispatcher: Actor
    crew: Actor
    department: Actor


@pytest.fixture
def world(clock, tertiary, make_staff) -> World:
    return make_world(tertiary, make_staff)


def make_world(centre: Institution, make_staff) -> World:
    return equip(centre, lambda role: actor_for(make_staff(role, centre)))


def equip(centre: Institution, staff) -> World:
    """The centre's zones, road times, ambulances, its hospital receiving, the fees, and one
    actor of each emergency role (`staff(role)`)."""
    zones = road_map(centre)
    ReceivingHospital.objects.create(
        institution=centre, zone=zones.city, channels=["chest_pain", "stroke", "trauma"]
    )
    emergency_fees()
    ambulances = [
        Ambulance.objects.create(institution=centre, call_sign=sign, base_zone=zone)
        for sign, zone in (("120-01", zones.city), ("120-02", zones.county), ("120-03", zones.city))
    ]
    return World(
        centre,
        zones,
        *ambulances,
        dispatcher=staff("dispatcher"),
        crew=staff("ambulance_crew"),
        department=staff("emergency_department"),
    )


def a_call(world: World, zone: Zone | None = None, **answers: bool):
    return services.take_call(
        services.CallIn(
            caller_phone="13900001111",
            zone_id=(zone or world.zones.city).pk,
            address="人民路 1 号",
            complaint="胸痛半小时",
            answers=answers or CHEST_PAIN,
            caller_name="李女士",
        ),
        actor=world.dispatcher,
    )


def a_run(world: World, zone: Zone | None = None, **answers: bool):
    call = a_call(world, zone, **answers)
    return services.dispatch_nearest(call.pk, actor=world.dispatcher)
