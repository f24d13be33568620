"""Legacy loads (issue 17): rows are linked, flagged and kept instead of refused; every row is
in the cross-reference (source system, source record id) → master ID, refused ones with why."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from onetrip.identity import services as identity
from onetrip.identity.models import Patient
from onetrip.mpi import legacy
from onetrip.mpi import services as mpi
from onetrip.mpi.matching import Decision, Guard
from onetrip.mpi.models import MatchCandidate, SourceRecord, SourceStatus

pytestmark = pytest.mark.django_db

HEADER = (
    "source_system,source_record_id,name,sex,birth_date,phone,address,doc_type,doc_number,"
    "guardian_doc_type,guardian_number,guardian_relationship\n"
)
LEGACY_CSV = HEADER + (
    "HIS,1001,张伟,male,1990-03-07,13812345678,杭州市文三路1号,resident_id,110101199003074477,,,\n"
    "HIS,1002,张玮,male,1990-03-07,13812345678,杭州市文三路1号,resident_id,110101199003074477,,,\n"
    "LIS,77,张伟,male,,13812345678,杭州市文三路1号,,,,,\n"
    "HIS,1003,王芳,female,1985-06-02,13900001111,,resident_id,110101198506010024,,,\n"
    "HIS,1004,李强,female,1985-06-01,13900002222,,resident_id,110101198506010016,,,\n"
    "HIS,1005,赵敏之子,male,2026-11-01,13700000000,,,,resident_id,330106201005050033,parent\n"
    "HIS,1006,,female,1980-01-01,13600000000,,,,,,\n"
    "HIS,1001,张伟,male,1990-03-07,13812345678,杭州市文三路1号,resident_id,110101199003074477,,,\n"
    "LIS,78,李娜,female,1975-05-05,13600000009,,resident_id,11010119750505002X,,,\n"
    "HIS,1007,孙悟空\n"
)


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    with translation.override("en"):
        call_command("empi", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def source(system, record_id):
    return SourceRecord.objects.get(source_system=system, source_record_id=record_id)


@pytest.fixture
def desk_patient(register):
    """李娜, registered at a window before the consortium's load."""
    return register(
        name="李娜",
        sex="female",
        birth_date=dt.date(1975, 5, 5),
        phone="13600000009",
        documents=[identity.DocumentInput("resident_id", "11010119750505002X")],
    )


@pytest.fixture
def loaded(clock, clerk, desk_patient, tmp_path):
    path = tmp_path / "his.csv"
    path.write_text(LEGACY_CSV, encoding="utf-8")
    out, err = run("import", str(path), "--as-user", clerk.user.username)
    return path, out, err


def test_rows_are_linked_flagged_and_kept_instead_of_refused(loaded, desk_patient):
    _path, out, err = loaded
    assert (
        "loaded 10 rows: 4 registered, 2 linked to a record on file, 2 kept without a record, "
        "1 refused, 1 already loaded"
    ) in out
    assert "10/10 records" in err  # progress of the load
    first = source("HIS", "1001")
    # The same document later in the file: another source record of that record, no new one.
    assert source("HIS", "1002").status == SourceStatus.LINKED
    assert source("HIS", "1002").patient_id == first.patient_id
    # A document registered at a window before the load: linked to that patient.
    assert source("LIS", "78").patient_id == desk_patient.pk
    assert Patient.objects.count() == 5  # the desk's and four registered rows
    # Kept as they came, flagged; the desk's strict rules do not apply to history.
    assert source("HIS", "1003").flags == "birth_date_disagrees_with_id"
    assert source("HIS", "1004").flags == "sex_disagrees_with_id"
    assert source("HIS", "1005").flags == "guardian_minor"
    newborn = Patient.objects.get(pk=source("HIS", "1005").patient_id)
    assert newborn.documents.get().is_guardian_document
    kept = source("LIS", "77")
    assert kept.status == SourceStatus.KEPT
    assert kept.flags == "birth_date_missing,no_document"
    assert kept.row["name"] == "张伟"  # the row as it came
    # A row without a name is somebody's too (D345): kept as it came, flagged, matched.
    nameless = source("HIS", "1006")
    assert nameless.status == SourceStatus.KEPT
    assert nameless.flags == "name_missing,no_document"
    refused = source("HIS", "1007")
    assert refused.status == SourceStatus.REFUSED
    assert refused.reason == "The row has a different number of columns."
    assert "not loaded line 9: source record HIS|1001 is already loaded" in err


