"""m per level estimated from a load by EM (D263): it recovers known m, is deterministic, is
stored with the run, and never lets a twin or a newborn through."""

from __future__ import annotations

import random

import pytest

from onetrip.mpi import batch, matching
from onetrip.mpi.matching import (
    Decision,
    Field,
    FieldScore,
    Frequencies,
    Guard,
    Level,
    Thresholds,
    compare,
    features,
    weight,
)
from onetrip.mpi.models import DedupeRun

from .test_batch import legacy_registry, run

POLICY = Thresholds()

# A synthetic load: the m of its true pairs and the u of its other pairs, per level.
TRUE_M = {
    Field.NAME: {
        Level.EXACT: 0.60,
        Level.HOMOPHONE: 0.15,
        Level.ROMANISED: 0.20,
        Level.SIMILAR: 0.02,
        Level.DIFFERENT: 0.03,
    },
    Field.BIRTH_DATE: {
        Level.EXACT: 0.85,
        Level.SWAPPED: 0.03,
        Level.ONE_DIGIT: 0.09,
        Level.NEAR: 0.01,
        Level.DIFFERENT: 0.02,
    },
}
U = {
    Field.NAME: {
        Level.EXACT: 0.004,
        Level.HOMOPHONE: 0.002,
        Level.ROMANISED: 0.001,
        Level.SIMILAR: 0.003,
        Level.DIFFERENT: 0.99,
    },
    Field.BIRTH_DATE: {
        Level.EXACT: 0.002,
        Level.SWAPPED: 0.001,
        Level.ONE_DIGIT: 0.01,
        Level.NEAR: 0.001,
        Level.DIFFERENT: 0.986,
    },
}


def synthetic_patterns(matches: int, others: int, seed: int = 7):
    """Pairs drawn level by level from TRUE_M (matches) or U (others), scored as the matcher
    would with the set m and that u."""
    rng = random.Random(seed)
    patterns: dict = {}
    for n, table in ((matches, TRUE_M), (others, U)):
        for _ in range(n):
            scores = []
            for field in (Field.NAME, Field.BIRTH_DATE):
                levels = list(table[field])
                level = rng.choices(levels, weights=[table[field][lv] for lv in levels])[0]
                m_set = matching.M_U[field][level][0]
                scores.append(FieldScore(field, level, weight(m_set, U[field][level])))
            key = (False, tuple(scores))
            patterns[key] = patterns.get(key, 0) + 1
    return patterns


def test_em_recovers_the_m_of_a_synthetic_load():
    patterns = synthetic_patterns(matches=8000, others=12000)
    m, share, iterations = matching.estimate_m(patterns, frozenset({Field.NAME, Field.BIRTH_DATE}))
    assert share == pytest.approx(0.4, abs=0.02)
    assert iterations <= matching.EM_ITERATIONS
    for field, levels in TRUE_M.items():
        for level, true_m in levels.items():
            assert m[field, level] == pytest.approx(true_m, abs=0.015), (field, level)
    # The set m were far off: the romanised name's weight gains about two bits.
    delta = matching.Estimate(m=m, sessions={}).delta
    assert delta[Field.NAME, Level.ROMANISED] == pytest.approx(2.3, abs=0.2)


def test_em_is_deterministic_whatever_order_the_pairs_were_counted_in():
    patterns = synthetic_patterns(matches=2000, others=3000)
    reversed_order = dict(reversed(list(patterns.items())))
    fields = frozenset({Field.NAME, Field.BIRTH_DATE})
    assert matching.estimate_m(patterns, fields) == matching.estimate_m(reversed_order, fields)


def test_an_estimate_survives_its_json_and_reweighs_by_its_delta():
    patterns = synthetic_patterns(matches=2000, others=3000)
    m, _share, _n = matching.estimate_m(patterns, frozenset({Field.NAME, Field.BIRTH_DATE}))
    estimate = matching.Estimate(m=m, sessions={"s": {"pairs": 5000.0}})
    again = matching.Estimate.from_json(estimate.as_json())
    assert again.delta == estimate.delta
    first = features(1, name="张伟", birth_date="19900307", sex="male")
    second = features(2, name="ZHANG WEI", birth_date="19900307", sex="male")
    comparison = compare(first, second, Frequencies({}))
    moved = matching.reweighted(comparison, estimate.delta)
    gain = (
        estimate.delta[Field.NAME, Level.ROMANISED] + estimate.delta[Field.BIRTH_DATE, Level.EXACT]
    )
    assert moved.total == pytest.approx(comparison.total + gain, abs=0.02)
    assert matching.most_gained(estimate.delta) >= gain - 0.01


