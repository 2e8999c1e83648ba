"""The GPU path's logic, checked on CPU: ZeroGPU's declarations are no-ops off Spaces (every handler
is the very function), their durations follow the request's budget, the warm-up runs no CUDA work
on ZeroGPU, and mixed precision is autocast on CUDA only (CPU forwards unchanged)."""
from __future__ import annotations

import contextlib
import sys
import types

import numpy as np
import pytest
import torch

from model import REGISTRY
from model.device import precision
from ui import gpu

HANDLERS = [("classify", "classify"), ("classify", "compare_methods"), ("classify", "counterfactual_search"),
            ("classify", "what_if"), ("zero_shot", "zero_shot"), ("zero_shot", "counterfactual_search"),
            ("zero_shot", "what_if"), ("embeddings", "embeddings"), ("embeddings", "explain_similarity"),
            ("attention", "attention"), ("attention", "follow_controls"), ("inside", "inside"),
            ("inside", "follow_controls"), ("inside", "inside_query"), ("dataset", "dataset")]


def fake_spaces(calls: list):
    """A ``spaces`` module whose GPU decorator records each call's duration, then runs the function."""
    def GPU(duration=None):  # noqa: N802 - spaces' own name
        def decorate(fn):
            def run(*args, **kwargs):
                calls.append(duration(*args, **kwargs))
                return fn(*args, **kwargs)
            return run
        return decorate
    return types.SimpleNamespace(GPU=GPU)


def test_off_spaces_every_handler_is_the_function_itself(monkeypatch):
    import importlib

    monkeypatch.setitem(sys.modules, "spaces", None)  # not installed: ``import spaces`` fails
    assert gpu.spaces_module() is None and not gpu.zerogpu()
    marker = object()
    assert gpu.work(marker) is marker
    monkeypatch.setitem(sys.modules, "spaces", types.SimpleNamespace(GPU=None))  # installed, but no GPU here
    monkeypatch.delenv("SPACES_ZERO_GPU", raising=False)
    assert not torch.cuda.is_available() and not gpu.zerogpu() and gpu.work(marker) is marker
    for module, name in HANDLERS:  # the handlers as built on this machine: no spaces.GPU wrapper
        fn = getattr(importlib.import_module(f"ui.{module}"), name)
        inner = fn.__wrapped__  # (under the one error wrapper, ``handler``)
        assert not hasattr(inner, "__wrapped__"), (module, name)


def test_on_zerogpu_the_handlers_declare_a_duration_from_their_budget(monkeypatch):
    calls: list = []
    monkeypatch.setitem(sys.modules, "spaces", fake_spaces(calls))
    monkeypatch.setenv("SPACES_ZERO_GPU", "true")
    assert gpu.zerogpu()

    def classify(text, model_name, method, target, seed, sort=True, progress=None, contrast=None, **values):
        return text, values

    declared = gpu.work(classify)
    assert declared is not classify and declared.__wrapped__ is classify  # Gradio still reads its signature
    assert declared("hello there", "intent-minilm", "shap", "", 0, max_evals=2000) == ("hello there",
                                                                                         {"max_evals": 2000})
    assert calls == [int(np.ceil(gpu.BASE_SECONDS + (2000 + gpu.SCORECARD) * gpu.SECONDS_PER_EVALUATION))] == [25]
    declared("word " * 2000, "intent-minilm", "lime", "", 0, num_samples=1000)  # 10,000 characters: 10 windows
    assert calls[-1] == int(np.ceil(20 + (1000 * 10 + 60) * 0.002)) == 41


@pytest.mark.parametrize("name, arguments, seconds", [
    ("classify", {"text": "short", "max_evals": 500}, 22),
    ("classify", {"text": "short", "steps": "auto"}, 21),  # IG: up to 256 path points
    ("classify", {"text": "short", "max_evals": "not a number"}, 22),
    ("compare_methods", {"text": "short", "methods": ["shap", "lime"], "max_evals": 500, "num_samples": 500}, 23),
    ("compare_methods", {"text": "short", "methods": ["shap", "lime"], "max_evals": 500}, 24),  # LIME's own budget
    ("dataset", {"limit": 100, "method": "shap", "max_evals": 500, "num_samples": 500, "score": True,
                 "compare": ["lime"]}, 244),
    ("classify", {"text": "short", "method": "lime", "max_evals": 10_000}, 23),  # another method's budget: not LIME's
    ("dataset", {"limit": 2000, "max_evals": 500}, 2020),  # needed; a call asks for at most limit_seconds()
    ("train_model", {"mode": "finetune", "epochs": 3}, 110),
    ("train_model", {"mode": "head"}, 30),
    ("counterfactual_search", {"text": "short"}, 21),
    ("what_if", {"text": "short", "max_evals": 500}, 23),
])
def test_durations(name, arguments, seconds, monkeypatch):
    assert gpu.need(name, arguments) == seconds
    assert gpu.duration(name, arguments) == min(60, seconds)  # ZeroGPU's default per call
    monkeypatch.setenv("STUDIO_GPU_SECONDS", "300")
    assert gpu.duration(name, arguments) == min(300, seconds)


