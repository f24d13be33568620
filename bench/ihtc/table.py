"""Print a results file of run.py as the Markdown table docs/benchmarks.md shows.

Usage: .venv/bin/python bench/ihtc/table.py bench/ihtc/results-60s.json
       .venv/bin/python bench/ihtc/table.py bench/ihtc/results-120s.json bench/ihtc/results-60s.json
(the second file's violations and gap shown beside each row, where it has the instance)
"""

import json
import statistics
import sys


def main(path: str, beside_path: str | None = None) -> None:
    report = _load(path)
    rows = report["rows"]
    beside = {}
    if beside_path:
        other = _load(beside_path)
        beside = {row["instance"]: row for row in other["rows"]}
    has_baseline = all("greedy_cost" in row for row in rows)
    header = "| instance | hard violations | cost | best known | gap |"
    rule = "| --- | ---: | ---: | ---: | ---: |"
    if has_baseline:
        header += " greedy alone (violations) | cost / greedy |"
        rule += " ---: | ---: |"
    if beside:
        header += f" {other['time_limit']:.0f} s, commit {other['commit']}: violations / gap |"
        rule += " ---: |"
    lines = [header, rule]
    for row in rows:
        line = (
            f"| {row['instance']} | {row['violations']} | {row['cost']} | {row['best_known']} "
            f"| {row['gap_percent']}% |"
        )
        if has_baseline:
            line += (
                f" {row['greedy_cost']} ({row['greedy_violations']}) | {row['ratio_to_greedy']} |"
            )
        if beside:
            earlier = beside.get(row["instance"])
            line += f" {earlier['violations']} / {earlier['gap_percent']}% |" if earlier else " — |"
        lines.append(line)
    gaps = [row["gap_percent"] for row in rows]
    feasible = [row["gap_percent"] for row in rows if not row["violations"]]
    lines.append("")
    lines.append(
        f"{len(rows)} instances, commit {report['commit']}, {report['time_limit']:.0f} s, "
        f"{report['threads']} thread(s): mean gap {statistics.mean(gaps):.1f}%, median "
        f"{statistics.median(gaps):.1f}%; instances with hard violations: "
        f"{report['instances_with_violations']}; mean gap over the feasible ones "
        f"{statistics.mean(feasible):.1f}%."
    )
    if has_baseline:
        ratios = [row["ratio_to_greedy"] for row in rows]
        lines.append(f"Median cost / same-run greedy: {statistics.median(ratios):.3f}.")
    sys.stdout.write("\n".join(lines) + "\n")


def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


if __name__ == "__main__":
    main(*sys.argv[1:3])
