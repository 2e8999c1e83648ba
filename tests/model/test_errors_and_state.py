"""Errors a caller can tell apart, and no hidden shared state (attention switch, logging)."""
from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from model import BudgetExceeded, InputError, ModelUnavailable, ResourceExhausted, load_model
from model.locks import SharedLock
from tests.tiny_models import COMMIT

ROOT = Path(__file__).resolve().parents[2]


def test_error_types_are_value_errors():
    for kind in (InputError, ModelUnavailable, BudgetExceeded, ResourceExhausted):
        assert issubclass(kind, ValueError)


def test_each_cause_raises_its_own_type(hub_cache, monkeypatch):
    from explain import explain

    model = load_model("tiny/bert-embed", task="embedding", cache_dir=hub_cache)
    with pytest.raises(InputError):
        model.predict("")
    with pytest.raises(InputError):
        explain(model, "a cat", "shap")  # no pair
    with pytest.raises(ModelUnavailable, match="not available offline"):
        load_model("someone/absent-model", task="classification")
    with pytest.raises(ModelUnavailable, match="safetensors"):
        load_model("tiny/pickle-only", task="classification", cache_dir=hub_cache)
    with pytest.raises(ModelUnavailable, match="not an NLI model"):
        load_model("tiny/distilbert-sst", task="zero-shot", cache_dir=hub_cache)
    with pytest.raises(BudgetExceeded, match="time budget"):
        explain(model, "a cat is very good", "lime", pair="a dog", num_samples=500, seconds=1e-9, cache=None)

    def out_of_memory(tensors):
        raise torch.OutOfMemoryError("CUDA out of memory.")

    monkeypatch.setattr(model, "forward", out_of_memory)
    with pytest.raises(ResourceExhausted, match="out of memory"):
        model.predict(["a cat"])


def test_shared_lock_excludes_forwards_while_switching():
    lock, events = SharedLock(), []

    def reader(name):
        with lock.shared():
            events.append(("in", name))
            time.sleep(0.05)
            events.append(("out", name))

    def writer():
        with lock.exclusive():
            events.append(("in", "w"))
            time.sleep(0.05)
            events.append(("out", "w"))

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(3)] + [threading.Thread(target=writer)]
    threads += [threading.Thread(target=reader, args=(i,)) for i in range(3, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    inside = set()
    for kind, name in events:
        if kind == "in":
            assert "w" not in inside and (name != "w" or not inside)  # the writer is always alone
            inside.add(name)
        else:
            inside.discard(name)


def test_attention_and_shap_from_threads_equal_sequential_results(hub_cache, monkeypatch):
    """An SDPA model switches to eager for attention weights; concurrent forwards never see the switch."""
    from explain import explain
    from model.loading import builders

    monkeypatch.setattr(builders, "attention_impl", lambda: "sdpa")
    model = load_model("tiny/bert-embed", task="embedding", revision=COMMIT, cache_dir=hub_cache)
    assert model.transformer.config._attn_implementation == "sdpa"
    monkeypatch.setattr(model, "runtime", "torch")  # forwards go through the shared PyTorch network
    texts = [f"the movie number {i} was very good and the food was awful" for i in range(6)]
    expected_attention = [explain(model, t, "attention", cache=None).attention for t in texts]
    expected_shap = [explain(model, t, "shap", pair="a cat", max_evals=300, cache=None).attributions for t in texts]
    results, errors = {}, []

    def work(kind, i):
        try:
            for _ in range(3):
                if kind == "attention":
                    results[kind, i] = explain(model, texts[i], "attention", cache=None).attention
                else:
                    results[kind, i] = explain(model, texts[i], "shap", pair="a cat", max_evals=300,
                                               cache=None).attributions
        except Exception as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=work, args=(kind, i)) for i in range(6) for kind in ("attention", "shap")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for i in range(6):
        np.testing.assert_array_equal(results["attention", i], expected_attention[i])
        np.testing.assert_allclose(results["shap", i], expected_shap[i], atol=1e-6, rtol=0)
    assert model.transformer.config._attn_implementation == "sdpa"


def test_importing_the_project_changes_no_global_logging():
    code = ("import logging; from transformers.utils import logging as hf\n"
            "before = (hf.get_verbosity(), hf.is_progress_bar_enabled(), list(logging.root.handlers))\n"
            "import model, explain, explain.charts.explanation, app\n"
            "after = (hf.get_verbosity(), hf.is_progress_bar_enabled(), list(logging.root.handlers))\n"
            "assert before == after, (before, after); print('ok')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr
