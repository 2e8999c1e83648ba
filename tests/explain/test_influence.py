"""Which training examples made a prediction: the head's exact maths (Hessian-vector products against
autograd, the representer decomposition against the logits), influence against really retraining
without each row, mislabelled rows found, the rows travelling with a saved model."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score

from explain import influence, self_influence
from explain.influence.head import HeadProblem
from model.errors import InputError

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]
TEXT = "please move two hundred dollars into my savings account"


def tiny_problem(seed: int = 0, n: int = 40, d: int = 6, k: int = 3, l2: float = 0.05) -> HeadProblem:
    from model.train import Settings, fit_head

    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d))
    y = rng.integers(0, k, size=n)
    head, _ = fit_head(x, y, k, Settings(l2=l2, epochs=200))
    return HeadProblem.of(x, y, head.weight.detach().double().numpy(), head.bias.detach().double().numpy(), l2,
                          False).prepare()


def test_the_hessian_vector_product_and_the_solve_are_exact():
    problem = tiny_problem()
    W = torch.tensor(problem.W, requires_grad=True)
    x, y, n = torch.tensor(problem.x), torch.tensor(problem.y), problem.n

    def loss(w):  # the head's objective, as fit_head minimises it (the bias unpenalised)
        ce = torch.nn.functional.cross_entropy(x @ w.T, y, reduction="sum") / n
        return ce + 0.5 * problem.l2 * (w[:, :-1] ** 2).sum()

    v = np.random.default_rng(1).normal(size=problem.W.shape)
    expected = torch.autograd.functional.hvp(loss, W, torch.tensor(v))[1].numpy()
    np.testing.assert_allclose(problem.hvp(v), expected, atol=1e-12)
    v = problem.in_range(v)  # (adding one number to every bias changes no probability: H is singular there)
    solved, iterations = problem.solve(v)
    np.testing.assert_allclose(problem.hvp(solved), v, atol=1e-7)
    assert iterations < 100


def test_the_representer_decomposition_is_the_logits():
    """At the optimum W = -(1/(λn)) Σ w_i (p_i - y_i) x_iᵀ: the rows' parts add up to the logits less the bias."""
    problem = tiny_problem(seed=2)
    alpha = -problem.residuals() / (problem.l2 * problem.n)
    query = np.random.default_rng(3).normal(size=problem.x.shape[1] - 1)
    logits = problem.W[:, :-1] @ query
    np.testing.assert_allclose(alpha.T @ (problem.x[:, :-1] @ query), logits, atol=1e-5)


@pytest.fixture(scope="module")
def cli_model(tmp_path_factory):
    """A head trained by the CLI on 40 rows of 4 intents, loaded back from its folder."""
    from model import load_model
    from model.rows import read_rows
    from model.train.cli import main
    from tests.cli import run_cli

    rows = [r for r in read_rows(ROOT / "assets" / "intents_sample.csv", text_column="text", label_column="label")]
    keep = sorted({r.label for r in rows})[:4]
    folder = tmp_path_factory.mktemp("influence")
    data = folder / "four.csv"
    data.write_text("text,label\n" + "".join(f'"{r.text}",{r.label}\n' for r in rows if r.label in keep),
                    encoding="utf-8")
    ran = run_cli(["--file", data, "--out", folder / "model", "--holdout", "0.2"], main=main)
    assert ran.returncode == 0, ran.stderr
    return load_model(str(folder / "model"))


def test_influence_ranks_the_rows_as_retraining_without_each_does(cli_model):
    """The exact method against the truth: each trained row removed and the head retrained the same way."""
    from model.train import retrain_without

    found = influence(cli_model, TEXT)
    target = cli_model.labels.index(found.target)
    before = np.log(cli_model.predict([TEXT])[0][target])
    truth = [before - np.log(retrain_without(cli_model, [i]).predict([TEXT])[0][target]) for i in found.indices]
    assert spearmanr(found.scores, truth).correlation >= 0.9
    from explain.charts.influence import estimate_vs_retraining, fitted_slope

    slope = fitted_slope(found.scores, truth)  # the size, beside the ranking: least squares through the origin
    assert slope == pytest.approx(float(np.dot(found.scores, truth) / np.dot(found.scores, found.scores)), rel=1e-12)
    rows = [{"score": float(v), "index": int(i), "text": "t", "label": "l"} for v, i in zip(found.scores, found.indices)]
    chart = estimate_vs_retraining(rows, truth, "influence", found.target)
    assert f"{slope:.2f} × the estimate" in chart.layout.title.subtitle.text
    np.testing.assert_allclose(np.array(chart.data[2].y) / np.array(chart.data[2].x), slope)
    assert fitted_slope([0.0, 0.0], [1.0, 2.0]) is None and fitted_slope([1.0, 2.0], [2.5, 5.0]) == pytest.approx(2.5)
    assert len(found.indices) == 32 and found.rows and found.rows[0]["score"] > 0  # (8 held-out rows excluded)
    assert {r["label"] for r in found.rows if r["score"] > 0} >= {found.target}
    for method in ("representer", "knn"):
        other = influence(cli_model, TEXT, method=method, top=3)
        assert other.scores.shape == found.scores.shape and len(other.rows) <= 6
    with pytest.raises(InputError, match="TracIn needs a fine-tuned model"):
        influence(cli_model, TEXT, method="tracin")
    with pytest.raises(InputError, match="is not a row the model was trained on"):
        retrain_without(cli_model, [int(np.flatnonzero(cli_model.trained["record"].heldout)[0])])


