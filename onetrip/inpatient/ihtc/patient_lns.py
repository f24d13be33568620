"""Large-neighbourhood search over admissions, rooms and theatres, each step a CP-SAT model.

A step frees a few dozen patients (those admitted in a window of days, those in some rooms,
or a random handful, together with still-unscheduled patients who could come in), keeps every
other decision fixed, and lets CP-SAT re-place the free ones optimally against the costs the
patient decisions fix: delay, unscheduled optional patients, open theatres, surgeon transfers
and age mix, plus the three nurses every admitted patient meets at least (continuity).
All hard constraints are model constraints, so an accepted step keeps the plan feasible.
"""

import math
import random
import time
from collections import defaultdict

from ortools.sat.python import cp_model

from .greedy import Ledger
from .instance import Instance
from .plan import Plan

MIN_NURSES_PER_PATIENT = 3  # three shifts a day, one shift a day per nurse (S3 in the spec)
# A mandatory patient left out is a hard violation; inside the search it is a cost far above
# any soft cost, so a neighbourhood that cannot yet place one stays solvable (and improves).
MANDATORY_LEFT_OUT = 10**7
STEP_SECONDS = 2.0
# No step starts this close to the deadline: building a model and scoring its answer take
# time the CP-SAT limit does not cover.
STEP_OVERHEAD_SECONDS = 0.5
MIN_FREE, MAX_FREE = 5, 200  # patients freed per step
MAKING_WAY_FREE = 40  # at least this many freed around a left-out mandatory patient


def patient_stage_cost(instance: Instance, plan: Plan) -> int:
    """The objective this search minimises, over the whole plan."""
    weights = instance.weights
    ledger = Ledger(instance, plan.copy())
    cost = 0
    for person in instance.patients:
        day = plan.admission[person]
        data = instance.people[person]
        if day is None:
            cost += MANDATORY_LEFT_OUT if data.mandatory else weights["unscheduled_optional"]
            continue
        cost += weights["patient_delay"] * (day - data.release_day)
        cost += weights["continuity_of_care"] * MIN_NURSES_PER_PATIENT
    for room_days in ledger.ages:
        for ages in room_days:
            if ages:
                cost += weights["room_mixed_age"] * (max(ages) - min(ages))
    for loads in ledger.theater_load:
        cost += weights["open_operating_theater"] * sum(1 for load in loads if load)
    for used in ledger.surgeon_theaters.values():
        cost += weights["surgeon_transfer"] * max(0, len(used) - 1)
    return cost


def improve_patients(
    instance: Instance, plan: Plan, *, deadline: float, threads: int, rng: random.Random
) -> Plan:
    best = plan
    best_cost = patient_stage_cost(instance, plan)
    chooser = _KindChooser()
    while time.monotonic() < deadline - STEP_OVERHEAD_SECONDS:
        kind = chooser.pick(instance, best, rng)
        free = _neighbourhood(instance, best, kind, int(chooser.size[kind]), rng)
        step_limit = min(STEP_SECONDS, deadline - time.monotonic() - STEP_OVERHEAD_SECONDS)
        candidate, proved = _reoptimise(
            instance, best, free, step_limit, threads, rng, feasibility_only=kind == "missing"
        )
        cost = best_cost if candidate is None else patient_stage_cost(instance, candidate)
        chooser.learn(kind, proved=proved, improved=cost < best_cost)
        if candidate is not None and cost <= best_cost:
            best, best_cost = candidate, cost
    return best


KINDS = ("days", "rooms", "surgeons", "random")
LEARNING_RATE = 0.2  # of the last step's outcome in a kind's score
MIN_SCORE = 0.05  # every kind keeps being tried now and then


class _KindChooser:
    """Which neighbourhood to try next, and how many patients each frees (decision D195).

    Kinds that improved the plan lately are chosen more often (a roulette on scores moving
    towards 1 on an improvement and 0 otherwise). Each kind's size grows while CP-SAT proves
    its steps optimal and shrinks when it cannot: the largest neighbourhoods solved to the
    end make the biggest moves, and a days window is not as hard as the same count of
    patients picked at random.
    """

    def __init__(self) -> None:
        self.score = dict.fromkeys(KINDS, 1.0)
        self.size = dict.fromkeys((*KINDS, "missing"), 20.0)

    def pick(self, instance: Instance, plan: Plan, rng: random.Random) -> str:
        if _left_out_mandatory(instance, plan) and rng.random() < 0.7:
            return "missing"
        return rng.choices(KINDS, weights=[self.score[kind] for kind in KINDS])[0]

    def learn(self, kind: str, *, proved: bool, improved: bool) -> None:
        size = self.size[kind]
        self.size[kind] = min(MAX_FREE, size * 1.1) if proved else max(MIN_FREE, size * 0.8)
        if kind in self.score:
            outcome = 1.0 if improved else 0.0
            score = (1 - LEARNING_RATE) * self.score[kind] + LEARNING_RATE * outcome
            self.score[kind] = max(MIN_SCORE, score)


