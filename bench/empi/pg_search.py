"""Registration-time candidate search against a large registry in PostgreSQL (R-ID-2).

    createdb -h 127.0.0.1 -U postgres onetrip_empi_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_empi_bench
    .venv/bin/python manage.py migrate --noinput
    .venv/bin/python bench/empi/pg_search.py seed --persons 735000   # ~1,000,000 records
    .venv/bin/python bench/empi/pg_search.py search --probes 1000

`seed` writes patients, documents and blocking keys with COPY (the generator of generate.py;
a record whose document another record already holds is stored without it, as identity would
refuse it). `search` times `services.find_matches` — exactly what registration, the candidate
API and FHIR $match call — for probes that re-register existing persons with the traps and for
new persons, beside an in-run baseline: one indexed lookup of a phone number.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from generate import generate  # noqa: E402

from onetrip.core import clock  # noqa: E402
from onetrip.mpi import matching, services  # noqa: E402


def _refuse_unless_bench() -> None:
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        sys.exit(f"refusing: {name!r} is not a PostgreSQL database named *bench*")


def seed(persons: int) -> dict:
    _refuse_unless_bench()
    started = time.perf_counter()
    records = generate(persons)
    now = clock.now().isoformat()
    taken: set[tuple[str, str]] = set()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE mpi_blockingkey, identity_identitydocument, identity_patient CASCADE"
        )
        raw = cursor.cursor
        with raw.copy(
            "COPY identity_patient (id, name, sex, birth_date, phone, address, registered_at,"
            " updated_at) FROM STDIN"
        ) as copy:
            for r in records:
                copy.write_row((r.id, r.name, r.sex, r.birth_date, r.phone, r.address, now, now))
        documents: dict[int, list[tuple[str, str]]] = {}
        with raw.copy(
            "COPY identity_identitydocument (patient_id, doc_type, number, issuing_country,"
            " is_guardian_document, guardian_relationship, added_at) FROM STDIN"
        ) as copy:
            for r in records:
                key = (r.doc_type, r.doc_number)
                if not r.guardian and key in taken:
                    continue
                if not r.guardian:
                    taken.add(key)
                    documents[r.id] = [key]
                country = "CHN" if r.doc_type == "passport" else ""
                copy.write_row(
                    (
                        r.id,
                        r.doc_type,
                        r.doc_number,
                        country,
                        r.guardian,
                        "parent" if r.guardian else "",
                        now,
                    )
                )
        keys = 0
        with raw.copy("COPY mpi_blockingkey (key, patient_id) FROM STDIN") as copy:
            for r in records:
                f = matching.features(
                    r.id,
                    name=r.name,
                    birth_date=r.birth_date.replace("-", ""),
                    sex=r.sex,
                    phone=r.phone,
                    address=r.address,
                    documents=documents.get(r.id, ()),
                    guardian_documents=[(r.doc_type, r.doc_number)] if r.guardian else (),
                )
                for key in matching.blocking_keys(f):
                    copy.write_row((key, r.id))
                    keys += 1
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('identity_patient', 'id'), max(id)) "
            "FROM identity_patient"
        )
        cursor.execute("VACUUM ANALYZE identity_patient")
        cursor.execute("VACUUM ANALYZE identity_identitydocument")
        cursor.execute("VACUUM ANALYZE mpi_blockingkey")
    return {
        "records": len(records),
        "blocking_keys": keys,
        "seconds": round(time.perf_counter() - started, 1),
    }


def probes(count: int) -> list[matching.Features]:
    """Half re-registrations of stored patients (half of those with a homophone given name,
    some with a new phone), half new persons."""
    rng = random.Random(7)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, birth_date, sex, phone, address FROM identity_patient "
            "ORDER BY md5(id::text) LIMIT %s",
            [count],
        )
        stored = cursor.fetchall()
    fresh = generate(count, seed=99)
    out = []
    for index in range(count):
        if index % 2:
            r = fresh[index]
            name, birth, sex, phone, address = (
                r.name + "新",
                r.birth_date,
                r.sex,
                r.phone,
                r.address,
            )
        else:
            name, birth, sex, phone, address = stored[index]
            if rng.random() < 0.5 and not name.isascii():
                name = name[:-1] + "玮"
            if rng.random() < 0.3:
                phone = "13000000000"
        out.append(
            matching.features(
                0,
                name=name,
                birth_date=str(birth).replace("-", ""),
                sex=sex,
                phone=phone,
                address=address,
            )
        )
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def search(count: int) -> dict:
    _refuse_unless_bench()
    wanted = probes(count)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM identity_patient")
        (patients,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM mpi_blockingkey")
        (keys,) = cursor.fetchone()
    timings, baseline, found, in_sql, queries = [], [], [], [], []
    for f in wanted[:50]:  # warm the caches
        services.find_matches(f)
    for f in wanted:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT id FROM identity_patient WHERE phone = %s", [f.phone])
            cursor.fetchall()
        baseline.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            found.append(len(services.find_matches(f)))
            timings.append((time.perf_counter() - started) * 1000)
        in_sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
        queries.append(len(captured.captured_queries))
    return {
        "patients": patients,
        "blocking_keys": keys,
        "probes": count,
        "find_matches_ms": {
            "p50": round(statistics.median(timings), 2),
            "p95": round(percentile(timings, 0.95), 2),
            "p99": round(percentile(timings, 0.99), 2),
        },
        "baseline_phone_lookup_ms": {
            "p50": round(statistics.median(baseline), 2),
            "p95": round(percentile(baseline, 0.95), 2),
        },
        "round_trips_ms_p50": round(statistics.median(in_sql), 2),
        "round_trips_ms_p95": round(percentile(in_sql, 0.95), 2),
        "queries_per_search_mean": round(statistics.mean(queries), 2),
        "mean_candidates_returned": round(statistics.mean(found), 2),
        "load": os.getloadavg(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("action", choices=("seed", "search"))
    parser.add_argument("--persons", type=int, default=735_000)
    parser.add_argument("--probes", type=int, default=1000)
    args = parser.parse_args()
    result = seed(args.persons) if args.action == "seed" else search(args.probes)
    sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")


if __name__ == "__main__":
    main()
