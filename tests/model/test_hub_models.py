"""Any Hub model, typed by a user where the operator allows it: checked from the Hub's metadata before
any download, downloaded with progress into the Hub cache, kept in a bounded LRU. Offline: the metadata
comes from a stand-in reading the test-built Hub cache, the files from that cache."""
from __future__ import annotations

from pathlib import Path

import pytest

from model.errors import InputError, ModelUnavailable
from model.loading.hub_models import HubModels, RepoFacts, check_repo
from tests.tiny_models import snapshot_dir

TAGS = {"tiny/bert-nli": "zero-shot-classification", "tiny/distilbert-sst": "text-classification",
        "tiny/bert-embed": "sentence-similarity", "tiny/pickle-only": "text-classification",
        "tiny/bart-sst": "text-classification", "tiny/bart-nli": "zero-shot-classification"}


def local_facts(cache: str):
    """What the Hub's metadata says of each test repo, read from the files of the test-built cache."""
    def facts(repo_id: str, revision=None) -> RepoFacts:
        import json

        folder = snapshot_dir(Path(cache), repo_id)
        if not folder.is_dir():
            raise ModelUnavailable(f"{repo_id!r} was not found on the Hugging Face Hub.")
        files = list(folder.rglob("*"))
        config = json.loads((folder / "config.json").read_text())
        return RepoFacts(repo_id=repo_id, pipeline_tag=TAGS.get(repo_id), model_type=config.get("model_type"),
                         safetensors_bytes=sum(f.stat().st_size for f in files if f.suffix == ".safetensors"),
                         pickles=tuple(f.name for f in files if f.suffix == ".bin"), custom_code="auto_map" in config,
                         files=sum(f.is_file() for f in files))
    return facts


@pytest.fixture
def hub(hub_cache):
    return HubModels(max_models=2, cache_dir=hub_cache, facts=local_facts(hub_cache))


def test_a_typed_hub_id_is_checked_downloaded_and_loaded(hub):
    seen = []
    model = hub.get("tiny/distilbert-sst", "classification", progress=lambda done, total: seen.append((done, total)))
    assert model.labels == ["NEGATIVE", "POSITIVE"] and model.name == "tiny/distilbert-sst"
    assert seen[0] == (0, seen[-1][1]) and seen[-1][0] == seen[-1][1] > 0  # the download's progress, files of total
    assert hub.get("tiny/distilbert-sst", "classification") is model  # once
    assert hub.get("tiny/bert-nli", None).task == "zero-shot"  # the task from the Hub's tag where none is given


def test_what_the_metadata_refuses_is_refused_before_any_download(hub, monkeypatch):
    from model.loading import hub_models

    downloads = []
    monkeypatch.setattr(hub_models, "hub_snapshot", lambda *a, **k: downloads.append(a))
    with pytest.raises(ModelUnavailable, match=r"has no safetensors weights \(it has pytorch_model.bin"):
        hub.get("tiny/pickle-only", "classification")
    with pytest.raises(ModelUnavailable, match="is tagged text-classification on the Hub, not as a embedding model"):
        hub.get("tiny/distilbert-sst", "embedding")
    monkeypatch.setenv("STUDIO_MAX_MODEL_BYTES", "1000")
    with pytest.raises(ModelUnavailable, match="of weights; the limit is"):
        hub.get("tiny/bert-embed", "embedding")
    assert not downloads
    facts = RepoFacts("a/b", "text-classification", "t5", 10, (), False)
    with pytest.raises(ModelUnavailable, match="is a t5 model; the supported architectures are"):
        check_repo(facts, "classification", 10**9)
    with pytest.raises(ModelUnavailable, match="custom code"):
        check_repo(RepoFacts("a/b", "text-classification", "bert", 10, (), True), "classification", 10**9)


def test_paths_and_urls_are_never_hub_ids(hub):
    for typed in ("./tiny/distilbert-sst", "/etc/passwd", "../x", "https://evil.example/m", "a/../b"):
        with pytest.raises(InputError, match="neither a known model name nor a Hugging Face Hub id"):
            hub.get(typed, "classification")


def test_the_loaded_models_are_bounded(hub):
    hub.get("tiny/distilbert-sst", "classification")
    hub.get("tiny/bart-sst", "classification")
    hub.get("tiny/bert-embed", "embedding")
    assert hub.names() == ["tiny/bart-sst", "tiny/bert-embed"]  # the least recently used went first


def test_the_page_takes_typed_hub_ids_only_where_the_operator_allows(hub):
    from ui import models

    with pytest.raises(InputError, match="Choose one of the listed models"):
        models.resolve("tiny/distilbert-sst", "classification")
    models.allow_any_hub_model(hub)
    try:
        assert models.resolve("tiny/distilbert-sst", "classification").labels == ["NEGATIVE", "POSITIVE"]
        with pytest.raises(InputError):
            models.resolve("./tiny/distilbert-sst", "classification")  # a path: never
        lists = models.ModelLists(online=True)
        dropdown = lists.dropdown(("classification",))
        assert dropdown.allow_custom_value and "Hub id" in dropdown.info
    finally:
        models.allow_any_hub_model(None)
