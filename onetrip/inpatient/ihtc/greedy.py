"""Constructive heuristics: patients one by one into the cheapest feasible slot, then nurses.

They give CP-SAT a feasible starting point (its hint) and are the planner's fallback when the
solver finds nothing better in the time left. Every placement they make respects the hard
constraints; a mandatory patient that fits nowhere is left out (and counted as a violation).
"""

import random
import time
from collections import defaultdict

from .instance import SHIFTS_PER_DAY, Instance
from .plan import Plan

RANDOM_ORDERS = 8  # shuffled mandatory orders tried after the fixed ones, time allowing


class Ledger:
    """Room, surgeon and theatre usage of a partial plan, so placements are checked in O(stay)."""

    def __init__(self, instance: Instance, plan: Plan) -> None:
        self.instance = instance
        self.plan = plan
        days = instance.days
        rooms = len(instance.room_ids)
        self.count = [[0] * days for _ in range(rooms)]
        self.genders: list[list[dict[str, int]]] = [
            [defaultdict(int) for _ in range(days)] for _ in range(rooms)
        ]
        self.ages: list[list[dict[int, int]]] = [
            [defaultdict(int) for _ in range(days)] for _ in range(rooms)
        ]
        self.surgeon_load = [[0] * days for _ in instance.surgeon_ids]
        self.theater_load = [[0] * days for _ in instance.theater_ids]
        self.surgeon_theaters: dict[tuple[int, int], dict[int, int]] = defaultdict(
            lambda: defaultdict(int)
        )
        for person, day in enumerate(plan.admission):
            if day is not None:
                self.add(person, day, plan.room[person], plan.theater[person])

    def add(self, person: int, day: int, room: int | None, theater: int | None) -> None:
        self._apply(person, day, room, theater, +1)
        self.plan.admission[person], self.plan.room[person] = day, room
        self.plan.theater[person] = theater

    def remove(self, person: int) -> None:
        day = self.plan.admission[person]
        if day is None:
            return
        self._apply(person, day, self.plan.room[person], self.plan.theater[person], -1)
        self.plan.admission[person] = self.plan.room[person] = self.plan.theater[person] = None

    def _apply(
        self, person: int, day: int, room: int | None, theater: int | None, sign: int
    ) -> None:
        data = self.instance.people[person]
        assert room is not None
        for stay_day in self.instance.stay_days(person, day):
            self.count[room][stay_day] += sign
            _bump(self.genders[room][stay_day], data.gender, sign)
            _bump(self.ages[room][stay_day], data.age, sign)
        if theater is not None:
            self.surgeon_load[data.surgeon][day] += sign * data.surgery_duration
            self.theater_load[theater][day] += sign * data.surgery_duration
            _bump(self.surgeon_theaters[(data.surgeon, day)], theater, sign)

    def room_fits(self, person: int, day: int, room: int) -> bool:
        data = self.instance.people[person]
        capacity = self.instance.room_capacity[room]
        for stay_day in self.instance.stay_days(person, day):
            if self.count[room][stay_day] >= capacity:
                return False
            genders = self.genders[room][stay_day]
            if genders and data.gender not in genders:
                return False
        return True

    def age_mix_increase(self, person: int, day: int, room: int) -> int:
        age = self.instance.people[person].age
        increase = 0
        for stay_day in self.instance.stay_days(person, day):
            ages = self.ages[room][stay_day]
            if ages:
                low, high = min(ages), max(ages)
                increase += max(high, age) - min(low, age) - (high - low)
        return increase

    def best_theater(self, person: int, day: int) -> tuple[int, int] | None:
        """The cheapest theatre with room for the surgery, and its added open/transfer cost."""
        data = self.instance.people[person]
        if (
            self.surgeon_load[data.surgeon][day] + data.surgery_duration
            > (self.instance.surgeon_capacity[data.surgeon][day])
        ):
            return None
        weights = self.instance.weights
        used_by_surgeon = self.surgeon_theaters.get((data.surgeon, day), {})
        best: tuple[int, int, int] | None = None
        for theater, capacity in enumerate(self.instance.theater_capacity):
            load = self.theater_load[theater][day]
            if load + data.surgery_duration > capacity[day]:
                continue
            cost = 0 if load else weights["open_operating_theater"]
            if used_by_surgeon and theater not in used_by_surgeon:
                cost += weights["surgeon_transfer"]
            # Among equal costs prefer the fuller theatre: it keeps others free to stay closed.
            key = (cost, -load, theater)
            if best is None or key < best:
                best = key
        return None if best is None else (best[2], best[0])


