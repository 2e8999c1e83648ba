"""Training a classifier: the head equals scikit-learn's LogisticRegression, reproducible, saved
and loaded exactly, a model like the others (explainers, store), bad input in one sentence."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from model import load_model
from model.errors import InputError
from model.loading.load import load_trained
from model.train import Settings, class_weights, fit_head, parse_pasted, prepare_examples, train
from model.train.retrain import record_of
from model.trained import TRAINED, TrainedStore, check_name, save_trained

ROOT = Path(__file__).resolve().parents[2]
TOPICS = {
    "fruit": ["apple", "banana", "cherry", "grape", "mango", "pear", "plum", "peach"],
    "vehicle": ["truck", "bus", "car", "bicycle", "train", "tram", "scooter", "van"],
    "weather": ["rain", "snow", "storm", "sunshine", "fog", "wind", "hail", "thunder"],
}
FRAMES = ["I saw a {} today", "the {} was right there", "tell me about the {}", "{} {} everywhere",
          "is that a {}?", "my favourite thing is the {}"]


def synthetic(seed: int = 0) -> tuple[list[str], list[str]]:
    """A separable set: each label's texts use only that label's words."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for label, words in TOPICS.items():
        for word in words:
            for frame in rng.choice(FRAMES, size=4, replace=False):
                texts.append(frame.format(*[word] * frame.count("{}")))
                labels.append(label)
    return texts, labels


@pytest.fixture(scope="module")
def tiny_encoder(hub_cache):
    return load_model("tiny/bert-embed", task="embedding", cache_dir=hub_cache)


def settings(**kwargs) -> Settings:
    return Settings(encoder="tiny/bert-embed", **kwargs)


# ----------------------------------------------------------------------------- data
def test_pasted_lines_split_at_the_last_comma():
    texts, labels, problems = parse_pasted("hello, world, greeting\n\nbye\tfarewell\nno label here\ntrailing,\n")
    assert texts == ["hello, world", "bye"] and labels == ["greeting", "farewell"]
    assert problems == ["line 4: no label after a comma", "line 5: no label after a comma"]


def test_examples_report_what_they_leave_out():
    examples = prepare_examples(["a", "a", " ", "b", "c", "d", "a"], ["x", "x", "y", "y", "x", "y", "y"])
    assert examples.texts == ("a", "b", "c", "d") and examples.labels == ("x", "y")
    assert examples.targets == (0, 1, 0, 1)
    assert examples.notes == ("1 empty text left out",
                              "2 duplicate texts left out (the first kept; 1 of them with a different label)")


