"""The master patient index end to end, as a consortium runs it (issue 17): a legacy registry
CSV with every trap → `onetrip empi import` → `onetrip empi dedupe` → `onetrip empi export`, on
PostgreSQL, scored from the exported file; beside it, in the same run on the same records, our
matcher alone in memory and Splink. Not a test; see bench/empi/README.md.

    createdb -h 127.0.0.1 -U postgres ot_mpi17_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ot_mpi17_bench
    .venv/bin/python manage.py migrate --noinput
    .venv/bin/python bench/empi/e2e.py --persons 20000 --out var/empi-e2e-20k.json
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from generate import Record, generate  # noqa: E402
from run import (  # noqa: E402
    SPLINK_PYTHON_HELP,
    our_features,
    pairwise,
    run_ours,
    run_splink,
    union_find,
)

from onetrip.consortium import services as consortium  # noqa: E402
from onetrip.consortium.models import InstitutionLevel  # noqa: E402
from onetrip.core.actors import SYSTEM  # noqa: E402
from onetrip.identity.models import IdentityDocument  # noqa: E402
from onetrip.mpi import batch, matching  # noqa: E402
from onetrip.mpi.models import MatchCandidate, SourceRecord  # noqa: E402

SYSTEMS = ("HIS-A", "HIS-B", "LIS")
HEADER = (
    "source_system",
    "source_record_id",
    "name",
    "sex",
    "birth_date",
    "phone",
    "address",
    "doc_type",
    "doc_number",
    "issuing_country",
    "guardian_doc_type",
    "guardian_number",
    "guardian_relationship",
)
FAMILY_TRAPS = ("twin", "newborn under guardian ID")


def _refuse_unless_bench() -> None:
    name = connection.settings_dict["NAME"]
    if connection.vendor != "postgresql" or "bench" not in name:
        sys.exit(f"refusing: {name!r} is not a PostgreSQL database named *bench*")


def write_csv(records: list[Record], path: Path) -> None:
    with path.open("w", newline="", encoding="utf-8") as target:
        writer = csv.writer(target)
        writer.writerow(HEADER)
        for r in records:
            own = ("", "") if r.guardian else (r.doc_type, r.doc_number)
            guardian = (r.doc_type, r.doc_number, "parent") if r.guardian else ("", "", "")
            writer.writerow(
                (
                    SYSTEMS[r.id % len(SYSTEMS)],
                    r.id,
                    r.name,
                    r.sex,
                    r.birth_date,
                    r.phone,
                    r.address,
                    *own,
                    "CHN" if r.doc_type == "passport" else "",
                    *guardian,
                )
            )


def reset_database() -> str:
    """An empty registry and one loading clerk; returns the clerk's username."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE mpi_sourcerecord, mpi_matchcandidate, mpi_mergedlink, mpi_personmerge,"
            " mpi_personlink, mpi_person, mpi_blockingkey, mpi_deduperun,"
            " identity_identitydocument, identity_patientaffiliation, identity_patient,"
            " core_auditevent CASCADE"
        )
    from onetrip.consortium.models import Institution

    institution = Institution.objects.filter(code="BENCH1").first()
    if institution is None:
        institution = consortium.create_institution(
            code="BENCH1", name="基准医院", level=InstitutionLevel.TERTIARY, actor=SYSTEM
        )
        consortium.create_staff_account(
            username="bench_loader",
            password="bench-password-not-secret-1",
            full_name="bench loader",
            institution=institution,
            roles=["registration"],
            actor=SYSTEM,
        )
    return "bench_loader"


CPU_SECONDS: dict[str, float] = {}  # per command: this process's CPU, and its server process's


def _server_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (same host: /proc)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def timed_command(*args: str) -> tuple[float, str, str]:
    out, err = io.StringIO(), io.StringIO()
    started, cpu, server = time.perf_counter(), time.process_time(), _server_cpu()
    call_command("empi", *args, stdout=out, stderr=err)
    CPU_SECONDS[args[0]] = round(time.process_time() - cpu, 1)
    CPU_SECONDS[f"{args[0]} (PostgreSQL)"] = round(_server_cpu() - server, 1)
    wall = time.perf_counter() - started
    # As each command ends: a run of a million rows may be stopped before the report is written.
    sys.stderr.write(
        f"{args[0]}: {wall:.1f} wall s, {CPU_SECONDS[args[0]]} CPU s + "
        f"{CPU_SECONDS[f'{args[0]} (PostgreSQL)']} PostgreSQL CPU s, load {os.getloadavg()}, "
        f"{out.getvalue().strip()}\n"
    )
    return wall, out.getvalue(), err.getvalue()