def test_leave_one_out_has_the_size_of_retraining_where_first_order_influence_does_not(cli_model):
    """The truth: each of the 30 strongest rows removed and the head really retrained. Leave-one-out (a Newton step
    on the left-out problem) matches it in size; first-order influence ranks alike but is far too small."""
    from explain.charts.influence import fitted_slope
    from explain.influence.features import features_of, prepared_problem
    from model.train import retrain_without

    loo, first = influence(cli_model, TEXT, method="leave_one_out"), influence(cli_model, TEXT, method="influence")
    assert loo.target == first.target and np.array_equal(loo.indices, first.indices)
    t = cli_model.labels.index(loo.target)
    before = np.log(cli_model.predict([TEXT])[0][t])
    strongest = np.argsort(-np.abs(first.scores))[:30]
    truth = np.array([before - np.log(retrain_without(cli_model, [loo.indices[i]]).predict([TEXT])[0][t])
                      for i in strongest])
    relative = np.abs(loo.scores[strongest] - truth) / np.abs(truth)
    assert np.median(relative) < 0.05 and fitted_slope(loo.scores[strongest], truth) == pytest.approx(1.0, abs=0.05)
    assert fitted_slope(first.scores[strongest], truth) > 1.5  # (first order: too small by more than half)
    assert spearmanr(loo.scores[strongest], truth).correlation >= 0.95
    assert "Leave-one-out" in loo.note and "understated" in first.note
    # Newton steps converge on the exact refit (the same objective retraining minimises)
    record = cli_model.trained["record"]
    problem = prepared_problem(cli_model, record)
    row = int(strongest[0])
    refit = retrain_without(cli_model, [int(loo.indices[row])]).network.head
    exact = np.hstack([refit.weight.detach().double().numpy(), refit.bias.detach().double().numpy()[:, None]])
    exact -= exact[:, -1:].mean() * np.eye(1, exact.shape[1], exact.shape[1] - 1)  # (biases: up to one shift)
    several = problem.left_out(row, record.class_weights, steps=4)
    several -= several[:, -1:].mean() * np.eye(1, several.shape[1], several.shape[1] - 1)
    np.testing.assert_allclose(several, exact, atol=2e-4)
    x = features_of(cli_model, TEXT)
    assert problem.leave_one_out(x, t, [row], record.class_weights)[0] == pytest.approx(loo.scores[row], rel=1e-9)


def test_leave_one_out_refits_the_strongest_rows_of_a_large_record(cli_model, monkeypatch):
    """Above LOO_EVERY_ROW rows, the strongest each way by first-order influence are refitted (the rows shown), the
    others keep their first-order estimate, and the note says so."""
    import sys

    module = sys.modules["explain.influence"]

    every = influence(cli_model, TEXT, method="leave_one_out")
    first = influence(cli_model, TEXT, method="influence")
    monkeypatch.setattr(module, "LOO_EVERY_ROW", 10)
    monkeypatch.setattr(module, "LOO_REFITTED", 8)
    some = influence(cli_model, TEXT, method="leave_one_out")
    refitted = ~np.isclose(some.scores, first.scores, rtol=0, atol=1e-15)
    assert refitted.sum() == 8 and "the 8 with the largest first-order influence were refitted" in some.note
    np.testing.assert_allclose(some.scores[refitted], every.scores[refitted], rtol=1e-9)
    order = np.argsort(-first.scores)
    assert set(np.flatnonzero(refitted)) == set(order[:4]) | set(order[-4:])
    ranked_all, ranked_some = self_influence(cli_model), self_influence(cli_model)
    assert ranked_some.method == "leave_one_out" and len(ranked_some.scores) == len(ranked_all.scores)


