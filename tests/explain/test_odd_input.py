"""Every task and method on odd text: an answer whose word spans slice the text, or one sentence."""
from __future__ import annotations

import numpy as np
import pytest

from explain import METHODS, explain
from explain.request import own_params

ODD_TEXTS = {
    # 1,760 characters: 2 windows of the bundled models, more of the tiny ones (5 windows cost 50 CPU seconds a run,
    # for the same check: a text read as several windows answers like any other)
    "huge": "transfer money to my savings account please " * 40,
    "nul": "transfer\x00 money\x00",
    "zero-width": "trans\u200bfer\u200c mo\u200dney\ufeff",
    "rtl": "\u202eyenom refsnart\u202c and \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627",
    "emoji": "💸💸 send 💰 to mom 👩‍👧 🇫🇷",
    "cjk": "我想把钱转到储蓄账户。日本語もOK",
    "combining": "e\u0301te\u0301 cafe\u0301 n\u0303",
    "single": "hi",
    "punctuation": "?!...",
    "html": '<img src=x onerror=alert(1)> "><svg onload=alert(1)>',
}
BAD_TEXTS = {"empty": "", "spaces": "  \n\t ", "none": None, "number": 12, "only-zero-width": "\u200b\u200d",
             "too-long": "x" * 100_001}
TASKS = {"intent_model": {}, "zeroshot_model": {"labels": ["money", "travel"]}, "embed_model": {"pair": "send money"}}
# The same matrix on tiny test-built models (the fast tier): a WordPiece BERT of each task and a
# byte-level BART classifier, read at most 64 tokens (so "huge" is read as many windows).
TINY = {"classifier": {}, "nli": {"labels": ["money", "travel"]}, "encoder": {"pair": "send money"}, "bart": {}}
BUDGET = {"max_evals": 60, "num_samples": 60, "steps": 8, "evaluations": 60}
HUGE_BUDGET = {**BUDGET, "steps": 2}  # (a path of 2 points over every window: the gradients still flow through all)


def budget(method: str, name: str = "") -> dict:
    """The shared budget, each method handed only its own parameters (as the CLI and the app do)."""
    return own_params(METHODS[method], HUGE_BUDGET if name == "huge" else BUDGET)


def check_answer(model, e, text: str, name: str, method: str) -> None:
    assert np.isfinite(e.attributions).all()
    assert e.meta["truncated"] == (len(model.tokenize(text).ids) > 0 and model.tokenize(text).truncated)
    for word in e.words:
        assert text[word["start"]:word["end"]] == word["text"]
    for token in e.tokens:
        assert 0 <= token["start"] <= token["end"] <= len(text)
    if method == "shap":
        assert np.abs(e.attributions.sum(0) + e.base_values - e.outputs).max() < 1e-4


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("fixture", list(TINY))
@pytest.mark.parametrize("name", list(ODD_TEXTS))
def test_odd_text_is_answered_by_tiny_models(request, fixture, method, name):
    model = request.getfixturevalue(fixture)
    text = ODD_TEXTS[name]
    try:
        e = explain(model, text, method, **TINY[fixture], **budget(method, name), seconds=None)
    except ValueError as err:  # a text of which a tiny vocabulary reads nothing: one sentence
        message = str(err)
        assert "\n" not in message and message.endswith(".") and "no tokens" in message, message
        return
    check_answer(model, e, text, name, method)


@pytest.mark.parametrize("method", list(METHODS))
@pytest.mark.parametrize("fixture", list(TASKS))
@pytest.mark.parametrize("name", list(ODD_TEXTS))
def test_odd_text_is_answered(request, fixture, method, name):
    model = request.getfixturevalue(fixture)
    text = ODD_TEXTS[name]
    e = explain(model, text, method, **TASKS[fixture], **budget(method, name), seconds=None)
    assert not e.meta["truncated"] and ("windows" in e.meta) == (name == "huge")
    if name == "huge":
        assert e.meta["windows"]["count"] > 1
    check_answer(model, e, text, name, method)
    for word in e.words:
        assert text[word["start"]:word["end"]] == word["text"]
    for token in e.tokens:
        assert 0 <= token["start"] <= token["end"] <= len(text)
    if method == "shap":
        assert np.abs(e.attributions.sum(0) + e.base_values - e.outputs).max() < 1e-4


@pytest.mark.parametrize("fixture", list(TASKS))
@pytest.mark.parametrize("name", list(BAD_TEXTS))
def test_bad_text_is_one_sentence(request, fixture, name):
    model = request.getfixturevalue(fixture)
    with pytest.raises(ValueError) as err:
        explain(model, BAD_TEXTS[name], "shap", **TASKS[fixture], **budget("shap"))
    message = str(err.value)
    assert "\n" not in message and message.endswith(".") and "tensor" not in message.lower()


@pytest.mark.parametrize("labels", [[], [" "], ["a", "a"], "a, b", [f"l{i}" for i in range(21)], [None]])
def test_bad_labels_fail_before_any_model_call(zeroshot_model, labels, monkeypatch):
    calls = []
    monkeypatch.setattr(zeroshot_model, "forward", lambda tensors: calls.append(1))
    with pytest.raises(ValueError):
        explain(zeroshot_model, "some text", "shap", labels=labels)
    with pytest.raises(ValueError, match="template"):
        explain(zeroshot_model, "some text", "shap", labels=["a"], hypothesis_template="no braces")
    assert not calls


def test_unhashable_arguments_are_one_sentence(zeroshot_model, intent_model):
    with pytest.raises(ValueError, match="list of strings"):
        explain(zeroshot_model, "some text", "shap", labels={"a", "b"})
    with pytest.raises(ValueError, match="label name"):
        explain(intent_model, "some text", "shap", target={"oos": 1})
