"""`onetrip empi dedupe|import|export` (R-ID-2): batch linking with a checkpoint, CSV import that
reports bad rows by line and never half-applies one, and the export of links."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from onetrip.core import clock as clock_module
from onetrip.core.actors import SYSTEM
from onetrip.core.models import AuditEvent
from onetrip.identity.models import IdentityDocument, Patient
from onetrip.mpi import services as mpi
from onetrip.mpi.models import DedupeRun, MatchCandidate, PersonLink, PersonMerge

pytestmark = pytest.mark.django_db


def legacy_patient(name, birth, phone, *, doc=None, address="杭州市文三路1号"):
    """A record loaded before the index existed: straight into the table, not indexed."""
    now = clock_module.now()
    patient = Patient.objects.create(
        name=name,
        sex="male",
        birth_date=birth,
        phone=phone,
        address=address,
        registered_at=now,
        updated_at=now,
    )
    if doc:
        IdentityDocument.objects.create(
            patient=patient, doc_type=doc[0], number=doc[1], added_at=now
        )
    return patient


def legacy_registry():
    return [
        legacy_patient(
            "张伟", dt.date(1990, 3, 7), "13812345678", doc=("resident_id", "110101199003074477")
        ),
        legacy_patient("张玮", dt.date(1990, 7, 3), "13812345678"),  # homophone, day/month swapped
        legacy_patient(
            "ZHANG WEI", dt.date(1990, 3, 7), "13900000000", doc=("passport", "E12345678")
        ),
        legacy_patient("张明", dt.date(2001, 1, 1), "13700000000"),  # twins
        legacy_patient("张亮", dt.date(2001, 1, 1), "13700000000"),
        legacy_patient("李娜", dt.date(1975, 5, 5), "13600000000"),
    ]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("empi", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_dedupe_links_the_same_person_and_queues_twins(clock):
    zhang, homophone, passport, twin_a, twin_b, other = legacy_registry()
    out, err = run("dedupe", "--chunk", "2")
    # The bar shows the total as soon as the registry is read, before blocks and weights.
    assert err.startswith("\r[                              ] 0/6 records")
    assert "6/6 records" in err  # the progress bar
    assert "linked" in out
    person = mpi.person_of(zhang.pk)
    assert mpi.person_of(homophone.pk) == person
    assert mpi.person_of(passport.pk) == person
    assert mpi.person_of(twin_a.pk) != mpi.person_of(twin_b.pk)
    assert MatchCandidate.objects.get().guard == "possible_twin"
    assert mpi.person_of(other.pk) not in (person, mpi.person_of(twin_a.pk))
    assert DedupeRun.objects.get().finished_at is not None


def test_dedupe_resumes_from_its_checkpoint(clock):
    records = legacy_registry()
    # A run that stopped after the first four records: its outcome so far is committed.
    DedupeRun.objects.create(started_at=clock_module.now(), last_patient_id=records[3].pk)
    out, _err = run("dedupe")
    dedupe_run = DedupeRun.objects.get()
    assert dedupe_run.finished_at is not None
    # Only the twin after the checkpoint was compared, and found its twin.
    assert MatchCandidate.objects.count() == 1
    assert mpi.person_of(records[0].pk) != mpi.person_of(records[1].pk)  # before the checkpoint


def test_a_finished_registry_is_not_linked_twice(clock):
    legacy_registry()
    run("dedupe")
    merges_before = PersonLink.objects.values_list("person_id", flat=True).distinct().count()
    out, _err = run("dedupe")
    assert "0 linked" in out
    assert (
        PersonLink.objects.values_list("person_id", flat=True).distinct().count() == merges_before
    )


def test_a_chunk_links_a_chain_set_based_and_each_merge_can_be_undone(clock):
    """A–B and B–C found in one chunk: one person, two merges recorded as if made one after
    the other, one audit row per moved record; the newest merge is undone first."""
    a = legacy_patient("欧阳娜", dt.date(1980, 5, 6), "13811110000")
    b = legacy_patient("欧阳娜", dt.date(1980, 5, 6), "13811110000")
    c = legacy_patient("欧阳娜", dt.date(1980, 6, 5), "13811110000")
    out, _err = run("dedupe")
    assert "2 linked" in out
    person = mpi.person_of(a.pk)
    assert {mpi.person_of(p.pk) for p in (a, b, c)} == {person}
    merges = list(PersonMerge.objects.order_by("pk"))
    assert len(merges) == 2
    # A chain, as one merge after the other would leave it: the second absorbs the first's
    # survivor with the records it had gathered.
    assert merges[0].survivor == merges[1].absorbed
    assert merges[1].survivor == person
    assert merges[1].moved.count() == 2
    moved_rows = AuditEvent.objects.filter(summary__startswith="record merged").count()
    assert moved_rows == 3
    newest_moved = set(merges[1].moved.values_list("patient_id", flat=True))
    mpi.unmerge(merges[1].pk, actor=SYSTEM)
    for record in (a, b, c):
        assert (mpi.person_of(record.pk) == person) == (record.pk not in newest_moved)
