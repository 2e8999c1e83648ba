"""The tiny test-built Hub models that several explain tests run on (one of each task, and a byte-level BART)."""
from __future__ import annotations

import pytest

from model import load_model


@pytest.fixture(scope="module")
def classifier(hub_cache):
    return load_model("tiny/distilbert-sst", task="classification", cache_dir=hub_cache)


@pytest.fixture(scope="module")
def nli(hub_cache):
    return load_model("tiny/bert-nli", task="zero-shot", cache_dir=hub_cache)


@pytest.fixture(scope="module")
def encoder(hub_cache):
    return load_model("tiny/bert-embed", task="embedding", cache_dir=hub_cache)


@pytest.fixture(scope="module")
def bart(hub_cache):
    return load_model("tiny/bart-sst", task="classification", cache_dir=hub_cache)
