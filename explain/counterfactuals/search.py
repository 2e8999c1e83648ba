"""The search every generator shares: candidate edits combined, fewest first, each candidate text run
through the model, only those whose answer changed kept; a kept set is minimal among the candidates
(no strict subset of it changed the answer). The task judges the answer (``Task.answer``: the top
label, or similar / not similar to ``pair``), so a task registered from outside gets counterfactuals
with no code here."""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np

from model.errors import InputError
from model.registries import a_or_an
from model.tasks import TargetSpec, get_task
from model.tasks.base import ARGUMENTS
from model.validation import check_text, check_whole

from ..text.features import words_of
from .base import GENERATORS, Context, get_generator
from .edits import Edit, apply_edits, exact, overlapping

MAX_TRIED = 2_000  # texts one search may run at most


@dataclass(frozen=True)
class Counterfactual:
    """A verified counterfactual: the model was run on ``text`` and answered ``prediction``; applying
    ``edits`` (exact character spans of the original) to the original gives ``text``."""

    text: str
    edits: tuple[Edit, ...]
    prediction: str
    labels: tuple[str, ...]
    scores: tuple[float, ...]
    target: str
    target_change: float  # the target's score on the new text minus on the original
    generator: str

    def to_dict(self) -> dict:
        return {"text": self.text, "edits": [e.to_dict() for e in self.edits], "prediction": self.prediction,
                "labels": list(self.labels), "scores": list(self.scores), "target": self.target,
                "target_change": self.target_change, "generator": self.generator}

    def describe(self) -> str:
        """The edits in a few words: "'good' deleted; 'great' -> 'bad'"."""
        return "; ".join(f"{e.before.strip()!r} deleted" if not e.after else f"{e.before!r} -> {e.after!r}"
                         for e in self.edits)


class Counterfactuals(tuple):
    """The counterfactuals found (a tuple) with how the search went: the original's answer, texts
    tried, model calls, seconds, and a note when nothing was found."""

    original: dict
    tried: int
    model_calls: int
    seconds: float
    note: str

    def __new__(cls, items, **about):
        out = super().__new__(cls, items)
        for key, value in about.items():
            setattr(out, key, value)
        return out

    def to_dict(self) -> dict:
        return {"original": self.original, "counterfactuals": [c.to_dict() for c in self], "tried": self.tried,
                "model_calls": self.model_calls, "seconds": self.seconds, "note": self.note}


