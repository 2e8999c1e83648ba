"""What is explained is a seam of its own (``output=``): every output a task offers equals the quantity computed
by hand from the model's own logits or scores (and, for a decoder, from transformers' logits); the gradient path
computes the same function (IG's completeness closes on it); the choice travels in meta, CSV, JSON and the report;
a plugin output is one registration."""
from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch

from explain import explain
from explain.io.export import write_files
from explain.io.report import html_report
from model import InputError, load_model
from model.outputs import OUTPUTS, Output, offered, register_output, unregister_output
from model.tasks import TASKS

TEXT = "transfer $200 from checking to savings"
LABELS = ["banking", "travel", "cooking"]


def _log_softmax(values):
    values = np.asarray(values, dtype=np.float64)
    return values - values.max() - np.log(np.exp(values - values.max()).sum())


def test_every_task_says_which_outputs_it_offers():
    assert offered("classification") == ("probability", "log_probability", "logit", "margin")
    assert offered("zero-shot") == ("score", "log_probability")
    assert offered("generation") == ("probability", "log_probability", "entropy")
    assert offered("embedding") == ()
    declared = {t.NAME: next((p for p in t.OPTIONS if p.name == "output"), None) for t in TASKS.values()}
    assert declared["classification"].choices == offered("classification")
    assert declared["classification"].default == "probability" and declared["zero-shot"].default == "score"
    assert declared["generation"].default == "log_probability" and declared["embedding"] is None


def test_classification_outputs_equal_the_hand_computed_quantity(intent_model):
    ids = intent_model.tokenize(TEXT).ids
    logits = np.asarray(intent_model.predict_ids([ids], output="logit")[0], dtype=np.float64)
    top = int(logits.argmax())
    expected = {"probability": np.exp(_log_softmax(logits))[top], "log_probability": _log_softmax(logits)[top],
                "logit": logits[top], "margin": logits[top] - np.sort(logits)[-2]}
    for output, value in expected.items():
        e = explain(intent_model, TEXT, "occlusion", output=output, cache=None)
        assert e.targets == (intent_model.labels[top],)  # the prediction is the model's, whatever is explained
        assert e.outputs[0] == pytest.approx(value, abs=2e-6), output
        assert e.probabilities.argmax() == top and e.probabilities.sum() == pytest.approx(1, abs=1e-5)
        assert e.meta["options"]["output"] == output
        assert e.meta["output"] == {"log_probability": "log-probability"}.get(output, output)
    other = intent_model.labels[int(np.argsort(logits)[-2])]  # the runner-up's margin is negative: the gap to the top
    runner_up = explain(intent_model, TEXT, "occlusion", output="margin", target=other, cache=None)
    assert runner_up.outputs[0] == pytest.approx(np.sort(logits)[-2] - logits[top], abs=2e-6)
    against = explain(intent_model, TEXT, "occlusion", output="logit", contrast=other, cache=None)  # (why not B)
    assert against.outputs[0] == pytest.approx(logits[top] - np.sort(logits)[-2], abs=2e-6)
    assert against.probabilities.sum() == pytest.approx(1, abs=1e-5)  # the prediction shown: probabilities still


def test_the_gradient_path_computes_the_same_output(intent_model):
    for output in ("log_probability", "margin"):
        ig = explain(intent_model, TEXT, "ig", output=output, steps="auto", cache=None)
        assert ig.meta["completeness_gap"][0] < 0.01, output  # f(x) from NumPy, f(baseline) from torch: one function
        shap = explain(intent_model, TEXT, "shap", output=output, cache=None)
        assert shap.meta["completeness_gap"][0] < 1e-6


def test_zero_shot_log_scores_equal_the_log_of_the_scores(zeroshot_model):
    for multi in (False, True):
        scores = zeroshot_model.predict([TEXT], LABELS, multi_label=multi)[0]
        e = explain(zeroshot_model, TEXT, "occlusion", labels=LABELS, multi_label=multi, output="log_probability",
                    cache=None)
        np.testing.assert_allclose(e.outputs, np.log(scores), atol=2e-6)
        np.testing.assert_allclose(e.probabilities, scores, atol=1e-6)  # the scores shown stay the scores
        plain = explain(zeroshot_model, TEXT, "occlusion", labels=LABELS, multi_label=multi, cache=None)
        assert plain.meta["output"] == "score"
        np.testing.assert_allclose(plain.outputs, scores, atol=1e-6)