def _bump(counter: dict, key: object, sign: int) -> None:
    counter[key] += sign
    if counter[key] == 0:
        del counter[key]


def insertion_orders(
    instance: Instance, patients: list[int], rng: random.Random
) -> list[list[int]]:
    """Orders worth trying: mandatory patients always first, then different tie-breaks.

    No single order places every mandatory patient on every instance (long stays and tight
    windows compete), so the constructor tries these and, time allowing, shuffles.
    """
    people = instance.people
    mandatory = [p for p in patients if people[p].mandatory]
    optional = sorted(
        (p for p in patients if not people[p].mandatory), key=lambda p: people[p].release_day
    )
    keys = [
        lambda p: (people[p].due_day - people[p].release_day, -people[p].length_of_stay),
        lambda p: (-people[p].length_of_stay, people[p].due_day),
        lambda p: (people[p].due_day, -people[p].length_of_stay),
        lambda p: (-people[p].surgery_duration, people[p].due_day),
    ]
    orders = [sorted(mandatory, key=key) + optional for key in keys]
    for _ in range(RANDOM_ORDERS):
        shuffled = list(mandatory)
        rng.shuffle(shuffled)
        orders.append(shuffled + optional)
    return orders


def insert_patient(ledger: Ledger, person: int) -> bool:
    """Put one patient in the cheapest feasible (day, room, theatre); False if none exists."""
    instance = ledger.instance
    data = instance.people[person]
    weights = instance.weights
    best: tuple[int, int, int, int] | None = None
    for day in range(data.release_day, data.due_day + 1):
        theater_choice = ledger.best_theater(person, day)
        if theater_choice is None:
            continue
        theater, theater_cost = theater_choice
        base = weights["patient_delay"] * (day - data.release_day) + theater_cost
        for room in data.compatible_rooms:
            if not ledger.room_fits(person, day, room):
                continue
            cost = base + weights["room_mixed_age"] * ledger.age_mix_increase(person, day, room)
            # Fuller rooms first: fewer occupied rooms means fewer nurses per patient.
            key = (cost, -ledger.count[room][day], day, room)
            if best is None or key < best:
                best = (cost, day, room, theater)
    if best is None:
        return False
    cost, day, room, theater = best
    if not data.mandatory and cost >= weights["unscheduled_optional"]:
        return False
    ledger.add(person, day, room, theater)
    return True


def insert_by_ejecting(ledger: Ledger, person: int) -> Ledger:
    """Place a mandatory patient who fits nowhere by taking other patients out of the way.

    For every (day, room) the patient could use, the patients in the way are those in that
    room during the stay and those operated that day (the surgeon's own first); the option
    ejecting the fewest wins, and the ejected go back in greedily where they still fit.
    Optional patients are tried first; mandatory ones may be moved too, on a copy that is
    kept only if fewer mandatory patients end up left out.
    """
    for movable_mandatory in (False, True):
        trial = Ledger(ledger.instance, ledger.plan.copy())
        ejected = _cheapest_ejection(trial, person, movable_mandatory=movable_mandatory)
        if ejected is None:
            continue
        for other in ejected:
            trial.remove(other)
        insert_patient(trial, person)
        for other in ejected:
            insert_patient(trial, other)
        if len(_left_out(trial.instance, trial.plan)) < len(
            _left_out(ledger.instance, ledger.plan)
        ):
            return trial
    return ledger


