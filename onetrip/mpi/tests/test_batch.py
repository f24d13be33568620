"""`onetrip empi dedupe|import|export` (R-ID-2): batch linking with a checkpoint, CSV import that
reports bad rows by line and never half-applies one, and the export of links."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import translation

from onetrip.core import clock as clock_module
from onetrip.identity.models import IdentityDocument, Patient
from onetrip.mpi import services as mpi
from onetrip.mpi.models import DedupeRun, MatchCandidate, PersonLink

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


IMPORT_CSV = """name,sex,birth_date,phone,address,doc_type,doc_number
张伟,male,1990-03-07,13812345678,杭州市文三路1号,resident_id,110101199003074477
李娜,female,1975-13-40,13600000000,,resident_id,110101197505050026
王芳,female,1985-06-01,13900001111,,resident_id,110101198506010000
赵敏,female,1990-03-07,13912345678
孙丽,female,1988-08-08,13512345678,,e_health_card,E1D10AAC73D0B947060B099128732C969A6EF97A6014BF41B3D19EEF9A4FBB18
"""


def test_import_reports_bad_rows_by_line_and_skips_them(clock, clerk, tmp_path):
    path = tmp_path / "registry.csv"
    path.write_text(IMPORT_CSV, encoding="utf-8")
    with translation.override("en"):
        out, err = run("import", str(path), "--as-user", clerk.user.username)
    assert "imported 2, skipped 3" in out
    lines = err.splitlines()
    assert lines[0].startswith("skipped line 3: birth_date")
    assert lines[1].startswith("skipped line 4: documents.0.number")
    assert lines[2].startswith("skipped line 5: row")
    assert set(Patient.objects.values_list("name", flat=True)) == {"张伟", "孙丽"}
    # Nothing of a skipped row was written.
    assert IdentityDocument.objects.count() == 2
    assert PersonLink.objects.count() == 2


def test_import_refuses_a_file_without_the_needed_columns(clerk, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,phone\n张伟,13812345678\n", encoding="utf-8")
    with pytest.raises(Exception, match="birth_date"):
        run("import", str(path), "--as-user", clerk.user.username)


def test_export_writes_one_link_per_record(clock, register, tmp_path):
    first = register()
    path = tmp_path / "links.csv"
    out, _err = run("export", str(path))
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert rows == [
        {
            "patient_id": str(first.pk),
            "master_id": mpi.person_of(first.pk).master_id,
            "linked_at": rows[0]["linked_at"],
        }
    ]
    assert "exported 1 links" in out
