"""explain_many: same explanations as explain, fewer and fuller model calls; the SHAP first batch."""
from __future__ import annotations

import json

import numpy as np
import pytest

from explain import explain, explain_many
from model.errors import BudgetExceeded
from tests.cli import run_cli

TEXTS = ["the movie was very good", "the food was awful and the service slow",
         "good", "awful awful weather today, but a good book and a warm fire"]


class Rows:
    """Counts the model calls and rows that reach ``predict_ids``."""

    def __init__(self, model):
        self.model, self.calls, self.rows = model, 0, 0
        self._predict = model.predict_ids

    def __call__(self, id_batch, *args, **kwargs):
        self.calls += 1
        self.rows += len(id_batch)
        return self._predict(id_batch, *args, **kwargs)


@pytest.mark.parametrize("method, kwargs", [("shap", {"max_evals": 500}), ("shap", {"max_evals": 40}),
                                            ("lime", {"num_samples": 300})])
def test_many_equals_one_by_one_with_fewer_calls(additive, monkeypatch, method, kwargs):
    counter = Rows(additive)
    monkeypatch.setattr(additive, "predict_ids", counter)
    singles, calls = [], []
    for text in TEXTS:
        counter.calls = 0
        singles.append(explain(additive, text, method, target="score", use_cache=False, **kwargs))
        calls.append(counter.calls)
    counter.calls = 0
    many = explain_many(additive, TEXTS, method, target="score", use_cache=False, **kwargs)
    assert [e.text for e in many] == TEXTS
    for one, other in zip(singles, many):
        np.testing.assert_allclose(other.attributions, one.attributions, atol=1e-12)
        np.testing.assert_allclose(other.base_values, one.base_values, atol=1e-12)
        assert other.meta["model_evaluations"] == one.meta["model_evaluations"]
    # in lockstep, the explanation with the most rounds sets the number of calls; the rest ride along
    assert counter.calls <= max(calls) < sum(calls)


def test_memory_cap_runs_big_explanations_one_at_a_time(additive, monkeypatch):
    import explain.runner

    monkeypatch.setattr(explain.runner, "MAX_PENDING_ROWS", 50)
    counter = Rows(additive)
    monkeypatch.setattr(additive, "predict_ids", counter)
    many = explain_many(additive, TEXTS[:3], "lime", target="score", num_samples=100, use_cache=False)
    # LIME asks for all its samples at once (> 50 rows): the target call, then one call per text
    assert counter.calls == 1 + 3 and [e.text for e in many] == TEXTS[:3]


def test_ground_truth_holds_for_every_text(additive):
    for e in explain_many(additive, TEXTS, "shap", target="score", max_evals=5000, use_cache=False):
        assert e.meta["partition_tree_exhausted"]
        tokenized = additive.tokenize(e.text)
        truth = [0.0 if special else additive.weights[i] for i, special in zip(tokenized.ids, tokenized.special)]
        np.testing.assert_allclose(e.attributions[:, 0], truth, atol=1e-9)


def test_an_exhausted_tree_is_one_model_call(additive, monkeypatch):
    """Every mask of a tree that fits max_evals is known in advance: one batch after the target's."""
    counter = Rows(additive)
    monkeypatch.setattr(additive, "predict_ids", counter)
    e = explain(additive, TEXTS[3], "shap", target="score", max_evals=2000, use_cache=False)
    assert e.meta["partition_tree_exhausted"] and counter.calls == 2
    assert counter.rows == e.meta["model_evaluations"]


def test_shared_inputs_reach_the_model_once(additive, monkeypatch):
    """Equal-length texts share their fully masked input (and more): fewer rows than evaluations."""
    counter = Rows(additive)
    monkeypatch.setattr(additive, "predict_ids", counter)
    texts = ["good movie", "bad movie", "good food", "bad food"]
    many = explain_many(additive, texts, "shap", target="score", use_cache=False)
    assert counter.rows < sum(e.meta["model_evaluations"] for e in many)


