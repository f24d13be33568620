"""Two stewards merge overlapping pairs at the same moment: all three records end up one person,
never under a person that was absorbed meanwhile (R-ID-2). Needs real row locks: PostgreSQL."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction

from onetrip.conftest import actor_for
from onetrip.identity import services as identity
from onetrip.mpi import services as mpi
from onetrip.mpi.models import Person, PersonMerge

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
