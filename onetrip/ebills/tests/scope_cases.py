"""E-bills' registrations for the generated scoping and audit test (`core/tests/scoping.py`)."""

from __future__ import annotations

from onetrip.core.actors import SYSTEM
from onetrip.core.tests.scoping import OwnPatient, Target, World
from onetrip.ebills import services
from onetrip.ebills.tests.conftest import source


def an_ebill(world: World) -> Target:
    bill = services.issue_ebill(settlement=source(world.patient, world.home), actor=SYSTEM)
    return Target({"bill_id": bill.pk}, world.patient.pk)


CASES = {
    "GET /api/ebills/{bill_id}": OwnPatient(an_ebill),
    "GET /api/ebills/{bill_id}/pdf": OwnPatient(an_ebill),
    "p/ebills/<id:bill_id>/": OwnPatient(an_ebill),
    "p/ebills/<id:bill_id>/pdf": OwnPatient(an_ebill),
    "kiosk/ebills/<id:bill_id>/": OwnPatient(an_ebill),
}
