"""Simulated annealing over admissions, rooms and theatres, with move costs computed locally.

The CP-SAT steps of `patient_lns` each pay a model build and a solve for a few dozen patients;
on a loaded machine that is a handful of steps a second. This search makes tens of thousands
of small moves a second on the same objective (`patient_lns.patient_stage_cost`: delay,
unscheduled optional patients, open theatres, surgeon transfers, age mix and three nurses per
admitted patient), each move's cost change counted from the room-days, surgeon-day and
theatre-day it touches (decision D255):

- relocate: a patient (admitted or not) to a random day of its window and a random compatible
  room, in the cheapest theatre with room for the surgery that day;
- shift: the same room, the admission a day or two earlier or later;
- swap: two admitted patients exchange rooms (each keeps its day and theatre);
- kick: a patient takes a random day and room after up to two patients overlapping there
  (or the surgeon's patient of that day) are taken out, who are then re-inserted (or left
  out, if optional);
- theatre: a patient's surgery to another theatre the same day;
- drop: an optional patient is left out;
- insert: a left-out patient on the first day of its window (in order or shuffled) with a
  theatre and a room for it (D274);
- exchange: two admitted patients trade admission day and room;
- replace: an admitted optional patient makes way for a left-out one, inserted as above.

Every move keeps every hard constraint (a placement is only made where the beds, the room's
one gender, the surgeon's and the theatre's minutes allow), so the plan stays feasible; a
mandatory patient never leaves the plan. The temperature falls geometrically with the time
used (`annealing.Cooling`, D273); the best plan seen is returned.
"""

import itertools
import random

from .annealing import Cooling
from .instance import Instance
from .patient_lns import MANDATORY_LEFT_OUT, MIN_NURSES_PER_PATIENT
from .plan import Plan

CHECK_EVERY = 100  # moves between looks at the clock
# Start and end temperature, as multiples of the patient-delay weight (one day's delay).
START_TEMPERATURE, END_TEMPERATURE = 3.0, 0.05
# Relative frequencies of the moves.
MOVES = {
    "relocate": 4,
    "shift": 3,
    "swap": 1,
    "kick": 3,
    "theatre": 1,
    "drop": 0.3,
    "insert": 2,
    "exchange": 4,
    "replace": 2,
}
KICK_LIMIT = 2  # patients taken out of the way at most


