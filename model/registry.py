"""The registry of named models, and ``load_model`` with a per-process, thread-safe cache.

Adding a model is one ``ModelSpec`` entry. Names not in the registry are treated as Hugging Face
Hub ids (``owner/name``) and need ``task=``; they are validated so no name becomes a path or URL.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from . import loaders
from .base import ModelInfo, TextModel
from .errors import InputError
from .tasks import TASKS, get_task
from .validation import check_hub_id, check_revision


@dataclass(frozen=True)
class ModelSpec:
    """One registry entry: a short name users pick, and how to build it."""

    name: str
    task: str
    kind: str  # a key of _BUILDERS
    source: str  # the hub id (bundled models: where the weights came from)
    description: str
    bundled: bool = False


_BUILDERS: dict[str, Callable[..., TextModel]] = {
    "bundled-embedding": loaders.load_minilm_embed,
    "bundled-intent": loaders.load_intent_minilm,
    "bundled-similarity-zero-shot": loaders.load_minilm_zeroshot,
    "hub-classifier": loaders.load_hub_classifier,
    "hub-nli": loaders.load_hub_nli,
    "hub-embedding": loaders.load_hub_embedding,
}

REGISTRY: dict[str, ModelSpec] = {spec.name: spec for spec in [
    ModelSpec("intent-minilm", "classification", "bundled-intent", "sentence-transformers/all-MiniLM-L6-v2",
              "157 customer-support intents (CLINC150 + out-of-scope + 6 support intents): MiniLM + "
              "the rag-intent-classifier logistic-regression head. Offline.", bundled=True),
    ModelSpec("minilm-zeroshot", "zero-shot", "bundled-similarity-zero-shot", "sentence-transformers/all-MiniLM-L6-v2",
              "Zero-shot by embedding similarity between the text and 'This text is about {label}.'. Offline.",
              bundled=True),
    ModelSpec("minilm-embed", "embedding", "bundled-embedding", "sentence-transformers/all-MiniLM-L6-v2",
              "all-MiniLM-L6-v2 sentence embeddings (384-d, mean pooled, unit length). Offline.", bundled=True),
    ModelSpec("sst2-distilbert", "classification", "hub-classifier",
              "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
              "Positive / negative sentiment (SST-2). Needs the Hugging Face Hub."),
    ModelSpec("deberta-zeroshot", "zero-shot", "hub-nli", "MoritzLaurer/deberta-v3-base-zeroshot-v2.0",
              "NLI zero-shot with DeBERTa-v3-base. Needs the Hugging Face Hub."),
    ModelSpec("bart-mnli", "zero-shot", "hub-nli", "facebook/bart-large-mnli",
              "NLI zero-shot with BART-large (MNLI). Needs the Hugging Face Hub."),
    ModelSpec("mpnet-embed", "embedding", "hub-embedding", "sentence-transformers/all-mpnet-base-v2",
              "all-mpnet-base-v2 sentence embeddings (768-d). Needs the Hugging Face Hub."),
]}

_cache: dict[tuple, TextModel] = {}
_locks: dict[tuple, threading.Lock] = {}
_registry_lock = threading.Lock()


def list_models(task: str | None = None, bundled_only: bool = False) -> list[ModelSpec]:
    """Registry entries, bundled (offline) models first."""
    if task is not None:
        get_task(task)
    specs = [s for s in REGISTRY.values() if (task is None or s.task == task) and (s.bundled or not bundled_only)]
    return sorted(specs, key=lambda s: (not s.bundled, s.task, s.name))


def resolve(name: object, task: str | None = None) -> ModelSpec:
    """The spec for a registry name or a hub id (which must come with its task)."""
    if isinstance(name, str) and name in REGISTRY:
        spec = REGISTRY[name]
        if task is not None and task != spec.task:
            raise InputError(f"{name!r} is a {spec.task} model, not a {task} model.")
        return spec
    hub_id = check_hub_id(name)
    if task is None:
        raise InputError(f"{hub_id!r} is not a registry name; to load it from the Hub, also say its task ({', '.join(TASKS)}).")
    kind = get_task(task).HUB_KIND
    if kind is None:
        raise InputError(f"Models of the {task} task cannot be loaded from the Hub.")
    return ModelSpec(hub_id, task, kind, hub_id, f"{hub_id} from the Hugging Face Hub.")


def load_model(name: str, *, task: str | None = None, revision: str | None = None,
               cache_dir: str | None = None) -> TextModel:
    """Load a model once per process (concurrent first calls wait for the one load).

    ``name``: a registry name, a model trained in this process (``model.trained.TRAINED``), a
    folder saved by ``model.trained.save_trained`` (loaded afresh each call), or a Hub id with its task.
    """
    from .trained import TRAINED, is_trained_folder, load_trained

    if not (isinstance(name, str) and name in REGISTRY):
        trained = TRAINED.get(name)
        if trained is None and is_trained_folder(name):
            trained = load_trained(name, cache_dir=cache_dir)
        if trained is not None:
            if task is not None and task != trained.task:
                raise InputError(f"{trained.name!r} is a {trained.task} model, not a {task} model.")
            return trained
    spec = resolve(name, task)
    revision = check_revision(revision)
    key = (spec.name, spec.task, revision, cache_dir)
    with _registry_lock:
        if key in _cache:
            return _cache[key]
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key in _cache:
            return _cache[key]
        info = ModelInfo(name=spec.name, task=spec.task, source=spec.source, revision=revision,
                         description=spec.description)
        builder = _BUILDERS[spec.kind]
        model = builder(info) if spec.bundled else builder(info, revision=revision, cache_dir=cache_dir)
        with _registry_lock:
            _cache[key] = model
        return model


def is_loaded(name: str, *, task: str | None = None, revision: str | None = None,
              cache_dir: str | None = None) -> bool:
    """Whether ``load_model`` with these arguments would answer at once (the app says "loading" if not)."""
    from .trained import TRAINED

    if TRAINED.get(name) is not None:
        return True
    try:
        spec = resolve(name, task)
    except InputError:
        return False
    with _registry_lock:
        return (spec.name, spec.task, revision, cache_dir) in _cache