def test_self_influence_finds_flipped_labels(cli_model):
    """10% of the labels flipped: the likely mislabelled rows come first (AUC against the flips)."""
    from model.record import TrainingRecord
    from model.train import Settings, fit_head
    from model.trained import build_classifier

    record = cli_model.trained["record"]
    rng = np.random.default_rng(0)
    trained = record.trained_rows
    flipped = rng.choice(trained, size=max(2, len(trained) // 10), replace=False)
    targets = record.targets.copy()
    targets[flipped] = (targets[flipped] + 1 + rng.integers(0, 3, len(flipped))) % 4
    settings = Settings(**cli_model.trained["settings"])
    head, _ = fit_head(record.features[trained], targets[trained], 4, settings)
    from model import load_model

    noisy = build_classifier("noisy", load_model("minilm-embed"), head, list(cli_model.labels),
                             settings=cli_model.trained["settings"])
    noisy.trained["record"] = TrainingRecord(record.texts, targets, record.heldout, record.features, record.l2,
                                             record.class_weights)
    for method in ("leave_one_out", "influence"):
        ranked = self_influence(noisy, method=method)
        truth = np.isin(ranked.indices, flipped)
        assert roc_auc_score(truth, ranked.scores) >= 0.85, method
        assert ranked.ranked[0]["score"] == max(ranked.scores)
    # leave-one-out's loss of a row is its loss under the head really retrained without it
    from model.train import retrain_without

    loo = self_influence(noisy, method="leave_one_out")
    row = int(np.argmax(loo.scores))
    refit = retrain_without(noisy, [int(loo.indices[row])])
    p = refit.predict([record.texts[loo.indices[row]]])[0]
    assert loo.scores[row] == pytest.approx(-np.log(p[targets[loo.indices[row]]]), rel=0.05)


def test_a_model_without_rows_says_so(intent_model):
    with pytest.raises(InputError, match="keeps no training rows"):
        influence(intent_model, TEXT)


def test_the_rows_travel_with_a_saved_model_and_tracin_reads_a_fine_tuned_ones_checkpoints(tmp_path):
    from model import load_model
    from model.rows import read_rows
    from model.train import Settings, examples_from_rows, retrain_without, train
    from model.trained import save_trained

    rows = [r for r in read_rows(ROOT / "assets" / "intents_sample.csv", text_column="text", label_column="label")]
    keep = sorted({r.label for r in rows})[:3]
    examples = examples_from_rows([r for r in rows if r.label in keep])
    tuned = train(examples, "tuned", Settings(mode="finetune", epochs=2, layers=1, holdout=0.2, seed=0)).model
    record = tuned.trained["record"]
    assert len(record.checkpoints) == 2 and record.heldout.sum() == 6
    save_trained(tuned, tmp_path / "tuned")
    loaded = load_model(str(tmp_path / "tuned"))
    again = loaded.trained["record"]
    assert again.texts == record.texts and (again.heldout == record.heldout).all()
    np.testing.assert_allclose(again.features, record.features, atol=1e-12)
    assert [c.learning_rate for c in again.checkpoints] == [c.learning_rate for c in record.checkpoints]
    found = influence(loaded, TEXT, method="tracin")
    same = influence(tuned, TEXT, method="tracin")
    np.testing.assert_allclose(found.scores, same.scores, rtol=1e-4, atol=1e-9)
    assert "approximation" in found.note and len(found.indices) == 24
    exact = influence(loaded, TEXT, method="influence")
    assert "fine-tuned" in exact.note  # (the head on the final features: said to be approximate)
    retrained = retrain_without(loaded, [int(found.indices[0])])
    assert len(retrained.trained["record"].texts) == len(record.texts) - 1
    assert retrained.trained["record"].heldout.sum() == 6  # the same held-out rows


def test_leave_one_out_on_a_45_row_three_label_set():
    """A second set, unlike the example's: 45 rows of 3 broader labels (money, travel, music: two intents each, 15
    rows), every row trained on. The 30 strongest rows' leave-one-out estimates within 15% of really retraining
    (median), ranked as it ranks them."""
    from model.rows import read_rows
    from model.train import Examples, Settings, retrain_without, train

    rows = list(read_rows(ROOT / "assets" / "intents_sample.csv", text_column="text", label_column="label"))
    groups = {"money": ("balance", "transfer"), "travel": ("book_flight", "flight_status"),
              "music": ("play_music", "next_song")}
    picked = [(r.text, label) for label, intents in groups.items() for r in [r for r in rows if r.label in intents][:15]]
    labels = tuple(groups)
    examples = Examples(tuple(t for t, _ in picked), tuple(labels.index(lab) for _, lab in picked), labels)
    model = train(examples, "forty-five", Settings(holdout=0.0, seed=0)).model
    text = "how much money is in my account"
    found = influence(model, text, method="leave_one_out")
    t = model.labels.index(found.target)
    assert len(found.indices) == 45
    before = np.log(model.predict([text])[0][t])
    truth = np.array([before - np.log(retrain_without(model, [i]).predict([text])[0][t]) for i in found.indices])
    strongest = np.argsort(-np.abs(truth))[:30]
    relative = np.abs(found.scores[strongest] - truth[strongest]) / np.abs(truth[strongest])
    assert np.median(relative) < 0.15
    assert spearmanr(found.scores[strongest], truth[strongest]).correlation >= 0.98
