"""The clock and the cooling shared by the planner's two simulated annealings (D273).

The patients' (D255) and the nurses' (D221) searches both cool geometrically with the time
used, from a start to an end temperature, looking at the clock only every so many moves
(a clock read costs more than a move), and accept a worse move with probability
exp(-change / temperature). `Cooling` is that loop's bookkeeping; each search keeps its own
moves and its own record of the best state seen.
"""

import math
import random
import time


class Cooling:
    """Geometric cooling from `start` to `end` over the time left until `deadline`."""

    def __init__(
        self,
        start: float,
        end: float,
        *,
        deadline: float,
        check_every: int,
        rng: random.Random,
    ) -> None:
        self.start, self.end = start, end
        self.deadline = deadline
        self.check_every = check_every
        self.rng = rng
        self.started = time.monotonic()
        self.span = max(1e-3, deadline - self.started)
        self.temperature = start
        self.moves = 0

    def running(self) -> bool:
        """Count one move; False once the deadline has passed (seen at a clock check)."""
        self.moves += 1
        if self.moves % self.check_every:
            return True
        now = time.monotonic()
        if now >= self.deadline:
            return False
        progress = (now - self.started) / self.span
        self.temperature = self.start * (self.end / self.start) ** progress
        return True

    def accepts(self, change: float) -> bool:
        """Metropolis: always an improvement or a tie, a worse move with exp(-change / T)."""
        return change <= 0 or self.rng.random() < math.exp(-change / self.temperature)