@dataclass
class Judge:
    """Runs the model on texts through the request's spec (the task's full output of each)."""

    model: object
    spec: TargetSpec
    long_text: str
    calls: int = 0
    tried: int = 0

    def scores(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        self.tried += len(texts)
        ids = [self.model.tokenize(t, long_text=self.long_text).ids for t in texts]
        return np.asarray(self.spec.forward(ids), dtype=np.float64)


def split_settings(generator: str, task, given: dict) -> tuple[dict, dict]:
    """The generator's parameters and the task's options from ``counterfactuals``' keywords, each checked."""
    from ..request import declared_by, read_arguments

    cls = get_generator(generator)
    arguments = read_arguments(given, task, (cls,), keep_none=True)
    for name in arguments.others:
        owner = declared_by(name, also=(("generator", GENERATORS),))
        if owner is not None and owner[0] == "generator":
            raise InputError(f"{name} {'are' if name.endswith('s') else 'is'} for the {owner[1]} generator, not "
                             f"{generator}.")
        where = f"an option of {owner[1]} models" if owner is not None and owner[0] == "task" else \
            "not a setting of counterfactuals"
        raise InputError(f"{name!r} is {where}; this is {a_or_an(task.NAME)} model.")
    params = {name: p.check(arguments.params[name]) if name in arguments.params else p.default
              for name, p in ((p.name, p) for p in cls.PARAMS)}
    return params, task.options(arguments.options)


def counterfactuals(model, text: str, *, target: str | None = None, generator: str = "ablation_flip",
                    max_edits: int = 3, limit: int = 5, labels=None, pair: str | None = None, seed: int = 0,
                    **kwargs) -> Counterfactuals:
    """Verified counterfactuals of ``text``: texts whose answer (as the model's task judges it) differs,
    at most ``limit``, fewest edits first. ``target``: the output whose score the search moves (default:
    the predicted label; for a similarity, the similarity); ``labels``/``pair``: the task's arguments;
    ``**kwargs``: the generator's parameters (``GENERATORS[generator].PARAMS``: ``rules=`` for
    word_replace, ``min_similarity=`` for hotflip) and the task's options (``long_text``, the similarity's
    ``threshold``, ...). ``seed`` breaks ties between equally ranked candidates."""
    started = time.perf_counter()
    check_text(text)
    cls = get_generator(generator)
    max_edits = check_whole("max_edits", max_edits, 1, 5)
    limit = check_whole("limit", limit, 1, 50)
    seed = check_whole("seed", seed, 0, 2**32 - 1)
    task = get_task(model.task)
    params, options = split_settings(generator, task, kwargs)
    given = {"labels": labels, "pair": pair}
    for name in task.REQUIRES:
        if given.get(name) is None:
            raise InputError(f"{task.NAME.capitalize()} counterfactuals need {ARGUMENTS.get(name, name)} "
                             f"({name}=...).")
    options = task.for_text(model, text, options)  # (what the task reads from the text: a text's entities)
    spec = task.spec(model, **{k: v for k, v in given.items() if k in task.TAKES}, options=options)
    judge = Judge(model, spec, options.get("long_text", "window"))
    context = _context(model, task, spec, judge, text, target, seed)
    groups = cls().candidates(context, params)
    answer = task.answer(spec.labels, context.original, spec.options)
    found, note = _search(judge, task, text, groups, answer, context.column, max_edits, limit)
    if not found and not note:
        note = (f"No text with at most {max_edits} edit{'s' if max_edits > 1 else ''} from {generator} changed the "
                "answer.")
    original = context.original
    results = [Counterfactual(text=t, edits=edits, prediction=task.answer(spec.labels, scores, spec.options),
                              labels=tuple(spec.labels), scores=tuple(float(s) for s in scores), target=spec.labels[context.column],
                              target_change=float(scores[context.column] - original[context.column]),
                              generator=generator)
               for t, edits, scores in found]
    return Counterfactuals(results, original={"text": text, "prediction": answer,
                                              "target": spec.labels[context.column], "labels": list(spec.labels),
                                              "scores": [float(s) for s in original]},
                           tried=judge.tried, model_calls=judge.calls, seconds=time.perf_counter() - started,
                           note=note)


def _context(model, task, spec: TargetSpec, judge: Judge, text: str, target, seed: int) -> Context:
    """The original's output, the column the search moves and which way, the words."""
    original = judge.scores([text])[0]
    answer = task.answer(spec.labels, original, spec.options)
    if target is None:
        target = answer if answer in spec.labels else spec.labels[0]
    if target not in spec.labels:
        raise InputError(f"The target {target!r} is not one of the labels.")
    column = list(spec.labels).index(target)
    tokenized = model.tokenize(text, long_text=judge.long_text)
    return Context(model=model, task=task, spec=spec, text=text, tokenized=tokenized,
                   words=[w for w in words_of(tokenized) if w.is_word], original=original, column=column,
                   direction=task.direction(spec.labels, original, column, spec.options), scores=judge.scores,
                   rng=np.random.default_rng(seed))


def _search(judge: Judge, task, text: str, groups: list[list[Edit]], answer: str, column: int, max_edits: int,
            limit: int):
    """Every combination of the candidate groups (each group: alternatives for one place), fewest
    edits first; a combination is kept if it changes the answer and none of its strict subsets did
    (so every returned edit set is minimal among the candidates)."""
    found: list[tuple[str, tuple[Edit, ...], np.ndarray]] = []
    flipped: list[frozenset[int]] = []
    note = ""
    for size in range(1, min(max_edits, len(groups)) + 1):
        combos = _combinations(text, groups, size, flipped)
        if judge.tried + len(combos) > MAX_TRIED:
            combos = combos[: max(0, MAX_TRIED - judge.tried)]
            note = f"The search stopped after {MAX_TRIED:,} texts; the smallest changes were tried first."
        if not combos:
            break
        scores = judge.scores([new_text for _, _, new_text in combos])
        level = [(places, new_text, edits, row) for (places, edits, new_text), row in zip(combos, scores)
                 if task.answer(judge.spec.labels, row, judge.spec.options) != answer]
        flipped += [places for places, *_ in level]
        level.sort(key=lambda item: item[3][column])  # the target's score lowest first
        found += [(t, e, r) for _, t, e, r in level]
        if len(found) >= limit or note:
            break
    return found[:limit], note


def _combinations(text: str, groups: list[list[Edit]], size: int, flipped: list[frozenset[int]]):
    """(places, exact edits, new text) of every choice of ``size`` places not already containing a flip."""
    combos = []
    for places in itertools.combinations(range(len(groups)), size):
        if any(f <= frozenset(places) for f in flipped):
            continue  # a subset already changes the answer: this set is not minimal
        for choice in itertools.product(*(groups[p] for p in places)):
            if overlapping(choice):
                continue
            edits = exact(text, choice)
            new_text = apply_edits(text, edits)
            if new_text.strip():  # (deleting every word leaves no text to run)
                combos.append((frozenset(places), edits, new_text))
    return combos
