"""The Explanation is typed and truly immutable; the cache never shares state with callers; old JSON loads."""
from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from explain import Explanation, ExplanationCache, InputError, Token, Word, explain

TEXT = "the movie was very good"


def test_rows_are_frozen_dataclasses(additive):
    e = explain(additive, TEXT, "shap", target="score", cache=None)
    assert isinstance(e.tokens[1], Token) and isinstance(e.words[0], Word)
    assert e.words[0].text == e.words[0]["text"] == "the" and e.words[0].tokens == (1,)
    assert e.tokens[0].special and e.tokens[1].text == "the"
    with pytest.raises(AttributeError):
        e.words[0].text = "a"  # frozen
    with pytest.raises(KeyError):
        e.words[0]["nope"]


def test_nothing_can_be_changed_through_a_returned_explanation(additive):
    e = explain(additive, TEXT, "lime", target="score", num_samples=100, cache=None)
    with pytest.raises(TypeError):
        e.meta["seed"] = 5
    with pytest.raises(TypeError):
        e.meta["params"]["num_samples"] = 5  # nested mappings are frozen too
    with pytest.raises(ValueError):
        e.attributions[0, 0] = 1.0
    with pytest.raises(AttributeError):
        e.meta["surrogate_r2"].append(1.0)  # lists became tuples
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.method = "shap"


def test_a_cached_explanation_shares_no_state_with_callers(additive):
    cache = ExplanationCache()
    first = explain(additive, TEXT, "shap", target="score", cache=cache)
    original = first.attributions.copy()
    first.attributions.setflags(write=True)  # a determined caller...
    first.attributions[:] = 99.0  # ...changes what it got
    again = explain(additive, TEXT, "shap", target="score", cache=cache)
    assert again.meta["cached"] is True
    np.testing.assert_array_equal(again.attributions, original)
    again.attributions.setflags(write=True)
    again.attributions[:] = -1.0
    np.testing.assert_array_equal(explain(additive, TEXT, "shap", target="score", cache=cache).attributions, original)


def test_cache_can_be_passed_or_disabled(additive, monkeypatch):
    cache = ExplanationCache(max_items=4)
    explain(additive, TEXT, "shap", target="score", cache=cache)
    assert len(cache) == 1
    assert explain(additive, TEXT, "shap", target="score", cache=cache).meta["cached"]
    assert not explain(additive, TEXT, "shap", target="score", cache=None).meta["cached"]
    assert not explain(additive, TEXT, "shap", target="score", cache=ExplanationCache()).meta["cached"]
    with pytest.raises(InputError, match="ExplanationCache"):
        explain(additive, TEXT, "shap", target="score", cache={})


def test_json_round_trip_and_earlier_schemas_still_load(additive):
    e = explain(additive, TEXT, "shap", target="score", cache=None)
    data = json.loads(e.to_json())
    assert data["schema_version"] == 4 and data["kind"] == "attribution" and data["rollout"] is None
    assert data["meta"]["params"] == {"max_evals": 500, "granularity": "auto"}
    assert data["meta"]["options"] == {"output": "probability", "long_text": "window", "window_overlap": "auto"}
    assert data["words"][0] == {"text": "the", "start": 0, "end": 3, "tokens": [1]}
    back = Explanation.from_dict(data)
    assert back.to_dict() == e.to_dict()

    old = dict(data, schema_version=1, method="rollout", meta={**data["meta"], "rollout": [[1.0]]})
    del old["rollout"], old["kind"]
    loaded = Explanation.from_dict(old)
    assert loaded.kind == "attention" and loaded.rollout.tolist() == [[1.0]] and "rollout" not in loaded.meta
    # schema 2 kept the task's options among the method's params: they are told apart on loading
    two = dict(data, schema_version=2, meta={**data["meta"], "params": {"max_evals": 500, "output": "logit"}})
    del two["meta"]["options"]
    loaded = Explanation.from_dict(two)
    assert loaded.meta["params"] == {"max_evals": 500}
    assert loaded.meta["options"] == {"output": "logit", "long_text": "truncate"}  # read truncated before 4
    # schema 3 stored no sentences: they are found from the text again, their values summed from tokens
    three = dict(data, schema_version=3)
    del three["sentences"]
    loaded = Explanation.from_dict(three)
    assert loaded.sentences == e.sentences and loaded.meta["options"]["long_text"] == "truncate"
    np.testing.assert_array_equal(loaded.sentence_attributions, e.sentence_attributions)
    with pytest.raises(InputError, match="not an explanation"):
        Explanation.from_dict({"schema_version": 99})


def test_target_free_explanations_round_trip(additive, hub_cache):
    from model import load_model

    model = load_model("tiny/bert-embed", task="embedding", cache_dir=hub_cache)
    e = explain(model, TEXT, "rollout", cache=None)
    assert e.targets == () and e.rollout.shape == (len(e.tokens), len(e.tokens))
    back = Explanation.from_dict(json.loads(e.to_json()))
    assert back.attributions.shape == (len(e.tokens), 0) and back.to_dict() == e.to_dict()


def test_repr_is_a_short_summary(additive):
    e = explain(additive, TEXT, "shap", target="score", cache=None)
    text = repr(e)
    assert text.startswith("Explanation(method='shap', model='additive', words=5, target='score'")
    assert "top=[" in text and len(text) < 300 and "array" not in text