@pytest.fixture(scope="module")
def tiny_decoder(tmp_path_factory):
    from transformers import AutoModelForCausalLM

    from model.tiny.decoders import build

    folder = build(tmp_path_factory.mktemp("outputs") / "gpt2", "gpt2")
    return load_model(folder), AutoModelForCausalLM.from_pretrained(str(folder), attn_implementation="eager").eval()


def test_a_decoders_outputs_equal_transformers_logits(tiny_decoder):
    model, reference = tiny_decoder
    prompt, continuation = "the capital of france is", " paris and london"
    prompt_ids, cont = list(model.tokenize(prompt).ids), list(model.continuation_ids(continuation))
    with torch.no_grad():
        logits = reference(torch.tensor([prompt_ids + cont])).logits[0].double()
    logs = torch.log_softmax(logits[len(prompt_ids) - 1: len(prompt_ids) - 1 + len(cont)], dim=-1)
    chosen = logs[torch.arange(len(cont)), torch.tensor(cont)].numpy()
    entropy = -(logs.exp() * logs).sum(-1).numpy()
    for output, value in {"log_probability": chosen, "probability": np.exp(chosen), "entropy": entropy}.items():
        e = explain(model, prompt, "occlusion", continuation=continuation, output=output, cache=None)
        np.testing.assert_allclose(e.outputs, value, atol=1e-4, err_msg=output)
        assert e.meta["output"] == {"log_probability": "log-probability"}.get(output, output)
        ig = explain(model, prompt, "ig", continuation=continuation, output=output, steps=64, target=e.targets[0],
                     cache=None)
        assert ig.outputs[0] == pytest.approx(value[0], abs=1e-4) and ig.meta["completeness_gap"][0] < 0.05


def test_an_output_a_task_does_not_offer_is_one_sentence(intent_model, zeroshot_model, embed_model):
    with pytest.raises(InputError, match=r"^output must be 'probability' or 'log_probability' or 'logit' or "
                                         r"'margin'; got 'entropy'\.$"):
        explain(intent_model, TEXT, "occlusion", output="entropy")
    with pytest.raises(InputError, match=r"^A contrast explains log p\(target\) − log p\(contrast\); it cannot be "
                                         r"explained as output='margin' too \(leave output at probability\)\.$"):
        explain(intent_model, TEXT, "occlusion", output="margin", contrast="balance")
    with pytest.raises(InputError, match="'output' is an option of classification models; this is an embedding"):
        explain(embed_model, TEXT, "occlusion", pair="a text", output="margin")


def test_a_plugin_output_is_one_registration_and_travels_with_the_explanation(intent_model, tmp_path):
    doubled = Output("double_logit", "twice the logit", ("classification",), numpy=lambda values, multi: 2 * values,
                     torch=lambda values, multi: 2 * values)
    register_output(doubled)
    try:
        assert "double_logit" in next(p for p in TASKS["classification"].OPTIONS if p.name == "output").choices
        e = explain(intent_model, TEXT, "occlusion", output="double_logit", cache=None)
        logit = explain(intent_model, TEXT, "occlusion", output="logit", cache=None)
        assert e.outputs[0] == pytest.approx(2 * logit.outputs[0], rel=1e-6)
        np.testing.assert_allclose(e.word_attributions, 2 * logit.word_attributions, rtol=1e-5, atol=1e-6)
        paths = write_files(e, "classify", folder=str(tmp_path))
        with open(paths[1], encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert {row["explained"] for row in rows} == {"double logit"}
        assert {json.loads(row["options"])["output"] for row in rows} == {"double_logit"}
        with open(paths[0], encoding="utf-8") as handle:
            assert json.load(handle)["meta"]["output"] == "double logit"
        report = html_report(e)
        assert "<th>explained output</th><td>double logit</td>" in report
        with pytest.raises(InputError, match="a plugin output can be for classification or zero-shot"):
            register_output(Output("surprise", "a decoder's", ("generation",), numpy=abs, torch=abs))
    finally:
        unregister_output("double_logit")
    assert "double_logit" not in OUTPUTS
    assert "double_logit" not in next(p for p in TASKS["classification"].OPTIONS if p.name == "output").choices
