"""What a task is: its arguments, the outputs an explanation explains, and a differentiable score.

A ``Task`` validates the explanation arguments that belong to it (``target``, ``labels``,
``pair``, options such as the hypothesis template) before any model work and builds a
``TargetSpec``: ``forward(ids)`` gives the full output for a batch of token-id sequences (the same
function for every text of a request, so perturbations of many texts share one model call), and
``score(embeds, mask, ids)`` is the same output as a differentiable torch function of the input
embeddings, for gradient methods. ``spec.target(output)`` then fixes, for one text, which columns
are explained (default: the predicted class, every zero-shot candidate, the similarity).

A contrast (``contrast=``: "why A rather than B") changes what is explained, never the prediction:
``forward`` then gives, per label, ``log p(label) - log p(contrast)`` (the logit difference for a
softmax classifier; for similarity, the cosine to the pair minus the cosine to the contrast text)
and ``predict`` the model's own outputs, from which the Target's probabilities and default target
come. Every method explains ``forward``, so each is contrastive with no change of its own.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import torch

from ..base import model_kind
from ..errors import InputError
from ..params import Param
from ..windows import READING_NAMES

Forward = Callable[[list[list[int]]], np.ndarray]
Score = Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Target:
    """For one text: the explained ``columns`` of the spec's output and their ``names``;
    ``labels``/``probabilities`` describe the full prediction; ``output`` = probabilities[columns]."""

    names: tuple[str, ...]
    columns: np.ndarray
    labels: tuple[str, ...]
    probabilities: np.ndarray
    output_name: str
    output: np.ndarray
    options: Mapping = field(default_factory=dict)
    score: Score | None = None  # the spec's differentiable score (all columns): what gradient methods call
    contrast: str | None = None  # what the targets are explained against (see TargetSpec)
    model_options: Mapping = field(default_factory=dict)  # of ``options``, those the model's own calls take
    column_score: Callable[[int], Score] | None = None  # (see TargetSpec)

    def score_of(self, column: int) -> Score:
        """The differentiable score of one column of the output, (embeds, mask, ids) -> (n,): what gradient
        methods integrate for that column (the task's cheaper one where it has one)."""
        if self.column_score is not None:
            return self.column_score(int(column))
        return lambda embeds, mask, ids: self.score(embeds, mask, ids)[:, int(column)]


@dataclass(frozen=True)
class TargetSpec:
    """One request's outputs: ``forward(id_batch) -> (n, len(labels))`` as NumPy, ``score`` the same
    as torch with gradients; ``wanted``: asked-for columns (None: the task's default)."""

    task: str
    labels: tuple[str, ...]
    output_name: str
    forward: Forward
    score: Score
    wanted: tuple[int, ...] | None
    default: str  # "argmax" (classification) or "all" (zero-shot candidates, the one similarity)
    options: Mapping = field(default_factory=dict)
    predict: Forward | None = None  # the model's own outputs, when ``forward`` explains a contrast
    contrast: str | None = None  # what the targets are explained against (a label, or a second text)
    contrast_column: int | None = None  # the contrast's column among ``labels`` (None: a text)
    # Of ``options``, those the model's own calls take (a method calling the model, e.g. for its attention or
    # its windows, passes only these); default: how a long text is read.
    model_options: Mapping | None = None
    # One column's score alone, where the task computes it more cheaply than ``score``'s every column (a
    # decoder's token j reads only the continuation before it); None: ``score`` sliced.
    column_score: Callable[[int], Score] | None = None

    def __post_init__(self):
        if self.model_options is None:
            object.__setattr__(self, "model_options", reading(self.options))

    def target(self, output: np.ndarray, probabilities: np.ndarray | None = None) -> Target:
        """The Target of one text whose full forward output is ``output`` (and, under a contrast,
        whose own outputs are ``probabilities``)."""
        output = np.asarray(output, dtype=np.float64)
        shown = output if probabilities is None else np.asarray(probabilities, dtype=np.float64)
        if self.wanted is not None:
            columns = np.array(self.wanted)
        elif self.default == "argmax":
            columns = np.array([int(shown.argmax())])
        else:
            columns = np.array([c for c in range(len(self.labels)) if c != self.contrast_column])
        if self.contrast_column is not None and self.contrast_column in columns:
            who = "The model predicts" if self.wanted is None else "The target is"
            raise InputError(f"{who} {self.labels[self.contrast_column]!r}, the label it would be explained against; "
                             "choose another target, or another label to contrast with.")
        return Target(names=tuple(self.labels[c] for c in columns), columns=columns, labels=self.labels,
                      probabilities=shown, output_name=self.output_name, output=output[columns],
                      options=dict(self.options), score=self.score, contrast=self.contrast,
                      model_options=dict(self.model_options), column_score=self.column_score)


@dataclass(frozen=True)
class Words:
    """How the page speaks of a task: one place, so a task registered from outside reaches every tab.
    ``target``: what one explained output is called ("class"); ``lens``: what its layer lens reads;
    ``window_rule``: how a long text's windows become one output; ``arguments``: the box each required
    argument (labels, pair) gets in the page; ``title``: its own tab's title when no built-in tab serves it."""

    target: str = "output"
    lens: str = "its outputs"
    window_rule: str = "the windows' outputs are averaged"
    arguments: Mapping[str, str] = field(default_factory=dict)
    title: str = ""


ARGUMENT_WORDS = {"labels": "Candidate labels (comma-separated)", "pair": "Second text to compare with"}
ARGUMENTS = {"labels": "the candidate labels", "pair": "the second text to compare with"}  # (in sentences)


class Task:
    """One task: subclasses set the names and implement ``spec``; register with ``register_task``.

    A task owns everything task-specific: its arguments and options (validated here; only the options its
    models' calls take, ``model_options``, ever reach a model), its outputs and targets (``spec``), how a
    prediction is judged (``answer``, ``direction``, ``is_correct``: counterfactuals, the what-if editor and
    dataset mode ask it), its words in the page (``WORDS``), and which kinds of model it serves (``SERVES``).
    """

    NAME: str = ""
    OUTPUT: str = ""  # what a column of the output is: "probability", "score", "cosine similarity"
    # Whether its outputs are probabilities (the page draws them as a label's bars) or scores of any size (shown
    # as numbers with the task's answer: a regression, a margin).
    PROBABILITIES: bool = True
    DESCRIPTION: str = ""
    # The kinds of model (``model.base.model_kind``: "classification", "zero-shot", "embedding") whose
    # outputs this task reads; empty: models of its own name only. ``load_model(path, task=NAME)`` and
    # ``register_model(name, task=NAME, load=...)`` give it any model of these kinds.
    SERVES: tuple[str, ...] = ()
    # The explanation arguments it takes (of target, labels, pair) and those it cannot explain
    # without: front ends (the CLI) word their errors from these.
    TAKES: tuple[str, ...] = ("target", "contrast")
    REQUIRES: tuple[str, ...] = ()
    # The per-call options of this task (``explain(..., hypothesis_template=...)``): the one place they
    # are declared. explain(), the CLI flags, the scorecard, dataset mode and the app's controls are
    # derived from it.
    OPTIONS: tuple[Param, ...] = ()
    WORDS: Words = Words()
    # A tab of its own ("package.module" with ``render(page)``) for a task no built-in tab serves; None:
    # the page's generic task tab.
    TAB: str | None = None

    def spec(self, model, *, target=None, labels=None, pair=None, options=None, contrast=None) -> TargetSpec:
        """Validate this task's arguments and build the request's TargetSpec (``contrast``: what the
        targets are explained against, see the module's docstring)."""
        raise NotImplementedError

    def tokenize(self, model, text: str, options: Mapping):
        """The tokens an explanation of ``text`` perturbs under these options (the model's own tokenisation;
        a decoder's prompt may be wrapped in its chat template)."""
        return model.tokenize(text, long_text=options.get("long_text", "window"))

    def for_text(self, model, text: str, options: dict) -> dict:
        """The checked options for one text, with what depends on the text filled in (a decoder's greedy
        continuation); texts whose options come out equal share one spec. Default: unchanged."""
        return options

    def kinds(self) -> tuple[str, ...]:
        return self.SERVES or (self.NAME,)

    def serves(self, model) -> bool:
        """Whether this task can read ``model``'s outputs."""
        return model_kind(model) in self.kinds()

    def has_target(self, *, labels=None, pair=None) -> bool:
        """Whether these arguments define something to explain (methods that need no target, such
        as raw attention, run without one when this is False)."""
        return True

    def options(self, given: Mapping | None = None) -> dict:
        """The task's options with their defaults filled in and each given value checked; None
        means "not given". A name this task does not declare is one InputError."""
        given = {k: v for k, v in (given or {}).items() if v is not None}
        own = {p.name: p for p in self.OPTIONS}
        for name in given:
            if name not in own:
                takes = ", ".join(own) or "no options"
                raise InputError(f"A {self.NAME} model takes no option {name!r} (it takes {takes}).")
        values = {name: p.check(given[name]) if name in given else p.default for name, p in own.items()}
        return {name: value for name, value in values.items() if value is not None}

    def model_options(self, options: Mapping) -> dict:
        """Of the task's (checked) options, those its models' calls take: how a long text is read, and for
        the built-in tasks their models' own keywords. Nothing else of a task's options reaches a model."""
        return reading(options)

    def arguments(self, *, labels=None, pair=None) -> dict:
        """The request arguments (of labels, pair) that rebuild an explanation's spec: the scorecard
        and re-runs call ``spec`` with these."""
        return {}

    def windows_read(self, model, ids, *, labels=None, options: Mapping | None = None) -> list[tuple[int, int]]:
        """The (start, end) token positions of each window the model reads for ``ids`` under these options."""
        reader = getattr(model, "windows_read", None)
        if reader is None:
            return []
        return reader(ids, labels=labels, **self.model_options(options or {}))

    def answer(self, labels: tuple[str, ...], output: np.ndarray, options: Mapping) -> str:
        """The discrete answer of one input from its full output (one value per label; ``options``: the
        request's task options): what a counterfactual must change, what dataset mode reports and scores.
        Default: the top label."""
        return labels[int(np.argmax(np.asarray(output, dtype=np.float64)))]

    def answers(self, labels: tuple[str, ...], options: Mapping) -> tuple[str, ...]:
        """Every answer ``answer`` can give for these labels."""
        return tuple(labels)

    def direction(self, labels: tuple[str, ...], output: np.ndarray, column: int, options: Mapping) -> float:
        """+1 where lowering the output's ``column`` moves the answer away from what it is (the top label's
        score), -1 where raising it does."""
        return 1.0

    def column_groups(self, targets: tuple[str, ...], options: Mapping) -> dict[str, list[int]] | None:
        """The explained columns grouped by what they are (an entity's type: dataset mode's words that most support
        each label); None: each row has one answer (its values are for the predicted class)."""
        return None

    def is_correct(self, prediction: str | None, gold: str | None) -> bool | None:
        """Whether a predicted label matches a gold one (dataset mode's accuracy); None where the
        task has no right answer to compare with."""
        if prediction is None or gold is None:
            return None
        return prediction == gold


def reading(options: Mapping) -> dict:
    """The options of how a long text is read (``model.windows.READING``): every model call takes them."""
    return {k: v for k, v in options.items() if k in READING_NAMES and v is not None}


def contrasted(spec: TargetSpec, log_forward: Forward, log_score: Score, contrast: str, column: int,
               output_name: str) -> TargetSpec:
    """``spec`` explaining each label's log-output minus the contrast label's (``log_forward`` /
    ``log_score``: the log of the outputs, up to a constant per row that the difference cancels)."""
    def forward(batch):
        logs = np.asarray(log_forward(batch), dtype=np.float64)
        return logs - logs[:, [column]]

    def score(embeds, mask, ids):
        logs = log_score(embeds, mask, ids)
        return logs - logs[:, [column]]

    return TargetSpec(task=spec.task, labels=spec.labels, output_name=output_name, forward=forward, score=score,
                      wanted=spec.wanted, default=spec.default, options=spec.options, predict=spec.predict or spec.forward,
                      contrast=contrast, contrast_column=column, model_options=spec.model_options)


def contrast_label(contrast, labels) -> int:
    """The column of a contrast label, or one sentence."""
    if not isinstance(contrast, str) or not contrast.strip():
        raise InputError("The contrast must be a label name (the label to explain the target against).")
    if contrast not in labels:
        raise InputError(f"The contrast {contrast!r} is not one of the labels ({', '.join(map(repr, labels[:8]))}"
                         f"{', …' if len(labels) > 8 else ''}).")
    return list(labels).index(contrast)


def wanted_names(target) -> list[str]:
    """One label name or a list of distinct label names."""
    if isinstance(target, str):
        return [target]
    if isinstance(target, (list, tuple)) and target and all(isinstance(t, str) for t in target):
        if len(set(target)) != len(target):
            raise InputError("The same target label is given twice.")
        return list(target)
    raise InputError("The target must be a label name or a list of label names.")