class PatientState:
    """A plan with the usage counts that make a move's cost change local."""

    def __init__(self, instance: Instance, plan: Plan) -> None:
        self.instance = instance
        people = instance.people
        self.days = instance.days
        rooms, theaters = len(instance.room_ids), len(instance.theater_ids)
        genders = sorted({person.gender for person in people})
        self.gender = [genders.index(person.gender) for person in people]
        self.compatible = [frozenset(person.compatible_rooms) for person in people]
        self.of_surgeon: list[list[int]] = [[] for _ in instance.surgeon_ids]
        for person in instance.patients:
            self.of_surgeon[people[person].surgeon].append(person)
        self.age = [person.age for person in people]
        ages = max(self.age, default=0) + 1
        self.admission: list[int | None] = [None] * len(people)
        self.room: list[int | None] = [None] * len(people)
        self.theater: list[int | None] = [None] * len(people)
        self.count = [[0] * self.days for _ in range(rooms)]
        self.gender_count = [[[0] * len(genders) for _ in range(self.days)] for _ in range(rooms)]
        self.age_count = [[[0] * ages for _ in range(self.days)] for _ in range(rooms)]
        # The youngest and oldest age group in each occupied room-day, kept as people come and
        # go so an age-mix change is read, not searched for (D274).
        self.age_low = [[0] * self.days for _ in range(rooms)]
        self.age_high = [[0] * self.days for _ in range(rooms)]
        self.surgeon_load = [[0] * self.days for _ in instance.surgeon_ids]
        self.theater_load = [[0] * self.days for _ in range(theaters)]
        # [surgeon][day][theatre] -> patients operated; and how many theatres that is.
        self.surgeon_theater = [
            [[0] * theaters for _ in range(self.days)] for _ in instance.surgeon_ids
        ]
        self.surgeon_theaters_used = [[0] * self.days for _ in instance.surgeon_ids]
        self.in_room: list[set[int]] = [set() for _ in range(rooms)]
        # The patients left out, as a list with each one's index, for a draw in O(1).
        self.left_out: list[int] = list(instance.patients)
        self.left_out_at = {person: index for index, person in enumerate(self.left_out)}
        weights = instance.weights
        self.w_age = weights["room_mixed_age"]
        self.w_delay = weights["patient_delay"]
        self.w_open = weights["open_operating_theater"]
        self.w_transfer = weights["surgeon_transfer"]
        self.admitted_cost = weights["continuity_of_care"] * MIN_NURSES_PER_PATIENT
        self.left_out_cost = [
            0
            if person.is_occupant
            else (MANDATORY_LEFT_OUT if person.mandatory else weights["unscheduled_optional"])
            for person in people
        ]
        self.cost = sum(self.left_out_cost)
        for person, day in enumerate(plan.admission):
            if day is not None:
                room = plan.room[person]
                assert room is not None
                self.cost += self.add(person, day, room, plan.theater[person])

    def plan(self) -> Plan:
        plan = Plan.empty(self.instance)
        plan.admission, plan.room = list(self.admission), list(self.room)
        plan.theater = list(self.theater)
        return plan

    def _move_ages(self, room: int, stay: range, age: int, sign: int) -> int:
        """The change of the age spread summed over `stay`'s days in `room` when one person
        of age group `age` comes (sign +1) or goes (-1); updates the youngest and oldest.
        Called before the counts change."""
        counts, ages = self.count[room], self.age_count[room]
        lows, highs = self.age_low[room], self.age_high[room]
        change = 0
        for day in stay:
            low, high = lows[day], highs[day]
            if sign > 0:
                if counts[day] == 0:
                    lows[day] = highs[day] = age
                elif age < low:
                    change += low - age
                    lows[day] = age
                elif age > high:
                    change += age - high
                    highs[day] = age
            elif counts[day] > 1 and ages[day][age] == 1 and low < high:
                # The last of its age group leaves a room others stay in: if it was the
                # youngest or the oldest, the next group in from that end takes its place.
                here = ages[day]
                if age == low:
                    lows[day] = next(a for a in range(age + 1, high + 1) if here[a])
                    change -= lows[day] - low
                elif age == high:
                    highs[day] = next(a for a in range(age - 1, low - 1, -1) if here[a])
                    change -= high - highs[day]
        return change

    def _stay(self, person: int, day: int) -> range:
        return range(day, min(self.days, day + self.instance.people[person].length_of_stay))

    def room_fits(self, person: int, day: int, room: int) -> bool:
        """Beds and one gender on every day of the stay (the person not in the plan)."""
        capacity = self.instance.room_capacity[room]
        gender = self.gender[person]
        counts, gender_counts = self.count[room], self.gender_count[room]
        for stay_day in self._stay(person, day):
            count = counts[stay_day]
            if count >= capacity or gender_counts[stay_day][gender] != count:
                return False
        return True

    def best_theater(self, person: int, day: int) -> int | None:
        """The cheapest theatre with minutes for the surgery, None if the surgeon has none."""
        data = self.instance.people[person]
        minutes = data.surgery_duration
        if (
            self.surgeon_load[data.surgeon][day] + minutes
            > (self.instance.surgeon_capacity[data.surgeon][day])
        ):
            return None
        used = self.surgeon_theater[data.surgeon][day]
        any_used = self.surgeon_theaters_used[data.surgeon][day] > 0
        best, best_key = None, None
        for theater, capacity in enumerate(self.instance.theater_capacity):
            load = self.theater_load[theater][day]
            if load + minutes > capacity[day]:
                continue
            cost = 0 if load else self.w_open
            if any_used and not used[theater]:
                cost += self.w_transfer
            key = (cost, -load)
            if best_key is None or key < best_key:
                best, best_key = theater, key
        return best

    def theater_fits(self, person: int, day: int, theater: int) -> bool:
        data = self.instance.people[person]
        return (
            self.surgeon_load[data.surgeon][day] + data.surgery_duration
            <= self.instance.surgeon_capacity[data.surgeon][day]
            and self.theater_load[theater][day] + data.surgery_duration
            <= self.instance.theater_capacity[theater][day]
        )

    def add(self, person: int, day: int, room: int, theater: int | None) -> int:
        """Place a person (the caller checked it fits); returns the cost change."""
        return self._apply(person, day, room, theater, +1)

    def remove(self, person: int) -> int:
        day, room = self.admission[person], self.room[person]
        if day is None or room is None:
            return 0
        return self._apply(person, day, room, self.theater[person], -1)

    def _apply(self, person: int, day: int, room: int, theater: int | None, sign: int) -> int:
        data = self.instance.people[person]
        change = 0
        if not data.is_occupant:
            change += sign * (self.w_delay * (day - data.release_day) - self.left_out_cost[person])
        change += self._nurse_change(person, day, room, sign)
        age, gender = self.age[person], self.gender[person]
        counts, gender_counts, age_counts = (
            self.count[room],
            self.gender_count[room],
            self.age_count[room],
        )
        if self.w_age:
            change += self.w_age * self._move_ages(room, self._stay(person, day), age, sign)
        for stay_day in self._stay(person, day):
            counts[stay_day] += sign
            gender_counts[stay_day][gender] += sign
            age_counts[stay_day][age] += sign
        if theater is not None:
            surgeon, minutes = data.surgeon, data.surgery_duration
            self.surgeon_load[surgeon][day] += sign * minutes
            load = self.theater_load[theater]
            if sign > 0 and load[day] == 0:
                change += self.w_open
            load[day] += sign * minutes
            if sign < 0 and load[day] == 0:
                change -= self.w_open
            used = self.surgeon_theater[surgeon][day]
            if sign > 0 and used[theater] == 0:
                if self.surgeon_theaters_used[surgeon][day]:
                    change += self.w_transfer
                self.surgeon_theaters_used[surgeon][day] += 1
            used[theater] += sign
            if sign < 0 and used[theater] == 0:
                self.surgeon_theaters_used[surgeon][day] -= 1
                if self.surgeon_theaters_used[surgeon][day]:
                    change -= self.w_transfer
        if sign > 0:
            self.admission[person], self.room[person] = day, room
            self.theater[person] = theater
            self.in_room[room].add(person)
            self._admit(person)
        else:
            self.admission[person] = self.room[person] = self.theater[person] = None
            self.in_room[room].discard(person)
            if not data.is_occupant:
                self.left_out_at[person] = len(self.left_out)
                self.left_out.append(person)
        return change

    def _nurse_change(self, person: int, day: int, room: int, sign: int) -> int:
        """The nurse costs a placement adds (sign +1) or takes away (-1). Before the nurses
        are known: the three every admitted patient meets at least."""
        return 0 if self.instance.people[person].is_occupant else sign * self.admitted_cost

    def _admit(self, person: int) -> None:
        """Strike a person off the left-out list (the last one takes its place)."""
        index = self.left_out_at.pop(person, None)
        if index is None:
            return
        last = self.left_out.pop()
        if last != person:
            self.left_out[index] = last
            self.left_out_at[last] = index


