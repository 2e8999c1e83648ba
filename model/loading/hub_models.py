"""Any Hub model, typed by a user of the page, where the operator allows it (``--hub-models any``).

Before a byte of weights is downloaded the Hub's own metadata must show what the studio accepts:
safetensors weights under the size cap (``STUDIO_MAX_MODEL_BYTES``), no custom code, a supported
architecture, and a pipeline tag that fits the tab's task; otherwise the user gets one sentence.
The download reports its progress; the files go to the Hub cache (never a folder named by the user)
and then load as any local checkpoint (``model.loading.checkpoint``). Loaded models live in an LRU bounded by
count and by bytes of weights, so a public Space cannot be filled up by typing ids.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from ..base import TextModel
from ..errors import ModelUnavailable
from ..validation import check_hub_id, check_revision
from .checkpoint import NAMES, SUPPORTED, load_checkpoint, max_bytes_setting
from .hub import HUB_FILES, hub_error, hub_snapshot

# The Hub's pipeline tags that fit each task (an NLI classifier is tagged either way).
TASK_TAGS = {"classification": ("text-classification",),
             "zero-shot": ("zero-shot-classification", "text-classification"),
             "embedding": ("sentence-similarity", "feature-extraction"),
             "generation": ("text-generation",), "token-classification": ("token-classification",)}
MAX_MODELS = 4
MAX_BYTES = 4 * 2**30


@dataclass(frozen=True)
class RepoFacts:
    """What the Hub says of a repo, before anything is downloaded."""

    repo_id: str
    pipeline_tag: str | None
    model_type: str | None
    safetensors_bytes: int
    pickles: tuple[str, ...]
    custom_code: bool
    files: int = 0  # the files the download takes (configs, tokenizer, safetensors)


def repo_facts(repo_id: str, revision: str | None = None) -> RepoFacts:
    """The repo's metadata from the Hub (file sizes included); one sentence where the Hub does not answer."""
    from huggingface_hub import HfApi

    try:
        info = HfApi().model_info(repo_id, revision=revision, files_metadata=True, timeout=10)
    except Exception as err:  # noqa: BLE001 - every Hub failure becomes one sentence
        raise hub_error(repo_id, err) from err
    files = [(s.rfilename, s.size or 0) for s in info.siblings or []]
    config = info.config or {}
    taken = [name for name, _ in files if fnmatch_any(name, HUB_FILES)]
    return RepoFacts(repo_id=repo_id, pipeline_tag=info.pipeline_tag, model_type=config.get("model_type"),
                     safetensors_bytes=sum(size for name, size in files if name.endswith(".safetensors")),
                     pickles=tuple(name for name, _ in files if name.endswith((".bin", ".pt", ".pth", ".pkl"))),
                     custom_code="auto_map" in config, files=len(taken))


def fnmatch_any(name: str, patterns: list[str]) -> bool:
    from fnmatch import fnmatch

    return any(fnmatch(name, pattern) for pattern in patterns)


def check_repo(facts: RepoFacts, task: str, max_bytes: int) -> None:
    """The checks a repo passes before its download, each failure one sentence."""
    shown = facts.repo_id
    if facts.custom_code:
        raise ModelUnavailable(f"{shown!r} asks for custom code (auto_map), and the studio never runs code from a model.")
    if facts.safetensors_bytes == 0:
        also = f" (it has {facts.pickles[0]}, a pickle, which is never loaded)" if facts.pickles else ""
        raise ModelUnavailable(f"{shown!r} has no safetensors weights{also}, and only safetensors are loaded.")
    if facts.safetensors_bytes > max_bytes:
        raise ModelUnavailable(f"{shown!r} has {facts.safetensors_bytes / 2**30:.2f} GB of weights; the limit is "
                               f"{max_bytes / 2**30:.2f} GB.")
    if facts.model_type is not None and facts.model_type not in SUPPORTED:
        raise ModelUnavailable(f"{shown!r} is a {facts.model_type} model; the supported architectures are "
                               f"{', '.join(NAMES[t] for t in SUPPORTED)}.")
    if facts.pipeline_tag not in TASK_TAGS[task]:
        raise ModelUnavailable(f"{shown!r} is tagged {facts.pipeline_tag or 'with no task'} on the Hub, not as a "
                               f"{task} model ({' or '.join(TASK_TAGS[task])}).")


def _progress_class(report: Callable[[int, int], None] | None):
    """A tqdm class that reports the download's files done out of total to ``report``."""
    if report is None:
        return None
    from tqdm.auto import tqdm

    class Reporting(tqdm):
        def update(self, n=1):
            out = super().update(n)
            report(int(self.n), int(self.total or 0))
            return out

    return Reporting


class HubModels:
    """Models loaded from typed Hub ids, least recently used out first past ``max_models`` models or
    ``max_bytes`` of weights. ``facts``: how the Hub's metadata is read (tests give a local stand-in)."""

    def __init__(self, max_models: int = MAX_MODELS, max_bytes: int = MAX_BYTES, cache_dir: str | None = None,
                 facts: Callable[[str, str | None], RepoFacts] = repo_facts) -> None:
        self.max_models, self.max_bytes, self.cache_dir, self.facts = max_models, max_bytes, cache_dir, facts
        self._models: OrderedDict[tuple[str, str], tuple[TextModel, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[tuple[str, str], threading.Lock] = {}

    def get(self, repo_id: str, task: str | None, revision: str | None = None,
            progress: Callable[[int, int], None] | None = None) -> TextModel:
        """The model of ``repo_id`` as ``task`` (None: the task its Hub tag names): checked on the Hub,
        downloaded (progress: files done of total) and loaded once; then kept while it is among the most
        recently used."""
        repo_id, revision = check_hub_id(repo_id), check_revision(revision)
        if task is None:
            facts = self.facts(repo_id, revision)
            task = next((t for t, tags in TASK_TAGS.items() if facts.pipeline_tag in tags), None)
            if task is None:
                raise ModelUnavailable(f"{repo_id!r} is tagged {facts.pipeline_tag or 'with no task'} on the Hub, "
                                       "which is none of the studio's tasks.")
        key = (repo_id, task)
        with self._lock:
            if key in self._models:
                self._models.move_to_end(key)
                return self._models[key][0]
            lock = self._loading.setdefault(key, threading.Lock())
        with lock:
            with self._lock:
                if key in self._models:
                    return self._models[key][0]
            facts = self.facts(repo_id, revision)
            check_repo(facts, task, max_bytes_setting())
            if progress is not None:
                progress(0, facts.files)
            folder = hub_snapshot(repo_id, revision, self.cache_dir, _progress_class(progress))
            if progress is not None:
                progress(facts.files, facts.files)
            model = load_checkpoint(folder, task=task, name=repo_id, source=repo_id, revision=revision)
            with self._lock:
                self._models[key] = (model, facts.safetensors_bytes)
                while len(self._models) > 1 and (len(self._models) > self.max_models or
                                                 sum(size for _, size in self._models.values()) > self.max_bytes):
                    self._models.popitem(last=False)
            return model

    def names(self) -> list[str]:
        with self._lock:
            return [repo for repo, _ in self._models]

    def __contains__(self, key: tuple[str, str]) -> bool:
        with self._lock:
            return key in self._models