@pytest.mark.parametrize("texts, labels, message", [
    (["a", "b", "c"], ["x", "x", "x"], "at least 2 different labels; this data has one"),
    (["a", "b", "c"], ["x", "x", "y"], "Every label needs at least 2 examples; 1 has one (first: 'y')"),
    (["a" * 2001, "b", "c", "d"], ["x", "x", "y", "y"], "Example 1 has 2,001 characters; the limit is 2,000"),
    (["a", "b"], ["x"], "two lists of the same length"),
    (["a"] * 5001, ["x"] * 5001, "5,001 examples were given; the limit is 5,000"),
    ([str(i) for i in range(202)], [f"l{i // 2}" for i in range(202)], "101 different labels were given; the limit"),
])
def test_bad_examples_are_one_sentence(texts, labels, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        prepare_examples(texts, labels)


def test_settings_and_names_are_checked():
    with pytest.raises(InputError, match="The mode must be 'head' or 'finetune'"):
        Settings(mode="full").check()
    with pytest.raises(InputError, match="l2 must be a number from 0 to 100"):
        Settings(l2=-1).check()
    with pytest.raises(InputError, match="1 to 40 letters, digits"):
        check_name("my model")
    with pytest.raises(InputError, match="1 to 40 letters, digits"):
        check_name("../escape")
    with pytest.raises(InputError, match="is the name of a built-in model"):
        check_name("intent-minilm")


# ----------------------------------------------------------------------------- the head's maths
@pytest.mark.parametrize("balanced", [False, True])
def test_the_head_is_scikit_learns_logistic_regression(balanced):
    """Same objective (C = 1 / (l2 * n)), so the same model: probabilities within 1e-5."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    x = rng.normal(size=(90, 12))
    y = np.repeat([0, 1, 2], [50, 25, 15])
    x[np.arange(90), y] += 1.0  # overlapping classes: the regularisation matters
    l2 = 0.01
    head, history = fit_head(x, y, 3, Settings(l2=l2, class_weights=balanced, epochs=200))
    reference = LogisticRegression(C=1 / (l2 * len(y)), class_weight="balanced" if balanced else None, tol=1e-12,
                                   max_iter=10_000).fit(x, y)
    with torch.no_grad():
        ours = torch.softmax(head(torch.from_numpy(x).float()), -1).numpy()
    np.testing.assert_allclose(ours, reference.predict_proba(x), atol=1e-5)
    assert history[-1].train_loss <= history[0].train_loss


@pytest.mark.parametrize("balanced", [False, True])
@pytest.mark.parametrize("l2", [0.01, 0.1])
def test_a_two_label_head_is_scikit_learns_with_twice_the_c(balanced, l2):
    """Two labels: scikit-learn fits one weight vector w with ||w||^2 / 2C, the head two rows with
    l2/2 ||W||^2; at the optimum W = [-w/2, w/2], so the head's penalty is half as strong and the two
    agree at C = 2 / (l2 * n), not 1 / (l2 * n) (off by up to 0.1 in probability there). The head keeps
    the same strength per weight row whatever the number of labels, and says so."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(2)
    x = rng.normal(size=(56, 10))
    y = np.repeat([0, 1], [36, 20])
    x[np.arange(56), y] += 0.8
    head, _ = fit_head(x, y, 2, Settings(l2=l2, class_weights=balanced, epochs=200))
    with torch.no_grad():
        ours = torch.softmax(head(torch.from_numpy(x).float()), -1).numpy()
    weights = "balanced" if balanced else None
    twice = LogisticRegression(C=2 / (l2 * len(y)), class_weight=weights, tol=1e-12, max_iter=10_000).fit(x, y)
    np.testing.assert_allclose(ours, twice.predict_proba(x), atol=1e-5)
    once = LogisticRegression(C=1 / (l2 * len(y)), class_weight=weights, tol=1e-12, max_iter=10_000).fit(x, y)
    assert np.abs(ours - once.predict_proba(x)).max() > 1e-3  # the 3+-label formula does not hold for two


def test_class_weights_are_balanced_like_scikit_learn():
    from sklearn.utils.class_weight import compute_class_weight

    y = np.array([0, 0, 0, 1, 2, 2])
    np.testing.assert_allclose(class_weights(y, 3, True), compute_class_weight("balanced", classes=np.arange(3), y=y))


# ----------------------------------------------------------------------------- training runs
def test_training_is_reproducible_and_saved_exactly(tiny_encoder, hub_cache, tmp_path):
    texts, labels = synthetic()
    examples = prepare_examples(texts, labels)
    seen = []
    first = train(examples, "tiny-topics", settings(), cache_dir=hub_cache, on_epoch=seen.append)
    second = train(examples, "tiny-topics", settings(), cache_dir=hub_cache)
    assert torch.equal(first.model.network.head.weight, second.model.network.head.weight)
    assert seen == first.history and all(e.heldout_accuracy is not None for e in seen)
    assert first.report.rows == 19 and sum(map(sum, first.report.confusion)) == 19  # 20% of 96, stratified
    paths = save_trained(first.model, tmp_path / "tiny-topics")
    assert sorted(p.name for p in paths) == ["model.safetensors", "studio-model.json", "training-rows.json"]
    config = json.loads(next(p for p in paths if p.name == "studio-model.json").read_text())
    assert (config["encoder"], config["labels"], config["head"], config["pooling"]) == \
           ("tiny/bert-embed", ["fruit", "vehicle", "weather"], [3, tiny_encoder.predict(["x"]).shape[1]], "mean")
    again = load_trained(tmp_path / "tiny-topics", cache_dir=hub_cache)
    probe = ["a plum and a van", "thunder", "nothing at all"]
    assert np.array_equal(again.predict(probe), first.model.predict(probe))
    kept, saved = record_of(again), record_of(first.model)  # the training rows travel with the model, exactly
    assert kept.texts == saved.texts and np.array_equal(kept.targets, saved.targets)
    assert np.array_equal(kept.heldout, saved.heldout) and np.array_equal(kept.features, saved.features)
    assert load_model(str(tmp_path / "tiny-topics"), cache_dir=hub_cache).labels == ["fruit", "vehicle", "weather"]


def test_a_saved_folder_is_checked(tmp_path, hub_cache):
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "studio-model.json").write_text('{"format": "pickle"}')
    with pytest.raises(InputError, match="is not a classifier saved by the studio"):
        load_trained(folder)