def _cheapest_ejection(ledger: Ledger, person: int, *, movable_mandatory: bool) -> list[int] | None:
    instance, plan = ledger.instance, ledger.plan
    data = instance.people[person]

    def movable(other: int) -> bool:
        return other != person and (movable_mandatory or not instance.people[other].mandatory)

    best: list[int] | None = None
    for day in range(data.release_day, data.due_day + 1):
        same_day = [p for p in instance.patients if plan.admission[p] == day and movable(p)]
        # The surgeon's own patients first: ejecting them frees surgeon time and a theatre.
        same_day.sort(key=lambda p: instance.people[p].surgeon != data.surgeon)
        stay = set(instance.stay_days(person, day))
        for room in data.compatible_rooms:
            in_room = [
                p
                for p in instance.patients
                if plan.room[p] == room
                and movable(p)
                and (start := plan.admission[p]) is not None
                and stay & set(instance.stay_days(p, start))
            ]
            ejected = _fewest_to_eject(ledger, person, day, room, in_room, same_day)
            if ejected is not None and (best is None or len(ejected) < len(best)):
                best = ejected
    return best


def _fewest_to_eject(
    ledger: Ledger, person: int, day: int, room: int, in_room: list[int], same_day: list[int]
) -> list[int] | None:
    """Eject room sharers first, then same-day patients one by one, until the patient fits."""
    removed: list[int] = []
    plan = ledger.plan
    saved = {p: (plan.admission[p], plan.room[p], plan.theater[p]) for p in in_room + same_day}
    try:
        for other in [*in_room, *same_day]:
            if ledger.room_fits(person, day, room) and ledger.best_theater(person, day):
                return list(removed)
            if plan.admission[other] is not None:
                ledger.remove(other)
                removed.append(other)
        fits = ledger.room_fits(person, day, room) and ledger.best_theater(person, day)
        return list(removed) if fits else None
    finally:
        for other in removed:
            ledger.add(other, *saved[other])  # type: ignore[arg-type]


def construct_patients(instance: Instance, *, deadline: float, seed: int = 0) -> Plan:
    """The best plan over several insertion orders: fewest mandatory left out, then cheapest."""
    best: tuple[tuple[int, int], Plan] | None = None
    for order in insertion_orders(instance, instance.patients, random.Random(seed)):
        plan = Plan.empty(instance)
        ledger = Ledger(instance, plan)
        for person in order:
            if not insert_patient(ledger, person) and instance.people[person].mandatory:
                ledger = insert_by_ejecting(ledger, person)
                plan = ledger.plan
        rank = (len(_left_out(instance, plan)), _placement_cost(instance, ledger))
        if best is None or rank < best[0]:
            best = (rank, plan)
        if time.monotonic() > deadline:
            break
    assert best is not None
    return best[1]


def _placement_cost(instance: Instance, ledger: Ledger) -> int:
    """Delay, unscheduled, theatre and age-mix costs of a plan (what the insertion weighs)."""
    weights = instance.weights
    plan = ledger.plan
    cost = 0
    for person in instance.patients:
        day = plan.admission[person]
        if day is None:
            cost += 0 if instance.people[person].mandatory else weights["unscheduled_optional"]
        else:
            cost += weights["patient_delay"] * (day - instance.people[person].release_day)
    cost += weights["open_operating_theater"] * sum(
        1 for loads in ledger.theater_load for load in loads if load
    )
    cost += weights["room_mixed_age"] * sum(
        max(ages) - min(ages) for room_days in ledger.ages for ages in room_days if ages
    )
    return cost


def assign_nurses(instance: Instance, plan: Plan) -> None:
    """Shift by shift, give each occupied room the nurse adding the least weighted cost."""
    occupants = room_shift_people(instance, plan)
    seen: dict[int, set[int]] = defaultdict(set)  # person -> nurses met so far
    plan.nurse = {}
    for shift in range(instance.shifts):
        nurses = instance.nurses_on_shift[shift]
        if not nurses:
            continue
        load = dict.fromkeys(nurses, 0)
        rooms = [(room, people) for (s, room), people in occupants.items() if s == shift]
        # Heaviest rooms choose first, while every nurse still has slack.
        rooms.sort(key=lambda item: -sum(work for _p, work, _skill in item[1]))
        for room, people in rooms:
            room_load = sum(work for _p, work, _skill in people)
            chosen = min(
                nurses,
                key=lambda nurse: (
                    _nurse_added_cost(instance, shift, nurse, people, seen, load[nurse]),
                    nurse,
                ),
            )
            plan.nurse[(shift, room)] = chosen
            load[chosen] += room_load
            for person, _w, _s in people:
                seen[person].add(chosen)