def test_real_model_many_equals_one(intent_model):
    texts = ["transfer $200 from checking to savings", "set a timer for ten minutes",
             "my card was declined at the grocery store and I am really annoyed about it"]
    many = explain_many(intent_model, texts, "shap", max_evals=200, use_cache=False, window=2)
    for text, other in zip(texts, many):
        one = explain(intent_model, text, "shap", max_evals=200, use_cache=False)
        assert other.targets == one.targets
        np.testing.assert_allclose(other.attributions, one.attributions, atol=1e-5)


def test_cached_texts_are_not_rerun(additive, monkeypatch):
    first = explain(additive, TEXTS[0], "lime", target="score", num_samples=100, seed=4)
    counter = Rows(additive)
    monkeypatch.setattr(additive, "predict_ids", counter)
    many = explain_many(additive, [TEXTS[0], TEXTS[1]], "lime", target="score", num_samples=100, seed=4)
    assert many[0].meta["cached"] is True and many[1].meta["cached"] is False
    np.testing.assert_array_equal(many[0].attributions, first.attributions)
    assert counter.rows == many[1].meta["model_evaluations"]


@pytest.mark.parametrize("texts, kwargs, needle", [
    (["fine", "   "], {}, "position 1"),
    ([], {}, "empty"),
    ("not a list of texts but one", {"window": 0}, "window"),
    (["fine"], {"seconds": -1}, "seconds"),
    (["fine"], {"method": "nope"}, "not a method"),
])
def test_bad_requests_are_one_sentence(additive, texts, kwargs, needle):
    with pytest.raises(ValueError, match=needle) as info:
        explain_many(additive, texts, kwargs.pop("method", "shap"), target="score", **kwargs)
    assert "\n" not in str(info.value)


def test_budget_covers_the_whole_call(intent_model):
    with pytest.raises(BudgetExceeded, match="time budget"):
        explain_many(intent_model, TEXTS, "lime", num_samples=2000, seconds=1e-6, use_cache=False)


def test_progress_is_reported_and_bounded(additive):
    seen = []
    explain_many(additive, TEXTS, "lime", target="score", num_samples=100, use_cache=False,
                 progress=lambda done, planned: seen.append((done, planned)))
    assert seen and all(0 <= done <= planned <= 400 for done, planned in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert seen[0] == (0, 400)  # the bar is at this phase from its start...
    assert seen[-1][0] == seen[-1][1] > 0  # ...and full at its end (LIME needed fewer than planned: no stale "left")


@pytest.mark.slow
def test_cli_explains_a_file_as_json_lines(tmp_path):
    path = tmp_path / "texts.txt"
    path.write_text("set a timer for ten minutes\n\n  what is my balance  \n", encoding="utf-8")
    run = run_cli(["--file", path, "--method", "lime", "--num-samples", "100", "--no-attention"])
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert [json.loads(line)["text"] for line in lines] == ["set a timer for ten minutes", "what is my balance"]
    missing = run_cli(["--file", tmp_path / "nope.txt"])
    assert missing.returncode == 2 and missing.stderr.startswith("error: Cannot read")
    assert missing.stderr.count("\n") == 1
    both = run_cli(["--file", path, "--text", "hi"])
    assert both.returncode == 2 and "not both" in both.stderr


def test_one_big_batch_reports_progress_as_it_goes(additive, monkeypatch):
    """SHAP sends its whole tree at once; the runner still reports after every chunk of rows."""
    from explain import runner

    real_run = runner.run
    monkeypatch.setattr("explain.api.run", lambda *a, **k: real_run(*a, **{**k, "chunk_rows": 16}))
    seen = []
    e = explain(additive, TEXTS[3], "shap", target="score", max_evals=2000, cache=None,
                progress=lambda done, planned: seen.append((done, planned)))
    assert e.meta["partition_tree_exhausted"] and len(seen) >= e.meta["model_evaluations"] // 16
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and seen[-1][0] == e.meta["model_evaluations"] - 1
