"""Splink 5 on the benchmark's records, importable without Django so that it runs from another
interpreter (Splink is not in the project's venv): `run.py` and `e2e.py` hand it the rows as a
JSON file and read the scored pairs back.

    /work/splinkvenv/bin/python bench/empi/splink_model.py rows.json pairs.json 0.5
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


if __name__ == "__main__":
    source, target, threshold = sys.argv[1], sys.argv[2], float(sys.argv[3])
    with open(source, encoding="utf-8") as given:
        found, speed = scored_pairs(json.load(given), threshold)
    with open(target, "w", encoding="utf-8") as written:
        json.dump({"pairs": found, "speed": speed}, written)