def _nurse_added_cost(
    instance: Instance,
    shift: int,
    nurse: int,
    people: list[tuple[int, int, int]],
    seen: dict[int, set[int]],
    load_so_far: int,
) -> int:
    weights = instance.weights
    skill = instance.nurse_skill[nurse]
    shortfall = sum(max(0, need - skill) for _p, _w, need in people)
    new_faces = sum(1 for person, _w, _s in people if nurse not in seen[person])
    limit = instance.nurse_max_load[nurse][shift]
    room_load = sum(work for _p, work, _s in people)
    excess = max(0, load_so_far + room_load - limit) - max(0, load_so_far - limit)
    return (
        weights["room_nurse_skill"] * shortfall
        + weights["continuity_of_care"] * new_faces
        + weights["nurse_eccessive_workload"] * excess
    )


def room_shift_people(
    instance: Instance, plan: Plan
) -> dict[tuple[int, int], list[tuple[int, int, int]]]:
    """(shift, room) -> [(person, workload, skill needed)] for every occupied room-shift."""
    result: dict[tuple[int, int], list[tuple[int, int, int]]] = defaultdict(list)
    for person, day in enumerate(plan.admission):
        room = plan.room[person]
        if day is None or room is None:
            continue
        data = instance.people[person]
        for stay_day in instance.stay_days(person, day):
            for shift_type in range(SHIFTS_PER_DAY):
                offset = SHIFTS_PER_DAY * (stay_day - day) + shift_type
                result[(SHIFTS_PER_DAY * stay_day + shift_type, room)].append(
                    (person, data.workload[offset], data.skill_required[offset])
                )
    return result


def repair_mandatory(
    instance: Instance, plan: Plan, *, deadline: float, rng: random.Random
) -> Plan:
    """Ruin and recreate until every mandatory patient is admitted (decision D195).

    Each step picks a left-out mandatory patient and a day in its window, takes out whoever
    shares a few of its compatible rooms during that stay or its surgeon's day, and puts
    everyone back greedily, the left-out patient first, mandatory before optional, the rest
    in random order. A step is kept when no more mandatory patients are left out, so the
    search also walks across plateaus. Thousands of steps a second: it placed the last
    mandatory patients of i16 in about 4 s and of i28 in under 1 s, where one CP-SAT worker
    on the whole model found no feasible plan in 30 s (its probing alone took seconds).
    Returns the best plan found (fewest mandatory left out) when the deadline comes first.
    """
    best = plan
    best_missing = _left_out(instance, plan)
    while best_missing and time.monotonic() < deadline:
        ledger = Ledger(instance, best.copy())
        target = rng.choice(best_missing)
        ruined = _ruin_around(ledger, target, rng)
        others = [p for p in best_missing if p != target] + ruined
        rng.shuffle(others)
        others.sort(key=lambda p: not instance.people[p].mandatory)
        for person in [target, *others]:
            if ledger.plan.admission[person] is None:
                insert_patient(ledger, person)
        missing = _left_out(instance, ledger.plan)
        if len(missing) <= len(best_missing):
            best, best_missing = ledger.plan, missing
    return best


def _left_out(instance: Instance, plan: Plan) -> list[int]:
    return [
        p for p in instance.patients if plan.admission[p] is None and instance.people[p].mandatory
    ]


def _ruin_around(ledger: Ledger, person: int, rng: random.Random) -> list[int]:
    """Take out the patients a left-out patient would need gone on a random day and rooms."""
    instance, plan = ledger.instance, ledger.plan
    data = instance.people[person]
    day = rng.randint(data.release_day, data.due_day)
    rooms = set(
        rng.sample(data.compatible_rooms, k=min(len(data.compatible_rooms), rng.randint(1, 4)))
    )
    stay = instance.stay_days(person, day)
    ruined = []
    for other in instance.patients:
        start = plan.admission[other]
        if start is None:
            continue
        other_stay = instance.stay_days(other, start)
        in_rooms = (
            plan.room[other] in rooms
            and other_stay.start < stay.stop
            and stay.start < other_stay.stop
        )
        same_surgeon_day = start == day and instance.people[other].surgeon == data.surgeon
        if in_rooms or same_surgeon_day:
            ruined.append(other)
    for other in ruined:
        ledger.remove(other)
    return ruined