# Every level's weight ten bits higher: the most any estimate could move a pair.
EVERYTHING_UP = dict.fromkeys(matching.ESTIMATED, 10.0)


def test_twins_are_held_back_whatever_the_estimated_weights():
    first = features(1, name="张明", birth_date="20010101", sex="male", phone="13700000000")
    second = features(2, name="张亮", birth_date="20010101", sex="male", phone="13700000000")
    comparison = matching.reweighted(compare(first, second, Frequencies({})), EVERYTHING_UP)
    assert comparison.total >= POLICY.link_at
    assert comparison.guard == Guard.POSSIBLE_TWIN
    assert comparison.decision(POLICY) == Decision.REVIEW


def test_newborns_under_a_guardians_document_are_held_back_whatever_the_weights():
    mother = [("resident_id", "330106199001011234")]
    newborn = {"name": "李娜之子", "birth_date": "20261101", "sex": "male", "phone": "13600000000"}
    first = features(1, guardian_documents=mother, **newborn)
    second = features(2, guardian_documents=mother, **newborn)
    comparison = matching.reweighted(compare(first, second, Frequencies({})), EVERYTHING_UP)
    assert comparison.guard == Guard.GUARDIAN_DOCUMENT
    assert comparison.decision(POLICY) == Decision.REVIEW


@pytest.mark.django_db
def test_a_small_registry_keeps_the_set_m_and_says_so(clock):
    legacy_registry()
    out, _err = run("dedupe")
    weights = DedupeRun.objects.get().weights
    assert weights["sessions"] == {}  # too few pairs to learn from
    assert {v["delta_bits"] for v in weights["levels"].values()} == {0.0}
    assert "m name=romanised: 0.04 set, 0.04 estimated (+0.0 bits)" in out


@pytest.mark.django_db
def test_a_run_stores_its_estimate_and_still_holds_twins_back(clock, monkeypatch):
    from onetrip.mpi import services as mpi

    monkeypatch.setattr(batch, "EM_MIN_PAIRS", 1)
    monkeypatch.setattr(matching, "EM_SESSION_MIN_PAIRS", 1)
    zhang, homophone, passport, twin_a, twin_b, _other = legacy_registry()
    run("dedupe")
    weights = DedupeRun.objects.get().weights
    assert set(weights["sessions"]) == {"same_phone", "same_name_spelling", "same_number"}
    assert weights["sessions"]["same_number"]["pairs"] == 0  # no numbers: it learned nothing
    assert weights["levels"]["name=romanised"]["m_set"] == 0.04
    assert mpi.person_of(twin_a.pk) != mpi.person_of(twin_b.pk)
    assert mpi.person_of(homophone.pk) == mpi.person_of(zhang.pk)


def test_a_level_the_load_never_shows_keeps_its_set_m():
    # A Chinese load has no foreign-name typos: EM must not price them at its floor (D338).
    patterns = synthetic_patterns(matches=2000, others=3000)
    m, _share, _n = matching.estimate_m(patterns, frozenset({Field.NAME, Field.BIRTH_DATE}))
    for level in (Level.TYPO, Level.PART_MISSING, Level.PART_SAME):
        assert m[Field.NAME, level] == matching.M_U[Field.NAME][level][0]
    assert matching.Estimate(m=m, sessions={}).delta[Field.NAME, Level.TYPO] == 0


def test_pairs_sharing_a_number_teach_the_name_and_birth_date_levels():
    # A load without phones (FEBRL): the phone session learns nothing, the number session does
    # (D337).
    number = FieldScore(Field.NUMBER, Level.EXACT, 18.0)
    patterns = {
        (shared, (*scores, number)): n
        for (shared, scores), n in synthetic_patterns(matches=8000, others=2000).items()
    }
    estimate = matching.estimate(patterns)
    assert estimate.sessions["same_phone"] == {"pairs": 0, "iterations": 0, "match_share": 0.0}
    assert estimate.sessions["same_number"]["pairs"] == 10_000
    assert estimate.m[Field.NAME, Level.ROMANISED] == pytest.approx(0.20, abs=0.02)
    assert estimate.m[Field.BIRTH_DATE, Level.ONE_DIGIT] == pytest.approx(0.09, abs=0.02)
