"""A time budget one request spends across every phase of its work: reading the text (tokens,
windows), the method's model evaluations, the scorecard. Each phase checks it before it starts work
that can take long, so the wait is bounded by the budget plus at most one model batch.

``seconds`` None means no budget. ``clock`` is injectable: the budget's own tests run on a fake
clock, and nothing else in the test suite can run out of time on a slow machine.
"""
from __future__ import annotations

import time
from collections.abc import Callable

from model.errors import BudgetExceeded

DEFAULT = "default"  # a call's ``seconds`` left at its default: ``DEFAULT_SECONDS``, read when the call runs
DEFAULT_SECONDS: float | None = 120.0


class Budget:
    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.perf_counter):
        self.seconds = seconds
        self.clock = clock
        self.started = clock()

    @classmethod
    def of(cls, value: Budget | float | str | None) -> Budget:
        """A budget from seconds (``DEFAULT``: ``DEFAULT_SECONDS``), or a budget already running (a later phase
        of the same request spends what is left of it)."""
        if isinstance(value, Budget):
            return value
        return cls(DEFAULT_SECONDS if isinstance(value, str) and value == DEFAULT else value)

    def spent(self) -> float:
        return self.clock() - self.started

    def left(self) -> float | None:
        """Seconds left (None: no budget)."""
        return None if not self.seconds else max(0.0, self.seconds - self.spent())

    def check(self, doing: str = "") -> None:
        """One sentence when the budget is spent: what was being done, and what to lower."""
        if self.seconds and self.spent() > self.seconds:
            during = f" while {doing}" if doing else ""
            raise BudgetExceeded(f"The explanation ran out of its {self.seconds:g}-second time budget{during}; lower "
                                 "the method's budget (evaluations, samples or steps), or shorten the text.")
