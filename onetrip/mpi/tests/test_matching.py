"""The matcher on each trap of R-ID-2: who is linked, queued or kept apart, and why."""

from __future__ import annotations

import pytest

from onetrip.mpi.matching import (
    Decision,
    Frequencies,
    Grade,
    Guard,
    Level,
    Thresholds,
    batch_keys,
    blocking_keys,
    compare,
    features,
)

POLICY = Thresholds()
RARE = Frequencies({})
# A registry of a million where 王伟 is written 3,000 times and spelt "wangwei" 3,400 times.
COMMON = Frequencies({"c:王伟": 3000, "y:wangwei": 3400})


def record(id=1, **overrides):
    fields = {
        "name": "张伟",
        "birth_date": "19900307",
        "sex": "male",
        "phone": "13812345678",
        "address": "杭州市西湖区文三路1号",
        "documents": [("resident_id", "110101199003074477")],
    }
    fields.update(overrides)
    return features(id, **fields)


def levels(comparison):
    return {s.field.value: s.level for s in comparison.fields}


def test_homophone_name_is_the_same_person():
    new = record(2, name="张玮", documents=[("e_health_card", "AB" * 32)])
    comparison = compare(record(), new, RARE)
    assert levels(comparison)["name"] == Level.HOMOPHONE
    assert comparison.decision(POLICY) == Decision.LINK
    assert comparison.grade(POLICY) == Grade.CERTAIN


def test_passport_pinyin_name_matches_the_chinese_name_in_either_order():
    for spelt in ("ZHANG WEI", "Wei Zhang"):
        passport = record(
            2, name=spelt, phone="13900000000", address="", documents=[("passport", "E12345678")]
        )
        comparison = compare(record(), passport, RARE)
        assert levels(comparison)["name"] == Level.ROMANISED
        assert comparison.decision(POLICY) == Decision.LINK
        assert blocking_keys(record()) & blocking_keys(passport)


def test_swapped_day_and_month_still_links():
    comparison = compare(record(), record(2, birth_date="19900703", documents=[]), RARE)
    assert levels(comparison)["birth_date"] == Level.SWAPPED
    assert comparison.decision(POLICY) == Decision.LINK


def test_one_mistyped_digit_of_the_year_is_still_found():
    typo = record(2, birth_date="19910307", documents=[], phone="13900000000")
    assert blocking_keys(record()) & blocking_keys(typo)
    assert levels(compare(record(), typo, RARE))["birth_date"] == Level.ONE_DIGIT


def test_newborns_under_a_guardian_document_are_never_linked_automatically():
    mother = [("resident_id", "330106199001011234")]
    first = record(
        1, name="李娜之子", birth_date="20261101", documents=[], guardian_documents=mother
    )
    second = record(
        2, name="李娜之子", birth_date="20261101", documents=[], guardian_documents=mother
    )
    comparison = compare(first, second, RARE)
    assert comparison.total >= POLICY.link_at  # everything agrees…
    assert comparison.guard == Guard.GUARDIAN_DOCUMENT
    assert comparison.decision(POLICY) == Decision.REVIEW  # …and still staff decide
    assert not comparison.deterministic  # the shared guardian document is no evidence


def test_twins_are_never_linked_automatically():
    first = record(1, name="张明", documents=[])
    second = record(2, name="张亮", documents=[])
    comparison = compare(first, second, RARE)
    assert comparison.guard == Guard.POSSIBLE_TWIN
    assert comparison.decision(POLICY) != Decision.LINK


def test_two_people_called_wang_wei_born_the_same_day_are_not_linked():
    a = record(1, name="王伟", documents=[])
    b = record(2, name="王伟", documents=[], phone="13700000000", address="宁波市海曙区中山路8号")
    assert compare(a, b, COMMON).decision(POLICY) != Decision.LINK
    # The same pair with a rare name is strong evidence: frequency makes the difference.
    rare_a, rare_b = (
        record(1, name="诸葛亮", documents=[]),
        record(
            2, name="诸葛亮", documents=[], phone="13700000000", address="宁波市海曙区中山路8号"
        ),
    )
    assert compare(rare_a, rare_b, COMMON).decision(POLICY) == Decision.LINK