Placement = tuple[int, int, int | None] | None


class _Move:
    """The placements a move changed, so a rejected move is undone exactly."""

    def __init__(self, state: PatientState) -> None:
        self.state = state
        self.saved: dict[int, Placement] = {}
        self.change = 0

    def take_out(self, person: int) -> None:
        state = self.state
        if person not in self.saved:
            day = state.admission[person]
            room = state.room[person]
            self.saved[person] = (
                None if day is None or room is None else (day, room, state.theater[person])
            )
        self.change += state.remove(person)

    def put(self, person: int, day: int, room: int, theater: int | None) -> None:
        self.change += self.state.add(person, day, room, theater)

    def place_anywhere_in(self, person: int, day: int, room: int) -> bool:
        """Put the (taken out) person on `day` in `room` with the cheapest theatre, if it fits."""
        state = self.state
        if not state.room_fits(person, day, room):
            return False
        theater = state.best_theater(person, day)
        if theater is None:
            return False
        self.put(person, day, room, theater)
        return True

    def place_on_day(self, person: int, day: int, rng: random.Random) -> bool:
        """Put the (taken out) person on `day` in a random room that takes it, if any."""
        state = self.state
        theater = state.best_theater(person, day)
        if theater is None:
            return False
        # The first room that fits from a random starting point: fitting every room first
        # and drawing one of them cost a full scan on every move (D274).
        rooms = state.instance.people[person].compatible_rooms
        if not rooms:
            return False
        start = rng.randrange(len(rooms))
        for index in range(start - len(rooms), start):
            room = rooms[index]
            if state.room_fits(person, day, room):
                self.put(person, day, room, theater)
                return True
        return False

    def undo(self) -> None:
        state = self.state
        for person in self.saved:
            state.remove(person)
        for person, placement in self.saved.items():
            if placement is not None:
                state.add(person, *placement)


