"""``load_model``: any model by name, once per process (thread-safe), from the registry, the models
trained in this process, a local folder given as a path, or the Hugging Face Hub.

This module sits above the registry and the trained-model store, which do not import each other
or it: it asks each where a name lives and builds the model (loading a trained folder's encoder
through itself).
"""
from __future__ import annotations

import os
import threading
from pathlib import Path

from ..base import TextModel, model_kind, served_as
from ..errors import InputError
from ..registries import a_or_an
from ..registry import REGISTRY, build, resolve
from ..tasks import Embedding, get_task, task_name
from ..trained import TRAINED, from_saved, is_trained_folder, read_saved
from ..validation import check_revision
from .checkpoint import is_path, load_checkpoint

_cache: dict[tuple, TextModel] = {}
_locks: dict[tuple, threading.Lock] = {}
_registry_lock = threading.Lock()


def load_model(name: str | os.PathLike, *, task: str | None = None, revision: str | None = None,
               cache_dir: str | None = None) -> TextModel:
    """Load a model once per process (concurrent first calls wait for the one load).

    ``name``: a registry name (bundled, registered, Hub), a model trained in this process
    (``model.trained.TRAINED``), a local folder given as a path (``Path(...)``, "./folder", an absolute
    path: a checkpoint written by ``save_pretrained``, a sentence-transformers folder, or a folder
    saved by the studio's training; see ``model.loading.checkpoint``), or a Hub id with its task. A Hub id is
    never read from the working directory, even where a folder of that name exists there.
    """
    task = task_name(task)  # ("ner": token-classification)
    if not (isinstance(name, str) and name in REGISTRY):
        trained = TRAINED.get(name) if isinstance(name, str) else None
        if trained is None and is_path(name) and is_trained_folder(Path(name).expanduser()):
            trained = load_trained(Path(name).expanduser(), cache_dir=cache_dir)  # (afresh: a folder can change)
        if trained is not None:
            if task is not None and task != trained.task:
                raise InputError(f"{trained.name!r} is {a_or_an(trained.task)} model, not {a_or_an(task)} model.")
            return trained
        if is_path(name):
            folder = Path(name).expanduser().resolve()
            return _cached(("folder", str(folder), task, fingerprint(folder)), lambda: load_checkpoint(folder, task=task))
    spec = resolve(name, task)
    revision = check_revision(revision)
    written = fingerprint(Path(spec.source)) if spec.origin == "local" else None  # (an operator's folder)
    model = _cached((spec.name, spec.task, revision, cache_dir, written), lambda: build(spec, revision, cache_dir))
    if task is None or task == spec.task:
        return model
    served = get_task(task)  # a registered model under another task that reads its kind of output
    if not served.serves(model):
        raise InputError(f"{spec.name!r} is {a_or_an(model_kind(model))} model; task {task!r} serves "
                         f"{' or '.join(served.kinds())} models.")
    return _cached((spec.name, task, revision, cache_dir, written),
                   lambda: served_as(model, name=spec.name, task=task))


def fingerprint(folder: Path) -> tuple:
    """What a folder holds, as the file system tells it cheaply: each file's path, size and modification time
    (weights, configs, tokenizer; sub-folders of a sentence-transformers folder included). A folder written
    anew (another model saved into it) has another fingerprint, so it is loaded anew."""
    seen = []
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for file in sorted(files):
            try:
                stat = os.stat(os.path.join(root, file))
            except OSError:
                continue
            seen.append((os.path.relpath(os.path.join(root, file), folder), stat.st_size, stat.st_mtime_ns))
        if len(seen) > MAX_FINGERPRINT_FILES:
            break
    return tuple(seen)


MAX_FINGERPRINT_FILES = 2_000


def _cached(key: tuple, make) -> TextModel:
    """The model under ``key``, made once: concurrent first calls wait for the one that makes it. A key whose
    last part is a folder's fingerprint replaces the folder's earlier loads (those files are gone)."""
    with _registry_lock:
        if key in _cache:
            return _cache[key]
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key in _cache:
            return _cache[key]
        model = make()
        with _registry_lock:
            for stale in [k for k in _cache if k[:-1] == key[:-1] and k != key and isinstance(k[-1], tuple)]:
                del _cache[stale]
                _locks.pop(stale, None)
            _cache[key] = model
        return model


def load_trained(folder: str | os.PathLike, *, cache_dir: str | None = None) -> TextModel:
    """A model saved by ``model.trained.save_trained``: its encoder loaded by name (registry or Hub
    id), the weights from safetensors."""
    config, tensors = read_saved(folder)
    encoder_model = load_model(config["encoder"], task=Embedding.NAME, cache_dir=cache_dir)
    return from_saved(folder, config, tensors, encoder_model)


def is_loaded(name: str, *, task: str | None = None, revision: str | None = None,
              cache_dir: str | None = None) -> bool:
    """Whether ``load_model`` with these arguments would answer at once (the app says "loading" if not)."""
    if TRAINED.get(name) is not None:
        return True
    try:
        spec = resolve(name, task)
    except InputError:
        return False
    written = fingerprint(Path(spec.source)) if spec.origin == "local" else None
    with _registry_lock:
        return (spec.name, task or spec.task, revision, cache_dir, written) in _cache


def forget(name: str) -> None:
    """Drop every cached load of ``name`` (a plugin model unregistered, a test's stand-in)."""
    with _registry_lock:
        for key in [k for k in _cache if k[0] == name]:
            del _cache[key]
