"""FEBRL3 and FEBRL4 end to end, as a consortium (or an outside checker) would load them
(issue 17, D355): each written as a legacy CSV (given name + surname as the name, the birth
date, street number + street + suburb + postcode as the address, `soc_sec_id` as the
`member_number`) → `onetrip empi import` → `dedupe` → `export`, on PostgreSQL, scored from the
exported master IDs against the true pairs, automatic and with the review queue. The in-memory
figures of the same matcher are `run.py --febrl`; `--gap` splits the true pairs missed
automatically by cause, beside what the in-memory path decides for each (D348). Not a test; see
bench/empi/README.md.

    createdb -h 127.0.0.1 -U postgres ot_febrl_bench
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/ot_febrl_bench
    ONETRIP_DEMO=1 .venv/bin/python manage.py migrate --noinput
    .venv/bin/python bench/empi/e2e_febrl.py --splink-python /work/splinkvenv/bin/python \
        [--gap] --out var/empi-e2e-febrl.json
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from collections import Counter, defaultdict  # noqa: E402

from e2e import _refuse_unless_bench, reset_database, timed_command  # noqa: E402
from run import (  # noqa: E402
    SPLINK_PYTHON_HELP,
    febrl_datasets,
    febrl_features,
    pairwise,
    union_find,
)

from onetrip.mpi import batch, matching, registry, services  # noqa: E402
from onetrip.mpi.models import DedupeRun, MatchCandidate, SourceRecord  # noqa: E402

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
            # A name-less row is kept and matched by its other fields (D345).
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


# --- the gap: true pairs end to end loses, and what the in-memory path decides for them ------


def _scored(
    features: list[matching.Features], delta: dict | None, policy: matching.Thresholds
) -> dict[tuple[int, int], matching.Comparison]:
    """Every blocked candidate pair (earlier id, later id) scored as `batch.matches` scores it,
    distinct ones included (so that "below the review threshold" and "never compared" differ)."""
    freq, blocks = batch.prepare(features)
    by_id = {f.id: f for f in features}
    scored = {}
    for f, earlier in batch._candidates(features, blocks, 0, batch.BLOCK_LIMIT):
        for other in earlier:
            c = matching.compare(features[other], f, freq)
            if delta:
                c = matching.reweighted(c, delta)
            scored[min(c.left, c.right), max(c.left, c.right)] = c
    assert len(by_id) == len(features)
    return scored


def _policy(delta: dict | None) -> matching.Thresholds:
    policy = services.thresholds()
    return matching.Thresholds(
        link_at=policy.estimated_link_at if delta else policy.link_at,
        review_at=policy.review_at,
    )


def dedupe_view(system: str) -> tuple[dict[str, int], dict, matching.Thresholds, dict]:
    """The registry as the last dedupe read it (records, then rows linked by document, then rows
    kept without a record: `registry.KeptRecords`), scored with the run's stored estimate:
    source record id → memory id, the scored pairs, the policy, each memory id's features."""
    records = registry.load_features()
    kept = registry.KeptRecords(records[-1].id if records else 0)
    records += kept.features()
    memory_of: dict[str, int] = {}
    sources = SourceRecord.objects.filter(source_system=system)
    for rec_id, patient_id in sources.filter(status="registered").values_list(
        "source_record_id", "patient_id"
    ):
        memory_of[rec_id] = patient_id
    later = [
        *sources.filter(status="linked", patient__isnull=False).order_by("pk"),
        *sources.filter(status="kept").order_by("pk"),
    ]
    for offset, source in enumerate(later, start=kept.offset + 1):
        memory_of[source.source_record_id] = offset
    run = DedupeRun.objects.exclude(weights=None).order_by("-pk").first()
    delta = None
    if run and run.weights:
        found = matching.Estimate.from_json(run.weights).delta
        delta = {k: d for k, d in found.items() if d} or None
    policy = _policy(delta)
    return memory_of, _scored(records, delta, policy), policy, {f.id: f for f in records}


def in_memory_view(rows: list[dict]) -> tuple[dict, matching.Thresholds, dict[int, int], dict]:
    """`run.py --febrl` as the dedupe scores (EM, estimated link threshold): the scored pairs
    (ids: position + 1), the policy, the automatic clusters, each id's features."""
    features = febrl_features(rows)
    freq, blocks = batch.prepare(features)
    found = batch.estimate(features, blocks, freq)
    delta = {k: d for k, d in found.delta.items() if d} if found else None
    policy = _policy(delta)
    scored = _scored(features, delta, policy)
    links = [pair for pair, c in scored.items() if c.decision(policy) == matching.Decision.LINK]
    clusters = union_find([f.id for f in features], links)
    return scored, policy, clusters, {f.id: f for f in features}


def _outcome(c: matching.Comparison | None, policy: matching.Thresholds) -> str:
    if c is None:
        return "not compared (no shared block)"
    if c.guard is not None and c.total >= policy.link_at:
        return f"guard fired ({c.guard})"
    decision = c.decision(policy)
    if decision == matching.Decision.LINK:
        return "scored a link"
    if decision == matching.Decision.REVIEW:
        return "review band"
    return "below the review threshold"


