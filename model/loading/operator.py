"""The operator's own folders (``python app.py --model PATH[:task]``, ``STUDIO_MODELS``): checked at
start-up and registered as models of the registry, so every tab of their task lists them. Only the
operator names a path; the page never takes one from its users."""
from __future__ import annotations

import os
import re

from ..errors import InputError
from ..registry import REGISTRY, register_model
from ..tasks import TASKS, task_name
from .builders import check_tokenizer
from .checkpoint import describe, inspect_checkpoint, load_checkpoint, serving_kind


def parse_folder_argument(text: str) -> tuple[str, str | None]:
    """``PATH[:task]`` (the operator's ``--model`` flag and ``STUDIO_MODELS``) -> (path, task or None). A
    folder followed by ``:`` and something that is not a task is one sentence saying so."""
    path, _, task = text.rpartition(":")
    if path and task_name(task) in TASKS:
        return path, task_name(task)
    if path and not os.path.exists(os.path.expanduser(text)) and os.path.isdir(os.path.expanduser(path)):
        raise InputError(f"{task!r} after ':' is not a task; give one of {', '.join(TASKS)}, or leave ':task' out to "
                         "infer it from the folder.")
    return text, None


def register_folder(path: str | os.PathLike, task: str | None = None, name: str | None = None):
    """Register a folder the operator named as a model of the registry: checked now (a refusal is one
    sentence at start-up), loaded on first use, listed by every tab of its task under the folder's name
    (made unique with -2, -3 ... if taken)."""
    checkpoint = inspect_checkpoint(path)
    chosen = task or checkpoint.task
    serving_kind(chosen, checkpoint, repr(checkpoint.path.name))
    check_tokenizer(checkpoint, checkpoint.path.name)
    base = re.sub(r"[^A-Za-z0-9_.-]+", "-", name or checkpoint.path.name).strip("-.")[:60] or "model"
    chosen_name, number = base, 1
    while chosen_name in REGISTRY:
        number += 1
        chosen_name = f"{base}-{number}"
    return register_model(chosen_name, task=chosen, origin="local", source=str(checkpoint.path),
                          description=f"{describe(checkpoint)}; a local folder ({checkpoint.path.name})",
                          load=lambda: load_checkpoint(checkpoint.path, task=chosen, name=chosen_name))


def register_folders(arguments) -> list:
    """Every ``PATH[:task]`` the operator gave (``--model``, ``STUDIO_MODELS``) registered; the first refused
    one is one sentence naming the argument."""
    specs = []
    for argument in arguments:
        path, task = parse_folder_argument(argument.strip())
        try:
            specs.append(register_folder(path, task))
        except ValueError as err:
            raise InputError(f"--model {argument}: {err}") from None
    return specs
