"""The centre's weekly plan for a generated 300-bed hospital, timed (issue 25 target: < 60 s).

Usage (from the repository root):
    .venv/bin/python bench/ihtc/week.py [--beds 300] [--seconds 30] [--repeats 3]

Builds the week the way `onetrip.inpatient.planning` does (`ihtc.week.week_instance`) from a
generated bed pool: wards of 2-, 3- and 4-bed rooms with sex and age rules and isolation
rooms, 85% of the beds held now, and the notices waiting for a bed (three for every ten
beds: a fifth urgent, a twentieth emergencies, seven in ten with surgery by 20 surgeons).
It times building the instance, the planner (`solve_instance` with the given limit, one
thread) and reading the plan back, and prints each run and the median. The database part
(reading beds and notices, a few queries) is not in it.
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from onetrip.inpatient.ihtc.evaluator import evaluate  # noqa: E402
from onetrip.inpatient.ihtc.solver import solve_instance  # noqa: E402
from onetrip.inpatient.ihtc.week import WeekPatient, WeekRoom, planned_stays, week_instance  # noqa: E402

DAYS = 7
HELD_SHARE = 0.85
NOTICES_PER_BED = 0.3
URGENCY = (("emergency", 0.05), ("urgent", 0.2), ("elective", 0.75))
SURGEONS = 20


def generated_hospital(beds: int, rng: random.Random) -> tuple[list[WeekRoom], list[WeekPatient]]:
    rooms: list[WeekRoom] = []
    # (sex rule, ages) per ward kind: mixed adult wards, men's and women's, children's.
    kinds = [("any", (15, 90))] * 6 + [("male", (15, 90)), ("female", (15, 90)), ("any", (0, 14))]
    ward_of: dict[int, tuple[str, tuple[int, int], bool]] = {}
    room_id = 0
    while sum(room.beds for room in rooms) < beds:
        sex_rule, ages = rng.choice(kinds)
        for number in range(10):
            room_id += 1
            size = min(rng.choice((2, 3, 4)), beds - sum(room.beds for room in rooms))
            if size <= 0:
                break
            isolation = number == 9
            held_sex = sex_rule if sex_rule != "any" else rng.choice(("male", "female"))
            holders = tuple(
                (held_sex, rng.randint(*ages)) for _ in range(size) if rng.random() < HELD_SHARE
            )
            rooms.append(WeekRoom(room_id, size, holders))
            ward_of[room_id] = (sex_rule, ages, isolation)
    patients = []
    for notice in range(int(beds * NOTICES_PER_BED)):
        sex = rng.choice(("male", "female"))
        age = rng.randint(0, 90) if rng.random() < 0.1 else rng.randint(18, 90)
        isolation = rng.random() < 0.03
        allowed = tuple(
            room.id
            for room in rooms
            if ward_of[room.id][0] in ("any", sex)
            and ward_of[room.id][1][0] <= age <= ward_of[room.id][1][1]
            and ward_of[room.id][2] == isolation
        )
        urgency = rng.choices([u for u, _ in URGENCY], weights=[w for _, w in URGENCY])[0]
        surgery = rng.random() < 0.7
        patients.append(
            WeekPatient(
                id=notice + 1,
                sex=sex,
                age=age,
                urgency=urgency,
                surgeon=f"s{rng.randrange(SURGEONS)}" if surgery else "",
                surgery=surgery,
                day_surgery=False,
                rooms=allowed,
            )
        )
    return rooms, patients


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--beds", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=30.0, help="the planner's time limit")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    walls = []
    for repeat in range(args.repeats):
        rooms, patients = generated_hospital(args.beds, random.Random(repeat))
        started = time.monotonic()
        instance = week_instance(rooms, patients, days=DAYS)
        solution = solve_instance(instance, time_limit=args.seconds, threads=1, seed=repeat)
        stays = planned_stays(solution)
        wall = time.monotonic() - started
        walls.append(wall)
        evaluation = evaluate(instance, solution)
        mandatory = sum(1 for p in patients if p.urgency != "elective")
        sys.stdout.write(
            f"run {repeat + 1}: {sum(r.beds for r in rooms)} beds in {len(rooms)} rooms, "
            f"{sum(len(r.holders) for r in rooms)} held, {len(patients)} notices "
            f"({mandatory} urgent or emergency): {len(stays)} planned, "
            f"violations {evaluation.total_violations}, cost {evaluation.total_cost}, "
            f"{wall:.1f} s\n"
        )
        sys.stdout.flush()
    sys.stdout.write(f"median {statistics.median(walls):.1f} s over {len(walls)} runs\n")


if __name__ == "__main__":
    main()
