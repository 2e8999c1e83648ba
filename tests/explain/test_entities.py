"""Entities (task ``token-classification``) on tiny BERT and RoBERTa taggers, checked against transformers, shap's
additivity and captum: the explained outputs are the pipeline's entity scores, occlusion equals the explicit loop
over the reference model, SHAP adds up, IG equals captum's ``LayerIntegratedGradients`` on the entity's score, a
contrast equals the difference of the two log-scores, one token's label is explainable, every method runs, and bad
requests get one sentence."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from explain import evaluate, explain
from model import InputError, load_model
from model.tiny.architectures import build

TEXT = "john smith works at acme in paris and alice visited london"


@pytest.fixture(scope="module", params=["bert", "roberta"])
def tagger(request, tmp_path_factory):
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    folder = build(tmp_path_factory.mktemp("entity-taggers") / request.param, request.param, head="tokens", seed=3)
    reference = AutoModelForTokenClassification.from_pretrained(str(folder), use_safetensors=True,
                                                                attn_implementation="eager").eval()
    pipe = pipeline("token-classification", model=reference, tokenizer=AutoTokenizer.from_pretrained(str(folder)),
                    aggregation_strategy="simple")
    return load_model(folder, task="ner"), reference, pipe


def members(e, column: int):
    """(positions, label) of each member of the explained entity ``column`` (as the explanation recorded them)."""
    found = json.loads(e.meta["options"]["entity_rules"])
    k = list(found["names"]).index(e.targets[column])
    return found["rules"][k]


def reference_score(reference, ids: list[int], rule, contrast=None) -> float:
    """The entity's score on ``ids`` from the reference model: the mean over its members of each member's tag
    probability (the pipeline's "simple" aggregation)."""
    with torch.no_grad():
        p = torch.softmax(reference(input_ids=torch.tensor([ids])).logits[0].double(), -1)
    tagged, reduce = rule
    assert reduce == "first"
    return float(np.mean([p[positions[0], contrast if contrast is not None else label].item()
                          for positions, label in tagged]))


def test_outputs_are_the_pipelines_entity_scores(tagger):
    model, _, pipe = tagger
    e = explain(model, TEXT, "occlusion")
    expected = pipe(TEXT)
    assert model.task == "token-classification" and e.task == "token-classification"
    assert len(e.targets) == len(expected) >= 3
    for name, output, entity in zip(e.targets, e.outputs, expected):
        assert name.startswith(f"{TEXT[entity['start']:entity['end']]} ({entity['entity_group']})")
        assert output == pytest.approx(float(entity["score"]), abs=1e-5)
    one = explain(model, TEXT, "occlusion", entity=2)
    assert one.targets == (e.targets[2],) and one.outputs[0] == pytest.approx(e.outputs[2], abs=1e-9)
    by_text = explain(model, TEXT, "occlusion", entity=expected[2]["word"])
    assert by_text.targets == (e.targets[2],)
    by_span = explain(model, TEXT, "occlusion", entity=(expected[2]["start"], expected[2]["end"]))
    assert by_span.targets == (e.targets[2],)


def test_occlusion_is_the_explicit_loop(tagger):
    model, reference, _ = tagger
    e = explain(model, TEXT, "occlusion", granularity="token")
    tokens = model.tokenize(TEXT)
    ids = list(tokens.ids)
    for column in range(len(e.targets)):
        rule = members(e, column)
        full = reference_score(reference, ids, rule)
        assert e.outputs[column] == pytest.approx(full, abs=1e-5)
        for i in tokens.content_positions:
            hidden = ids[:i] + [model.mask_token_id] + ids[i + 1:]
            assert e.attributions[i, column] == pytest.approx(full - reference_score(reference, hidden, rule), abs=1e-5)


def test_shap_adds_up_for_every_entity_and_all_cost_the_forwards_of_one(tagger):
    model, *_ = tagger
    every = explain(model, TEXT, "shap", max_evals=200, use_cache=False)
    np.testing.assert_allclose(every.attributions.sum(0) + every.base_values, every.outputs, atol=1e-6)
    one = explain(model, TEXT, "shap", entity=1, max_evals=200, use_cache=False)
    np.testing.assert_allclose(one.attributions.sum(0) + one.base_values, one.outputs, atol=1e-6)
    # (shap's partition tree opens the nodes whose outputs move most, so its evaluations follow the columns asked;
    # occlusion's do not: every entity from the same masked inputs)
    every, one = (explain(model, TEXT, "occlusion", entity=k, use_cache=False) for k in (None, 1))
    assert one.meta["model_evaluations"] == every.meta["model_evaluations"]
    np.testing.assert_allclose(one.attributions[:, 0], every.attributions[:, 1], atol=1e-12)


def test_integrated_gradients_equal_captums_layer_integrated_gradients(tagger):
    from captum.attr import LayerIntegratedGradients

    model, reference, _ = tagger
    e = explain(model, TEXT, "ig", entity=0, steps=64)
    tokens = model.tokenize(TEXT)
    ids = torch.tensor([list(tokens.ids)])
    baseline = torch.tensor([[i if s else model.mask_token_id for i, s in zip(tokens.ids, tokens.special)]])
    tagged, _ = members(e, 0)

    def score(input_ids):
        p = torch.softmax(reference(input_ids=input_ids).logits.double(), -1)
        return torch.stack([p[:, positions[0], label] for positions, label in tagged], 1).mean(1)

    expected = LayerIntegratedGradients(score, reference.get_input_embeddings()).attribute(
        ids, baselines=baseline, n_steps=64, method="gausslegendre").sum(-1)[0].detach().numpy()
    np.testing.assert_allclose(e.attributions[:, 0], expected, atol=1e-5)


def test_a_contrast_is_the_difference_of_the_two_log_scores(tagger):
    model, reference, _ = tagger
    plain = explain(model, TEXT, "occlusion", granularity="token")
    column = 0
    rival = next(t for t in ("ORG", "PER") if f"({t})" not in plain.targets[column])
    why = explain(model, TEXT, "occlusion", granularity="token", entity=column, contrast=rival)
    assert why.meta["output"] == "log-score difference" and why.meta["contrast"] == rival
    tagged, reduce = members(plain, column)
    orgs = [[positions, model.labels.index(model.labels[label][:2] + rival)] for positions, label in tagged]
    tokens = model.tokenize(TEXT)
    ids = list(tokens.ids)

    def difference(seq):
        return np.log(reference_score(reference, seq, (tagged, reduce))) - np.log(reference_score(reference, seq, (orgs, reduce)))

    assert why.outputs[0] == pytest.approx(difference(ids), abs=1e-6)
    assert why.probabilities[column] == pytest.approx(plain.outputs[column], abs=1e-9)  # (the prediction is unchanged)
    for i in tokens.content_positions:
        hidden = ids[:i] + [model.mask_token_id] + ids[i + 1:]
        assert why.attributions[i, 0] == pytest.approx(difference(ids) - difference(hidden), abs=1e-5)
    shap = explain(model, TEXT, "shap", entity=column, contrast=rival, max_evals=200)
    np.testing.assert_allclose(shap.attributions.sum(0) + shap.base_values, shap.outputs, atol=1e-6)
    ig = explain(model, TEXT, "ig", entity=column, contrast=rival, steps=32)
    a = explain(model, TEXT, "ig", entity=column, steps=32)
    assert ig.outputs[0] == pytest.approx(difference(ids), abs=1e-6) and a.outputs[0] > 0


def test_a_single_tokens_label_is_explainable(tagger):
    model, reference, _ = tagger
    tokens = model.tokenize(TEXT)
    i = tokens.content_positions[2]
    e = explain(model, TEXT, "occlusion", token=i, granularity="token")
    with torch.no_grad():
        p = torch.softmax(reference(input_ids=torch.tensor([list(tokens.ids)])).logits[0].double(), -1)
    label = int(p[i].argmax())
    assert e.targets == (f"token {i}: {tokens.tokens[i]} ({model.labels[label]})",)
    assert e.outputs[0] == pytest.approx(p[i, label].item(), abs=1e-6)


def test_every_method_explains_an_entity_and_the_scorecard_scores_it(tagger):
    model, *_ = tagger
    for method in ("lime", "grad_input", "attention", "rollout", "hierarchical"):
        e = explain(model, TEXT, method, entity=0, **({"num_samples": 200} if method == "lime" else {}))
        assert e.attributions.shape[0] == len(model.tokenize(TEXT)) and np.isfinite(e.attributions).all()
        assert e.task == "token-classification"
    # LIME removes words (its default): the kept tokens are found again, a removed entity token counts as 0
    e = explain(model, TEXT, "lime", entity=0, num_samples=300)
    assert e.meta["masking"] == "remove" and abs(e.meta["surrogate_r2"][0]) <= 1
    card = evaluate(explain(model, TEXT, "occlusion", entity=0), ["comprehensiveness", "sufficiency"], model=model)
    assert np.isfinite(card.values["comprehensiveness"].value)


def test_a_long_text_is_read_as_windows(tagger):
    model, *_ = tagger
    long = " ".join(["alice visited london with bob"] * 20)  # (longer than the 64 positions the tiny models read)
    e = explain(model, long, "occlusion", entity=0, granularity="sentence")
    np.testing.assert_allclose(e.attributions.sum(), e.attributions.sum())  # (finite)
    found = model.entity_rules(long)
    assert e.outputs[0] == pytest.approx(found[0][0]["score"], abs=1e-9)
    ig = explain(model, long, "ig", entity=0, steps=8)
    assert np.isfinite(ig.attributions).all() and ig.outputs[0] == pytest.approx(e.outputs[0], abs=1e-6)


def test_bad_requests_get_one_sentence(tagger):
    model, *_ = tagger
    cases = [({"entity": 99}, "There is no entity 99"), ({"entity": "zebra"}, "finds no entity 'zebra'"),
             ({"entity": (900, 901)}, "No entity the model finds spans"), ({"token": 0}, "There is no token 0"),
             ({"entity": 0, "token": 3}, "Give entity= or token=, not both"), ({"entity": -1}, "from 0"),
             ({"aggregation": "sum"}, "aggregation must be"), ({"contrast": "FOOD"}, "neither an entity type"),
             ({"labels": ["a"]}, "takes no candidate labels"), ({"entity_rules": "{}"}, "not what the studio fills in")]
    for kwargs, said in cases:
        with pytest.raises(InputError, match=said):
            explain(model, TEXT, "occlusion", **kwargs)
    quiet = next(t for t in ("of", "x", "we", "qqqq") if not model.entity_rules(t, "first"))
    with pytest.raises(InputError, match="finds no entity in this text"):
        explain(model, quiet, "occlusion", aggregation="first")


def test_dataset_mode_gives_each_rows_entities_and_the_words_behind_each_type(tagger):
    from explain.dataset import explain_dataset

    model, *_ = tagger
    texts = [TEXT, "alice visited london with bob", "the acme office in paris"]
    run = explain_dataset(model, texts, "occlusion")
    results = list(run)
    assert [r.error for r in results] == [None] * 3
    expected: dict = {}
    for text, result in zip(texts, results):
        e = explain(model, text, "occlusion")
        assert result.prediction == ", ".join(e.targets)
        kinds = [name.rsplit("(", 1)[1].split(")")[0] for name in e.targets]
        kept = [i for i, w in enumerate(e.words) if w.is_word]
        for kind in set(kinds):
            values = e.word_attributions[kept][:, [k for k, t in enumerate(kinds) if t == kind]].sum(1)
            assert result.label_values[kind] == pytest.approx(values.tolist(), abs=1e-9)
            for i, value in zip(kept, values):
                stats = expected.setdefault((kind, e.words[i].text.lower()), [0, 0.0])
                stats[0] += 1
                stats[1] += value
    for kind in {k for k, _ in expected}:
        table = {row["word"]: row for row in run.summary.table(group="predicted", cls=kind)}
        for (k, word), (count, total) in expected.items():
            if k == kind:
                assert table[word]["count"] == count and table[word]["mean_attribution"] == pytest.approx(total / count)
    assert set(run.summary.classes()) == {k for k, _ in expected}


def test_counterfactuals_find_the_fewest_edits_that_lose_the_entity(tagger):
    from explain import counterfactuals

    model, *_ = tagger
    e = explain(model, TEXT, "occlusion", entity=2, aggregation="first")
    assert e.outputs[0] > 0.5  # (the entity holds: its score is above one half)
    found = counterfactuals(model, TEXT, entity=2, aggregation="first", max_edits=2, limit=3)
    assert found.original["prediction"] == e.targets[0] and found.original["target"] == e.targets[0]
    assert found.original["scores"][2] == pytest.approx(e.outputs[0], abs=1e-9)
    assert len(found) >= 1
    for c in found:
        assert c.prediction == f"no {e.targets[0]}" and c.scores[2] <= 0.5 and c.target_change < 0
        assert 1 <= len(c.edits) <= 2


def test_a_shorter_or_edited_input_is_read_at_the_original_tokens():
    from model.tasks.token_classification import aligned

    original = [101, 7, 8, 9, 10, 102]
    p = np.arange(2 * 7 * 2, dtype=float).reshape(2, 7, 2) + 1  # (rows padded to the longest, 7 tokens)
    out = aligned(p, [[101, 7, 9, 10, 102], [101, 7, 42, 43, 9, 10, 102]], original)
    assert out.shape == (2, 6, 2)
    np.testing.assert_array_equal(out[0, [0, 1, 3, 4, 5]], p[0, [0, 1, 2, 3, 4]])  # 8 removed: the rest found again
    assert (out[0, 2] == 0).all()  # (a removed token: probability 0)
    np.testing.assert_array_equal(out[1, [0, 1, 3, 4, 5]], p[1, [0, 1, 4, 5, 6]])  # 8 replaced by two tokens
    assert (out[1, 2] == 0).all()
    same = aligned(p[:, :6], [[101, 7, 3, 9, 10, 102]] * 2, original)  # (as long: read in place, a masked one too)
    np.testing.assert_array_equal(same, p[:, :6])


def test_the_report_of_an_entity_names_it_and_keeps_its_json(tagger):
    from explain.io.report import html_report

    model, *_ = tagger
    e = explain(model, TEXT, "occlusion", entity=1)
    page = html_report(e)
    assert "token-classification" in page and e.targets[0].replace("#", "") in page.replace("#", "")
    assert '"entity": "1"' in page or '"entity": 1' in page  # (the request's entity, in the embedded JSON)
    assert "entity score" in page


def test_the_cli_explains_an_entity_by_its_text(tagger, tmp_path):
    from tests.cli import run_cli

    model, *_ = tagger  # (its folder, given as a path)
    e = explain(model, TEXT, "occlusion", entity=2)
    ran = run_cli(["--model", model.info.source, "--method", "occlusion", "--text", TEXT, "--entity", "2",
                   "--no-attention", "--html", tmp_path / "entity.html"])
    assert ran.returncode == 0, ran.stderr
    data = json.loads(ran.stdout)
    assert data["targets"] == [e.targets[0]] and data["outputs"][0] == pytest.approx(float(e.outputs[0]), abs=1e-9)
    assert (tmp_path / "entity.html").read_text(encoding="utf-8").count("token-classification") >= 1
    ran = run_cli(["--model", model.info.source, "--method", "occlusion", "--text", TEXT, "--entity", "no-such-word"])
    assert ran.returncode != 0 and "finds no entity 'no-such-word'" in ran.stderr


def test_plausibility_scores_each_entity_against_its_own_rationale(tagger):
    from explain.metrics import plausibility

    model, *_ = tagger
    e = explain(model, TEXT, "occlusion")
    for column in (0, 1):
        top = max(range(len(e.words)), key=lambda i: e.word_attributions[i, column])
        word = e.words[top]
        measured = plausibility(e, [(word.start, word.end)], target=e.targets[column], k=1)
        assert measured.token_f1 == pytest.approx(1.0) and measured.iou_f1 == pytest.approx(1.0)  # its top word, marked