def test_the_export_lists_every_row_with_its_master_id_after_matching(loaded, desk_patient):
    path, _out, _err = loaded
    run("dedupe")
    target = path.with_name("xref.csv")
    out, _err = run("export", str(target))
    rows = {
        (r["source_system"], r["source_record_id"]): r
        for r in csv.DictReader(target.open(encoding="utf-8"))
    }
    zhang = mpi.person_of(source("HIS", "1001").patient_id).master_id
    assert rows[("HIS", "1001")]["master_id"] == zhang
    assert rows[("HIS", "1002")]["master_id"] == zhang
    # The row without a birth date was matched on name, sex, phone and address.
    assert rows[("LIS", "77")]["master_id"] == zhang
    assert rows[("LIS", "77")]["status"] == "kept"
    assert rows[("HIS", "1006")]["master_id"]  # kept: a person of its own until matched
    assert rows[("HIS", "1006")]["flags"] == "name_missing,no_document"
    assert rows[("HIS", "1007")]["master_id"] == ""
    assert rows[("HIS", "1007")]["reason"] == "The row has a different number of columns."
    li_na = mpi.person_of(desk_patient.pk).master_id
    assert rows[("LIS", "78")]["master_id"] == li_na
    assert rows[("onetrip", str(desk_patient.pk))]["master_id"] == li_na
    assert len(rows) == 10  # nine loaded rows and the window's record
    assert "exported 10 records" in out


def test_loading_the_same_file_again_adds_nothing(loaded, clerk):
    path, _out, _err = loaded
    before = (Patient.objects.count(), SourceRecord.objects.count())
    out, _err = run("import", str(path), "--as-user", clerk.user.username)
    assert "0 registered" in out
    # The broken row is tried again (it may have been corrected since): refused.
    assert "1 refused, 9 already loaded" in out
    assert (Patient.objects.count(), SourceRecord.objects.count()) == before


def test_a_file_without_source_columns_names_rows_by_system_and_line(clock, clerk, tmp_path):
    path = tmp_path / "clinic.csv"
    path.write_text(
        "name,sex,birth_date,phone\n张伟,male,1990-03-07,13812345678\n", encoding="utf-8"
    )
    run("import", str(path), "--as-user", clerk.user.username)
    record = source("clinic", "2")
    assert record.status == SourceStatus.REGISTERED
    assert record.flags == "no_document"


def test_a_file_without_names_or_birth_dates_is_refused_whole(clerk, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("name,phone\n张伟,13812345678\n", encoding="utf-8")
    with pytest.raises(CommandError, match="birth_date"):
        run("import", str(path), "--as-user", clerk.user.username)
    assert not SourceRecord.objects.exists()


# --- the cross-reference by API and FHIR ----------------------------------------------------


@pytest.fixture
def steward(make_staff, tertiary):
    return make_staff("service_centre", tertiary)


def test_the_api_says_what_a_source_record_became(loaded, client, steward):
    run("dedupe")
    client.force_login(steward.user)
    response = client.get("/api/mpi/source-records", {"system": "LIS", "record_id": "77"})
    assert response.status_code == 200
    body = response.json()
    first = source("HIS", "1001")
    assert body["status"] == "kept"
    assert body["flags"] == ["birth_date_missing", "no_document"]
    assert body["master_id"] == mpi.person_of(first.patient_id).master_id
    assert body["patient_ids"] == [first.patient_id]
    assert {"source_system": "HIS", "source_record_id": "1002"} in body["same_person"]
    assert body["fhir_identifier_system"].endswith("/source/LIS")
    refused = client.get("/api/mpi/source-records", {"system": "HIS", "record_id": "1007"})
    assert refused.json()["reason"] == "The row has a different number of columns."
    assert refused.json()["master_id"] == ""


def test_the_api_hides_other_institutions_rows(loaded, client, make_staff, township):
    client.force_login(make_staff("service_centre", township).user)
    response = client.get("/api/mpi/source-records", {"system": "HIS", "record_id": "1001"})
    assert response.status_code == 404


def test_fhir_patient_search_by_source_identifier(loaded, client, clerk):
    client.force_login(clerk.user)
    system = legacy.source_system_uri("HIS")
    response = client.get("/fhir/Patient", {"identifier": f"{system}|1002"})
    assert response.status_code == 200
    bundle = response.json()
    assert [e["resource"]["id"] for e in bundle["entry"]] == [str(source("HIS", "1001").patient_id)]
    unknown = client.get("/fhir/Patient", {"identifier": f"{system}|9999"}).json()
    assert unknown["total"] == 0


LOADED_TABLES = (
    "identity_patient",
    "identity_identitydocument",
    "identity_patientaffiliation",
    "mpi_blockingkey",
    "mpi_person",
    "mpi_personlink",
    "mpi_sourcerecord",
)


def _checks_on_file() -> set[tuple[str, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [list(LOADED_TABLES)],
        )
        indexes = set(cursor.fetchall())
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), convalidated"
            " FROM pg_constraint WHERE conrelid = ANY(%s::regclass[])",
            [list(LOADED_TABLES)],
        )
        return indexes | set(cursor.fetchall())


