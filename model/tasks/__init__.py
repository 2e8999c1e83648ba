"""The task registry. Adding a task is one file (a ``Task`` subclass) and one ``register_task`` line."""
from __future__ import annotations

from ..errors import InputError
from ..registries import Registry
from .base import Target, TargetSpec, Task, Words
from .classification import Classification
from .embedding import Embedding
from .generation import Generation
from .zero_shot import ZeroShot


def _declaration(p) -> tuple:
    return (p.kind, p.low, p.high, tuple(p.choices), p.also)


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


def get_task(name: object) -> Task:
    return TASKS.named(name)


BUILT_IN = (Classification, ZeroShot, Embedding, Generation)
for _cls in BUILT_IN:
    register_task(_cls(), built_in=True)

__all__ = ["TASKS", "Classification", "Embedding", "Generation", "Target", "TargetSpec", "Task", "Words", "ZeroShot", "get_task",
           "register_task", "unregister_task"]