def test_finetune_changes_only_a_copy_and_reloads(tiny_encoder, hub_cache, tmp_path):
    texts, labels = synthetic()
    before = tiny_encoder.predict(texts[:3])
    steps = []
    result = train(prepare_examples(texts, labels), "tiny-ft", settings(mode="finetune", epochs=2, layers=1,
                                                                         learning_rate=1e-3),
                   cache_dir=hub_cache, on_step=lambda *a: steps.append(a))
    assert len(result.history) == 2 and steps[-1][0] == 2 and steps[-1][1] == steps[-1][2]
    assert np.array_equal(tiny_encoder.predict(texts[:3]), before)  # the shared encoder is untouched
    save_trained(result.model, tmp_path / "ft")
    again = load_trained(tmp_path / "ft", cache_dir=hub_cache)
    np.testing.assert_allclose(again.predict(texts[:5]), result.model.predict(texts[:5]), atol=1e-6)


def test_the_store_is_bounded_and_names_keep_their_owner(tiny_encoder, hub_cache):
    result = train(prepare_examples(*synthetic()), "owned", settings(holdout=0.0), cache_dir=hub_cache)
    store = TrainedStore(max_models=2)
    assert store.put("owned", result.model, owner="alice") == []
    with pytest.raises(InputError, match="was trained by someone else"):
        store.put("owned", result.model, owner="bob")
    store.put("owned", result.model, owner="alice")  # the owner may replace it
    store.put("second", result.model, owner="bob")
    store.get("owned")  # used: now the most recent
    assert store.put("third", result.model, owner="bob") == ["second"]
    assert store.names() == ["owned", "third"]


@pytest.mark.slow
def test_separable_data_on_minilm_is_learned_perfectly():
    texts, labels = synthetic()
    result = train(prepare_examples(texts, labels), "topics", Settings(holdout=0.25, seed=3))
    assert result.report.accuracy == 1.0 and result.report.rows == 24
    assert result.report.recall == [1.0, 1.0, 1.0]
    cross = train(prepare_examples(texts, labels), "topics", Settings(folds=4))
    assert cross.report.folds == [1.0] * 4 and cross.report.rows == len(texts)


@pytest.mark.slow
def test_every_explainer_works_on_a_trained_model():
    from explain import explain

    result = train(prepare_examples(*synthetic()), "topics-explained", Settings())
    TRAINED.put("topics-explained", result.model)
    try:
        model = load_model("topics-explained")
        assert model is result.model
        text = "I saw a mango and a storm today"
        shap = explain(model, text, "shap", max_evals=500, use_cache=False)
        assert abs(shap.attributions.sum() + shap.base_values[0] - shap.outputs[0]) < 1e-4
        lime = [explain(model, text, "lime", num_samples=300, seed=4, use_cache=False) for _ in range(2)]
        assert np.array_equal(lime[0].word_attributions, lime[1].word_attributions)
        attention = explain(model, text, "attention", use_cache=False)
        assert attention.attention.shape[:2] == (6, 12)
        ig = explain(model, text, "ig", use_cache=False)
        assert max(abs(g) for g in ig.meta["completeness_gap"]) < 0.05
    finally:
        TRAINED.remove("topics-explained")


@pytest.mark.slow
def test_cli_trains_and_saves(tmp_path):
    out = tmp_path / "cli-model"
    run = subprocess.run([sys.executable, "-m", "model.train", "--file", str(ROOT / "assets" / "intents_sample.csv"),
                          "--out", str(out), "--seed", "1"], capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert run.returncode == 0, run.stderr
    summary = json.loads(run.stdout)
    assert summary["report"]["rows"] == 60 and summary["report"]["accuracy"] > 0.8
    assert "held-out (60 rows) accuracy" in run.stderr
    model = load_model(str(out))
    assert model.name == "cli-model" and len(model.labels) == 30
    bad = tmp_path / "latin.csv"
    bad.write_bytes("text,label\ncaf\xe9,x\n".encode("latin-1"))
    from model.train.cli import main
    from tests.cli import run_cli

    run = run_cli(["--file", bad, "--out", tmp_path / "x"], cwd=ROOT, main=main)
    assert run.returncode == 2 and run.stderr.startswith("error: 'latin.csv' is not UTF-8 text")