def anneal_patients(
    instance: Instance, plan: Plan, *, deadline: float, rng: random.Random
) -> tuple[Plan, int]:
    """The best plan seen by annealing from `plan` until the deadline, and its stage cost."""
    return anneal(
        PatientState(instance, plan),
        deadline=deadline,
        rng=rng,
        temperatures=(START_TEMPERATURE, END_TEMPERATURE),
    )


def anneal(
    state: PatientState,
    *,
    deadline: float,
    rng: random.Random,
    temperatures: tuple[float, float],
) -> tuple[Plan, int]:
    """Anneal `state` until the deadline with temperatures given as multiples of one day's
    delay; the best plan seen and its cost (the state's objective)."""
    instance = state.instance
    patients = instance.patients
    if not patients:
        return state.plan(), state.cost
    people = instance.people
    optional = [p for p in patients if not people[p].mandatory]
    kinds = list(MOVES)
    cumulative = list(itertools.accumulate(MOVES[kind] for kind in kinds))
    scale = max(1, state.w_delay)
    start, end = temperatures
    cooling = Cooling(
        start * scale, end * scale, deadline=deadline, check_every=CHECK_EVERY, rng=rng
    )
    best_cost = state.cost
    best = state.plan()
    while cooling.running():
        kind = rng.choices(kinds, cum_weights=cumulative)[0]
        move = _Move(state)
        if not _propose(kind, move, state, patients, optional, rng):
            move.undo()
            continue
        change = move.change
        if cooling.accepts(change):
            state.cost += change
            if state.cost < best_cost:
                best_cost = state.cost
                best = state.plan()
        else:
            move.undo()
    return best, best_cost


def _propose(
    kind: str,
    move: _Move,
    state: PatientState,
    patients: list[int],
    optional: list[int],
    rng: random.Random,
) -> bool:
    """Make one move of `kind` on the state; False if it could not be made feasibly."""
    people = state.instance.people
    if kind == "insert":
        if not state.left_out:
            return False
        return _insert(move, state, state.left_out[rng.randrange(len(state.left_out))], rng)
    if kind == "replace":
        return _replace(move, state, optional, rng)
    if kind == "drop":
        if not optional:
            return False
        person = optional[rng.randrange(len(optional))]
        if state.admission[person] is None:
            return False
        move.take_out(person)
        return True
    person = patients[rng.randrange(len(patients))]
    data = people[person]
    if data.due_day < data.release_day or not data.compatible_rooms:
        return False
    day, room = state.admission[person], state.room[person]
    if kind == "relocate":
        move.take_out(person)
        return move.place_on_day(person, rng.randint(data.release_day, data.due_day), rng)
    if day is None or room is None:
        return kind == "kick" and _kick(move, state, person, rng)
    if kind == "shift":
        new_day = day + rng.choice((-2, -1, 1, 2))
        if not data.release_day <= new_day <= data.due_day:
            return False
        move.take_out(person)
        return move.place_anywhere_in(person, new_day, room) or move.place_on_day(
            person, new_day, rng
        )
    if kind == "theatre":
        theater = rng.randrange(len(state.instance.theater_ids))
        if theater == state.theater[person]:
            return False
        move.take_out(person)
        if not state.theater_fits(person, day, theater):
            return False
        move.put(person, day, room, theater)
        return True
    if kind == "exchange":
        return _exchange(move, state, person, patients[rng.randrange(len(patients))])
    if kind == "swap":
        compatible = state.compatible
        other = patients[rng.randrange(len(patients))]
        other_day, other_room = state.admission[other], state.room[other]
        if (
            other == person
            or other_day is None
            or other_room is None
            or other_room == room
            or other_room not in compatible[person]
            or room not in compatible[other]
        ):
            return False
        own_theater, other_theater = state.theater[person], state.theater[other]
        move.take_out(person)
        move.take_out(other)
        if not state.room_fits(person, day, other_room):
            return False
        move.put(person, day, other_room, own_theater)
        if not state.room_fits(other, other_day, room):
            return False
        move.put(other, other_day, room, other_theater)
        return True
    return _kick(move, state, person, rng)


