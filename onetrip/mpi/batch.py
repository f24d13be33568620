"""Batch deduplication in memory (R-ID-2): the same blocking keys and comparison as registration,
over a whole registry at once.

Records are visited in id order. Each is compared with the earlier records sharing one of its
blocks, then filed in those blocks: every pair is compared once, from its later record, so a run
can stop after any record and resume from there (the checkpoint is that record's id).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence

from onetrip.mpi import matching
from onetrip.mpi.matching import Comparison, Decision, Features, Frequencies, Thresholds

# Blocks bigger than this (a switchboard number many patients gave) are too weak to compare
# within: a record is compared only with the latest members of such a block.
BLOCK_LIMIT = 200


# A record's blocks as hashes (not strings: a million records' blocks fit in a few hundred MB):
# those it looks up, and those it is filed in (they differ for records without a birth date).
RecordBlocks = tuple[list[int], list[int]]


def prepare(records: Sequence[Features]) -> tuple[Frequencies, list[RecordBlocks]]:
    """One pass over the registry: the frequencies of names, spellings and phones, and each
    record's blocks."""
    counts: Counter[str] = Counter()
    blocks = []
    for f in records:
        keys = matching.blocking_keys(f)  # once: the frequencies and the blocks both need them
        counts.update(k for k in keys if k.startswith(matching.FREQUENCY_PREFIXES))
        looked_up, filed = matching.batch_keys(f, keys)
        blocks.append(([hash(k) for k in looked_up], [hash(k) for k in filed]))
    return Frequencies(counts), blocks


def matches(
    records: Sequence[Features],
    record_blocks: Sequence[RecordBlocks],
    freq: Frequencies,
    policy: Thresholds,
    *,
    resume_after: int = 0,
    block_limit: int = BLOCK_LIMIT,
    delta: Mapping[matching.Key, float] | None = None,
) -> Iterator[tuple[Features, list[Comparison], int]]:
    """For each record after `resume_after` (in id order): its comparisons with earlier records
    that are not distinct, and how many it was compared with. Records up to `resume_after` are
    only filed. `delta`: the weights an `Estimate` moves (D263)."""
    gain = matching.most_gained(delta) if delta else 0.0
    for f, earlier in _candidates(records, record_blocks, resume_after, block_limit):
        found = []
        for other in earlier:
            comparison = matching.compare(records[other], f, freq)
            if delta and comparison.total + gain >= policy.review_at:
                comparison = matching.reweighted(comparison, delta)
            if comparison.decision(policy) != Decision.DISTINCT:
                found.append(comparison)
        yield f, found, len(earlier)


def _candidates(
    records: Sequence[Features],
    record_blocks: Sequence[RecordBlocks],
    resume_after: int,
    block_limit: int,
    every: int = 1,
) -> Iterator[tuple[Features, set[int]]]:
    """Each record after `resume_after` (every `every`-th by position) and the earlier records
    sharing one of its blocks; every record is filed."""
    blocks: dict[int, list[int]] = defaultdict(list)
    for index, f in enumerate(records):
        looked_up, filed = record_blocks[index]
        if f.id > resume_after and index % every == 0:
            earlier: set[int] = set()
            for h in looked_up:
                members = blocks.get(h)
                if members:
                    earlier.update(members[-block_limit:])
            yield f, earlier
        for h in filed:
            blocks[h].append(index)


# The comparisons EM learns from: those of about this many records, spread over the registry
# (every k-th record's); the estimate costs a fraction of a full pass at a million records.
EM_RECORDS = 150_000
# Fewer compared pairs than this estimate nothing: the set m are used (D263).
EM_MIN_PAIRS = 2_000


def estimate(
    records: Sequence[Features],
    record_blocks: Sequence[RecordBlocks],
    freq: Frequencies,
    *,
    block_limit: int = BLOCK_LIMIT,
    sample: int = EM_RECORDS,
    min_pairs: int | None = None,
) -> matching.Estimate | None:
    """m per level estimated from the registry's own blocked candidate pairs (D263), or None
    when it has too few pairs to learn from."""
    every = max(1, -(-len(records) // sample))
    patterns: Counter[matching.Pattern] = Counter()
    for f, earlier in _candidates(records, record_blocks, 0, block_limit, every):
        for other in earlier:
            patterns[matching.pattern(matching.compare(records[other], f, freq))] += 1
    if patterns.total() < (EM_MIN_PAIRS if min_pairs is None else min_pairs):
        return None
    return matching.estimate(patterns)


def clusters(
    records: Sequence[Features],
    policy: Thresholds,
    *,
    progress: Callable[[int], None] | None = None,
) -> tuple[dict[int, int], int]:
    """The automatic links of a whole registry in memory, as record id → cluster id (the
    smallest record id in its cluster), and the number of comparisons made. For benchmarks."""
    linked = Clusters()
    freq, record_blocks = prepare(records)
    compared = 0
    for done, (_f, found, count) in enumerate(
        matches(records, record_blocks, freq, policy), start=1
    ):
        compared += count
        for comparison in found:
            if comparison.decision(policy) == Decision.LINK:
                linked.join(comparison.left, comparison.right)
        if progress is not None and done % 10_000 == 0:
            progress(done)
    return {f.id: linked.root(f.id) for f in records}, compared


class Clusters:
    """Record ids joined into clusters (union–find); a cluster is named by its smallest id."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def root(self, x: int) -> int:
        parent = self.parent
        while parent.get(x, x) != x:
            parent[x] = parent.get(parent[x], parent[x])
            x = parent[x]
        return x

    def join(self, a: int, b: int) -> None:
        a, b = self.root(a), self.root(b)
        if a != b:
            self.parent[max(a, b)] = min(a, b)
