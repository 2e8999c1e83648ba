"""The Hugging Face Hub: whether it answers (asked once, so the app offers Hub models only where they
can load and an offline server never makes a user wait), its files fetched into the Hub cache
(configs, tokenizer, safetensors: never pickles), and every Hub failure as one sentence."""
from __future__ import annotations

import functools
import os
import socket
from urllib.parse import urlparse

from ..base import ModelInfo, TextModel
from ..errors import ModelUnavailable
from .checkpoint import load_checkpoint

PROBE_SECONDS = 3.0
HUB_TIMEOUT_SECONDS = 10  # what huggingface_hub waits for the Hub per request in the app (default 10 / 10)
HUB_FILES = ["*.json", "*.safetensors", "*.txt", "*.model", "*/*.json", "*/*.safetensors", "*/*.txt", "*/*.model"]


def offline_by_setting() -> bool:
    return any(os.environ.get(name, "").strip() not in ("", "0") for name in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


@functools.lru_cache(maxsize=1)
def hub_reachable(timeout: float = PROBE_SECONDS) -> bool:
    """True if the Hub endpoint (``HF_ENDPOINT`` or huggingface.co) accepts a connection."""
    if offline_by_setting():
        return False
    endpoint = urlparse(os.environ.get("HF_ENDPOINT") or "https://huggingface.co")
    try:
        with socket.create_connection((endpoint.hostname or "huggingface.co", endpoint.port or 443), timeout=timeout):
            return True
    except OSError:
        return False


def limit_hub_waits(seconds: int = HUB_TIMEOUT_SECONDS) -> None:
    """Cap how long one Hub request may take, so a Hub model that fails does so within seconds."""
    from huggingface_hub import constants

    constants.HF_HUB_ETAG_TIMEOUT = min(constants.HF_HUB_ETAG_TIMEOUT, seconds)
    constants.HF_HUB_DOWNLOAD_TIMEOUT = min(constants.HF_HUB_DOWNLOAD_TIMEOUT, seconds)


def _causes(err: BaseException) -> list[BaseException]:
    """The exception and what it was raised from (transformers wraps Hub errors in OSError)."""
    chain: list[BaseException] = []
    while err is not None and err not in chain:
        chain.append(err)
        err = err.__cause__ or err.__context__
    return chain


def hub_error(source: str, err: Exception) -> ModelUnavailable:
    from huggingface_hub.errors import (
        EntryNotFoundError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    chain = _causes(err)
    text = " ".join(str(e) for e in chain).lower()
    if "safetensors" in text:  # transformers says so only in its message
        return ModelUnavailable(f"{source!r} has no safetensors weights, and only safetensors are loaded.")
    # LocalEntryNotFoundError is an EntryNotFoundError: the offline case is told apart first.
    if any(isinstance(e, (OfflineModeIsEnabled, LocalEntryNotFoundError)) for e in chain) \
            or os.environ.get("HF_HUB_OFFLINE", "").strip() not in ("", "0"):
        return ModelUnavailable(f"{source!r} is not available offline: it is not in the local cache and the Hugging Face "
                                "Hub cannot be reached.")
    if any(isinstance(e, (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError)) for e in chain):
        return ModelUnavailable(f"{source!r} was not found on the Hugging Face Hub, or it lacks the files this task needs.")
    if any(isinstance(e, (ConnectionError, TimeoutError)) for e in chain) or "connect" in text or "offline" in text:
        return ModelUnavailable(f"{source!r} is not available: the Hugging Face Hub cannot be reached from here.")
    if "does not appear to have" in text or "not a valid model" in text:
        return ModelUnavailable(f"{source!r} was not found on the Hugging Face Hub, or it lacks the files this task needs.")
    return ModelUnavailable(f"{source!r} could not be loaded: {str(err).splitlines()[0][:200]}")


def hub_snapshot(repo_id: str, revision: str | None, cache_dir: str | None, progress=None) -> str:
    """The repo's files (configs, tokenizer, safetensors: never pickles) in the Hub cache, downloaded where
    the Hub answers; the folder is the cache's snapshot, never a folder of the working directory that
    happens to share the id's name. ``progress``: a tqdm class for the download's progress bar."""
    from huggingface_hub import snapshot_download

    try:
        return snapshot_download(repo_id, revision=revision, cache_dir=cache_dir, allow_patterns=HUB_FILES,
                                 tqdm_class=progress)
    except Exception as err:  # noqa: BLE001 - every Hub failure becomes one sentence
        raise hub_error(repo_id, err) from err


def load_from_hub(info: ModelInfo, revision: str | None = None, cache_dir: str | None = None) -> TextModel:
    """The Hub model ``info.source`` as ``info.task``: its files fetched into the Hub cache, then loaded as
    any checkpoint folder (``model.loading.checkpoint``)."""
    folder = hub_snapshot(info.source, revision, cache_dir)
    return load_checkpoint(folder, task=info.task, name=info.name, source=info.source, revision=revision)
