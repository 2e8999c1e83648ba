"""``evaluate(explanation)``: is this explanation faithful? The scorecard of one explanation.

Every metric's perturbed inputs are token ids (the explanation's own tokens deleted or masked,
nothing re-tokenised) sent through the same runner as the explainers: batched, each distinct
input evaluated once, the full input's output taken from the explanation. A random ranking (the
mean of a few seeded draws) is scored beside the method's, always.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from model import load_model
from model.errors import InputError
from model.tasks import get_task

from ..explanation import Explanation, freeze, thaw
from ..runner import Job, run
from .agreement import LeaveOneOutTau
from .base import BINS, Ids, Metric, Probe, check_removal
from .faithfulness import Comprehensiveness, LogOdds, NormalisedComprehensiveness, NormalisedSufficiency, Sufficiency
from .stability import Stability

METRICS: dict[str, Metric] = {m.NAME: m for m in (
    Comprehensiveness(), Sufficiency(), NormalisedComprehensiveness(), NormalisedSufficiency(), LogOdds(),
    LeaveOneOutTau(), Stability())}
HEADLINE = ("comprehensiveness", "sufficiency")
DRAWS = 5


@dataclass(frozen=True)
class Scorecard:
    """The scores of one explanation for one target. ``comprehensiveness`` and ``sufficiency`` are the
    AOPCs, ``curves`` their values per bin, ``random`` the same for the random control, ``scores``
    every metric computed (None where it does not apply)."""

    method: str
    target: str
    output: str
    removal: str
    bins: tuple[float, ...]
    comprehensiveness: float | None
    sufficiency: float | None
    curves: Mapping
    random: Mapping
    scores: Mapping
    evaluations: int
    seconds: float

    def __post_init__(self):
        for name in ("curves", "random", "scores"):
            object.__setattr__(self, name, freeze(getattr(self, name)))

    def to_dict(self) -> dict:
        return {"method": self.method, "target": self.target, "output": self.output, "removal": self.removal,
                "bins": list(self.bins), "comprehensiveness": self.comprehensiveness,
                "sufficiency": self.sufficiency, "curves": thaw(self.curves), "random": thaw(self.random),
                "scores": thaw(self.scores), "evaluations": self.evaluations, "seconds": self.seconds}


def _options(explanation: Explanation) -> dict:
    params = explanation.meta.get("params", {})
    return {k: params[k] for k in ("hypothesis_template", "multi_label", "output") if k in params}


def _probe(explanation: Explanation, model, j: int, removal: str, seed: int, draws: int) -> Probe:
    tokenized = model.tokenize(explanation.text)
    if [t.text for t in explanation.tokens] != list(tokenized.tokens):
        raise InputError("This explanation was made with another tokenizer than this model's.")
    return Probe(ids=tuple(tokenized.ids), special=tuple(tokenized.special),
                 word_tokens=tuple(w.tokens for w in explanation.words),
                 attributions=np.asarray(explanation.word_attributions[:, j], dtype=np.float64),
                 output=float(explanation.outputs[j]), removal=removal, mask_id=model.mask_token_id, seed=seed,
                 draws=draws, output_kind=explanation.meta.get("output") or "")


def _needed(probe: Probe, chosen: list[Metric], order: list[int], memo: dict, f=None) -> list[Ids]:
    """The distinct inputs every chosen metric needs (for the random rankings too) not yet known."""
    needed: list[Ids] = []
    for metric in chosen:
        for ranked in ([order, *probe.random_rankings()] if metric.RANKED else [order]):
            needed += metric.inputs(probe, ranked, f)
    return [ids for ids in dict.fromkeys(needed) if ids not in memo]


def _steps(probe: Probe, chosen: list[Metric], order: list[int], memo: dict):
    """The runner's generator: every metric's inputs in one batch, then any second round."""
    def f(ids: Ids) -> float:
        return memo[ids]

    for round_ in range(2):
        needed = _needed(probe, chosen, order, memo, f if round_ else None)
        if needed:
            outputs = yield needed
            memo.update((ids, float(row[0])) for ids, row in zip(needed, outputs))
    return memo  # (the runner's "done": any value but None)


def _mean(values: list):
    """The mean of scores (floats, None, or dicts of floats and lists)."""
    if any(v is None for v in values):
        return None
    if isinstance(values[0], dict):
        return {k: _mean([v[k] for v in values]) for k in values[0]}
    if isinstance(values[0], list):
        return [float(x) for x in np.mean(np.array(values, dtype=float), axis=0)]
    return float(np.mean(values))


def evaluate(explanation: Explanation, metrics: list[str] | None = None, removal: str = "delete", *,
             model=None, target: int | str = 0, seed: int = 0, draws: int = DRAWS, seconds: float | None = 120.0,
             progress: Callable[[int, int], None] | None = None) -> Scorecard:
    """Score ``explanation`` (its first target by default) with ``metrics`` (default: all that apply;
    ``METRICS`` lists them). ``removal``: "delete" the words' tokens (ERASER) or "mask" them. ``model``:
    the model that made it (default: loaded by the explanation's model name)."""
    started = time.perf_counter()
    if not isinstance(explanation, Explanation):
        raise InputError("evaluate takes an Explanation.")
    if not explanation.targets:
        raise InputError("This explanation has no output to be faithful to (attention without labels or a pair).")
    removal = check_removal(removal)
    names = list(METRICS) if metrics is None else list(metrics)
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise InputError(f"{unknown[0]!r} is not a metric; use any of {', '.join(METRICS)}.")
    if isinstance(draws, bool) or not isinstance(draws, int) or not 1 <= draws <= 50:
        raise InputError("draws must be a whole number from 1 to 50.")
    model = model if model is not None else load_model(explanation.model, task=explanation.task)
    j = explanation.target_index(target)
    spec = get_task(explanation.task).spec(model, target=[explanation.targets[j]],
                                           labels=list(explanation.labels) if explanation.task == "zero-shot" else None,
                                           pair=explanation.pair, options=_options(explanation))
    probe = _probe(explanation, model, j, removal, seed, draws)
    order = probe.ranking()
    chosen = [METRICS[n] for n in names if n != "stability" and METRICS[n].applies(probe)]
    memo: dict[Ids, float] = {probe.ids: probe.output}
    columns = np.array(spec.wanted) if spec.wanted is not None else np.arange(len(spec.labels))  # (the one target)
    job = Job(_steps(probe, chosen, order, memo), columns)
    job.seed(probe.ids, [probe.output])
    planned = len(_needed(probe, chosen, order, memo))  # (a second round, if any, raises it)
    run([job], spec.forward, seconds=seconds, progress=(lambda done: progress(done, max(done, planned)))
        if progress else None, chunk_rows=4 * getattr(model, "batch_size", 64))

    def f(ids: Ids) -> float:
        return memo[ids]

    scores: dict = {n: None for n in names}
    random: dict = {}
    for metric in chosen:
        scores[metric.NAME] = metric.score(probe, order, f)
        if metric.RANKED:
            random[metric.NAME] = _mean([metric.score(probe, r, f) for r in probe.random_rankings()])
    if "stability" in names and _seed_dependent(explanation):
        scores["stability"] = METRICS["stability"].measure(explanation, j, lambda s: _rerun(explanation, model, j, s))
    headline = {name: (scores.get(name) or {}).get("aopc") if isinstance(scores.get(name), dict) else None
                for name in HEADLINE}
    curves = {name: scores[name]["curve"] for name in HEADLINE if isinstance(scores.get(name), dict)}
    control = {name: random[name]["aopc"] for name in HEADLINE if name in random}
    control["curves"] = {name: random[name]["curve"] for name in HEADLINE if name in random}
    if "log_odds" in random:
        control["log_odds"] = random["log_odds"]
    flat = {name: value["aopc"] if isinstance(value, dict) else value for name, value in scores.items()}
    return Scorecard(method=explanation.method, target=explanation.targets[j], output=probe.output_kind,
                     removal=removal, bins=BINS, comprehensiveness=headline["comprehensiveness"],
                     sufficiency=headline["sufficiency"], curves=curves, random=control, scores=flat,
                     evaluations=job.evaluations, seconds=round(time.perf_counter() - started, 4))


def _seed_dependent(explanation: Explanation) -> bool:
    from ..registry import METHODS

    cls = METHODS.get(explanation.method)
    return cls is not None and cls.seed_dependent(explanation)


def _rerun(explanation: Explanation, model, j: int, seed: int) -> Explanation:
    from ..api import explain

    options = _options(explanation)
    params = {k: v for k, v in explanation.meta.get("params", {}).items() if k not in options}
    return explain(model, explanation.text, explanation.method, target=explanation.targets[j],
                   labels=list(explanation.labels) if explanation.task == "zero-shot" else None,
                   pair=explanation.pair, seed=seed, cache=None, **options, **params)
