"""The task registry. Adding a task is one file (a ``Task`` subclass) and one ``register_task`` line."""
from __future__ import annotations

from ..errors import InputError
from ..outputs import offered, on_change, output_option
from ..registries import Registry
from .base import Target, TargetSpec, Task, Words
from .classification import Classification
from .embedding import Embedding
from .generation import Generation
from .token_classification import TokenClassification
from .zero_shot import ZeroShot


def _declaration(p) -> tuple:
    """What must agree between two tasks' options of one name: the kind, and a number's range. A choice's values
    may differ (each task checks its own; the CLI's flag offers all of them, the page each task's)."""
    return (p.kind,) if p.kind == "choice" else (p.kind, p.low, p.high, p.also)


def _check_task(task: Task, tasks: Registry) -> None:
    """A task option's name means one thing in every task: the CLI's flags and the page's controls are one per
    name, and a value is checked against one declaration, so a name another task declares otherwise is refused
    (rather than namespaced: ``--threshold 2.5`` then means the same for every task that takes it)."""
    for option in task.OPTIONS:
        for other in tasks.values():
            theirs = next((q for q in other.OPTIONS if q.name == option.name), None)
            if theirs is not None and _declaration(theirs) != _declaration(option):
                raise InputError(f"Task {task.NAME!r}: option {option.name!r} is already task {other.NAME!r}'s "
                                 f"({theirs.describe()}); give it another name or the same declaration.")


TASKS: Registry[Task] = Registry("task", check=_check_task)


def register_task(task: Task, *, built_in: bool = False) -> Task:
    """Add a task instance under its ``NAME`` (a second task with the same name is refused)."""
    if not isinstance(task, Task) or not task.NAME:
        raise InputError("register_task takes an instance of a Task subclass with a NAME.")
    return TASKS.register(task, built_in=built_in)


def unregister_task(name: str) -> None:
    """Remove a task registered from outside (tests and plugins that are unloaded); built-in ones stay."""
    TASKS.unregister(name)


ALIASES = {"ner": "token-classification"}  # (the name transformers' pipeline also accepts)


def task_name(name: object) -> object:
    """A task's name, its alias read as the name it stands for."""
    return ALIASES.get(name, name) if isinstance(name, str) else name


def get_task(name: object) -> Task:
    return TASKS.named(task_name(name))


BUILT_IN = (Classification, ZeroShot, Embedding, Generation, TokenClassification)
for _cls in BUILT_IN:
    register_task(_cls(), built_in=True)


def _offer_outputs() -> None:
    """Each task's ``output`` option lists the outputs it offers now (an output registered from outside)."""
    for task in TASKS.values():
        declared = next((p for p in task.OPTIONS if p.name == "output"), None)
        if declared is not None and offered(task.NAME):
            task.OPTIONS = tuple(output_option(task.NAME, declared.default) if p.name == "output" else p
                                 for p in task.OPTIONS)


on_change(_offer_outputs)

__all__ = ["ALIASES", "TASKS", "Classification", "Embedding", "Generation", "Target", "TargetSpec", "Task",
           "TokenClassification", "Words", "ZeroShot", "get_task", "register_task", "task_name", "unregister_task"]