def _left_out_mandatory(instance: Instance, plan: Plan) -> list[int]:
    return [
        p for p in instance.patients if plan.admission[p] is None and instance.people[p].mandatory
    ]


def _neighbourhood(
    instance: Instance, plan: Plan, kind: str, size: int, rng: random.Random
) -> list[int]:
    """The patients a step of this kind frees."""
    patients = instance.patients
    missing = _left_out_mandatory(instance, plan)
    if kind == "missing":
        chosen = _in_the_way(instance, plan, rng.choice(missing))
        size = max(size, MAKING_WAY_FREE)
    elif kind == "days":
        start = rng.randrange(instance.days)
        end = start + rng.randint(2, 5)
        chosen = [
            p for p in patients if (day := plan.admission[p]) is not None and start <= day < end
        ]
        chosen += [
            p
            for p in patients
            if plan.admission[p] is None
            and instance.people[p].release_day < end
            and instance.people[p].due_day >= start
        ]
    elif kind == "rooms":
        rooms = set(rng.sample(range(len(instance.room_ids)), k=min(3, len(instance.room_ids))))
        chosen = [p for p in patients if plan.room[p] in rooms or plan.admission[p] is None]
    elif kind == "surgeons":
        # A surgeon's patients compete for the surgeon's time and theatres: moving them
        # together closes theatres and saves transfers a day window cannot see.
        surgeons = {
            instance.people[p].surgeon for p in rng.sample(patients, k=min(2, len(patients)))
        }
        chosen = [p for p in patients if instance.people[p].surgeon in surgeons]
    else:
        chosen = list(patients)
    rng.shuffle(chosen)
    # Mandatory patients still left out join every neighbourhood until they are placed.
    return list(dict.fromkeys(missing + chosen))[: max(size, len(missing) + size // 2)]


def _in_the_way(instance: Instance, plan: Plan, person: int) -> list[int]:
    """Patients whose bed or operating day a left-out mandatory patient could need."""
    data = instance.people[person]
    first, last = data.release_day, data.due_day + data.length_of_stay
    rooms = set(data.compatible_rooms)
    in_the_way = []
    for other in instance.patients:
        day = plan.admission[other]
        if day is None:
            continue
        operated_in_window = data.release_day <= day <= data.due_day
        stay = instance.stay_days(other, day)
        shares_beds = plan.room[other] in rooms and stay.start < last and stay.stop > first
        if operated_in_window or shares_beds:
            in_the_way.append(other)
    return in_the_way


def _reoptimise(
    instance: Instance,
    plan: Plan,
    free: list[int],
    time_limit: float,
    threads: int,
    rng: random.Random,
    *,
    feasibility_only: bool = False,
) -> tuple[Plan | None, bool]:
    """Re-place `free` patients optimally with everyone else fixed.

    Returns the new plan (None if CP-SAT found nothing) and whether it is proved optimal.
    With `feasibility_only`, every freed mandatory patient must be placed and costs are
    ignored: with the costs in, one CP-SAT worker often returns only the hint, which leaves
    the mandatory patient out (measured on small05, i16, i20).
    """
    fixed_plan = plan.copy()
    ledger = Ledger(instance, fixed_plan)
    for person in free:
        ledger.remove(person)
    model = cp_model.CpModel()
    builder = _ModelBuilder(instance, ledger, model, mandatory_is_hard=feasibility_only)
    for person in free:
        builder.add_patient(person, plan)
    builder.add_shared_constraints()
    if not feasibility_only:
        model.minimize(sum(builder.objective))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.1, time_limit)
    solver.parameters.num_workers = threads
    solver.parameters.random_seed = rng.randrange(1 << 30)
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False
    _apply(builder, solver, ledger, free)
    return fixed_plan, status == cp_model.OPTIMAL


class _ModelBuilder:
    """Variables per free patient, then the constraints and costs they share."""

    def __init__(
        self,
        instance: Instance,
        ledger: Ledger,
        model: cp_model.CpModel,
        *,
        mandatory_is_hard: bool = False,
    ) -> None:
        self.instance = instance
        self.mandatory_is_hard = mandatory_is_hard
        self.ledger = ledger
        self.model = model
        self.objective: list[cp_model.LinearExprT] = []
        self.stay_vars: dict[int, dict[tuple[int, int], cp_model.IntVar]] = {}
        self.theater_vars: dict[int, dict[tuple[int, int], cp_model.IntVar]] = {}
        # Shared resources -> the (variable, amount) pairs that use them.
        self.room_day: dict[tuple[int, int], list[tuple[cp_model.IntVar, int]]] = defaultdict(list)
        self.surgeon_day: dict[tuple[int, int], list[tuple[cp_model.IntVar, int]]] = defaultdict(
            list
        )
        self.theater_day: dict[tuple[int, int], list[tuple[cp_model.IntVar, int]]] = defaultdict(
            list
        )
        self.surgeon_theater: dict[tuple[int, int, int], list[cp_model.IntVar]] = defaultdict(list)

    def add_patient(self, person: int, current: Plan) -> None:
        instance, ledger, model = self.instance, self.ledger, self.model
        data = instance.people[person]
        weights = instance.weights
        stays: dict[tuple[int, int], cp_model.IntVar] = {}
        theaters: dict[tuple[int, int], cp_model.IntVar] = {}
        admitted_on: list[cp_model.IntVar] = []
        for day in range(data.release_day, data.due_day + 1):
            if (
                ledger.surgeon_load[data.surgeon][day] + data.surgery_duration
                > (instance.surgeon_capacity[data.surgeon][day])
            ):
                continue
            day_theaters = {
                t: model.new_bool_var("")
                for t, capacity in enumerate(instance.theater_capacity)
                if ledger.theater_load[t][day] + data.surgery_duration <= capacity[day]
            }
            day_rooms = {
                r: model.new_bool_var("")
                for r in data.compatible_rooms
                if ledger.room_fits(person, day, r)
            }
            if not day_theaters or not day_rooms:
                continue
            admitted = model.new_bool_var("")
            model.add(sum(day_rooms.values()) == admitted)
            model.add(sum(day_theaters.values()) == admitted)
            admitted_on.append(admitted)
            cost = weights["patient_delay"] * (day - data.release_day)
            cost += weights["continuity_of_care"] * MIN_NURSES_PER_PATIENT
            self.objective.append(cost * admitted)
            self.surgeon_day[(data.surgeon, day)].append((admitted, data.surgery_duration))
            for theater, var in day_theaters.items():
                theaters[(day, theater)] = var
                self.theater_day[(theater, day)].append((var, data.surgery_duration))
                self.surgeon_theater[(data.surgeon, day, theater)].append(var)
            for room, var in day_rooms.items():
                stays[(day, room)] = var
                for stay_day in instance.stay_days(person, day):
                    self.room_day[(room, stay_day)].append((var, person))
        if data.mandatory and self.mandatory_is_hard:
            model.add(sum(admitted_on) == 1)
            self._keep(person, current, stays, theaters)
            return
        model.add(sum(admitted_on) <= 1)
        left_out = MANDATORY_LEFT_OUT if data.mandatory else weights["unscheduled_optional"]
        self.objective.append(left_out * (1 - sum(admitted_on)))
        self._keep(person, current, stays, theaters)

    def _keep(
        self,
        person: int,
        current: Plan,
        stays: dict[tuple[int, int], cp_model.IntVar],
        theaters: dict[tuple[int, int], cp_model.IntVar],
    ) -> None:
        self.stay_vars[person] = stays
        self.theater_vars[person] = theaters
        self._hint(person, current, stays, theaters)

    def _hint(
        self,
        person: int,
        current: Plan,
        stays: dict[tuple[int, int], cp_model.IntVar],
        theaters: dict[tuple[int, int], cp_model.IntVar],
    ) -> None:
        if self.mandatory_is_hard:
            return  # the current plan leaves a mandatory patient out: no solution to start from
        day, room, theater = (
            current.admission[person],
            current.room[person],
            current.theater[person],
        )
        for key, var in stays.items():
            self.model.add_hint(var, key == (day, room))
        for key, var in theaters.items():
            self.model.add_hint(var, key == (day, theater))

    def add_shared_constraints(self) -> None:
        self._rooms()
        self._surgeons_and_theaters()

    def _rooms(self) -> None:
        instance, ledger, model = self.instance, self.ledger, self.model
        weights = instance.weights
        age_count = len({person.age for person in instance.people})
        for (room, day), uses in self.room_day.items():
            free_beds = instance.room_capacity[room] - ledger.count[room][day]
            if len(uses) > free_beds:
                model.add(sum(var for var, _p in uses) <= free_beds)
            genders = {instance.people[p].gender for _v, p in uses}
            if len(genders) > 1:
                # One gender per room-day: the room-day's gender is a choice among them.
                chosen = {g: model.new_bool_var("") for g in genders}
                model.add_exactly_one(chosen.values())
                for var, person in uses:
                    model.add_implication(var, chosen[instance.people[person].gender])
            if weights["room_mixed_age"] and age_count > 1:
                self._age_mix(room, day, uses)

    def _age_mix(self, room: int, day: int, uses: list[tuple[cp_model.IntVar, int]]) -> None:
        instance, model = self.instance, self.model
        fixed_ages = self.ledger.ages[room][day]
        ages = {instance.people[p].age for _v, p in uses} | set(fixed_ages)
        if len(ages) < 2:
            return
        oldest = model.new_int_var(min(ages), max(ages), "")
        youngest = model.new_int_var(min(ages), max(ages), "")
        model.add(oldest >= youngest)
        if fixed_ages:
            model.add(oldest >= max(fixed_ages))
            model.add(youngest <= min(fixed_ages))
        for var, person in uses:
            age = instance.people[person].age
            model.add(oldest >= age).only_enforce_if(var)
            model.add(youngest <= age).only_enforce_if(var)
        self.objective.append(instance.weights["room_mixed_age"] * (oldest - youngest))

    def _surgeons_and_theaters(self) -> None:
        instance, ledger, model = self.instance, self.ledger, self.model
        weights = instance.weights
        for (surgeon, day), uses in self.surgeon_day.items():
            spare = instance.surgeon_capacity[surgeon][day] - ledger.surgeon_load[surgeon][day]
            model.add(sum(var * minutes for var, minutes in uses) <= spare)
        for (theater, day), uses in self.theater_day.items():
            spare = instance.theater_capacity[theater][day] - ledger.theater_load[theater][day]
            model.add(sum(var * minutes for var, minutes in uses) <= spare)
            if ledger.theater_load[theater][day] == 0:
                opened = model.new_bool_var("")
                for var, _m in uses:
                    model.add_implication(var, opened)
                self.objective.append(weights["open_operating_theater"] * opened)
        self._surgeon_transfers()

    def _surgeon_transfers(self) -> None:
        instance, ledger, model = self.instance, self.ledger, self.model
        used_by: dict[tuple[int, int], list[cp_model.LinearExprT]] = defaultdict(list)
        for (surgeon, day, theater), variables in self.surgeon_theater.items():
            if theater in ledger.surgeon_theaters.get((surgeon, day), {}):
                continue  # already used by a fixed patient: counted below as a constant
            used = model.new_bool_var("")
            for var in variables:
                model.add_implication(var, used)
            used_by[(surgeon, day)].append(used)
        if not instance.weights["surgeon_transfer"]:
            return
        for (surgeon, day), newly_used in used_by.items():
            already = len(ledger.surgeon_theaters.get((surgeon, day), {}))
            transfers = model.new_int_var(0, len(newly_used) + already, "")
            model.add(transfers >= sum(newly_used) + already - 1)
            self.objective.append(instance.weights["surgeon_transfer"] * transfers)


def patient_stage_lower_bound(instance: Instance, *, time_limit: float) -> int:
    """A proven lower bound on the total cost of any feasible solution.

    The patient-stage objective with every patient free, solved by CP-SAT, bounds the whole
    objective from below: the nurse costs it leaves out are never negative, and the three
    nurses it charges per admitted patient are the least anyone admitted can meet (each nurse
    works at most one shift a day, checked by the caller). Occupants' nurses are left out.
    """
    ledger = Ledger(instance, Plan.empty(instance))
    model = cp_model.CpModel()
    builder = _ModelBuilder(instance, ledger, model, mandatory_is_hard=True)
    for person in instance.patients:
        builder.add_patient(person, Plan.empty(instance))
    builder.add_shared_constraints()
    model.minimize(sum(builder.objective))
    solver = cp_model.CpSolver()
    # Deterministic work, not wall time: the bound must not depend on the machine's load.
    solver.parameters.max_deterministic_time = time_limit
    solver.parameters.num_workers = 1
    solver.solve(model)
    return math.ceil(solver.best_objective_bound - 1e-6)


def _apply(
    builder: "_ModelBuilder", solver: cp_model.CpSolver, ledger: Ledger, people: list[int]
) -> None:
    for person in people:
        for (day, room), var in builder.stay_vars[person].items():
            if solver.boolean_value(var):
                theater = next(
                    t
                    for (d, t), tvar in builder.theater_vars[person].items()
                    if d == day and solver.boolean_value(tvar)
                )
                ledger.add(person, day, room, theater)
