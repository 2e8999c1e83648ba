"""A time budget one request spends across every phase of its work: reading the text (tokens,
windows), the method's model evaluations, the scorecard. Each phase checks it before work that can
take long, and while a budget is ``active`` the model checks it between its own batches too, so the
wait is bounded by the budget plus one model batch, however many windows an evaluation reads.

``seconds`` None means no budget. ``clock`` is injectable: the budget's own tests run on a fake
clock, and nothing else in the test suite can run out of time on a slow machine.
"""
from __future__ import annotations

import contextvars
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .errors import BudgetExceeded

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

    FORECAST_AFTER = 0.25  # of the budget: a pace measured over less says too little
    FORECAST_MARGIN = 1.5  # early evaluations can cost more than later ones (windows not yet seen): refuse only
    # work whose forecast is well past the budget

    def forecast(self, done: int, planned: int) -> None:
        """One sentence as soon as the pace so far says the work cannot finish within the budget: after a
        quarter of the budget, ``done`` of ``planned`` model evaluations taking ``spent`` seconds forecast the
        total; work forecast well past the budget is told so then, with what would fit, not after the whole wait."""
        spent = self.spent()
        if not self.seconds or done <= 0 or planned <= done or spent < self.FORECAST_AFTER * self.seconds:
            return
        total = spent / done * planned
        if total > self.FORECAST_MARGIN * self.seconds:
            fits = max(1, int(planned * 0.8 * self.seconds / total))
            raise BudgetExceeded(f"At this pace this would take about {total:,.0f} s ({done:,} of {planned:,} model "
                                 f"evaluations in {spent:,.0f} s), more than its {self.seconds:g}-second time budget; "
                                 f"lower the method's budget (evaluations, samples or steps) to about {fits:,} of "
                                 f"{planned:,}, shorten the text, or use the CLI.")

    def check(self, doing: str = "") -> None:
        """One sentence when the budget is spent: what was being done, and what to lower."""
        if self.seconds and self.spent() > self.seconds:
            during = f" while {doing}" if doing else ""
            raise BudgetExceeded(f"The explanation ran out of its {self.seconds:g}-second time budget{during}; lower "
                                 "the method's budget (evaluations, samples or steps), or shorten the text.")


_ACTIVE: contextvars.ContextVar[Budget | None] = contextvars.ContextVar("budget", default=None)


@contextmanager
def active(budget: Budget) -> Iterator[Budget]:
    """The model's batch loops check ``budget`` while inside (the one request that runs in this context)."""
    token = _ACTIVE.set(budget)
    try:
        yield budget
    finally:
        _ACTIVE.reset(token)


def check_active(doing: str = "running the model") -> None:
    """Between two model batches: the active budget's check (nothing when none is active)."""
    budget = _ACTIVE.get()
    if budget is not None:
        budget.check(doing)
