"""The scorecard: exact on a planted-keyword model, equal to plain loops of predict_ids written here
from the definitions, better than random for SHAP and occlusion on real sentences."""
from __future__ import annotations

import dataclasses
import json
import math
from itertools import permutations

import numpy as np
import pytest
from scipy.stats import kendalltau

from explain import METRICS, InputError, compare, evaluate, explain
from explain.metrics import BINS
from tests.cli import run_cli
from tests.synthetic import AdditiveModel

TEXT = "the movie was very good and the food was awful"


class PlantedModel(AdditiveModel):
    """The output depends only on whether one token ("good") is present: 0.9 if so, else 0.1."""

    def predict_ids(self, id_batch, labels=None, **options):
        keyword = self.tokenizer.convert_tokens_to_ids("good")
        score = np.array([0.9 if keyword in list(row) else 0.1 for row in id_batch])
        return np.stack([score, 1 - score], axis=1)


@pytest.fixture(scope="module")
def planted(additive):
    return PlantedModel(additive.tokenizer)


@pytest.mark.parametrize("removal", ["delete", "mask"])
def test_the_true_explanation_of_a_planted_keyword(planted, removal):
    truth = explain(planted, TEXT, "occlusion", target="score", cache=None)  # "good": 0.8, every other word 0
    assert truth.top_words(1) == [("good", pytest.approx(0.8))]
    card = evaluate(truth, model=planted, removal=removal)
    assert card.curves["comprehensiveness"] == pytest.approx([0.8] * 5, abs=1e-12)  # f(x) - f(without keyword)
    assert card.curves["sufficiency"] == pytest.approx([0.0] * 5, abs=1e-12)
    assert card.comprehensiveness == pytest.approx(0.8) and card.sufficiency == pytest.approx(0.0, abs=1e-12)
    assert card.scores["normalised_comprehensiveness"] == pytest.approx(1.0)
    assert card.scores["normalised_sufficiency"] == pytest.approx(1.0)
    assert card.scores["log_odds"] == pytest.approx(math.log(0.1) - math.log(0.9))
    assert card.scores["loo_tau"] == pytest.approx(1.0)
    assert card.random["comprehensiveness"] < 0.8 and card.random["sufficiency"] > 0.0  # a random ranking does worse
    wrong = dataclasses.replace(truth, attributions=-truth.attributions, word_attributions=-truth.word_attributions)
    worst = evaluate(wrong, model=planted, removal=removal)  # "good" ranked last: the worst explanation there is
    assert worst.curves["comprehensiveness"] == pytest.approx([0.0] * 5, abs=1e-12)
    assert worst.curves["sufficiency"] == pytest.approx([0.8] * 5, abs=1e-12)
    assert worst.scores["normalised_comprehensiveness"] < 0 and worst.scores["loo_tau"] == pytest.approx(-1.0)


def plain_scores(model, e, removal="delete", seed=0, draws=5, column=None):
    """The definitions, as loops of explicit predict_ids calls on token ids."""
    tokenized = model.tokenize(e.text)
    ids = list(tokenized.ids)  # (special tokens belong to no word, so they are never dropped)
    labels = list(e.labels) if e.task == "zero-shot" else None
    params = e.meta["params"]
    options = {k: params[k] for k in ("hypothesis_template", "multi_label") if k in params}

    def f(row):
        if e.task == "embedding":
            a, b = model.predict_ids([row, list(model.tokenize(e.pair).ids)]).astype(np.float64)
            return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))
        out = model.predict_ids([row], labels, **options)[0]
        return float(out[list(e.labels).index(e.targets[0])])

    def drop(words, mode=removal):
        hidden = {t for w in words for t in e.words[w].tokens}
        if mode == "mask":
            return [model.mask_token_id if i in hidden else t for i, t in enumerate(ids)]
        return [t for i, t in enumerate(ids) if i not in hidden]

    n = len(e.words)
    fx = float(e.outputs[0])
    values = e.word_attributions[:, 0]
    order = sorted(range(n), key=lambda i: (-values[i], i))

    def curves(ranking):
        comp, suff = [], []
        for q in BINS:
            top = ranking[: max(1, math.ceil(q * n))]
            comp.append(fx - f(drop(top)))
            suff.append(fx - f(drop([w for w in range(n) if w not in top])))
        return comp, suff

    comp, suff = curves(order)
    rng = np.random.default_rng(seed)
    randoms = [curves(list(rng.permutation(n))) for _ in range(draws)]
    masked = drop(order[: max(1, math.ceil(0.2 * n))], "mask")
    effects = [fx - f(drop([w], "mask")) for w in range(n)]
    return {"comprehensiveness": comp, "sufficiency": suff,
            "random_comprehensiveness": float(np.mean([np.mean(c) for c, _ in randoms])),
            "random_sufficiency": float(np.mean([np.mean(s) for _, s in randoms])),
            "log_odds": math.log(max(f(masked), 1e-12)) - math.log(fx), "loo_tau": kendalltau(values, effects).statistic,
            "f": f, "drop": drop, "fx": fx, "n": n}


