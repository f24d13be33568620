"""Before arrival: the patient identified (ID card, e-health card, or an unknown-patient
placeholder the index can merge), vital signs and the ECG on the receiving hospital's board
with the expected arrival time, the team activated before the door."""

from __future__ import annotations

import datetime as dt

import pytest

from onetrip.core.errors import DomainError, InvalidInput, NotFound
from onetrip.core.models import AuditEvent
from onetrip.emergency import services
from onetrip.emergency.tests.conftest import a_run
from onetrip.emergency.tests.files import AECG_XML, PNG
from onetrip.identity.models import PatientAffiliation
from onetrip.identity.services import DocumentInput, health_card_id
from onetrip.mpi.models import Person

VITALS = services.VitalsIn(
    heart_rate=110, systolic=90, diastolic=60, spo2=94, respiratory_rate=22, gcs=15
)


def test_the_crew_identifies_the_patient_by_id_card_or_e_health_card(world, register):
    card = health_card_id("110101199003074477")
    patient = register(
        documents=[
            DocumentInput("resident_id", "110101199003074477"),
            DocumentInput("e_health_card", card),  # issued when the patient opened it
        ]
    )
    run = a_run(world)
    services.identify_patient(run.pk, "resident_id", "110101199003074477", actor=world.crew)
    run.refresh_from_db()
    assert run.patient_id == patient.pk
    assert not run.patient_unidentified
    second = a_run(world)
    with pytest.raises(InvalidInput):
        services.identify_patient(second.pk, "resident_id", "11010119900307447X", actor=world.crew)
    services.identify_patient(second.pk, "e_health_card", card, actor=world.crew)
    with pytest.raises(NotFound):
        services.identify_patient(
            a_run(world).pk, "resident_id", "110101198001010010", actor=world.crew
        )


def test_an_unknown_patient_gets_a_placeholder_record_in_the_index(world):
    run = a_run(world)
    services.choose_destination(run.pk, world.centre.pk, actor=world.crew)
    services.register_unknown_patient(run.pk, sex="male", actor=world.crew)
    run.refresh_from_db()
    assert run.patient_unidentified
    assert run.patient.name.startswith("无名氏-")
    # Filed in the master patient index like any record, so it can be merged there later.
    assert Person.objects.filter(links__patient=run.patient).exists()
    assert PatientAffiliation.objects.filter(patient=run.patient, institution=world.centre).exists()
    with pytest.raises(DomainError):
        services.register_unknown_patient(run.pk, sex="male", actor=world.crew)


def test_ecg_type_and_size_are_checked(world):
    run = a_run(world)
    with pytest.raises(InvalidInput) as refused:
        services.send_ecg(
            run.pk, waveform_name="ecg.pdf", waveform=b"%PDF-1.4", image=b"GIF89a", actor=world.crew
        )
    assert {(e.field, e.code) for e in refused.value.errors} == {
        ("waveform", "type"),
        ("image", "type"),
    }
    too_big = PNG + b"0" * services.IMAGE_MAX_BYTES
    with pytest.raises(InvalidInput) as large:
        services.send_ecg(
            run.pk, waveform_name="ecg.xml", waveform=AECG_XML, image=too_big, actor=world.crew
        )
    assert [(e.field, e.code) for e in large.value.errors] == [("image", "size")]


def test_the_hospital_sees_the_data_and_the_expected_arrival_before_the_door(
    world, clock, register
):
    register()
    run = a_run(world)
    services.identify_patient(run.pk, "resident_id", "110101199003074477", actor=world.crew)
    # Not on the board before the crew names the hospital.
    assert services.arrivals_board(actor=world.department) == []
    services.choose_destination(run.pk, world.centre.pk, actor=world.crew)
    services.record_vitals(run.pk, VITALS, actor=world.crew)
    services.send_ecg(
        run.pk, waveform_name="ecg.xml", waveform=AECG_XML, image=PNG, actor=world.crew
    )
    for moment in ("wheels_rolling", "on_scene", "leaving_scene"):
        clock.advance(dt.timedelta(minutes=4))
        services.record_moment(run.pk, moment, actor=world.crew)
    [arrival] = services.arrivals_board(actor=world.department)
    run.refresh_from_db()
    # City scene → city hospital: 6 minutes from leaving the scene.
    assert arrival.expected_at == run.leaving_scene_at + dt.timedelta(minutes=6)
    assert arrival.vitals.heart_rate == 110
    assert arrival.ecg_id is not None
    services.activate_team(run.pk, actor=world.department)
    arrival = services.view_arrival(run.pk, actor=world.department)
    assert arrival.milestones["team_activated"].occurred_at < arrival.expected_at
    ecg = services.ecg_for(arrival.ecg_id, actor=world.department)
    assert ecg.image_type == "image/png"
    assert bytes(ecg.image) == PNG
    assert AuditEvent.objects.filter(
        actor_user=world.department.user, patient_id=run.patient_id, action="view"
    ).exists()


def test_vitals_out_of_range_are_refused_by_field(world):
    run = a_run(world)
    with pytest.raises(InvalidInput) as refused:
        services.record_vitals(
            run.pk,
            services.VitalsIn(
                heart_rate=400, systolic=120, diastolic=80, spo2=101, respiratory_rate=16, gcs=2
            ),
            actor=world.crew,
        )
    assert {e.field for e in refused.value.errors} == {"heart_rate", "spo2", "gcs"}


def test_another_centres_crew_cannot_reach_the_run(world, township, make_staff):
    from onetrip.conftest import actor_for

    run = a_run(world)
    outsider = actor_for(make_staff("ambulance_crew", township))
    with pytest.raises(NotFound):
        services.record_moment(run.pk, "wheels_rolling", actor=outsider)
