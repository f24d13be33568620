"""MPI's registrations for the generated scoping and audit test (`core/tests/scoping.py`).

The index spans the consortium, but a reviewer acts on a queued pair only when it touches a
record of their institution, and merges by ids only records they may read (D108)."""

from __future__ import annotations

import datetime as dt
import io

from onetrip.core.tests.scoping import Staff, Target, World
from onetrip.identity import services as identity
from onetrip.mpi import legacy
from onetrip.mpi import services as mpi
from onetrip.mpi.models import MatchCandidate, SourceRecord

REVIEWER = "service_centre"


def _twin(world: World, name: str, resident_id: str):
    """A home patient sharing the home patient's phone and birth date (a possible twin)."""
    return identity.register_patient(
        identity.PatientRegistration(
            name=name,
            sex="male",
            birth_date=dt.date(1990, 3, 7),
            phone=world.patient.phone,
            documents=[identity.DocumentInput("resident_id", resident_id)],
        ),
        actor=world.clerk,
    )


def a_queued_pair(world: World, body: dict | None = None) -> Target:
    twin = _twin(world, "张纬", "110101199003070150")
    candidate = MatchCandidate.objects.filter(
        left_id=min(world.patient.pk, twin.pk), right_id=max(world.patient.pk, twin.pk)
    ).first() or mpi.queue_candidate(
        mpi.compare_patients(world.patient.pk, twin.pk), source="staff"
    )
    return Target({"candidate_id": candidate.pk}, candidate.left_id, body=body)


def two_records(world: World) -> Target:
    first = world.patient  # registered first: its person survives
    other = identity.register_patient(
        identity.PatientRegistration(
            name="王芳",
            sex="female",
            birth_date=dt.date(1985, 6, 1),
            phone="13900001111",
            documents=[identity.DocumentInput("resident_id", "110101198506010067")],
        ),
        actor=world.clerk,
    )
    # The newer record's person is absorbed: the audit rows name the records it moves.
    return Target({}, other.pk, body={"left_id": first.pk, "right_id": other.pk})


def a_merge(world: World) -> Target:
    records = two_records(world)
    merge = mpi.merge_patients(
        records.body["left_id"], records.body["right_id"], actor=world.actor(REVIEWER)
    )
    return Target({"merge_id": merge.pk}, records.patient_id)


def the_patient(world: World) -> Target:
    return Target({"patient_id": world.patient.pk}, world.patient.pk)


def a_loaded_row(world: World) -> Target:
    """A legacy row loaded by the home hospital: its reviewers may look it up."""
    legacy.load_csv(
        io.StringIO("name,sex,birth_date,phone\n李娜,female,1975-05-05,13600000009\n"),
        actor=world.clerk,
        default_system="HIS",
    )
    row = SourceRecord.objects.get(source_system="HIS", source_record_id="2")
    return Target({}, row.patient_id, query={"system": "HIS", "record_id": "2"})


CASES = {
    "GET /api/mpi/source-records": Staff(a_loaded_row, REVIEWER),
    "POST /api/mpi/queue/{candidate_id}/decision": Staff(
        lambda w: a_queued_pair(w, {"same_person": False}), REVIEWER
    ),
    "POST /api/mpi/merges": Staff(two_records, REVIEWER),
    "POST /api/mpi/merges/{merge_id}/undo": Staff(a_merge, REVIEWER),
    "GET /api/mpi/patients/{patient_id}/person": Staff(the_patient, REVIEWER),
    "staff/mpi/review/<id:candidate_id>": Staff(a_queued_pair, REVIEWER),
    "staff/mpi/review/<id:candidate_id>/decide": Staff(
        lambda w: a_queued_pair(w, {"decision": "different"}), REVIEWER, method="POST"
    ),
}
