"""Every bad input is one ValueError sentence, raised before any model call."""
from __future__ import annotations

import pytest

from model import load_model


def one_sentence(err: pytest.ExceptionInfo) -> str:
    message = str(err.value)
    assert "\n" not in message and message.endswith((".", "?")), message
    assert "Traceback" not in message and "tensor" not in message.lower()
    return message


@pytest.mark.parametrize("text, needle", [
    ("", "empty"), ("   \n\t", "empty"), (None, "missing"), (42, "string"), (b"bytes", "string"),
    ("x" * 100_001, "limit"),
])
def test_bad_text(intent_model, text, needle):
    with pytest.raises(ValueError, match=needle) as err:
        intent_model.predict(text)
    one_sentence(err)


@pytest.mark.parametrize("texts", [[], ["ok", ""], ["ok", None], [1, 2]])
def test_bad_text_lists(embed_model, texts):
    with pytest.raises(ValueError) as err:
        embed_model.predict(texts)
    one_sentence(err)


@pytest.mark.parametrize("labels, needle", [
    (None, "needs candidate labels"), ([], "non-empty"), (["a", " "], "non-empty"), (["a", "a"], "twice"),
    ("a, b", "list of strings"), ([f"l{i}" for i in range(21)], "limit"), ([1, 2], "string"),
])
def test_bad_zero_shot_labels(zeroshot_model, labels, needle):
    with pytest.raises(ValueError, match=needle) as err:
        zeroshot_model.predict(["a text"], labels=labels)
    one_sentence(err)


@pytest.mark.parametrize("template", ["no placeholder", "two {} {}", "{label}", ""])
def test_bad_template(zeroshot_model, template):
    with pytest.raises(ValueError, match="template") as err:
        zeroshot_model.predict(["a text"], labels=["x"], hypothesis_template=template)
    one_sentence(err)


def test_labels_given_to_a_classifier(intent_model):
    with pytest.raises(ValueError, match="takes no labels") as err:
        intent_model.predict(["hi"], labels=["a"])
    one_sentence(err)


@pytest.mark.parametrize("name", ["no-such-model", "../etc/passwd", "/etc/passwd", "a/b/c", "http://x.y/z", "", None])
def test_unknown_or_path_like_model_names(name):
    with pytest.raises(ValueError) as err:
        load_model(name)
    one_sentence(err)


def test_hub_id_without_task():
    with pytest.raises(ValueError, match="task") as err:
        load_model("someone/some-model")
    one_sentence(err)


def test_wrong_task_for_registry_name():
    with pytest.raises(ValueError, match="classification model") as err:
        load_model("intent-minilm", task="embedding")
    one_sentence(err)


@pytest.mark.parametrize("ids", [[], [[]], [[101, 99_999, 102]], [[101] * 300]])
def test_bad_token_ids(intent_model, ids):
    with pytest.raises(ValueError) as err:
        intent_model.predict_ids(ids)
    one_sentence(err)
