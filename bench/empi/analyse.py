"""Why automatic links go wrong at a given registry size (issue 17): the in-memory matcher's false
links (by the levels that linked them) and missed true pairs (never compared, compared but scored
below the link, or held back by a guard), per trap. Not a test; see bench/empi/README.md.

    .venv/bin/python bench/empi/analyse.py --persons 100000
"""

from __future__ import annotations

import argparse
import json
import math
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

from generate import generate  # noqa: E402
from run import link_sweep, our_features, pairwise, union_find  # noqa: E402

from onetrip.mpi import batch, matching  # noqa: E402
from onetrip.mpi.matching import Decision, Thresholds  # noqa: E402


def signature(c: matching.Comparison) -> str:
    return " ".join(f"{s.field.value[:4]}={s.level.value}" for s in c.fields)


def analyse(persons: int, policy: Thresholds, limit: int = 12) -> dict:
    started = time.perf_counter()
    records = generate(persons, legacy=True)
    by_id = {r.id: r for r in records}
    feats = our_features(records)
    generated = time.perf_counter() - started
    freq, blocks = batch.prepare(feats)
    linked = batch.Clusters()
    found_pairs: dict[tuple[int, int], matching.Comparison] = {}
    compared = 0
    for _f, found, count in batch.matches(feats, blocks, freq, policy):
        compared += count
        for c in found:
            found_pairs[(c.left, c.right)] = c
            if c.decision(policy) == Decision.LINK:
                linked.join(c.left, c.right)
    predicted = {f.id: linked.root(f.id) for f in feats}
    truth = {r.id: r.person for r in records}
    score = pairwise(truth, predicted)
    # false links: LINK edges between different persons
    false = Counter()
    false_examples = defaultdict(list)
    false_totals = Counter()
    for (a, b), c in found_pairs.items():
        if c.decision(policy) == Decision.LINK and truth[a] != truth[b]:
            sig = ("deterministic " if c.deterministic else "") + signature(c)
            false[sig] += 1
            false_totals[int(c.total)] += 1
            if len(false_examples[sig]) < 2:
                false_examples[sig].append(
                    [
                        by_id[a].name,
                        by_id[a].birth_date,
                        by_id[b].name,
                        by_id[b].birth_date,
                        c.total,
                    ]
                )
    # missed pairs: true pairs in different clusters
    of_person = defaultdict(list)
    for r in records:
        of_person[r.person].append(r.id)
    feat = {f.id: f for f in feats}
    index = {f.id: i for i, f in enumerate(feats)}
    missed = Counter()
    missed_comparisons: list[matching.Comparison] = []
    missed_trap = Counter()
    missed_totals = Counter()
    missed_signature = Counter()
    for ids in of_person.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                if predicted[a] == predicted[b]:
                    continue
                lo, hi = min(a, b), max(a, b)
                c = found_pairs.get((lo, hi)) or matching.compare(feat[lo], feat[hi], freq)
                missed_comparisons.append(c)
                share = set(blocks[index[hi]][0]) & set(blocks[index[lo]][1])
                if c.decision(policy) == Decision.LINK:
                    reason = "linked edge but cluster split?"
                elif not share:
                    reason = "no shared block"
                elif (lo, hi) not in found_pairs and c.decision(policy) != Decision.DISTINCT:
                    reason = "shared block but cut by BLOCK_LIMIT"
                elif c.guard:
                    reason = f"guard {c.guard.value}"
                elif c.decision(policy) == Decision.REVIEW:
                    reason = "review band"
                else:
                    reason = "distinct (< review)"
                missed[reason] += 1
                if reason in ("review band", "distinct (< review)") and c.total >= 16:
                    missed_signature[f"{int(c.total)} {signature(c)}"] += 1
                missed_totals[int(c.total)] += 1
                traps = {t.strip() for t in (by_id[a].trap + "," + by_id[b].trap).split(",")} - {""}
                for t in traps or {"(none)"}:
                    missed_trap[f"{reason} | {t}"] += 1
    oracle = _with_m_of_true_pairs(found_pairs, missed_comparisons, truth, feats, policy)
    sweep = {}
    for link_at in (18, 19, 20, 21, 22, 23, 24, 25, 26):
        swept = Thresholds(link_at=link_at, review_at=policy.review_at)
        edges = [pair for pair, c in found_pairs.items() if c.decision(swept) == Decision.LINK]
        clustered = union_find([f.id for f in feats], edges)
        sweep[link_at] = {
            k: v for k, v in pairwise(truth, clustered).items() if k in ("precision", "recall")
        }
    return {
        "sweep_link_at": sweep,
        "m_of_true_pairs": oracle,
        "persons": persons,
        "records": len(records),
        "generate_s": round(generated, 1),
        "match_s": round(time.perf_counter() - started - generated, 1),
        "compared": compared,
        "score": score,
        "false_link_edges": sum(false.values()),
        "false_by_signature": false.most_common(limit),
        "false_examples": {k: false_examples[k] for k, _n in false.most_common(limit)},
        "false_by_total": sorted(false_totals.items()),
        "missed_pairs": sum(missed.values()),
        "missed_by_reason": missed.most_common(),
        "missed_by_reason_and_trap": missed_trap.most_common(40),
        "missed_by_total": sorted(missed_totals.items()),
        "missed_by_signature": missed_signature.most_common(40),
    }