@pytest.mark.django_db(transaction=True)
def test_a_big_load_builds_indexes_and_checks_once_and_leaves_them_as_they_were(
    postgres_only, clock, clerk, desk_patient, tmp_path, monkeypatch
):
    """D250: a load bigger than the registry drops the tables' secondary indexes, unique
    constraints and foreign keys, and puts every one back, validated, when it ends."""
    before = _checks_on_file()
    monkeypatch.setattr(legacy, "BIG_LOAD", 1)
    path = tmp_path / "his.csv"
    path.write_text(LEGACY_CSV, encoding="utf-8")
    out, _err = run("import", str(path), "--as-user", clerk.user.username)
    assert "4 registered" in out
    assert _checks_on_file() == before
    assert source("HIS", "1002").patient_id == source("HIS", "1001").patient_id
    broken = tmp_path / "broken.csv"
    broken.write_text(HEADER + "HIS,2001,周杰,male,1990-13-45,,,,,,,\n" * 1, encoding="utf-8")
    run("import", str(broken), "--as-user", clerk.user.username)
    assert _checks_on_file() == before


@pytest.mark.django_db(transaction=True)
def test_a_constraint_the_load_broke_is_named_and_the_others_are_rebuilt(postgres_only, register):
    """D250: if rows loaded meanwhile break a dropped unique constraint, re-creating it fails
    and says which; every other index and constraint is back all the same."""
    from django.db import DatabaseError

    from onetrip.core import bulk
    from onetrip.mpi.models import BlockingKey

    patient = register()
    key = BlockingKey.objects.filter(patient=patient).first()
    before = _checks_on_file()
    duplicate = None
    with (
        pytest.raises(DatabaseError, match="blocking_key_once"),
        bulk.checks_after_load((BlockingKey,)),
    ):
        duplicate = BlockingKey.objects.create(key=key.key, patient=patient)
    after = _checks_on_file()
    assert before - after == {
        row for row in before if "blocking_key_once" in row[1] and row[0].endswith("blockingkey")
    }
    assert duplicate is not None
    BlockingKey.objects.filter(pk=duplicate.pk).delete()
    bulk._restore_checks(
        [("unique", "mpi_blockingkey", "blocking_key_once", "UNIQUE (key, patient_id)")]
    )
    assert _checks_on_file() == before


@pytest.mark.django_db(transaction=True)
def test_a_load_and_the_dedupe_after_it_refresh_the_planner_statistics(
    postgres_only, clock, clerk, desk_patient, tmp_path, monkeypatch
):
    """D261: a big load, and the first dedupe over it, ANALYZE the tables they filled: without
    statistics PostgreSQL scanned a million documents to read a few hundred records' ones."""
    from django.db import connection

    from onetrip.core import bulk

    analyzed: list[str] = []
    real = bulk.analyze

    def recording(models_):
        models_ = list(models_)
        analyzed.extend(m._meta.db_table for m in models_)
        real(models_)

    monkeypatch.setattr(bulk, "analyze", recording)
    monkeypatch.setattr(legacy, "ANALYZE_AFTER", 1)
    path = tmp_path / "his.csv"
    path.write_text(LEGACY_CSV, encoding="utf-8")
    run("import", str(path), "--as-user", clerk.user.username)
    assert set(LOADED_TABLES) <= set(analyzed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stats WHERE tablename = 'identity_identitydocument'"
            " AND attname = 'patient_id'"
        )
        assert cursor.fetchone()[0] == 1
    analyzed.clear()
    run("dedupe")
    assert {"mpi_personlink", "mpi_personmerge", "mpi_matchcandidate"} <= set(analyzed)


def test_a_small_load_leaves_the_statistics_to_autovacuum(loaded, monkeypatch):
    from onetrip.core import bulk

    monkeypatch.setattr(bulk, "analyze", lambda models_: pytest.fail("analyzed"))
    path, _out, _err = loaded
    run("dedupe")