def test_same_document_is_deterministic_even_across_document_types():
    household = record(2, name="张卫", documents=[("household_register", "110101199003074477")])
    comparison = compare(record(), household, RARE)
    assert comparison.deterministic
    assert comparison.decision(POLICY) == Decision.LINK
    assert comparison.probability(POLICY) == 1.0


def test_different_numbers_of_one_document_kind_keep_records_apart():
    other = record(2, documents=[("resident_id", "110101199003070000")])
    comparison = compare(record(), other, RARE)
    assert comparison.decision(POLICY) == Decision.DISTINCT
    assert comparison.grade(POLICY) == Grade.CERTAINLY_NOT


def test_every_score_is_explained_field_by_field():
    comparison = compare(record(), record(2, name="张玮", phone="13900000000", documents=[]), RARE)
    explanation = comparison.explanation()
    assert [e["field"] for e in explanation] == ["name", "birth_date", "sex", "phone", "address"]
    assert sum(e["weight"] for e in explanation) == pytest.approx(comparison.total)
    phone = next(e for e in explanation if e["field"] == "phone")
    assert phone["level"] == "different"
    assert phone["weight"] < 0


def test_comparison_is_symmetric():
    a, b = record(), record(2, name="ZHANG WEI", birth_date="19900703", documents=[])
    assert compare(a, b, RARE).total == compare(b, a, RARE).total


# --- legacy records: a missing birth date, dates around midnight, phone typos (issue 17) ------


def test_a_missing_birth_date_is_its_own_level_and_weighs_nothing():
    undated = record(2, birth_date="", documents=[])
    comparison = compare(record(), undated, RARE)  # used to raise IndexError
    assert levels(comparison)["birth_date"] == Level.MISSING
    birth = next(e for e in comparison.explanation() if e["field"] == "birth_date")
    assert birth["weight"] == 0
    # Name, sex, phone and address still decide: the same person, found without the date.
    assert comparison.decision(POLICY) == Decision.LINK
    assert compare(undated, record(3, birth_date=None, documents=[]), RARE).decision(POLICY) == (
        Decision.LINK
    )


def test_a_missing_birth_date_is_no_evidence_for_a_common_name():
    undated = record(2, name="王伟", birth_date="", documents=[], address="")
    dated = record(1, name="王伟", documents=[], phone="13700000000")
    assert compare(dated, undated, COMMON).decision(POLICY) == Decision.DISTINCT


def test_an_undated_record_meets_dated_records_of_its_name_in_a_batch_run():
    dated, undated = record(), record(2, birth_date="", phone="", documents=[])
    dated_looks, dated_filed = batch_keys(dated)
    undated_looks, undated_filed = batch_keys(undated)
    assert undated_looks & dated_filed  # the undated record coming later finds the dated one
    assert dated_looks & undated_filed  # and the other way round
    other_dated_looks, _ = batch_keys(record(3, birth_date="19850101", phone="", documents=[]))
    # Two dated records of one name and different years do not meet on the name alone.
    assert not (other_dated_looks & dated_filed)


@pytest.mark.parametrize(("first", "second"), [("19891231", "19900101"), ("19900131", "19900201")])
def test_a_day_apart_across_a_month_or_year_boundary_is_near(first, second):
    a = record(1, birth_date=first, documents=[])
    b = record(2, birth_date=second, documents=[])
    comparison = compare(a, b, RARE)
    assert levels(comparison)["birth_date"] == Level.NEAR
    assert comparison.decision(POLICY) == Decision.LINK
    far = compare(a, record(2, birth_date="19900105", documents=[]), RARE)
    assert levels(far)["birth_date"] == Level.DIFFERENT


def test_a_mistyped_phone_digit_is_its_own_level():
    for typo in ("13812345679", "13812345687"):  # one digit, two neighbours swapped
        comparison = compare(record(), record(2, phone=typo, documents=[]), RARE)
        assert levels(comparison)["phone"] == Level.ONE_DIGIT
        assert comparison.decision(POLICY) == Decision.LINK
    other = compare(record(), record(2, phone="13998765432", documents=[]), RARE)
    assert levels(other)["phone"] == Level.DIFFERENT


