"""Insurance and e-bill benchmarks (issue 6, R-PAY-3/5). Run by hand, never by the tests:

    createdb -h 127.0.0.1 -U postgres onetrip_insurance_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/onetrip_insurance_bench \\
        .venv/bin/python bench/insurance/bench_insurance.py --runs 3 --flows 100

Measures, through the services against the sandbox platforms on PostgreSQL, in-process:
- one outpatient insurance flow: pre_settle (1101, 2201, 2203, 2204, 2206) + settle (2207),
  i.e. six logged platform exchanges, a quote and a settlement, with audit rows;
- issuing one e-bill (fiscal-platform numbering under a row lock, audit row);
- rendering one e-bill PDF with its QR code.
Baseline in the same run: one 1101 person look-up (one logged exchange), so ratios stay
meaningful on a machine shared with other work.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from onetrip.conftest import actor_for  # noqa: E402
from onetrip.consortium import services as consortium  # noqa: E402
from onetrip.consortium.models import Institution  # noqa: E402
from onetrip.core import clock  # noqa: E402
from onetrip.core.actors import SYSTEM  # noqa: E402
from onetrip.ebills import pdf  # noqa: E402
from onetrip.ebills import services as ebills  # noqa: E402
from onetrip.ebills.models import EBill  # noqa: E402
from onetrip.identity import services as identity  # noqa: E402
from onetrip.identity.models import Patient  # noqa: E402
from onetrip.insurance import services as insurance  # noqa: E402

ITEMS = [
    insurance.InsuredItem("REG-1", "普通门诊挂号", "A", 1, 1_000, 1_000),
    insurance.InsuredItem("LAB-7", "血常规", "A", 1, 2_500, 2_500),
    insurance.InsuredItem("DRUG-12", "阿莫西林胶囊", "B", 2, 1_850, 3_700),
    insurance.InsuredItem("DRUG-90", "进口营养剂", "C", 1, 8_800, 8_800),
]


def setup():
    name = settings.DATABASES["default"]["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        sys.exit("use a PostgreSQL database whose name contains 'bench' (see the docstring)")
    call_command("migrate", verbosity=0)
    institution, _ = Institution.objects.get_or_create(
        code="BENCH1", defaults={"name": "基准医院", "level": "tertiary"}
    )
    staff = consortium.create_staff_account(
        username=f"bench{time.time_ns()}",
        password="correct-horse-battery",
        full_name="bench",
        institution=institution,
        roles=["finance", "registration"],
        actor=SYSTEM,
    )
    actor = actor_for(staff)
    patient = Patient.objects.filter(phone="13812345678").first() or identity.register_patient(
        identity.PatientRegistration(
            name="张伟",
            sex="male",
            birth_date=dt.date(1990, 3, 7),
            phone="13812345678",
            documents=[identity.DocumentInput("resident_id", "110101199003074477")],
        ),
        actor=actor,
    )
    return institution, actor, patient


def per_second(count: int, work) -> float:
    started = time.perf_counter()
    for index in range(count):
        work(index)
    return count / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--flows", type=int, default=100)
    args = parser.parse_args()
    institution, actor, patient = setup()
    tag = 0

    def look_up(index: int) -> None:
        insurance.query_person(patient=patient, actor=actor)

    def flow(index: int) -> None:
        quote = insurance.pre_settle(
            patient=patient, visit_reference=f"B{tag}-{index}", items=ITEMS, actor=actor
        )
        insurance.settle(quote_id=quote.pk, actor=actor)

    def issue(index: int) -> None:
        ebills.issue_ebill(
            settlement=ebills.EBillSource(
                settlement_id=f"B{tag}-{index}",
                settled_at=clock.now(),
                institution_id=institution.pk,
                patient_id=patient.pk,
                payer_name=patient.name,
                payer_id_number="110101199003074477",
                lines=(ebills.EBillLine("western_medicine", 16_000),),
                total_fen=16_000,
                fund_fen=5_000,
                account_fen=3_000,
                cash_fen=8_000,
                payment_channel="wechat",
            ),
            actor=actor,
        )

    results: dict[str, list[float]] = {
        "1101 look-up (baseline)": [],
        "insurance flow (6 messages)": [],
        "e-bill issue": [],
        "e-bill PDF render": [],
    }
    for run in range(args.runs):
        tag = time.time_ns()
        results["1101 look-up (baseline)"].append(per_second(args.flows, look_up))
        results["insurance flow (6 messages)"].append(per_second(args.flows, flow))
        results["e-bill issue"].append(per_second(args.flows, issue))
        sample = EBill.objects.select_related("institution").last()
        results["e-bill PDF render"].append(
            per_second(args.flows, lambda _i, bill=sample: pdf.render(bill, "https://x.invalid/v"))
        )
        figures = ", ".join(f"{k} {v[-1]:.1f}/s" for k, v in results.items())
        sys.stdout.write(f"run {run + 1}: {figures}\n")
    baseline = statistics.median(results["1101 look-up (baseline)"])
    sys.stdout.write(f"\nmedians over {args.runs} runs of {args.flows}:\n")
    for key, values in results.items():
        median = statistics.median(values)
        ratio = median / baseline
        sys.stdout.write(f"  {key:28s} {median:8.1f}/s  ratio to baseline {ratio:5.2f}\n")


if __name__ == "__main__":
    main()