LINKED_ROW_CSV = HEADER + (
    "HIS,2001,陈静,female,1980-02-03,13911112222,,resident_id,330106198002030024,,,\n"
    # The same ID number at the lab, with the phone she gives now: linked to 2001 at load.
    "LIS,2002,陈静,female,1980-02-03,13533334444,,resident_id,330106198002030024,,,\n"
    # Re-registered with an e-health card, another date typed, the new phone.
    "EHR,2003,陈静,female,1980-05-17,13533334444,,e_health_card,EHC20030001,,,\n"
)


def test_a_linked_rows_own_fields_link_its_record_with_the_persons_other_records(
    clock, clerk, tmp_path
):
    # D300: the lab's row adds no record, but its phone is the evidence that 2003 is 陈静 of
    # 2001 (whose record holds another phone and, against 2003, another date).
    path = tmp_path / "linked.csv"
    path.write_text(LINKED_ROW_CSV, encoding="utf-8")
    run("import", str(path), "--as-user", clerk.user.username)
    assert source("LIS", "2002").status == SourceStatus.LINKED
    first, third = source("HIS", "2001").patient_id, source("EHR", "2003").patient_id
    direct = mpi.compare_patients(first, third)
    assert direct.decision(mpi.thresholds()) != Decision.LINK  # the records alone: not enough
    run("dedupe")
    assert mpi.person_of(first) == mpi.person_of(third)


NAMESAKES_CSV = HEADER + (
    "HIS,3001,刘洋,male,1975-04-09,13700001111,,resident_id,330106197504090014,,,\n"
    "HIS,3002,刘洋,male,1975-04-09,13700001111,,e_health_card,EHC30020001,,,\n"
    "HIS,3003,刘洋,male,1975-04-09,13700001111,,resident_id,330106197504090030,,,\n"
)


def test_a_scored_link_never_gives_one_person_two_citizen_numbers(clock, clerk, tmp_path):
    # D303: 3002 (an e-health card) links to 3001 and to 3003, whose ID numbers differ: one of
    # them is somebody else. The first link is made, the second goes to staff.
    path = tmp_path / "namesakes.csv"
    path.write_text(NAMESAKES_CSV, encoding="utf-8")
    run("import", str(path), "--as-user", clerk.user.username)
    run("dedupe")
    first, card, other = (source("HIS", i).patient_id for i in ("3001", "3002", "3003"))
    assert mpi.person_of(first) == mpi.person_of(card)
    assert mpi.person_of(other) != mpi.person_of(first)
    held = MatchCandidate.objects.get(left_id=card, right_id=other, status="pending")
    assert held.guard == Guard.TWO_CITIZEN_NUMBERS  # reviewers are told why


NUMBER_HEADER = "source_system,source_record_id,name,sex,birth_date,phone,address,member_number\n"
MEMBER_CSV = NUMBER_HEADER + (
    # One member of an old insurance system, his name typed two ways at two hospitals.
    "HIS,4001,Zhang Wei,male,1990-03-07,,,SSN 4711 0815\n"
    "LIS,4002,Zhang Wie,male,1990-03-07,,,SSN47110815\n"
    # Twins: same family name, date, address; consecutive numbers (one digit apart).
    "HIS,4003,Li Ming,male,2001-08-09,,12 Wensan Road,550012341\n"
    "HIS,4004,Li Hua,male,2001-08-09,,12 Wensan Road,550012342\n"
)


def _load_and_dedupe(tmp_path, clerk, text):
    path = tmp_path / "members.csv"
    path.write_text(text, encoding="utf-8")
    run("import", str(path), "--as-user", clerk.user.username)
    run("dedupe")
    return {
        i: source(s, i).patient_id for s, i in (r.split(",")[:2] for r in text.splitlines()[1:])
    }


def _without_numbers(text):
    return "\n".join(line.rsplit(",", 1)[0] for line in text.splitlines()) + "\n"


def test_a_shared_member_number_links_two_spellings(clock, clerk, tmp_path):
    # D354: the number is kept in the row as it came and scored as an unvalidated number (D312).
    ids = _load_and_dedupe(tmp_path, clerk, MEMBER_CSV)
    assert source("HIS", "4001").row["member_number"] == "SSN 4711 0815"
    assert mpi.person_of(ids["4001"]) == mpi.person_of(ids["4002"])
    # A number one digit apart does not lift the twin guard (D312): twins stay apart.
    assert mpi.person_of(ids["4003"]) != mpi.person_of(ids["4004"])


