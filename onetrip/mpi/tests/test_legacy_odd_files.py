"""Legacy files as old systems and spreadsheets really write them (issue 17, D314–D316): every
row comes out in the export under its own source record id, with a master ID or the reason it
was refused; no file crashes the load or leaves half of itself behind."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management.base import CommandError

from onetrip.identity import services as identity
from onetrip.identity.models import Patient
from onetrip.mpi import legacy
from onetrip.mpi import services as mpi
from onetrip.mpi.models import SourceRecord, SourceStatus
from onetrip.mpi.tests.test_legacy import HEADER, run, source

pytestmark = pytest.mark.django_db

LONG_ID = "9" * 70


def load(clerk, path, *extra):
    return run("import", str(path), "--as-user", clerk.user.username, *extra)


def exported(tmp_path) -> dict[tuple[str, str], dict[str, str]]:
    target = tmp_path / "xref.csv"
    run("export", str(target))
    with target.open(encoding="utf-8") as rows:
        return {(r["source_system"], r["source_record_id"]): r for r in csv.DictReader(rows)}


def test_spreadsheet_dates_sexes_and_full_width_digits_are_read(clock, clerk, tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text(
        HEADER
        + "HIS,1,李强,M,1985/6/1,13900002222,,resident_id,110101198506010016,,,\n"
        + "HIS,2,赵敏,女,１９８５－０６－０２,,,,,,,\n"
        + "HIS,3,钱多,2,19700101,,,,,,,\n"
        + "HIS,4,孙丽,f,1970年1月2日,,,,,,,\n"
        + "HIS,5,周一,1,1970-01-03 00:00:00,,,,,,,\n"
        + "HIS,6,吴二,male,2023-02-30,,,,,,,\n"
        + "HIS,7,郑三,male,1970/13/01,,,,,,,\n",
        encoding="utf-8",
    )
    load(clerk, path)
    births = {i: Patient.objects.get(pk=source("HIS", i).patient_id).birth_date for i in "12345"}
    assert births == {
        "1": dt.date(1985, 6, 1),
        "2": dt.date(1985, 6, 2),
        "3": dt.date(1970, 1, 1),
        "4": dt.date(1970, 1, 2),
        "5": dt.date(1970, 1, 3),
    }
    sexes = [Patient.objects.get(pk=source("HIS", i).patient_id).sex for i in "12345"]
    assert sexes == ["male", "female", "female", "female", "male"]
    assert source("HIS", "1").flags == ""  # agrees with its ID number once read
    for impossible in ("6", "7"):
        assert source("HIS", impossible).status == SourceStatus.KEPT
        assert "birth_date_unreadable" in source("HIS", impossible).flags


def test_bom_nul_bytes_blank_lines_quoting_and_header_spelling(clock, clerk, tmp_path):
    path = tmp_path / "odd.csv"
    header = HEADER.replace("name,", " Name ,").replace("birth_date", "Birth_Date")
    path.write_bytes(
        (
            "\ufeff"
            + header.replace("\n", "\r\n")
            + "\r\n"
            + 'HIS,1,"钱,多",female,1970-01-01,,"a ""quoted""\r\naddress",,,,,\r\n'
            + "HIS,2,nul\x00byte,male,1980-01-01,,,,,,,\r\n"
            + "HIS,3,\u200b张\u3000三,male,1980-01-01,,,,,,,\r\n"
        ).encode("utf-8")
    )
    out, err = load(clerk, path)
    assert "3 registered" in out
    assert "3/3 records" in err  # the bar ends full although the file has five lines
    assert Patient.objects.get(pk=source("HIS", "1").patient_id).name == "钱,多"
    assert Patient.objects.get(pk=source("HIS", "2").patient_id).name == "nulbyte"
    assert Patient.objects.get(pk=source("HIS", "3").patient_id).name == "张 三"


def test_a_gbk_file_is_read_and_a_wrong_encoding_refused_before_loading(clock, clerk, tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "HIS,1,张伟,男,1990-03-07,,,,,,,\n").encode("gbk"))
    with pytest.raises(CommandError, match="--encoding"):
        load(clerk, path, "--encoding", "utf-8")
    assert not SourceRecord.objects.exists()
    with pytest.raises(CommandError, match="unknown encoding"):
        load(clerk, path, "--encoding", "klingon")
    load(clerk, path)
    assert Patient.objects.get(pk=source("HIS", "1").patient_id).name == "张伟"


def test_broken_and_overlong_rows_are_refused_under_their_own_ids_and_reloads_add_nothing(
    clock, clerk, tmp_path
):
    path = tmp_path / "broken.csv"
    path.write_text(
        HEADER
        + "HIS,6,孙悟空\n"  # columns missing
        + "HIS,7,猪八戒,male,1980-01-01,,,,,,,,extra\n"  # a column too many
        + f"HIS,{LONG_ID}1,长号一,male,1980-01-01,,,,,,,\n"
        + f"HIS,{LONG_ID}2,长号二,male,1980-01-01,,,,,,,\n"  # the same first 64 characters
        + f"{'S' * 41},1,长系统,male,1980-01-01,,,,,,,\n",
        encoding="utf-8",
    )
    load(clerk, path)
    rows = exported(tmp_path)
    assert rows[("HIS", "6")]["status"] == "refused"
    assert rows[("HIS", "7")]["reason"] == "The row has a different number of columns."
    assert rows[("HIS", LONG_ID[:64])]["reason"].startswith("The source system or source record")
    assert rows[("S" * 40, "1")]["status"] == "refused"
    before = SourceRecord.objects.count()
    out, _err = load(clerk, path)  # used to fail on the unique key of the truncated id
    assert "0 registered" in out
    assert SourceRecord.objects.count() == before


def test_a_long_file_name_is_no_source_system(clock, clerk, tmp_path):
    path = tmp_path / f"{'导出' * 25}.csv"
    path.write_text(HEADER + ",,张伟,male,1990-03-07,,,,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="40"):
        load(clerk, path)
    load(clerk, path, "--source-system", "HIS")
    assert source("HIS", "2").status == SourceStatus.REGISTERED


def test_a_refused_row_corrected_in_the_file_is_loaded_on_the_next_run(clock, clerk, tmp_path):
    path = tmp_path / "his.csv"
    path.write_text(HEADER + "HIS,1,张伟,male\n", encoding="utf-8")  # columns cut off
    load(clerk, path)
    assert source("HIS", "1").status == SourceStatus.REFUSED
    path.write_text(HEADER + "HIS,1,张伟,male,1990-03-07,,,,,,,\n", encoding="utf-8")
    out, _err = load(clerk, path)
    assert "1 registered" in out
    assert source("HIS", "1").status == SourceStatus.REGISTERED
    assert exported(tmp_path)[("HIS", "1")]["master_id"]


# --- the cross-reference in FHIR: ids as opaque as their systems made them -------------------

ODD_IDS_CSV = HEADER + (
    "H|S,a|b,张伟,male,1990-03-07,,,,,,,\n"
    "HIS,A 1,王芳,female,1990-03-07,,,,,,,\n"
    "HIS,x1,李四,male,1990-03-07,,,,,,,\n"
    "HIS,X1,赵五,male,1990-03-07,,,,,,,\n"
    'HIS,"1,2",钱六,male,1990-03-07,,,,,,,\n'
    "HIS,病历１号,孙七,male,1990-03-07,,,,,,,\n"
)


@pytest.mark.parametrize(
    ("system", "value", "name"),
    [
        (r"H\|S", r"a\|b", "张伟"),  # FHIR's escape of a "|" inside a system or value
        ("HIS", "A 1", "王芳"),  # spaces are part of an id
        ("HIS", "x1", "李四"),
        ("HIS", "X1", "赵五"),  # not 李四: ids differing in case are two records
        ("HIS", r"1\,2", "钱六"),  # FHIR's escape of a ","
        ("HIS", "病历１号", "孙七"),
    ],
)
def test_fhir_finds_source_record_ids_exactly_as_given(
    clock, clerk, client, tmp_path, system, value, name
):
    path = tmp_path / "his.csv"
    path.write_text(ODD_IDS_CSV, encoding="utf-8")
    load(clerk, path)
    client.force_login(clerk.user)
    base = legacy.SOURCE_SYSTEM_BASE
    response = client.get("/fhir/Patient", {"identifier": f"{base}{system}|{value}"})
    assert response.status_code == 200
    assert [e["resource"]["name"][0]["text"] for e in response.json()["entry"]] == [name]


def test_fhir_next_links_keep_escaped_values(clock, clerk, client, tmp_path):
    path = tmp_path / "his.csv"
    path.write_text(ODD_IDS_CSV, encoding="utf-8")
    load(clerk, path)
    client.force_login(clerk.user)
    identifier = rf"{legacy.SOURCE_SYSTEM_BASE}H\|S|a\|b"
    bundle = client.get("/fhir/Patient", {"identifier": identifier, "_count": "1"}).json()
    self_link = next(link["url"] for link in bundle["link"] if link["relation"] == "self")
    again = client.get(self_link.removeprefix("http://testserver")).json()
    assert again["total"] == 1


# --- the export: one moment, one whole file --------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_export_reads_one_snapshot(postgres_only, clock, clerk, tmp_path):
    """Links, merges and rows are read by several queries: a dedupe committing between them
    left registered rows without a master ID."""
    from django.db import connection

    path = tmp_path / "his.csv"
    path.write_text(HEADER + "HIS,1,张伟,male,1990-03-07,,,,,,,\n", encoding="utf-8")
    load(clerk, path)
    seen: list[str] = []

    class Target(io.StringIO):
        def write(self, text: str) -> int:
            with connection.cursor() as cursor:
                cursor.execute("SHOW transaction_isolation")
                seen.append(cursor.fetchone()[0])
            return super().write(text)

    legacy.export_cross_reference(Target())
    assert set(seen) == {"repeatable read"}


def test_a_failed_export_leaves_no_file_behind(clock, clerk, tmp_path, monkeypatch):
    target = tmp_path / "xref.csv"
    target.write_text("yesterday's export\n", encoding="utf-8")

    def failing(stream):
        stream.write("source_system,")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(legacy, "export_cross_reference", failing)
    with pytest.raises(CommandError, match="No space left"):
        run("export", str(target))
    assert target.read_text(encoding="utf-8") == "yesterday's export\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xref.csv"]


def test_a_file_the_csv_reader_cannot_read_is_refused_before_loading(clock, clerk, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text(
        HEADER
        + "HIS,1,张伟,male,1990-03-07,,,,,,,\n"
        + f"HIS,2,王芳,female,1990-03-07,,{'x' * 200_000},,,,,\n",
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="line 3: field larger than field limit"):
        load(clerk, path)
    assert not SourceRecord.objects.exists()  # not even the good first row


def test_a_child_under_a_parents_id_number_is_not_linked_to_the_parent(
    clock, clerk, register, tmp_path
):
    """A clerk typed the mother's ID number as the newborn's own: the row used to be linked to
    the mother's record at load (the document was on file), silently one person with her."""
    desk_patient = register(
        name="李娜",
        sex="female",
        birth_date=dt.date(1975, 5, 5),
        phone="13600000009",
        documents=[identity.DocumentInput("resident_id", "11010119750505002X")],
    )
    path = tmp_path / "his.csv"
    path.write_text(
        HEADER
        + "HIS,1,李娜之子,male,2026-10-01,13600000009,,resident_id,11010119750505002X,,,\n"
        # A typo in her own birth date is still her.
        + "HIS,2,李娜,female,1975-05-06,13600000009,,resident_id,11010119750505002X,,,\n",
        encoding="utf-8",
    )
    load(clerk, path)
    child = source("HIS", "1")
    assert child.status == SourceStatus.REGISTERED
    assert child.flags == "document_of_a_guardian"
    assert child.patient.documents.get().is_guardian_document
    assert source("HIS", "2").patient_id == desk_patient.pk
    run("dedupe")
    assert mpi.person_of(child.patient_id) != mpi.person_of(desk_patient.pk)


def test_a_source_system_another_institution_loaded_stops_the_load(
    clock, clerk, make_staff, township, tmp_path
):
    """Two hospitals' old systems are both called "HIS" and number rows from 1: the second
    hospital's rows were skipped as "already loaded" and missing from its export."""
    path = tmp_path / "his.csv"
    path.write_text(HEADER + "HIS,1,张伟,male,1990-03-07,,,,,,,\n", encoding="utf-8")
    load(clerk, path)
    other = make_staff("registration", township)
    path.write_text(HEADER + "HIS,1,王芳,female,1985-06-02,,,,,,,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Another institution loaded records of source system"):
        load(other, path)
    assert Patient.objects.filter(name="王芳").count() == 0
    # Named apart, the second hospital's rows load; the first one's reload is still its own.
    path.write_text(HEADER + "HIS-township,1,王芳,female,1985-06-02,,,,,,,\n", encoding="utf-8")
    load(other, path)
    assert source("HIS-township", "1").institution_id == township.pk
    path.write_text(HEADER + "HIS,1,张伟,male,1990-03-07,,,,,,,\n", encoding="utf-8")
    out, _err = load(clerk, path)
    assert "1 already loaded" in out
