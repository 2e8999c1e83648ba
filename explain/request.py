"""``ExplainRequest``: what to explain, in one object, whatever the front end (``explain``,
``explain_many``, dataset mode, the app's tabs, the CLI): the texts, the model, the method with its
parameters, the task's options, the target, the task's arguments (labels, pair), a contrast and the
seed. ``ExplainRequest.of`` reads ``explain()``'s keywords, telling a method's parameters and a task's
options apart by their declarations; ``checked()`` validates every field before any model work.

How a request is run (time budget, progress, cache, batching) is not part of it: the same request
gives the same explanations however it is run.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from model import load_model
from model.base import TextModel
from model.errors import InputError
from model.registries import a_or_an
from model.tasks import TASKS, Task, get_task
from model.validation import check_texts, check_whole

from .base import Method
from .cache import freeze_key
from .registry import METHODS, get_method, resolve_params


@dataclass(frozen=True)
class ExplainRequest:
    """One request. ``params``: the method's parameters; ``options``: the task's (``Task.OPTIONS``);
    None in either means "the default". ``target``: label name(s) to explain (default: the task's);
    ``labels``: zero-shot candidates; ``pair``: the second text of a similarity; ``contrast``: what
    the target is explained against."""

    texts: tuple[str, ...]
    model: TextModel | str
    method: str = "shap"
    params: Mapping = field(default_factory=dict)
    options: Mapping = field(default_factory=dict)
    target: object = None
    labels: object = None
    pair: str | None = None
    contrast: str | None = None
    seed: int = 0
    text_window: int | None = None  # explain only this window (0-based) of a text read as several

    @classmethod
    def of(cls, model, texts, method: str = "shap", *, target=None, labels=None, pair=None, contrast=None,
           seed: int = 0, text_window: int | None = None, **kwargs) -> ExplainRequest:
        """A request from ``explain()``'s keywords: ``kwargs`` are the method's parameters and the model's
        task options, told apart by their declarations (``split_arguments``); the model is loaded if it
        is given by name."""
        method_cls = get_method(method)
        model = load_model(model) if isinstance(model, str) else model
        params, options = split_arguments(method_cls, get_task(model.task), kwargs)
        return cls(texts=tuple(texts) if isinstance(texts, (list, tuple)) else texts, model=model, method=method,
                   params=params, options=options, target=target, labels=labels, pair=pair, contrast=contrast,
                   seed=seed, text_window=text_window)

    def for_texts(self, texts) -> ExplainRequest:
        """The same request for other texts (dataset mode's batches)."""
        return dataclasses.replace(self, texts=tuple(texts))

    def checked(self) -> Checked:
        """Every field validated (the model loaded by name if it is one), defaults filled in: one
        InputError sentence for the first thing wrong."""
        cls = get_method(self.method)
        model = load_model(self.model) if isinstance(self.model, str) else self.model
        texts = tuple(check_texts(list(self.texts) if isinstance(self.texts, tuple) else self.texts))
        seed = check_whole("seed", self.seed, 0, 2**32 - 1)
        window = None if self.text_window is None else check_whole("text_window", self.text_window, 0, 10**6)
        task = get_task(model.task)
        params = resolve_params(cls, {k: v for k, v in dict(self.params).items() if v is not None})
        options = task.options(self.options)
        if self.contrast is not None and "contrast" not in task.TAKES:
            raise InputError(f"A {task.NAME} model cannot be explained against a contrast.")
        return Checked(request=dataclasses.replace(self, texts=texts, model=model, seed=seed, params=params,
                                                   options=options, text_window=window), method=cls, task=task)


@dataclass(frozen=True)
class Checked:
    """A validated request, with its method class and task."""

    request: ExplainRequest
    method: type[Method]
    task: Task

    @property
    def model(self) -> TextModel:
        return self.request.model

    @property
    def targeted(self) -> bool:
        """Whether there is an output to explain (methods that need no target, such as attention, run
        without one when the request names none)."""
        r = self.request
        return self.method.NEEDS_TARGET or r.target is not None or r.contrast is not None or \
            self.task.has_target(labels=r.labels, pair=r.pair)

    def key(self, evaluate, window_reuse: bool):
        """What, besides the text, makes an explanation: the cache's key."""
        r = self.request
        return freeze_key((r.method, r.target, r.labels, r.pair, r.contrast, r.seed, r.options, r.params, evaluate,
                           bool(window_reuse), r.text_window))

    def spec(self):
        """The task's TargetSpec of this request (None when nothing is explained)."""
        if not self.targeted:
            return None
        r = self.request
        return self.task.spec(r.model, target=r.target, labels=r.labels, pair=r.pair, options=r.options,
                              **({"contrast": r.contrast} if r.contrast is not None else {}))

    @property
    def options(self) -> dict:
        """The task's options that apply: without a target, only those of how the text is read."""
        from model.tasks.base import reading

        return dict(self.request.options) if self.targeted else reading(self.request.options)


@dataclass(frozen=True)
class Arguments:
    """Keyword arguments (or a front end's control values) told apart by their declarations: ``params``, those
    of the methods or generator asked about; ``options``, the task's; ``others``, the rest. ``declared``: the
    ``Param`` of every name in ``params`` and ``options`` (a front end reads its strings with ``parsed``)."""

    params: dict
    options: dict
    others: dict
    declared: dict

    def parsed(self) -> tuple[dict, dict]:
        """``params`` and ``options`` read as their kinds (the app's control values are strings and numbers)."""
        return ({k: self.declared[k].parse(v) for k, v in self.params.items()},
                {k: self.declared[k].parse(v) for k, v in self.options.items()})


def read_arguments(given: Mapping, task: Task, takes=(), *, keep_none: bool = False) -> Arguments:
    """The one place keyword arguments are split, for ``explain``, ``explain_many``, dataset mode,
    counterfactuals, the CLI and the app: into the parameters of ``takes`` (method or generator classes), the
    options of ``task`` and everything else. None means "the default": a None value is left out (with
    ``keep_none``, only a task option's: a parameter's None is then checked like any value)."""
    declared = {p.name: p for piece in takes for p in piece.PARAMS}
    options = {p.name: p for p in task.OPTIONS}
    every_option = {p.name for t in TASKS.values() for p in t.OPTIONS}
    given = {k: v for k, v in given.items() if v is not None or (keep_none and k not in every_option)}
    return Arguments(params={k: v for k, v in given.items() if k in declared},
                     options={k: v for k, v in given.items() if k in options and k not in declared},
                     others={k: v for k, v in given.items() if k not in declared and k not in options},
                     declared={**options, **declared})


class _NoTask(Task):
    """No task's options (a front end asking only for a method's parameters)."""

    NAME = "none"


NO_TASK = _NoTask()


def declared_by(name: str, also=()) -> tuple[str, str] | None:
    """Who declares ``name``, if anyone: ("method", its NAME) or ("task", its NAME); ``also``: more
    (kind, registry) pairs whose entries declare ``PARAMS``, asked first (counterfactuals: its generators)."""
    for kind, registry, field_ in (*((kind, registry, "PARAMS") for kind, registry in also),
                                   ("method", METHODS, "PARAMS"), ("task", TASKS, "OPTIONS")):
        owner = next((entry.NAME for entry in registry.values() if any(p.name == name for p in getattr(entry, field_))),
                     None)
        if owner is not None:
            return kind, owner
    return None


def own_params(cls: type[Method], values: Mapping) -> dict:
    """Of a set of values for many methods' parameters (the CLI's flags, the app's controls), the ones this
    method declares (given ones only): each method is handed only its own."""
    return read_arguments(values, NO_TASK, (cls,)).params


def split_arguments(method: type[Method], task: Task, given: dict) -> tuple[dict, dict]:
    """``explain``'s keyword arguments -> (the method's parameters, the task's options), each checked,
    defaults filled in. A name of neither is one sentence saying whose it is, if anyone's."""
    arguments = read_arguments(given, task, (method,), keep_none=True)
    for name in arguments.others:
        raise InputError(_not_ours(name, method, task, set(arguments.declared) - {p.name for p in method.PARAMS}))
    return resolve_params(method, arguments.params), task.options(arguments.options)


def _not_ours(name: str, method: type[Method], task: Task, options: set[str]) -> str:
    """The sentence for a keyword that is neither the method's parameter nor the task's option."""
    takes = ", ".join(f"{p.name} ({p.describe()})" for p in method.PARAMS) or "no parameters"
    owner = declared_by(name)
    if owner is not None and owner[0] == "method":
        return f"{name!r} is a parameter of {owner[1]}, not of {method.NAME}; {method.NAME} takes {takes}."
    if owner is not None and owner[0] == "task":
        return (f"{name!r} is an option of {owner[1]} models; this is {a_or_an(task.NAME)} model (it takes "
                f"{', '.join(options) or 'no options'}).")
    also = f"; a {task.NAME} model also takes the option{'s' if len(options) > 1 else ''} " \
        f"{', '.join(sorted(options))}" if options else ""
    return f"{name!r} is not a parameter of {method.NAME}; it takes {takes}{also}."