def test_without_the_member_number_the_spellings_are_not_linked(clock, clerk, tmp_path):
    ids = _load_and_dedupe(tmp_path, clerk, _without_numbers(MEMBER_CSV))
    assert mpi.person_of(ids["4001"]) != mpi.person_of(ids["4002"])


def test_a_kept_rows_member_number_links_it(clock, clerk, tmp_path):
    # A row without a birth date is kept without a record; its number is read from its row.
    text = MEMBER_CSV + "EHR,4005,Zhang Wei,male,,,,SSN 4711 0815\n"
    ids = _load_and_dedupe(tmp_path, clerk, text)
    assert ids["4005"] is None
    assert source("EHR", "4005").person_id == mpi.person_of(ids["4001"]).pk


# --- rows without a name or a readable birth date are matched as the matcher alone would ------


def _loaded(tmp_path, clerk, text):
    path = tmp_path / "rows.csv"
    path.write_text(text, encoding="utf-8")
    run("import", str(path), "--as-user", clerk.user.username)
    run("dedupe")
    target = tmp_path / "xref.csv"
    run("export", str(target))
    return {r["source_record_id"]: r for r in csv.DictReader(target.open(encoding="utf-8"))}


NAMELESS_CSV = NUMBER_HEADER + (
    "HIS,5001,王芳,female,1985-06-01,13900001111,,55001234\n"
    # The same woman at the lab, her name not typed: her date, phone and member number.
    "LIS,5002,,female,1985-06-01,13900001111,,55001234\n"
    # Somebody of the same household without a name or a number: her twin, perhaps.
    "LIS,5003,,female,1985-06-01,13900001111,,\n"
)


def test_a_row_without_a_name_is_kept_and_linked_by_its_other_fields(clock, clerk, tmp_path):
    # D345: it used to be refused, and vanished from the person's records in the export.
    rows = _loaded(tmp_path, clerk, NAMELESS_CSV)
    assert rows["5002"]["status"] == "kept"
    assert rows["5002"]["flags"] == "name_missing,no_document"
    assert rows["5002"]["master_id"] == rows["5001"]["master_id"]
    # Without a name, one of a household is anyone of it: staff decide, never the dedupe.
    assert rows["5003"]["status"] == "kept"
    assert rows["5003"]["master_id"] not in ("", rows["5001"]["master_id"])


def test_a_row_without_a_name_is_not_the_same_name_as_another_such_row(clock, clerk, tmp_path):
    # Two rows without a name agree on nothing by that: the same date and sex are not a person.
    rows = _loaded(
        tmp_path,
        clerk,
        NUMBER_HEADER + "HIS,5101,,male,1960-01-01,,,\nLIS,5102,,male,1960-01-01,,,\n",
    )
    assert rows["5101"]["master_id"] != rows["5102"]["master_id"]


def test_an_impossible_birth_date_still_agrees_by_its_digits(clock, clerk, tmp_path):
    # D346: "1990-03-37" is no date (the row is kept), but one digit from 1990-03-07 all the same.
    text = NUMBER_HEADER + (
        "HIS,5201,张伟,male,1990-03-07,,,\n"
        "LIS,5202,张伟,male,1990-03-37,,,\n"
        "EHR,5203,张伟,male,,,,\n"  # the name and sex alone: not enough
    )
    rows = _loaded(tmp_path, clerk, text)
    assert rows["5202"]["status"] == "kept"
    assert rows["5202"]["flags"] == "birth_date_unreadable,no_document"
    assert rows["5202"]["master_id"] == rows["5201"]["master_id"]
    assert rows["5203"]["master_id"] != rows["5201"]["master_id"]


def test_a_kept_row_joins_every_row_it_links(clock, clerk, tmp_path):
    # D347: the lab's row (5303) links the clinic's row kept without a date (5302: same phone
    # and address, a stronger link) and the hospital's record (5301: same member number). The
    # clinic's row and the record alone are not enough; through 5303 all three are one person,
    # as the matcher alone clusters them. Before, 5303 followed 5302 and the record stayed apart.
    text = NUMBER_HEADER + (
        "HIS,5301,张伟,male,1990-03-07,13812345678,,55009876\n"
        "CLN,5302,张伟,male,,13900002222,杭州市文三路1号,\n"
        "LIS,5303,张伟,male,,13900002222,杭州市文三路1号,55009876\n"
    )
    rows = _loaded(tmp_path, clerk, text)
    assert rows["5302"]["status"] == rows["5303"]["status"] == "kept"
    assert rows["5301"]["master_id"] == rows["5302"]["master_id"] == rows["5303"]["master_id"]
