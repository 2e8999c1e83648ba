"""The task registry. Adding a task is one file (a ``Task`` subclass) and one ``register_task`` line."""
from __future__ import annotations

from ..errors import InputError
from .base import Target, TargetSpec, Task
from .classification import Classification
from .embedding import Embedding
from .generation import Generation
from .zero_shot import ZeroShot

TASKS: dict[str, Task] = {}


def register_task(task: Task) -> Task:
    """Add a task instance under its ``NAME`` (a second task with the same name is refused)."""
    if not isinstance(task, Task) or not task.NAME:
        raise InputError("register_task takes an instance of a Task subclass with a NAME.")
    if task.NAME in TASKS and type(TASKS[task.NAME]) is not type(task):
        raise InputError(f"A task named {task.NAME!r} is already registered.")
    TASKS[task.NAME] = task
    return task


def unregister_task(name: str) -> None:
    """Remove a task registered from outside (tests and plugins that are unloaded); built-in ones stay."""
    if name in TASKS and type(TASKS[name]) not in BUILT_IN:
        del TASKS[name]


def get_task(name: object) -> Task:
    if not isinstance(name, str) or name not in TASKS:
        raise InputError(f"{name!r} is not a task; use one of {', '.join(TASKS)}.")
    return TASKS[name]


BUILT_IN = (Classification, ZeroShot, Embedding, Generation)
for _cls in BUILT_IN:
    register_task(_cls())

__all__ = ["TASKS", "Classification", "Embedding", "Generation", "Target", "TargetSpec", "Task", "ZeroShot", "get_task",
           "register_task", "unregister_task"]
