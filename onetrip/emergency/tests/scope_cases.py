"""Emergency's registrations for the generated scoping and audit test (`core/tests/scoping.py`):
a call belongs to the centre that took it, a run to the centre of its ambulance (the crew) and
to the hospital it is heading for (the emergency department)."""

from __future__ import annotations

from onetrip.core.tests.scoping import Staff, Target, World
from onetrip.emergency import services
from onetrip.emergency.tests.conftest import World as Emergency
from onetrip.emergency.tests.conftest import a_call, a_run, equip
from onetrip.emergency.tests.files import AECG_XML, PNG

DISPATCHER, CREW, DEPARTMENT = "dispatcher", "ambulance_crew", "emergency_department"
NO_PATIENT = "a call names a caller and a place, not a patient record"


def emergency(world: World) -> Emergency:
    if not hasattr(world, "emergency"):
        world.emergency = equip(world.home, world.actor)
    return world.emergency


def an_open_call(world: World) -> Target:
    return Target({"call_id": a_call(emergency(world)).pk}, body={"reason": "重复呼救"})


def a_bare_run(world: World):
    return a_run(emergency(world))


def a_run_with_patient(world: World):
    setup = emergency(world)
    run = a_run(setup)
    services.identify_patient(
        run.pk, "resident_id", world.patient.documents.first().number, actor=setup.crew
    )
    return services.choose_destination(run.pk, world.home.pk, actor=setup.crew)


def a_run_target(body: dict | None = None):
    def make(world: World) -> Target:
        run = a_run_with_patient(world)
        return Target({"run_id": run.pk}, run.patient_id, body=body)

    return make


def a_run_to_identify(world: World) -> Target:
    run = a_bare_run(world)
    return Target(
        {"run_id": run.pk},
        world.patient.pk,
        body={"doc_type": "resident_id", "number": world.patient.documents.first().number},
    )


def a_run_to_send_to(world: World) -> Target:
    run = a_run_with_patient(world)
    return Target({"run_id": run.pk}, run.patient_id, body={"destination": world.home.pk})


def an_ecg(world: World) -> Target:
    run = a_run_with_patient(world)
    ecg = services.send_ecg(
        run.pk,
        waveform_name="a.xml",
        waveform=AECG_XML,
        image=PNG,
        actor=emergency(world).crew,
    )
    return Target({"ecg_id": ecg.pk}, run.patient_id)


VITALS = {
    "heart_rate": "88",
    "systolic": "130",
    "diastolic": "80",
    "spo2": "97",
    "respiratory_rate": "18",
    "gcs": "15",
}


def a_call_in_a_zone(world: World) -> Target:
    zone = emergency(world).zones.city
    return Target(
        {},
        body={
            "caller_phone": "13900001111",
            "zone_id": zone.pk,
            "address": "人民路 1 号",
            "complaint": "胸痛",
        },
    )


CASES = {
    "POST /api/emergency/calls": Staff(
        a_call_in_a_zone, DISPATCHER, audited=False, why_not_audited=NO_PATIENT
    ),
    "POST /api/emergency/calls/{call_id}/dispatch": Staff(
        lambda world: Target({"call_id": a_call(emergency(world)).pk}, body={}),
        DISPATCHER,
        audited=False,
        why_not_audited=NO_PATIENT,
    ),
    "POST /api/emergency/runs/{run_id}/moments": Staff(
        a_run_target({"moment": "wheels_rolling"}), CREW
    ),
    "staff/emergency/calls/<id:call_id>/dispatch": Staff(
        an_open_call, DISPATCHER, method="POST", audited=False, why_not_audited=NO_PATIENT
    ),
    "staff/emergency/calls/<id:call_id>/cancel": Staff(
        an_open_call, DISPATCHER, method="POST", audited=False, why_not_audited=NO_PATIENT
    ),
    "staff/emergency/runs/<id:run_id>": Staff(a_run_target(), CREW),
    "staff/emergency/runs/<id:run_id>/moment": Staff(
        a_run_target({"moment": "wheels_rolling"}), CREW, method="POST"
    ),
    "staff/emergency/runs/<id:run_id>/destination": Staff(a_run_to_send_to, CREW, method="POST"),
    "staff/emergency/runs/<id:run_id>/identify": Staff(a_run_to_identify, CREW, method="POST"),
    "staff/emergency/runs/<id:run_id>/unknown": Staff(
        lambda world: Target({"run_id": a_bare_run(world).pk}, body={"sex": "male"}),
        CREW,
        method="POST",
        audited=False,
        why_not_audited="the request creates the patient record its audit row names",
    ),
    "staff/emergency/runs/<id:run_id>/vitals": Staff(a_run_target(VITALS), CREW, method="POST"),
    "staff/emergency/runs/<id:run_id>/ecg": Staff(
        a_run_target({}),
        CREW,
        method="POST",
        audited=False,
        why_not_audited="a form without its files sends nothing; test_before_arrival sends one",
    ),
    "staff/emergency/arrivals/<id:run_id>": Staff(a_run_target(), DEPARTMENT),
    "staff/emergency/arrivals/<id:run_id>/activate": Staff(
        a_run_target(), DEPARTMENT, method="POST"
    ),
    "staff/emergency/arrivals/<id:run_id>/milestone": Staff(
        a_run_target({"code": "ct"}), DEPARTMENT, method="POST"
    ),
    "staff/emergency/arrivals/<id:run_id>/fee": Staff(
        a_run_target({"item_code": "EMG-AMBULANCE"}), DEPARTMENT, method="POST"
    ),
    "staff/emergency/ecgs/<id:ecg_id>/image": Staff(an_ecg, DEPARTMENT),
}