def _with_m_of_true_pairs(found_pairs, missed_comparisons, truth, feats, policy) -> dict:
    """What the links would be if each level's m were its share among this registry's true
    pairs (the most an m estimated from the data, e.g. by EM, could know): each compared pair
    rescored by log2(m_true / m_set) per field, guards and documents as they were. Pairs scored
    below review with the set m are not rescored (they would need ten bits more)."""
    true_pairs = [c for (a, b), c in found_pairs.items() if truth[a] == truth[b]]
    true_pairs += missed_comparisons
    seen: Counter = Counter()
    present: Counter = Counter()
    for c in {(c.left, c.right): c for c in true_pairs}.values():
        for s in c.fields:
            seen[s.field, s.level] += 1
            present[s.field] += 1
    delta = {}
    m_true = {}
    for (field, level), n in seen.items():
        if field == matching.Field.DOCUMENT or level == matching.Level.MISSING:
            continue
        m_set = matching.M_U[field][level][0]
        share = max(n / present[field], 1e-4)
        m_true[f"{field.value}={level.value}"] = [m_set, round(share, 4)]
        delta[field, level] = math.log2(share / m_set)
    out = {"m_set_and_true": m_true}
    for link_at in (20, 21, 22, 23, 24, 25, 26):
        edges = []
        for pair, c in found_pairs.items():
            total = c.total + sum(delta.get((s.field, s.level), 0.0) for s in c.fields)
            if c.deterministic or (
                total >= link_at and c.guard is None and not c.conflicting_documents
            ):
                edges.append(pair)
        clustered = union_find([f.id for f in feats], edges)
        score = pairwise(truth, clustered)
        out[f"link at {link_at}"] = {k: score[k] for k in ("precision", "recall")}
    return out


def em(persons: int, policy: Thresholds) -> dict:
    """The matcher alone with the set m and with m estimated from the registry by EM (D263), from
    one pass: every pair that could reach review under either is kept and scored both ways."""
    started = time.perf_counter()
    records = generate(persons, legacy=True)
    feats = our_features(records)
    truth = {r.id: r.person for r in records}
    generated = time.perf_counter() - started
    freq, blocks = batch.prepare(feats)
    t0 = time.perf_counter()
    estimate = batch.estimate(feats, blocks, freq)
    estimate_s = time.perf_counter() - t0
    assert estimate is not None
    delta = estimate.delta
    wide = Thresholds(
        link_at=policy.link_at, review_at=policy.review_at - matching.most_gained(delta)
    )
    t0 = time.perf_counter()
    found = []
    compared = 0
    for _f, comparisons, count in batch.matches(feats, blocks, freq, wide):
        compared += count
        found.extend(comparisons)
    match_s = time.perf_counter() - t0
    after = [matching.reweighted(c, delta) for c in found]
    seen: Counter = Counter()
    present: Counter = Counter()
    for c in found:
        if truth[c.left] == truth[c.right]:
            for s in c.fields:
                if (s.field, s.level) in estimate.m:
                    seen[s.field, s.level] += 1
                    present[s.field] += 1
    levels = {
        f"{f.value}={lv.value}": [
            matching.M_U[f][lv][0],
            round(m, 4),
            round(seen[f, lv] / max(present[f], 1), 4),
        ]
        for (f, lv), m in estimate.m.items()
    }
    out: dict = {
        "persons": persons,
        "records": len(feats),
        "generate_s": round(generated, 1),
        "estimate_s": round(estimate_s, 1),
        "match_s": round(match_s, 1),
        "compared": compared,
        "estimate": estimate.sessions,
        "m_set_estimated_true_share": levels,
    }
    for name, scored in (("set m", found), ("EM m", after)):
        for link_at in (21, 22, 23, 24, 25):
            swept = Thresholds(link_at=link_at, review_at=policy.review_at)
            edges = [(c.left, c.right) for c in scored if c.decision(swept) == Decision.LINK]
            clustered = union_find([f.id for f in feats], edges)
            score = pairwise(truth, clustered)
            out[f"{name}, link at {link_at}"] = {k: score[k] for k in ("precision", "recall")}
        edges = [(c.left, c.right) for c in scored if c.decision(policy) != Decision.DISTINCT]
        clustered = union_find([f.id for f in feats], edges)
        out[f"{name}, with review queue (link at {policy.link_at})"] = {
            k: pairwise(truth, clustered)[k] for k in ("precision", "recall")
        }
    out["EM m, link sweep and the size prior (D342)"] = link_sweep(truth, after, len(feats))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--persons", type=int, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--em", action="store_true", help="set m against m estimated by EM (D263)")
    args = parser.parse_args()
    report = (em if args.em else analyse)(args.persons, Thresholds())
    text = json.dumps(report, ensure_ascii=False, indent=1)
    sys.stdout.write(text + "\n")
    if args.out:
        args.out.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
