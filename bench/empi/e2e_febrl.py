"""FEBRL3 and FEBRL4 end to end, as a consortium (or an outside checker) would load them
(issue 17, D355): each written as a legacy CSV (given name + surname as the name, the birth
date, street number + street + suburb + postcode as the address, `soc_sec_id` as the
`member_number`) → `onetrip empi import` → `dedupe` → `export`, on PostgreSQL, scored from the
exported master IDs against the true pairs, automatic and with the review queue. The in-memory
figures of the same matcher are `run.py --febrl`. Not a test; see bench/empi/README.md.

    createdb -h 127.0.0.1 -U postgres ot_febrl_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ot_febrl_bench
    ONETRIP_DEMO=1 .venv/bin/python manage.py migrate --noinput
    .venv/bin/python bench/empi/e2e_febrl.py --splink-python /work/splinkvenv/bin/python \
        --out var/empi-e2e-febrl.json
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from e2e import _refuse_unless_bench, reset_database, timed_command  # noqa: E402
from run import SPLINK_PYTHON_HELP, febrl_datasets, pairwise, union_find  # noqa: E402

from onetrip.mpi.models import MatchCandidate, SourceRecord  # noqa: E402

HEADER = ("source_system", "source_record_id", "name", "birth_date", "address", "member_number")


def write_csv(system: str, rows: list[dict], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(HEADER)
        for row in rows:
            address = " ".join(
                row[c] or "" for c in ("street_number", "address_1", "suburb", "postcode")
            )
            name = f"{row['given_name'] or ''} {row['surname'] or ''}".strip()
            # A name-less row is refused at import; it stays a cluster of its own in the score.
            dob = row["date_of_birth"] or ""
            writer.writerow(
                (system, row["rec_id"], name, dob, " ".join(address.split()), row["soc_sec_id"])
            )


def _review_edges(system: str) -> set[tuple[str, str]]:
    """Pending review pairs as source record ids (of the rows that registered a record)."""
    record_of = dict(
        SourceRecord.objects.filter(source_system=system, status="registered").values_list(
            "patient_id", "source_record_id"
        )
    )
    return {
        (record_of[a], record_of[b])
        for a, b in MatchCandidate.objects.filter(status="pending").values_list("left", "right")
        if a in record_of and b in record_of
    }


def end_to_end(system: str, rows: list[dict], workdir: Path) -> dict:
    username = reset_database()
    source = workdir / f"{system}.csv"
    write_csv(system, rows, source)
    load_s, load_out, _ = timed_command("import", str(source), "--as-user", username)
    dedupe_s, dedupe_out, _ = timed_command("dedupe", "--restart")
    target = workdir / f"{system}-xref.csv"
    export_s, export_out, _ = timed_command("export", str(target))
    index = {row["rec_id"]: i for i, row in enumerate(rows)}
    truth = {i: int(row["rec_id"].split("-")[1]) for i, row in enumerate(rows)}
    first_of: dict[str, int] = {}
    edges = []
    with target.open(encoding="utf-8") as exported:
        for row in csv.DictReader(exported):
            if row["source_system"] == system and row["master_id"]:
                i = index[row["source_record_id"]]
                edges.append((first_of.setdefault(row["master_id"], i), i))
    review = [(index[a], index[b]) for a, b in _review_edges(system)]
    return {
        "records": len(rows),
        "automatic": pairwise(truth, union_find(truth, edges)),
        "with_review_queue": pairwise(truth, union_find(truth, edges + review)),
        "review_queue": len(review),
        "seconds": {
            "import": round(load_s, 1),
            "dedupe": round(dedupe_s, 1),
            "export": round(export_s, 1),
        },
        "import": load_out.strip(),
        "dedupe": dedupe_out.strip(),
        "export": export_out.strip(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--splink-python", help=SPLINK_PYTHON_HELP)
    parser.add_argument("--workdir", type=Path, default=Path("var"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    _refuse_unless_bench()
    args.workdir.mkdir(parents=True, exist_ok=True)
    datasets = febrl_datasets(args.splink_python)
    results = {
        "febrl3": end_to_end("febrl3", datasets["febrl3"], args.workdir),
        "febrl4": end_to_end("febrl4", datasets["febrl4a"] + datasets["febrl4b"], args.workdir),
    }
    text = json.dumps(results, indent=2, ensure_ascii=False)
    sys.stdout.write(text + "\n")
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
