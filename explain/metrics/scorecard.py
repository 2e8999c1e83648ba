"""``score(explanation, model=...)``: is this explanation faithful? The scorecard of one explanation.

Every metric's perturbed inputs are token ids (the explanation's own tokens deleted or masked,
nothing re-tokenised) sent through the same runner as the explainers: batched, each distinct
input evaluated once, the full input's output taken from the explanation. Every metric is also
computed for a random ranking of the words (the mean of a few seeded draws): its random control.
A metric that re-runs the method (``Metric.RERUNS``) gets the re-run from the caller (``rerun``),
so this module never calls ``explain`` itself; ``explain.evaluate`` passes it.
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from model import load_model
from model.budget import DEFAULT, Budget, active
from model.errors import InputError
from model.tasks import get_task

from ..explanation import Explanation, FrozenDict
from ..runner import Job, run
from .base import BINS, Ids, Metric, MetricValue, Probe, check_removal
from .registry import get_metrics

DRAWS = 5
MAX_ROUNDS = 12  # rounds of inputs (a search's later steps depend on earlier outputs)
Rerun = Callable[[int], Explanation]  # the same explanation (its explained target only) made with another seed


@dataclass(frozen=True)
class Scorecard:
    """The scores of one explanation for one target: ``values`` maps each metric computed to its
    ``MetricValue`` (value, random control, curve, note). ``comprehensiveness`` / ``sufficiency``
    are the headline AOPCs; ``scores``, ``random`` and ``curves`` are the same numbers as plain
    mappings (``random["curves"]`` the random control's curves)."""

    method: str
    target: str
    output: str
    removal: str
    bins: tuple[float, ...]
    values: Mapping
    evaluations: int
    seconds: float

    def __post_init__(self):
        object.__setattr__(self, "values", FrozenDict(self.values))

    def _value(self, name: str) -> float | None:
        value = self.values.get(name)
        return None if value is None else value.value

    @property
    def comprehensiveness(self) -> float | None:
        return self._value("comprehensiveness")

    @property
    def sufficiency(self) -> float | None:
        return self._value("sufficiency")

    @property
    def scores(self) -> dict:
        return {name: v.value for name, v in self.values.items()}

    @property
    def curves(self) -> dict:
        return {name: list(v.curve) for name, v in self.values.items() if v.curve is not None}

    @property
    def random(self) -> dict:
        control = {name: v.random for name, v in self.values.items() if v.random is not None}
        control["curves"] = {name: list(v.random_curve) for name, v in self.values.items()
                             if v.random_curve is not None}
        return control

    def to_dict(self) -> dict:
        return {"method": self.method, "target": self.target, "output": self.output, "removal": self.removal,
                "bins": list(self.bins), "comprehensiveness": self.comprehensiveness,
                "sufficiency": self.sufficiency, "curves": self.curves, "random": self.random,
                "scores": self.scores, "values": {name: v.to_dict() for name, v in self.values.items()},
                "evaluations": self.evaluations, "seconds": self.seconds}

    @classmethod
    def from_dict(cls, data: dict) -> Scorecard:
        values = {name: MetricValue(**{**v, "curve": None if v["curve"] is None else tuple(v["curve"]),
                                       "random_curve": None if v["random_curve"] is None else tuple(v["random_curve"])})
                  for name, v in data["values"].items()}
        return cls(method=data["method"], target=data["target"], output=data["output"], removal=data["removal"],
                   bins=tuple(data["bins"]), values=values, evaluations=data["evaluations"],
                   seconds=data["seconds"])


def _probe(explanation: Explanation, model, j: int, removal: str, seed: int, draws: int,
           references: tuple[np.ndarray, ...]) -> Probe:
    tokenized = get_task(explanation.task).tokenize(model, explanation.text, explanation.meta.get("options", {}))
    if [t.text for t in explanation.tokens] != list(tokenized.tokens):
        raise InputError("This explanation was made with another tokenizer than this model's.")
    return Probe(ids=tuple(tokenized.ids), special=tuple(tokenized.special),
                 word_tokens=tuple(w.tokens for w in explanation.words),
                 attributions=np.asarray(explanation.word_attributions[:, j], dtype=np.float64),
                 output=float(explanation.outputs[j]), removal=removal, mask_id=model.mask_token_id, seed=seed,
                 draws=draws, output_kind=explanation.meta.get("output") or "", references=references)


def _controls(probe: Probe) -> list[tuple[Probe, list[int]]]:
    """The random control's (probe, ranking) pairs: the explanation's own values in random orders
    (its own ranking joins the references, so a search for the best also sees it)."""
    return [(dataclasses.replace(probe.reordered(order), references=(*probe.references, probe.attributions)), order)
            for order in probe.random_rankings()]


def _needed(probe: Probe, chosen: list[Metric], order: list[int], memo: dict, f=None) -> list[Ids]:
    """The distinct inputs every chosen metric needs (for the random control too) not yet known."""
    needed: list[Ids] = []
    for metric in chosen:
        for p, ranked in [(probe, order), *_controls(probe)]:
            needed += metric.inputs(p, ranked, f)
    return [ids for ids in dict.fromkeys(needed) if ids not in memo]


def _steps(probe: Probe, chosen: list[Metric], order: list[int], memo: dict):
    """The runner's generator: every metric's inputs in one batch, then the rounds that depend on them."""
    for round_ in range(MAX_ROUNDS):
        needed = _needed(probe, chosen, order, memo, memo.get if round_ else None)
        if not needed:
            break
        outputs = yield needed
        memo.update((ids, float(row[0])) for ids, row in zip(needed, outputs))
    return memo  # (the runner's "done": any value but None)


def _mean(values: list):
    """The mean of scores (floats, None, or dicts of floats, lists and notes)."""
    if any(v is None for v in values):
        return None
    if isinstance(values[0], dict):
        return {k: _mean([v[k] for v in values]) for k in values[0] if k != "note"}
    if isinstance(values[0], list):
        return [float(x) for x in np.mean(np.array(values, dtype=float), axis=0)]
    return float(np.mean(values))


def _typed(metric: Metric, ours, control) -> MetricValue:
    """A metric's raw results (numbers, or dicts with value/curve/note) as one MetricValue."""
    def part(result, key):
        return result.get(key) if isinstance(result, dict) else (result if key == "value" else None)

    curve, random_curve = part(ours, "curve"), part(control, "curve")
    return MetricValue(name=metric.NAME, value=part(ours, "value"), random=part(control, "value"),
                       lower_is_better=metric.LOWER_IS_BETTER, curve=None if curve is None else tuple(curve),
                       random_curve=None if random_curve is None else tuple(random_curve),
                       note=(ours.get("note") or "") if isinstance(ours, dict) else "")


def score(explanation: Explanation, metrics: list[str] | None = None, removal: str = "delete", *, model=None,
          target: int | str = 0, seed: int = 0, draws: int = DRAWS, seconds=DEFAULT,
          progress: Callable[[int, int], None] | None = None, rerun: Rerun | None = None,
          references=()) -> Scorecard:
    """Score ``explanation`` (its first target by default) with ``metrics`` (default: every registered
    one that applies). ``removal``: "delete" the words' tokens (ERASER) or "mask" them. ``model``: the
    model that made it (default: loaded by the explanation's model name). ``rerun(seed)``: the same
    explanation made with another seed, for metrics that re-run the method (without it they are
    None). ``references``: other methods' word values for this target, which the normalised
    metrics' search for the best ranking also tries."""
    started = time.perf_counter()
    if not isinstance(explanation, Explanation):
        raise InputError("evaluate takes an Explanation.")
    if not explanation.targets:
        raise InputError("This explanation has no output to be faithful to (attention without labels or a pair).")
    removal = check_removal(removal)
    metrics = get_metrics(metrics)
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= 50:
        raise InputError("draws must be a whole number from 1 to 50.")
    model = model if model is not None else load_model(explanation.model, task=explanation.task)
    j = explanation.target_index(target)
    references = tuple(np.asarray(r, dtype=np.float64) for r in references)
    if any(r.shape != (len(explanation.words),) for r in references):
        raise InputError("Each reference must give one value per word of the explanation.")
    task = get_task(explanation.task)
    contrast = explanation.meta.get("contrast")
    spec = task.spec(model, target=[explanation.targets[j]], options=explanation.meta.get("options", {}),
                     **({"contrast": contrast} if contrast is not None else {}),
                     **task.arguments(labels=explanation.labels, pair=explanation.pair))
    probe = _probe(explanation, model, j, removal, seed, draws, references)
    order = probe.ranking()
    chosen = [m for m in metrics if not m.RERUNS and m.applies(probe)]
    memo: dict[Ids, float] = {probe.ids: probe.output}
    columns = np.array(spec.wanted) if spec.wanted is not None else np.arange(len(spec.labels))  # (the one target)
    job = Job(_steps(probe, chosen, order, memo), columns)
    job.seed(probe.ids, [probe.output])
    planned = len(_needed(probe, chosen, order, memo))  # (later rounds, if any, raise it)
    budget = Budget.of(seconds)
    if progress is not None:
        progress(0, planned)  # (the bar moves to this phase at once, not at its first model call)
    with active(budget):
        run([job], spec.forward, seconds=budget, progress=(lambda done: progress(done, max(done, planned)))
            if progress else None, chunk_rows=4 * getattr(model, "batch_size", 64), planned=planned)

    def f(ids: Ids) -> float:
        return memo[ids]

    values: dict[str, MetricValue] = {}
    for metric in metrics:
        if metric in chosen:
            ours = metric.score(probe, order, f)
            control = _mean([metric.score(p, r, f) for p, r in _controls(probe)])
            values[metric.NAME] = _typed(metric, ours, control)
        elif metric.RERUNS:
            values[metric.NAME] = _rerun_value(metric, explanation, j, rerun, probe)
        else:
            values[metric.NAME] = MetricValue(metric.NAME, None, None, metric.LOWER_IS_BETTER,
                                              note=f"only for probability outputs, not a {probe.output_kind}")
    return Scorecard(method=explanation.method, target=explanation.targets[j], output=probe.output_kind,
                     removal=removal, bins=BINS, values=values, evaluations=job.evaluations,
                     seconds=round(time.perf_counter() - started, 4))


def _rerun_value(metric: Metric, explanation: Explanation, j: int, rerun: Rerun | None, probe: Probe) -> MetricValue:
    """A metric that re-runs the method: on the explanation (other seeds through ``rerun``) and on
    its random control (the explanation's own values in an order drawn from each seed)."""
    from ..registry import METHODS

    cls = METHODS.get(explanation.method)
    if cls is None or not cls.seed_dependent(explanation):
        return MetricValue(metric.NAME, None, None, metric.LOWER_IS_BETTER, note="the result does not depend on the seed")
    if rerun is None:
        return MetricValue(metric.NAME, None, None, metric.LOWER_IS_BETTER, note="no re-run of the method was given")
    seed = int(explanation.meta.get("seed", 0))
    own = np.asarray(explanation.word_attributions[:, j], dtype=np.float64)

    def values(s: int) -> np.ndarray:
        return own if s == seed else np.asarray(rerun(s).word_attributions[:, 0], dtype=np.float64)

    def shuffled(s: int) -> np.ndarray:
        return own[np.random.default_rng(s).permutation(len(own))]

    return MetricValue(metric.NAME, metric.measure(values, seed), metric.measure(shuffled, seed),
                       metric.LOWER_IS_BETTER, note="the method re-run with other seeds")