def _kick(move: _Move, state: PatientState, person: int, rng: random.Random) -> bool:
    """Place `person` on a random day and room after taking out the patients in the way
    (up to KICK_LIMIT of them: room sharers, then the surgeon's patients that day), who are
    then placed on random days (optional ones may stay out)."""
    instance = state.instance
    data = instance.people[person]
    new_day = rng.randint(data.release_day, data.due_day)
    new_room = data.compatible_rooms[rng.randrange(len(data.compatible_rooms))]
    stay_end = new_day + data.length_of_stay
    in_the_way = [
        other
        for other in state.in_room[new_room]
        if other != person
        and not instance.people[other].is_occupant
        and (start := state.admission[other]) is not None
        and start < stay_end
        and new_day < start + instance.people[other].length_of_stay
    ]
    rng.shuffle(in_the_way)
    move.take_out(person)
    kicked: list[int] = []
    while not state.room_fits(person, new_day, new_room):
        if not in_the_way or len(kicked) == KICK_LIMIT:
            return False
        kicked.append(in_the_way.pop())
        move.take_out(kicked[-1])
    theater = state.best_theater(person, new_day)
    if theater is None:
        same_surgeon = [
            other
            for other in state.of_surgeon[data.surgeon]
            if state.admission[other] == new_day and other not in kicked
        ]
        if not same_surgeon or len(kicked) == KICK_LIMIT:
            return False
        kicked.append(same_surgeon[rng.randrange(len(same_surgeon))])
        move.take_out(kicked[-1])
        theater = state.best_theater(person, new_day)
        if theater is None:
            return False
    move.put(person, new_day, new_room, theater)
    if not kicked:
        return True
    for other in kicked:
        if not _insert(move, state, other, rng) and instance.people[other].mandatory:
            return False
    return True


def _insert(move: _Move, state: PatientState, person: int, rng: random.Random) -> bool:
    """Place a left-out patient on the first day of its window, in order or shuffled, that
    has a theatre and a room for it (a random one of the rooms)."""
    data = state.instance.people[person]
    if data.due_day < data.release_day or not data.compatible_rooms:
        return False
    days = list(range(data.release_day, data.due_day + 1))
    if rng.random() < 0.5:
        rng.shuffle(days)
    move.take_out(person)  # not in the plan: only recorded, so an undo takes it out again
    return any(move.place_on_day(person, day, rng) for day in days)


def _replace(move: _Move, state: PatientState, optional: list[int], rng: random.Random) -> bool:
    """An admitted optional patient makes way for a left-out one, inserted where it fits
    first: a long stay can give its bed-days to a shorter one and leave room for more."""
    if not optional or not state.left_out:
        return False
    leaving = optional[rng.randrange(len(optional))]
    coming = state.left_out[rng.randrange(len(state.left_out))]
    if state.admission[leaving] is None:
        return False
    move.take_out(leaving)
    return _insert(move, state, coming, rng)


def _exchange(move: _Move, state: PatientState, person: int, other: int) -> bool:
    """Two admitted patients trade admission day and room (each its cheapest theatre)."""
    day, room = state.admission[person], state.room[person]
    other_day, other_room = state.admission[other], state.room[other]
    if (
        other == person
        or day is None
        or room is None
        or other_day is None
        or other_room is None
        or (day == other_day and room == other_room)
    ):
        return False
    data, other_data = state.instance.people[person], state.instance.people[other]
    if (
        other_data.is_occupant
        or not data.release_day <= other_day <= data.due_day
        or not other_data.release_day <= day <= other_data.due_day
        or other_room not in state.compatible[person]
        or room not in state.compatible[other]
    ):
        return False
    move.take_out(person)
    move.take_out(other)
    return move.place_anywhere_in(person, other_day, other_room) and move.place_anywhere_in(
        other, day, room
    )