@pytest.mark.parametrize("fixture, kwargs, removal", [
    ("intent_model", {}, "delete"), ("intent_model", {}, "mask"),
    ("zeroshot_model", {"labels": ["travel", "food", "finance"]}, "delete"),
    ("embed_model", {"pair": "a puppy plays outside"}, "delete"),
])
def test_every_metric_equals_the_plain_loop(request, monkeypatch, fixture, kwargs, removal):
    model = request.getfixturevalue(fixture)
    # One input per forward pass on both sides: float32 results depend on the batch's shape (padding,
    # GEMM blocking) at the 1e-8 level, below which the metrics' own arithmetic is compared here.
    monkeypatch.setattr(model, "batch_size", 1)
    text = "book me a cheap flight to Rome tomorrow morning please" if fixture != "embed_model" else \
        "a dog runs happily in the park"
    e = explain(model, text, "shap", cache=None, **kwargs)
    card = evaluate(e, model=model, removal=removal)
    loop = plain_scores(model, e, removal)
    np.testing.assert_allclose(card.curves["comprehensiveness"], loop["comprehensiveness"], atol=1e-9, rtol=0)
    np.testing.assert_allclose(card.curves["sufficiency"], loop["sufficiency"], atol=1e-9, rtol=0)
    assert card.random["comprehensiveness"] == pytest.approx(loop["random_comprehensiveness"], abs=1e-9)
    assert card.random["sufficiency"] == pytest.approx(loop["random_sufficiency"], abs=1e-9)
    assert card.scores["loo_tau"] == pytest.approx(loop["loo_tau"], abs=1e-9)
    if fixture == "embed_model":
        assert card.scores["log_odds"] is None  # a cosine is not a probability
    else:
        assert card.scores["log_odds"] == pytest.approx(loop["log_odds"], abs=1e-9)


def test_normalised_aopc_against_every_ranking(intent_model, monkeypatch):
    """On a short text the best AOPC is exact: here it is checked against all n! rankings."""
    monkeypatch.setattr(intent_model, "batch_size", 1)
    e = explain(intent_model, "please transfer money to savings", "lime", num_samples=300, cache=None)
    card = evaluate(e, model=intent_model)
    loop = plain_scores(intent_model, e)
    f, drop, fx, n = loop["f"], loop["drop"], loop["fx"], loop["n"]
    seen = {}

    def g(words):
        key = tuple(sorted(words))
        if key not in seen:
            seen[key] = f(drop(list(words)))
        return seen[key]

    def aopc(ranking, kind):
        values = []
        for q in BINS:
            top = ranking[: max(1, math.ceil(q * n))]
            values.append(fx - (g(top) if kind == "comprehensiveness" else g([w for w in range(n) if w not in top])))
        return float(np.mean(values))

    every = list(permutations(range(n)))
    for kind in ("comprehensiveness", "sufficiency"):
        best = (max if kind == "comprehensiveness" else min)(aopc(list(r), kind) for r in every)
        chance = loop[f"random_{kind}"]
        expected = (float(np.mean(loop[kind])) - chance) / (best - chance)
        assert card.scores[f"normalised_{kind}"] == pytest.approx(expected, abs=1e-9)


SENTENCES = ["transfer $200 from checking to savings", "what's the weather like in Paris tomorrow",
             "set a timer for ten minutes", "I want to talk to a real person right now",
             "this is the worst service I have ever had", "how do I improve my credit score",
             "translate good morning into Spanish", "my card was declined at the store",
             "book a table for two at an Italian restaurant", "what is the meaning of life",
             "please order more checks for my account", "is there a travel alert for Japan",
             "play some jazz music", "how many calories are in an apple", "remind me to call mom at 5pm",
             "what's my account balance", "can you tell me a joke", "I need to request time off next friday",
             "find my phone", "what does the word ubiquitous mean"]


@pytest.mark.parametrize("method", ["shap", "occlusion"])
def test_shap_and_occlusion_beat_the_random_control(intent_model, method):
    """An honest property check (measured: SHAP beats random on 20/20 sentences for comprehensiveness and
    19/20 for sufficiency, occlusion on 19/20 and 20/20)."""
    cards = [evaluate(explain(intent_model, text, method, cache=None), HEADLINE, model=intent_model)
             for text in SENTENCES]
    comp = np.array([c.comprehensiveness for c in cards])
    suff = np.array([c.sufficiency for c in cards])
    random_comp = np.array([c.random["comprehensiveness"] for c in cards])
    random_suff = np.array([c.random["sufficiency"] for c in cards])
    assert comp.mean() > random_comp.mean() + 0.2 and suff.mean() < random_suff.mean() - 0.2
    assert (comp > random_comp).sum() >= 18 and (suff < random_suff).sum() >= 18


HEADLINE = ["comprehensiveness", "sufficiency"]


