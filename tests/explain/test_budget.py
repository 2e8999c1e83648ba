"""The time budget on a fake clock: it bounds every phase it covers, says which one ran out, and no
other test depends on how fast the machine is."""
from __future__ import annotations

import numpy as np
import pytest

from explain.runner import Job, run
from model.budget import Budget
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


def test_a_request_that_cannot_fit_is_told_so_at_once_with_what_would_fit():
    """The pace so far forecasts the total: past a tenth of the budget, work that would overrun it stops
    with a sentence saying how long it would take and what budget would fit, not after the whole wait."""
    clock = FakeClock()
    budget = Budget(60.0, clock)
    clock.now += 10.0
    budget.forecast(10, 1000)  # (10 s is under a quarter of the budget: too early to say)
    clock.now += 5.0
    with pytest.raises(BudgetExceeded, match=r"about 1,500 s \(10 of 1,000 model evaluations in 15 s\), more than its "
                                             r"60-second time budget; lower the method's budget .* to about 32 of 1,000"):
        budget.forecast(10, 1000)
    budget.forecast(200, 1000)  # 75 s forecast: within the margin (early evaluations may cost more): nothing said
    calls = []

    def forward(batch):  # each model call: 3 fake seconds
        calls.append(len(batch))
        clock.now += 3.0
        return np.zeros((len(batch), 1))

    def steps():
        for round_ in range(100):
            yield [(round_,)]
        return "done"

    clock.now = 0.0
    with pytest.raises(BudgetExceeded, match="At this pace this would take about 300 s"):
        run([Job(steps(), np.array([0]))], forward, seconds=Budget(60.0, clock), planned=100)
    assert len(calls) == 5  # stopped after 15 s, not after the whole 60
