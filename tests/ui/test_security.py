"""Reliability and security of the running app: files, odd input, concurrency, faults."""
from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request

import numpy as np
import pytest
import torch
from gradio_client.exceptions import AppError

from model import load_model
from tests.explain.test_odd_input import ODD_TEXTS

CLASSIFY = ("intent-minilm", "shap", "", 0, True)
BUDGET = {"max_evals": 60}  # (classify with shap: only shap's own parameter)


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as err:
        return err.code


@pytest.mark.parametrize("path", [
    "../app.py", "app.py", "/etc/passwd", "..%2Fapp.py", "%2Fetc%2Fpasswd", ".env", "../.env", "model/registry.py",
    "assets/../app.py", "/proc/self/environ", "../../../../etc/passwd",
])
def test_no_file_outside_assets_is_served(launched, path):
    url = launched[1].rstrip("/")
    assert status(f"{url}/gradio_api/file={path}") in (403, 404)


def test_assets_are_served(launched):
    import app

    url = launched[1].rstrip("/")
    assert status(f"{url}/gradio_api/file={app.ASSETS / 'examples.json'}") == 200


@pytest.mark.parametrize("name", list(ODD_TEXTS))
def test_odd_text_through_the_ui(client, intent_model, name):
    """The UI answers exactly what the library answers for the same text."""
    label, bars, _, _, files = client.predict(ODD_TEXTS[name], *CLASSIFY, **BUDGET, api_name="/classify")
    expected = intent_model.predict([ODD_TEXTS[name]])[0]
    assert label["label"] == intent_model.labels[int(expected.argmax())]
    for item in label["confidences"]:
        assert abs(item["confidence"] - float(expected[intent_model.labels.index(item["label"])])) < 1e-5
    assert json.loads(bars["plot"])["data"][0]["type"] == "bar"


@pytest.mark.parametrize("api_name, args, needle", [
    ("/classify", ("", *CLASSIFY), "empty"),
    ("/classify", ("hi", "../../etc/passwd", "shap", "", 0, True), "not in the list of choices"),
    ("/zero_shot", ("a text", ",".join(f"l{i}" for i in range(21)), "", False, "minilm-zeroshot", "shap", 0),
     "limit"),
    ("/zero_shot", ("a text", " , ", "", False, "minilm-zeroshot", "shap", 0), "non-empty"),
    ("/embeddings", ("\n".join(f"text {i}" for i in range(51)), "minilm-embed", "pca"), "limit"),
    ("/explain_similarity", ("a text", "", "minilm-embed", "shap", 0), "empty"),
])
def test_bad_requests_get_one_sentence(client, api_name, args, needle):
    with pytest.raises(AppError) as err:
        client.predict(*args, api_name=api_name)
    message = str(err.value)
    assert needle in message and "Traceback" not in message


def test_twenty_concurrent_mixed_jobs_get_their_own_answers(client, intent_model, zeroshot_model):
    texts = ["transfer $100 to savings", "set a timer for five minutes", "what's the weather in Rome",
             "I want to talk to a human", "play some jazz music"]
    expected = {t: intent_model.labels[int(intent_model.predict([t])[0].argmax())] for t in texts}
    jobs = []
    for i in range(20):
        if i % 4 == 3:
            jobs.append(("zero", i, client.submit(f"the match ended {i} to nil", "sports, cooking", "", False,
                                                  "minilm-zeroshot", "attention", 0, api_name="/zero_shot")))
        else:
            text = texts[i % len(texts)]
            jobs.append(("intent", text, client.submit(text, "intent-minilm", "lime", "", i, True, num_samples=100,
                                                       api_name="/classify")))
    for kind, key, job in jobs:
        try:
            result = job.result(timeout=600)
        except AppError as err:  # the bounded queue may refuse work; it must say so
            assert "queue" in str(err).lower()
            continue
        if kind == "intent":
            assert result[0]["label"] == expected[key]
        else:
            assert result[0]["label"] == "sports"


def test_a_failing_model_leaves_the_app_serving(client, intent_model, monkeypatch):
    """Out of memory at every batch size: one clear error; the next request succeeds."""
    def out_of_memory(tensors):
        raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")

    monkeypatch.setattr(intent_model, "forward", out_of_memory)
    with pytest.raises(AppError, match="out of memory"):
        client.predict("book a flight to Paris", "intent-minilm", "lime", "", 11, True, num_samples=100,
                       api_name="/classify")
    monkeypatch.undo()
    label, *_ = client.predict("book a flight to Paris", "intent-minilm", "lime", "", 11, True, num_samples=100,
                               api_name="/classify")
    assert label["label"] == "book_flight"


def test_concurrent_first_use_of_a_model_loads_it_once(monkeypatch):
    from model import registry
    from model.loading import load as loading

    calls = []
    original = registry._BUILDERS["bundled-embedding"]

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(loading, "_cache", {})
    monkeypatch.setitem(registry._BUILDERS, "bundled-embedding", counting)
    barrier = threading.Barrier(6)
    results = []

    def worker():
        barrier.wait()
        results.append(load_model("minilm-embed"))

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and all(r is results[0] for r in results)
    assert np.isfinite(results[0].predict(["ok"])).all()


def test_missing_seed_is_one_sentence(client):
    with pytest.raises(AppError, match="[Ss]eed must be a whole number from 0 to 4,294,967,295"):
        client.predict("hello", "intent-minilm", "shap", "", None, True, max_evals=60, api_name="/classify")