def end_to_end(records: list[Record], workdir: Path) -> tuple[dict[int, str], dict, set]:
    username = reset_database()
    source = workdir / "legacy.csv"
    write_csv(records, source)
    load_s, load_out, _ = timed_command("import", str(source), "--as-user", username)
    dedupe_s, dedupe_out, _ = timed_command("dedupe", "--restart")
    target = workdir / "xref.csv"
    export_s, export_out, _ = timed_command("export", str(target))
    master = {}
    with target.open(encoding="utf-8") as exported:
        for row in csv.DictReader(exported):
            if row["source_system"] in SYSTEMS:
                master[int(row["source_record_id"])] = row["master_id"]
    review_edges = _review_edges()
    return (
        master,
        {
            "import_seconds": round(load_s, 1),
            "dedupe_seconds": round(dedupe_s, 1),
            "export_seconds": round(export_s, 1),
            "end_to_end_seconds": round(load_s + dedupe_s + export_s, 1),
            "records_per_second": round(len(records) / (load_s + dedupe_s + export_s)),
            "import": load_out.strip(),
            "dedupe": dedupe_out.strip(),
            "export": export_out.strip(),
            "review_queue": len(review_edges),
            "python_cpu_seconds": dict(CPU_SECONDS),
        },
        review_edges,
    )


def _review_edges() -> set[tuple[int, int]]:
    """Pending review pairs as source record ids (one per record that registered)."""
    record_of = {}
    for patient_id, record_id in SourceRecord.objects.filter(status="registered").values_list(
        "patient_id", "source_record_id"
    ):
        record_of[patient_id] = int(record_id)
    return {
        (record_of[a], record_of[b])
        for a, b in MatchCandidate.objects.filter(status="pending").values_list("left", "right")
        if a in record_of and b in record_of
    }


def clusters_of(records: list[Record], master: dict[int, str]) -> dict[int, int]:
    """Record id → cluster; a row without a master ID (refused) is alone."""
    ids: dict[str, int] = {}
    return {
        r.id: ids.setdefault(master[r.id], r.id) if master.get(r.id) else -r.id for r in records
    }


def trap_table(records: list[Record], predicted: dict[int, int]) -> dict[str, dict]:
    """Per trap: share of records with it that are in one cluster with every other record of
    their person; for twins and newborns, share of family pairs (same phone, other person)
    kept apart."""
    of_person: dict[int, list[int]] = defaultdict(list)
    households: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        of_person[r.person].append(r.id)
        households[r.phone].append(r)
    together: dict[str, list[bool]] = defaultdict(list)
    for r in records:
        if len(of_person[r.person]) < 2:
            continue
        whole = all(predicted[o] == predicted[r.id] for o in of_person[r.person])
        together["all duplicates"].append(whole)
        for trap in filter(None, (t.strip() for t in r.trap.split(","))):
            if trap not in FAMILY_TRAPS:
                together[trap].append(whole)
    table: dict[str, dict] = {
        trap: {"records": len(v), "with_their_person": round(sum(v) / len(v), 4)}
        for trap, v in sorted(together.items())
    }
    for trap in FAMILY_TRAPS:
        apart = [
            predicted[r.id] != predicted[o.id]
            for r in records
            if trap in r.trap
            for o in households[r.phone]
            if o.person != r.person
        ]
        table[trap] = {
            "family_pairs": len(apart),
            "kept_apart": round(sum(apart) / max(len(apart), 1), 4),
        }
    return table


def matcher_alone_as_dedupe(
    records: list[Record],
) -> tuple[dict[int, int], dict[tuple[int, int], matching.Comparison]]:
    """The in-memory matcher as the dedupe scores (m estimated by EM, link at the estimated
    bar), on every generated row as a record: the clusters and the comparisons it kept."""
    feats = our_features(records)
    freq, blocks = batch.prepare(feats)
    found = batch.estimate(feats, blocks, freq)
    delta = {k: d for k, d in found.delta.items() if d} if found else None
    policy = matching.Thresholds()
    if delta:
        policy = matching.Thresholds(link_at=policy.estimated_link_at)
    kept: dict[tuple[int, int], matching.Comparison] = {}
    linked = batch.Clusters()
    for _f, comparisons, _n in batch.matches(feats, blocks, freq, policy, delta=delta):
        for c in comparisons:
            kept[c.left, c.right] = c
            if c.decision(policy) == matching.Decision.LINK:
                linked.join(c.left, c.right)
    return {f.id: linked.root(f.id) for f in feats}, kept


