"""Run explanations: feed explainers' perturbed inputs to the model, each distinct input once.

An explainer's ``explain`` is a generator: it ``yield``s a batch of token-id tuples and receives
their outputs (the explained columns, float64), and finally returns a ``MethodResult``. Because
explainers never call the model themselves, ``run`` can drive many explanations in lockstep and
merge their pending batches into one model call (length-sorted into the model's own batches):
that is how ``explain_many`` reaches the forward floor on many short explanations, whose rounds
alone would be small. Per explanation a memo table answers repeated inputs without the model;
inputs shared by several explanations (e.g. the fully masked text of equal-length sentences)
reach the model once. A time budget is checked before every model call.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field

import numpy as np

from model.budget import Budget
from model.errors import InputError

from .base import Computed, MethodResult

Key = tuple[int, ...]
MAX_PENDING_ROWS = 16_384  # no new explanation joins while this many inputs wait (bounds memory)


@dataclass
class Job:
    """One explanation in flight."""

    steps: Generator | MethodResult  # the explainer's generator (or its result, if it needs no model)
    columns: np.ndarray  # which columns of the shared forward output this explanation explains
    memo: dict[Key, np.ndarray] = field(default_factory=dict)
    evaluations: int = 0  # distinct inputs this explanation needed evaluated (beyond its seed)
    pending: list[Key] | None = None
    result: MethodResult | None = None
    report: Callable[[], None] | None = None  # tells the runner's progress about work done in the method

    def seed(self, ids, output: np.ndarray) -> None:
        """An output already known (the unperturbed text), so it is never run again."""
        self.memo[tuple(int(i) for i in ids)] = np.asarray(output, dtype=np.float64)

    def send(self, outputs: np.ndarray | None) -> None:
        """Advance the explainer with the outputs of its last batch (None to start it)."""
        try:
            batch = self.steps.send(outputs)
            while isinstance(batch, Computed):  # gradient methods run their own passes: count them
                self.evaluations += batch.rows
                if self.report is not None:
                    self.report()
                batch = self.steps.send(None)
        except StopIteration as stop:
            self.result, self.pending = stop.value, None
            return
        self.pending = [tuple(int(i) for i in row) for row in batch]

    def answer(self) -> np.ndarray:
        return np.stack([self.memo[k] for k in self.pending]) if self.pending else np.zeros((0, len(self.columns)))


def run(jobs: Sequence[Job], forward: Callable[[list[list[int]]], np.ndarray] | None, *,
        seconds: float | Budget | None = None, progress: Callable[[int], None] | None = None, window: int = 16,
        chunk_rows: int = 256, planned: int | None = None) -> list[MethodResult]:
    """Drive every job to its result; at most ``window`` explanations are in flight at once (fewer
    while their waiting inputs exceed ``MAX_PENDING_ROWS``).

    ``forward(ids) -> (n, k)`` is the model's full output, shared by all jobs; each job keeps its
    ``columns`` (None: a request with no target, whose methods must not ask for model outputs).
    Each model call takes at most ``chunk_rows`` inputs: ``progress(evaluations)`` after each,
    ``BudgetExceeded`` before one once the budget (``seconds``, or a ``Budget`` already running) is spent,
    or as soon as the pace says ``planned`` evaluations cannot finish within it.
    """
    budget = Budget.of(seconds)

    def report() -> None:
        done = sum(job.evaluations for job in jobs)
        if progress is not None:
            progress(done)
        if planned:
            budget.forecast(done, planned)

    def after_own_passes() -> None:
        report()
        budget.check("computing gradients")

    for job in jobs:
        job.report = after_own_passes
    flight = _Flight(list(jobs)[::-1], window)
    while flight.waiting or flight.active:
        flight.admit()
        flight.answer_known()
        if not flight.active or flight.room():
            continue  # start more explanations first, so their inputs join the next model call
        if forward is None:
            raise InputError("This method needs something to explain: give labels (zero-shot) or pair (embedding).")
        _evaluate(flight.wanted(), forward, chunk_rows, budget, report)
    return [job.result for job in jobs]


class _Flight:
    """The explanations waiting to start and those in flight."""

    def __init__(self, waiting: list[Job], window: int):
        self.waiting, self.window = waiting, window
        self.active: list[Job] = []

    def room(self) -> bool:
        return bool(self.waiting) and len(self.active) < self.window and \
            sum(len(j.pending) for j in self.active) < MAX_PENDING_ROWS

    def admit(self) -> None:
        """Start explanations while there is room (a method that needs no model finishes at once)."""
        while self.room():
            job = self.waiting.pop()
            if inspect.isgenerator(job.steps):
                job.send(None)
            else:
                job.result = job.steps
            if job.result is None:
                self.active.append(job)

    def answer_known(self) -> None:
        """Answer from the memo tables until every job waits on inputs nobody has computed."""
        progressed = True
        while progressed:
            progressed = False
            for job in self.active:
                if job.pending is not None and all(k in job.memo for k in job.pending):
                    job.send(job.answer())
                    progressed = True
            self.active = [job for job in self.active if job.result is None]

    def wanted(self) -> dict[Key, list[Job]]:
        """Every distinct input some job waits for, with the jobs that wait for it."""
        wanted: dict[Key, list[Job]] = {}
        for job in self.active:
            for key in dict.fromkeys(k for k in job.pending if k not in job.memo):
                wanted.setdefault(key, []).append(job)
        return wanted


def _evaluate(wanted: dict[Key, list[Job]], forward, chunk_rows: int, budget: Budget, report) -> None:
    """The inputs run, shortest first (homogeneous model batches), in chunks: progress and the time budget
    are checked between chunks, so even one big first batch reports as it goes."""
    keys = sorted(wanted, key=len)
    for start in range(0, len(keys), chunk_rows):
        budget.check("evaluating the model")
        chunk = keys[start: start + chunk_rows]
        outputs = np.asarray(forward([list(k) for k in chunk]), dtype=np.float64)
        for key, row in zip(chunk, outputs):
            for job in wanted[key]:
                job.memo[key] = row[job.columns]
                job.evaluations += 1
        report()