def test_twins_a_day_apart_with_a_mistyped_phone_are_still_held_back():
    first = record(1, name="张明", birth_date="20011231", documents=[])
    second = record(2, name="张亮", birth_date="20020101", phone="13812345679", documents=[])
    comparison = compare(first, second, RARE)
    assert comparison.guard == Guard.POSSIBLE_TWIN
    assert comparison.decision(POLICY) != Decision.LINK


def test_the_birth_date_in_the_id_number_outweighs_a_mistyped_one():
    # A clerk typed 1993-07-03 on a record whose ID number says 1990-03-07; the person's other
    # record was registered with an e-health card, a changed phone and the right date.
    mistyped = record(1, birth_date="19930703")
    elsewhere = record(
        2, birth_date="19900307", phone="13998765432", documents=[("e_health_card", "EHC0001")]
    )
    comparison = compare(mistyped, elsewhere, RARE)
    assert levels(comparison)["birth_date"] == Level.EXACT
    assert comparison.decision(POLICY) == Decision.LINK
    assert blocking_keys(mistyped) & blocking_keys(elsewhere)  # they meet on the ID's date


def test_a_guardians_id_number_says_nothing_of_the_childs_birth_date():
    newborn = record(
        1,
        name="李娜之子",
        birth_date="",
        documents=[],
        guardian_documents=[("resident_id", "110101199003074477")],
    )
    assert newborn.id_birth == ""


# --- the batch run's shortcuts give what the general rules give (D262) ------------------------


@pytest.mark.parametrize(
    ("typed", "in_id", "other_typed", "expected"),
    [
        ("19900307", "110101199003074477", "19900307", Level.EXACT),  # one date, both agree
        ("19900703", "110101199003074477", "19900307", Level.EXACT),  # the ID's date wins
        ("", "110101199003074477", "19900307", Level.EXACT),  # only the ID's date
        ("", "", "19900307", Level.MISSING),  # no date at all
        ("19900317", "", "19900307", Level.ONE_DIGIT),
        ("19900308", "", "19900307", Level.NEAR),  # a day apart in one digit (D301)
        ("19900703", "", "19900307", Level.SWAPPED),
    ],
)
def test_birth_dates_compare_the_best_of_the_typed_and_the_id_numbers(
    typed, in_id, other_typed, expected
):
    documents = [("resident_id", in_id)] if in_id else []
    left = record(1, birth_date=typed, documents=documents)
    right = record(2, birth_date=other_typed, documents=[("passport", "E1234567")])
    assert levels(compare(left, right, RARE))["birth_date"] == expected
    assert levels(compare(right, left, RARE))["birth_date"] == expected


def test_remembered_name_shares_are_those_of_the_counts():
    frequencies = Frequencies({"c:王伟": 3000, "y:wangwei": 3400})
    wang = record(name="王伟")
    for _twice in range(2):
        assert frequencies.name_share(wang) == 3000 / 1_000_000
        assert frequencies.spelling_share(wang) == 3400 / 1_000_000
    assert frequencies.name_share(record(name="张伟")) == 2e-6  # nobody else: the floor


def test_clusters_join_transitively_under_the_smallest_id():
    from onetrip.mpi.batch import Clusters

    clusters = Clusters()
    clusters.join(5, 3)
    clusters.join(9, 7)
    clusters.join(7, 5)
    assert {i: clusters.root(i) for i in (3, 5, 7, 9, 11)} == {3: 3, 5: 3, 7: 3, 9: 3, 11: 11}


def test_the_sex_in_the_id_number_outweighs_a_mistyped_one():
    # D302: a clerk ticked "female" on a record whose ID number (digit 17 odd) says male.
    slipped = record(1, sex="female")
    assert slipped.id_sex == "male"
    elsewhere = record(2, sex="male", documents=[("e_health_card", "EHC0001")])
    assert levels(compare(slipped, elsewhere, RARE))["sex"] == Level.EXACT
    assert levels(compare(slipped, record(3, sex="female", documents=[]), RARE))["sex"] == (
        Level.EXACT
    )
    # Without an ID number's word on it, two typed sexes that differ still differ.
    other = record(4, sex="female", documents=[("e_health_card", "EHC0002")])
    assert levels(compare(elsewhere, other, RARE))["sex"] == Level.DIFFERENT
    assert levels(compare(record(5), other, RARE))["sex"] == Level.DIFFERENT
