"""The cooling shared by the two annealings (D273): the clock is read every `check_every`
moves, the temperature falls geometrically from start to end, the deadline stops the loop."""

import random
from types import SimpleNamespace

from onetrip.inpatient.ihtc import annealing
from onetrip.inpatient.ihtc.annealing import Cooling


def test_the_temperature_falls_geometrically_and_the_deadline_stops_the_loop(
    monkeypatch,
) -> None:
    now = [0.0]
    monkeypatch.setattr(annealing, "time", SimpleNamespace(monotonic=lambda: now[0]))
    cooling = Cooling(8.0, 0.5, deadline=10.0, check_every=3, rng=random.Random(0))

    seen = []
    while cooling.running():
        seen.append(cooling.temperature)
        now[0] += 1.0  # one second a move: the clock is read on every third move only

    assert seen[:3] == [8.0, 8.0, 8.0 * (0.5 / 8.0) ** 0.2]  # read at t = 2 (moves 0, 1, 2)
    assert seen == sorted(seen, reverse=True)
    assert 0.5 < seen[-1] < 8.0
    assert cooling.moves % 3 == 0
    assert now[0] >= 10.0


def test_improvements_always_pass_and_worse_moves_pass_less_often_when_cold() -> None:
    cooling = Cooling(10.0, 1.0, deadline=0.0, check_every=1, rng=random.Random(0))
    assert cooling.accepts(0)
    assert cooling.accepts(-5)
    cooling.temperature = 10.0
    warm = sum(cooling.accepts(10) for _ in range(2000))
    cooling.temperature = 1.0
    cold = sum(cooling.accepts(10) for _ in range(2000))
    assert 600 < warm < 900  # exp(-1) = 0.37 of 2000
    assert cold < 5  # exp(-10) = 0.00005
