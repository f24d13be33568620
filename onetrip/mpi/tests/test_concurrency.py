"""Two stewards merge overlapping pairs at the same moment: all three records end up one person,
never under a person that was absorbed meanwhile (R-ID-2). Needs real row locks: PostgreSQL."""

import datetime as dt
import io
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from onetrip.conftest import actor_for
from onetrip.identity import services as identity
from onetrip.mpi import runlock
from onetrip.mpi import services as mpi
from onetrip.mpi.models import DedupeRun, Person, PersonMerge

pytestmark = pytest.mark.django_db(transaction=True)


def stranger(register, name, year, phone, number):
    return register(
        name=name,
        birth_date=dt.date(year, 1, 1),
        phone=phone,
        documents=[identity.DocumentInput("resident_id", number)],
    )


def test_overlapping_merges_end_in_one_live_person(postgres_only, register, make_staff, tertiary):
    a = stranger(register, "李四", 1970, "13700000001", "110101197001010016")
    b = stranger(register, "王五", 1980, "13700000002", "110101198001010010")
    c = stranger(register, "赵六", 1960, "13700000003", "110101196001010011")
    stewards = [actor_for(make_staff("service_centre", tertiary)) for _ in range(2)]
    errors: list[Exception] = []

    def merge(left, right, steward) -> None:
        try:
            mpi.merge_patients(left.pk, right.pk, actor=steward)
        except Exception as exc:  # noqa: BLE001 - the test reports any failure below
            errors.append(exc)
        finally:
            connection.close()

    # Hold b's person so both merges read their links, then queue on its lock: a→b first, so
    # b→c wakes up holding a person that a→b has just absorbed.
    with transaction.atomic():
        Person.objects.select_for_update().get(pk=mpi.person_of(b.pk).pk)
        first = threading.Thread(target=merge, args=(a, b, stewards[0]))
        first.start()
        time.sleep(0.5)
        second = threading.Thread(target=merge, args=(b, c, stewards[1]))
        second.start()
        time.sleep(0.5)
    first.join()
    second.join()

    assert errors == []
    person = mpi.person_of(a.pk)
    assert person.merged_into_id is None
    assert {mpi.person_of(p.pk) for p in (a, b, c)} == {person}
    assert PersonMerge.objects.count() == 2


def test_a_second_dedupe_started_meanwhile_is_refused_not_deadlocked(postgres_only, register):
    """Two dedupe runs started together used to deadlock on mpi_person (issue 17): the second
    one is refused with a clear message while the first holds the run lock, and runs after."""
    stranger(register, "李四", 1970, "13700000001", "110101197001010016")
    first_running, release = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def first_run() -> None:
        try:
            with runlock.one_batch_run_at_a_time():
                first_running.set()
                release.wait(10)
        finally:
            connection.close()

    def second_run() -> None:
        try:
            call_command("empi", "dedupe", stdout=io.StringIO(), stderr=io.StringIO())
        except CommandError as exc:
            outcome["refused"] = str(exc)
        finally:
            connection.close()

    holder = threading.Thread(target=first_run)
    holder.start()
    assert first_running.wait(10)
    second = threading.Thread(target=second_run)
    second.start()
    second.join(10)
    release.set()
    holder.join(10)

    assert outcome["refused"] == str(runlock.BatchRunInProgress().message)
    assert not DedupeRun.objects.exists()  # the refused run wrote nothing
    call_command("empi", "dedupe", stdout=io.StringIO(), stderr=io.StringIO())
    assert DedupeRun.objects.get().finished_at is not None
