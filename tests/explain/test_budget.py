"""The time budget on a fake clock: it bounds every phase it covers, says which one ran out, and no
other test depends on how fast the machine is."""
from __future__ import annotations

import numpy as np
import pytest

from explain.budget import Budget
from explain.runner import Job, run
from model.errors import BudgetExceeded


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_budget_counts_from_its_start_and_names_the_phase():
    clock = FakeClock()
    budget = Budget(10.0, clock)
    clock.now += 9.5
    budget.check("reading the text")  # within
    assert budget.left() == pytest.approx(0.5)
    clock.now += 1.0
    with pytest.raises(BudgetExceeded, match=r"10-second time budget while reading the text; lower the method's budget"):
        budget.check("reading the text")
    assert Budget(None, clock).left() is None and Budget.of(budget) is budget
    Budget(None, clock).check()  # no budget: never runs out


def test_the_runner_stops_before_the_model_call_that_would_start_past_the_budget():
    clock = FakeClock()
    calls = []

    def forward(batch):  # every model call takes 4 fake seconds
        calls.append(len(batch))
        clock.now += 4.0
        return np.zeros((len(batch), 1))

    def steps():
        for round_ in range(5):
            yield [(round_, i) for i in range(3)]
        return "done"

    with pytest.raises(BudgetExceeded, match="while evaluating the model"):
        run([Job(steps(), np.array([0]))], forward, seconds=Budget(10.0, clock))
    assert calls == [3, 3, 3]  # started at 0, 4 and 8 s; the fourth would start at 12 s
    clock.now = 0.0
    results = run([Job(steps(), np.array([0]))], forward, seconds=Budget(None, clock))
    assert results == ["done"]
