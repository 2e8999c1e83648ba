"""Is the Hugging Face Hub reachable from here? Asked once (a TCP connect with a short timeout)
and remembered, so the app offers Hub models only where they can load, and an offline server
never makes a user wait for a download that cannot happen."""
from __future__ import annotations

import functools
import os
import socket
from urllib.parse import urlparse

PROBE_SECONDS = 3.0
HUB_TIMEOUT_SECONDS = 10  # what huggingface_hub waits for the Hub per request in the app (default 10 / 10)


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