def gap(
    records: list[Record],
    exported: dict[int, int],
    alone: dict[int, int],
    comparisons: dict[tuple[int, int], matching.Comparison],
) -> dict:
    """The true pairs end to end loses, split by whether the matcher alone (every row a record)
    keeps them, by the import status of either row and by trap; a sample of each."""
    status = {
        int(i): (s, f)
        for i, s, f in SourceRecord.objects.filter(source_system__in=SYSTEMS).values_list(
            "source_record_id", "status", "flags"
        )
    }
    by_id = {r.id: r for r in records}
    of_person: dict[int, list[int]] = defaultdict(list)
    for r in records:
        of_person[r.person].append(r.id)
    out: dict = {}
    for kind in ("end to end loses, matcher alone keeps", "both lose"):
        out[kind] = {
            "pairs": 0,
            "by_status": Counter(),
            "by_trap": Counter(),
            "by_level": Counter(),
        }
    samples: dict[str, list] = defaultdict(list)
    for ids in of_person.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if exported[a] == exported[b]:
                    continue
                kind = (
                    "both lose" if alone[a] != alone[b] else "end to end loses, matcher alone keeps"
                )
                entry = out[kind]
                entry["pairs"] += 1
                st = "+".join(sorted((status[a][0], status[b][0])))
                entry["by_status"][st] += 1
                traps = {
                    t.strip() for t in f"{by_id[a].trap},{by_id[b].trap}".split(",") if t.strip()
                }
                for t in traps or {"(none)"}:
                    entry["by_trap"][t] += 1
                c = comparisons.get((a, b))
                sig = (
                    " ".join(f"{s.field.value[:5]}={s.level.value}" for s in c.fields)
                    + f" total {int(c.total)}"
                    if c
                    else "not kept by the matcher (distinct or not compared)"
                )
                entry["by_level"][sig] += 1
                if len(samples[kind + st]) < 6:
                    samples[kind + st].append(
                        [
                            (
                                r.id,
                                r.name,
                                r.birth_date,
                                r.sex,
                                r.phone,
                                r.doc_type,
                                r.trap,
                                status[r.id],
                            )
                            for r in (by_id[a], by_id[b])
                        ]
                        + [sig]
                    )
    for entry in out.values():
        for key in ("by_status", "by_trap", "by_level"):
            entry[key] = dict(entry[key].most_common(25))
    out["samples"] = samples
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, required=True)
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--splink-python", help=SPLINK_PYTHON_HELP)
    parser.add_argument(
        "--no-matcher-alone",
        action="store_true",
        help="skip the in-memory matcher beside the run (a million records: minutes of CPU)",
    )
    parser.add_argument(
        "--gap",
        action="store_true",
        help="the true pairs end to end loses, against the matcher alone scoring as the dedupe",
    )
    parser.add_argument("--workdir", type=Path, default=Path("var"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    _refuse_unless_bench()
    args.workdir.mkdir(exist_ok=True)
    records = generate(args.persons, legacy=True)
    truth = {r.id: r.person for r in records}
    report: dict = {
        "load_before": os.getloadavg(),
        "registry": {
            "persons": args.persons,
            "records": len(records),
            "true_pairs": pairwise(truth, truth)["true_pairs"],
            "traps": Counter(t.strip() for r in records for t in r.trap.split(",") if t.strip()),
        },
    }
    master, timing, review_edges = end_to_end(records, args.workdir)
    exported = clusters_of(records, master)
    automatic_edges = [(r.id, exported[r.id]) for r in records if exported[r.id] > 0]
    with_review = union_find([r.id for r in records], automatic_edges + sorted(review_edges))
    report["end_to_end"] = {
        **timing,
        "automatic": pairwise(truth, exported),
        "with_review_queue_accepted": pairwise(truth, with_review),
        "documents_on_file": IdentityDocument.objects.count(),
    }
    report["end_to_end_traps"] = trap_table(records, exported)
    if args.out:  # before the comparisons beside it: a million rows' run may be stopped there
        args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    if not args.no_matcher_alone:
        in_memory, speed = run_ours(our_features(records))
        report["matcher_in_memory"] = {**pairwise(truth, in_memory), **speed}
    if not args.no_splink:
        clusterings, speed = run_splink(records, python=args.splink_python)
        report["splink"] = {
            f"threshold {t}": pairwise(truth, c) for t, c in clusterings.items()
        } | speed
        report["splink_traps_at_0.9"] = trap_table(records, clusterings[0.9])
        report["splink_load_after"] = os.getloadavg()
    if args.gap:
        if args.out:
            args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        alone, comparisons = matcher_alone_as_dedupe(records)
        report["matcher_alone_as_dedupe"] = pairwise(truth, alone)
        report["gap"] = gap(records, exported, alone, comparisons)
    report["load_after"] = os.getloadavg()
    text = json.dumps(report, ensure_ascii=False, indent=2)
    sys.stdout.write(text + "\n")
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