def _signature(c: matching.Comparison | None) -> str:
    if c is None:
        return "-"
    levels = " ".join(f"{s.field.value[:5]}={s.level.value}" for s in c.fields)
    return f"{levels} total {c.total}"


def gap(system: str, rows: list[dict], master: dict[str, str]) -> dict:
    """Every true pair missed automatically end to end, by why (refused row, scored differently,
    not compared, below the threshold, guard, held in the queue, a link not persisted) beside
    what the in-memory path decides for the same pair; by import status; with samples."""
    status = dict(
        SourceRecord.objects.filter(source_system=system).values_list("source_record_id", "status")
    )
    memory_of, scored, policy, e2e_features = dedupe_view(system)
    pending = set(MatchCandidate.objects.filter(status="pending").values_list("left", "right"))
    mem_scored, mem_policy, mem_clusters, mem_features = in_memory_view(rows)
    position = {row["rec_id"]: i for i, row in enumerate(rows, start=1)}
    of_entity: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        of_entity[int(row["rec_id"].split("-")[1])].append(row["rec_id"])
    by_reason: Counter[str] = Counter()
    by_cross: Counter[str] = Counter()
    by_status: Counter[str] = Counter()
    samples: dict[str, list] = defaultdict(list)
    missed = 0
    for ids in of_entity.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if master.get(a) and master.get(a) == master.get(b):
                    continue
                missed += 1
                ma, mb = position[a], position[b]
                mem_c = mem_scored.get((min(ma, mb), max(ma, mb)))
                mem = _outcome(mem_c, mem_policy)
                if mem_clusters[ma] == mem_clusters[mb] and mem != "scored a link":
                    mem = f"joined through other rows ({mem})"
                elif mem_clusters[ma] != mem_clusters[mb]:
                    mem = f"missed too ({mem})"
                st = "+".join(sorted((status.get(a, "absent"), status.get(b, "absent"))))
                by_status[st] += 1
                if "refused" in (status.get(a), status.get(b)):
                    why, c = "refused row", None
                else:
                    ea, eb = memory_of[a], memory_of[b]
                    c = scored.get((min(ea, eb), max(ea, eb)))
                    why = _outcome(c, policy)
                    if why == "review band" and (min(ea, eb), max(ea, eb)) in pending:
                        why = "held in the review queue"
                    elif why == "scored a link":
                        why = "scored a link, not persisted"
                    fa, fb = e2e_features[ea], e2e_features[eb]
                    if (fa.birth, fa.name, fb.birth, fb.name) != (
                        mem_features[ma].birth,
                        mem_features[ma].name,
                        mem_features[mb].birth,
                        mem_features[mb].name,
                    ):
                        why += "; fields read differently than in memory"
                by_reason[why] += 1
                by_cross[f"{why} | in memory: {mem}"] += 1
                if len(samples[why]) < 8:
                    samples[why].append(
                        {
                            "rows": [
                                {
                                    "rec_id": r,
                                    "status": status.get(r, "absent"),
                                    "name": f"{rows[position[r] - 1]['given_name'] or ''} "
                                    f"{rows[position[r] - 1]['surname'] or ''}".strip(),
                                    "birth": rows[position[r] - 1]["date_of_birth"],
                                }
                                for r in (a, b)
                            ],
                            "end_to_end": _signature(c),
                            "in_memory": f"{mem}: {_signature(mem_c)}",
                        }
                    )
    return {
        "missed_automatic_pairs": missed,
        "link_at": {"end_to_end": policy.link_at, "in_memory": mem_policy.link_at},
        "by_reason": dict(by_reason.most_common()),
        "by_reason_and_in_memory": dict(by_cross.most_common()),
        "by_import_status": dict(by_status.most_common()),
        "samples": samples,
    }


def end_to_end(system: str, rows: list[dict], workdir: Path, *, with_gap: bool = False) -> dict:
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
    master: dict[str, str] = {}
    with target.open(encoding="utf-8") as exported:
        for row in csv.DictReader(exported):
            if row["source_system"] == system and row["master_id"]:
                i = index[row["source_record_id"]]
                master[row["source_record_id"]] = row["master_id"]
                edges.append((first_of.setdefault(row["master_id"], i), i))
    review = [(index[a], index[b]) for a, b in _review_edges(system)]
    result = {
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
    if with_gap:
        result["gap"] = gap(system, rows, master)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--splink-python", help=SPLINK_PYTHON_HELP)
    parser.add_argument("--workdir", type=Path, default=Path("var"))
    parser.add_argument("--out", type=Path)
    parser.add_argument(
        "--gap",
        action="store_true",
        help="every true pair missed automatically, by why, beside what the in-memory path "
        "(run.py --febrl, scored as the dedupe) decides for it",
    )
    args = parser.parse_args()
    _refuse_unless_bench()
    args.workdir.mkdir(parents=True, exist_ok=True)
    datasets = febrl_datasets(args.splink_python)
    results = {
        "febrl3": end_to_end("febrl3", datasets["febrl3"], args.workdir, with_gap=args.gap),
        "febrl4": end_to_end(
            "febrl4", datasets["febrl4a"] + datasets["febrl4b"], args.workdir, with_gap=args.gap
        ),
    }
    text = json.dumps(results, indent=2, ensure_ascii=False)
    sys.stdout.write(text + "\n")
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