def test_a_request_over_the_limit_is_one_sentence_pointing_to_the_cli(monkeypatch):
    from model.errors import InputError

    called = []
    spaces = types.SimpleNamespace(GPU=lambda duration: (lambda fn: fn))

    def dataset(path, limit=300, max_evals=500):
        called.append(limit)
        return "ran"

    declared = gpu.declare(dataset, spaces)
    assert declared("rows.csv", limit=10, max_evals=500) == "ran"  # 20 + 10 × 500 × 0.002 = 30 s
    with pytest.raises(InputError, match=r"needs about 520 s of GPU and a ZeroGPU call gets 60 s here: choose fewer "
                                         r"rows or a smaller budget, or run it with the command line"):
        declared("rows.csv", limit=500, max_evals=500)
    assert called == [10]
    monkeypatch.setenv("STUDIO_GPU_SECONDS", "600")
    assert declared("rows.csv", limit=500, max_evals=500) == "ran"


def test_the_warm_up_runs_no_cuda_work_on_zerogpu(monkeypatch):
    from ui import warm_up

    loaded, explained = [], []
    monkeypatch.setattr(gpu, "zerogpu", lambda: True)
    monkeypatch.setattr(warm_up, "load_model", lambda name: loaded.append(name) or types.SimpleNamespace(task="x"))
    monkeypatch.setattr(warm_up, "explain", lambda *a, **k: explained.append(a))
    monkeypatch.setattr(warm_up.embedding_charts, "warm_up", lambda: explained.append("umap"))
    warm = warm_up.WarmUp()
    warm._run()
    bundled = ["intent-minilm", "minilm-zeroshot", "minilm-embed"]  # (in the tabs' order; then the Entities tab's)
    assert loaded == bundled + (["rampart-pii"] if "rampart-pii" in REGISTRY else []) and explained == []
    assert warm.done.is_set()


def test_mixed_precision_is_autocast_on_cuda_only(intent_model):
    assert isinstance(precision(torch.device("cpu"), torch.float32), contextlib.nullcontext)
    assert isinstance(precision(torch.device("mps"), torch.float16), contextlib.nullcontext)
    with pytest.warns(UserWarning, match="CUDA is not available") if not torch.cuda.is_available() \
            else contextlib.nullcontext():
        on_cuda = precision(torch.device("cuda"), torch.bfloat16)
    assert isinstance(on_cuda, torch.autocast) and on_cuda.device == "cuda" and on_cuda.fast_dtype == torch.bfloat16
    on_cpu = precision(torch.device("cpu"), torch.bfloat16)  # only when STUDIO_DTYPE=bfloat16 asks
    assert isinstance(on_cpu, torch.autocast) and on_cpu.device == "cpu"
    assert all(p.dtype == torch.float32 for p in intent_model.network.parameters())  # weights: float32 anywhere
    if intent_model.device.type == "cuda":  # (scripts/gpu_check.sh): half precision by autocast only
        assert isinstance(intent_model.precision(), torch.autocast)
        return
    # the bundled model on CPU: no autocast, outputs as the bare network gives them
    assert intent_model.dtype == torch.float32 and isinstance(intent_model.precision(), contextlib.nullcontext)
    ids = [intent_model.tokenize("move 100 dollars to savings").ids]
    tensors = intent_model._tensors([list(ids[0])], None)
    with torch.inference_mode():
        bare = intent_model.network(**tensors).float().numpy()
    np.testing.assert_allclose(intent_model.forward(tensors), bare, atol=1e-5)


def test_bf16_autocast_on_cpu_stays_close_and_explanations_stay_float64(intent_model, monkeypatch):
    """What autocast changes (tried on CPU with bf16): the outputs move by bf16 rounding only, and what
    an explanation computes from them is still float64."""
    from explain import explain

    text = "move 100 dollars to my savings account"
    full = intent_model.predict([text])[0]
    monkeypatch.setattr(intent_model, "runtime", "torch")
    monkeypatch.setattr(intent_model, "dtype", torch.bfloat16)
    half = intent_model.predict([text])[0]
    assert np.abs(half - full).max() < 0.05 and int(np.argmax(half)) == int(np.argmax(full))
    e = explain(intent_model, text, "occlusion", cache=None)
    assert e.attributions.dtype == np.float64 and e.word_attributions.dtype == np.float64


def test_the_gpu_bench_explains_on_the_device_asked_and_compares(tmp_path, monkeypatch):
    """bench.gpu's pieces on CPU: one process's explanations (its device from STUDIO_DEVICE), and the
    table of the differences between two devices' dumps."""
    import json

    from bench import gpu as bench_gpu

    monkeypatch.setenv("STUDIO_DEVICE", "cpu")
    out = tmp_path / "cpu.json"
    bench_gpu.dump("cpu", ["set a timer for ten minutes"], str(out))
    data = json.loads(out.read_text())
    assert data["device"] == "cpu" and data["dtype"] == "torch.float32"
    assert [row["method"] for row in data["rows"]] == ["shap", "ig", "lime"]
    assert all(row["target"] == "timer" and len(row["attributions"]) == 8 for row in data["rows"])
    results = {"machine": "m", "device": "cuda:0", "dtype": "torch.bfloat16",
               "per_sentence": [{"method": "shap", "params": {"max_evals": 500}, "median_s": 0.0123}],
               "dataset": [{"engine": "Ray, 2 actors", "method": "shap", "rows_per_s": 41.26}],
               "fine_tune": {"examples_per_s": 812.4},
               "differences": [{"method": "shap", "max_relative_attribution_diff": 0.0123,
                                "median_relative_attribution_diff": 0.004, "max_probability_diff": 0.0021,
                                "same_target": True}]}
    text = bench_gpu.table(results)
    assert "(forwards in torch.bfloat16 autocast)" in text and "| shap {'max_evals': 500} | 12 ms |" in text
    assert "| Ray, 2 actors (shap) | 41.3 |" in text and "812 examples/s" in text
    assert "| shap | 1.23e-02 | 4.00e-03 | 2.10e-03 | True |" in text