def test_stability_only_where_the_seed_matters(intent_model):
    lime = explain(intent_model, "set a timer for ten minutes", "lime", num_samples=200, cache=None)
    card = evaluate(lime, ["stability"], model=intent_model)
    runs = [lime.word_attributions[:, 0]] + [explain(intent_model, "set a timer for ten minutes", "lime",
                                                     num_samples=200, seed=s, cache=None).word_attributions[:, 0]
                                             for s in (1, 2, 3)]
    assert card.scores["stability"] == pytest.approx(float(np.std(np.stack(runs), axis=0).mean()), abs=1e-12)
    exhausted = explain(intent_model, "set a timer", "shap", cache=None)
    assert evaluate(exhausted, ["stability"], model=intent_model).scores["stability"] is None


def test_agreement_table():
    from tests.explain.charts.test_explanation import make

    a, b = make("shap", words=("a", "b", "c", "d"), values=(0.4, 0.3, 0.2, 0.1)), \
        make("lime", words=("a", "b", "c", "d"), values=(0.1, 0.2, 0.3, 0.4))
    table = compare([a, a, b])
    assert table.methods == ("shap", "shap", "lime")
    assert table.kendall[0][1] == pytest.approx(1.0) and table.kendall[0][2] == pytest.approx(-1.0)
    assert table.spearman[0][2] == pytest.approx(-1.0)
    assert table.top3[0][2] == pytest.approx(2 / 3) and table.top20[0][2] == 0.0 and table.k_top20 == 1
    assert json.loads(json.dumps(table.to_dict()))["methods"] == ["shap", "shap", "lime"]
    with pytest.raises(InputError, match="same text"):
        compare([a, make("lime", words=("x", "y", "z"))])


def test_metrics_declare_themselves():
    for name, metric in METRICS.items():
        assert metric.NAME == name and metric.definition() and isinstance(metric.LOWER_IS_BETTER, bool)
    assert METRICS["sufficiency"].LOWER_IS_BETTER and not METRICS["comprehensiveness"].LOWER_IS_BETTER


def test_explain_attaches_scores_and_bad_requests_are_sentences(additive):
    e = explain(additive, TEXT, "shap", target="score", evaluate=["comprehensiveness", "sufficiency"], cache=None)
    assert set(e.meta["scores"]) >= {"comprehensiveness", "sufficiency", "curves", "random", "bins"}
    assert set(e.meta["scores"]["scores"]) == {"comprehensiveness", "sufficiency"}  # only what was asked for
    with pytest.raises(InputError, match="not a metric"):
        evaluate(e, ["faithfulness"], model=additive)
    with pytest.raises(InputError, match="removal"):
        evaluate(e, removal="erase", model=additive)
    no_target = dataclasses.replace(e, targets=(), attributions=np.zeros((len(e.tokens), 0)),
                                    word_attributions=np.zeros((len(e.words), 0)), outputs=[], base_values=[])
    with pytest.raises(InputError, match="no output"):
        evaluate(no_target, model=additive)


@pytest.mark.slow
def test_cli_evaluate():
    run = run_cli(["--text", "set a timer for ten minutes", "--method", "occlusion", "--evaluate"])
    assert run.returncode == 0, run.stderr
    scores = json.loads(run.stdout)["meta"]["scores"]
    assert scores["comprehensiveness"] > scores["random"]["comprehensiveness"]


LONGER = ["I want to talk to a real person right now please", "this is the worst service I have ever had in my life",
          "book a table for two at an Italian restaurant tonight at eight"]


def test_normalised_aopc_above_nine_words_is_against_the_best_found_and_favours_no_method(intent_model):
    """Above about 9 words the best ranking cannot be searched exactly: the reference is the best of every
    ranking seen (this method's, the others' given as references, occlusion's, a greedy search), said so,
    so no method scores above 1 and occlusion is not 1 by construction (it was, when its own ranking was the
    reference: LIME then showed 1.23)."""
    occlusion_values = []
    for text in LONGER:
        explanations = [explain(intent_model, text, m, cache=None, **kw)
                        for m, kw in (("occlusion", {}), ("lime", {"num_samples": 500}), ("shap", {}))]
        for e in explanations:
            others = [o.word_attributions[:, 0] for o in explanations if o is not e]
            card = evaluate(e, ["normalised_comprehensiveness", "normalised_sufficiency"], model=intent_model,
                            references=others)
            for name in ("normalised_comprehensiveness", "normalised_sufficiency"):
                value = card.values[name]
                assert value.value <= 1 + 1e-9, (e.method, text, name, value.value)
                assert value.note.startswith("best found: the best of 5 rankings (this method's, 2 other methods'")
                assert "not a bound" in value.note
            if e.method == "occlusion":
                occlusion_values.append(card.values["normalised_comprehensiveness"].value)
    assert min(occlusion_values) < 1 - 1e-6  # the greedy search found better than occlusion's own ranking
    short = evaluate(explain(intent_model, "please transfer money to savings", "occlusion", cache=None),
                     ["normalised_comprehensiveness"], model=intent_model)
    assert short.values["normalised_comprehensiveness"].note.startswith("best: exact")
