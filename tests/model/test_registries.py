"""One Registry behind methods, metrics, generators, tasks, models and influence methods: one name rule, one
wording, built-in entries kept; a task option means one thing in every task; a registered model serves any
task that reads its kind of output."""
from __future__ import annotations

import numpy as np
import pytest

from explain import METHODS, METRICS
from explain.counterfactuals import GENERATORS
from explain.influence import METHODS as INFLUENCE_METHODS
from explain.influence import SELF_METHODS
from model import REGISTRY, InputError, Param, load_model
from model.registries import Registry
from model.tasks import TASKS, TargetSpec, Task, register_task, unregister_task


class Entry:
    def __init__(self, name):
        self.NAME = name


def test_one_name_rule_and_one_wording_for_every_registry():
    registries = [METHODS, METRICS, GENERATORS, TASKS, REGISTRY, INFLUENCE_METHODS, SELF_METHODS]
    assert all(isinstance(r, Registry) for r in registries)
    assert [r.kind for r in registries] == ["method", "metric", "generator", "task", "model", "influence method",
                                           "self-influence method"]
    for registry in registries:
        with pytest.raises(InputError) as refused:
            registry.named("no such thing")
        assert str(refused.value) == (f"'no such thing' is not {'an' if registry.kind[0] in 'aeiou' else 'a'} "
                                      f"{registry.kind}; use one of {', '.join(registry.names())}.")
        first = registry.names()[0]
        assert registry.is_built_in(first)
        registry.unregister(first)  # built-in entries stay
        assert first in registry and registry.get(first) is registry[first] and registry.get("nope") is None


def test_a_registry_checks_names_duplicates_and_its_own_rule_before_adding():
    seen = []

    def check(entry, registry):
        seen.append(list(registry))
        if entry.NAME == "bad":
            raise InputError("bad entries are refused")

    registry = Registry("widget", check=check)
    one = registry.register(Entry("one"))
    assert registry.register(one) is one and seen == [[]]  # the same entry again: a no-op, no second check
    assert registry.register(Entry("one")) is not one and registry["one"] is one  # (an instance of its class too)

    class Other(Entry):
        pass

    with pytest.raises(InputError, match=r"^A widget named 'one' is already registered\.$"):
        registry.register(Other("one"))
    for name in ("", "a b", "../x", "x" * 65, 3, None, "-x"):
        with pytest.raises(InputError, match=r"^A widget name must be 1 to 64 letters, digits, '\.', '-' or '_', "):
            registry.register(Entry(name))
    with pytest.raises(InputError, match="bad entries are refused"):
        registry.register(Entry("bad"))
    assert registry.names() == ["one"] and len(registry) == 1 and list(registry.items()) == [("one", one)]
    registry.register(Entry("qwen2.5-0.5b"))
    registry.unregister("one")  # not built in: removed
    assert registry.names() == ["qwen2.5-0.5b"]


def _task(name, option):
    class Clashy(Task):
        NAME = name
        OUTPUT = "score"
        DESCRIPTION = "a classifier's first column"
        SERVES = ("classification",)
        OPTIONS = (option,)

        def spec(self, model, *, target=None, labels=None, pair=None, options=None, contrast=None):
            return TargetSpec(task=self.NAME, labels=("first",), output_name="score",
                              forward=lambda batch: np.asarray(model.predict_ids(batch))[:, :1],
                              score=lambda e, m, ids: model.predict_embeds(e, m, ids)[:, :1], wanted=None,
                              default="all", options=self.options(options))

    return Clashy()


def test_a_task_option_declared_otherwise_by_another_task_is_refused_in_one_sentence():
    """``threshold`` is the embedding task's (−1 to 1): a task declaring it over −5..5 would have the CLI and the
    page check its values against the other range, so registration refuses it; the same declaration is fine."""
    with pytest.raises(InputError) as refused:
        register_task(_task("clashy", Param("threshold", "float", None, -5.0, 5.0)))
    assert str(refused.value) == ("Task 'clashy': option 'threshold' is already task 'embedding''s (a number from -1 "
                                  "to 1); give it another name or the same declaration.")
    assert "clashy" not in TASKS
    same = register_task(_task("clashy", Param("threshold", "float", None, -1.0, 1.0, label="Similar from")))
    try:
        assert TASKS["clashy"] is same
    finally:
        unregister_task("clashy")
    assert "clashy" not in TASKS


def test_a_registered_model_serves_any_task_that_reads_its_kind(intent_model):
    register_task(_task("clashy", Param("clashy_shift", "float", 0.0, -1.0, 1.0)))
    try:
        served = load_model("intent-minilm", task="clashy")
        assert served.task == "clashy" and served.info.name == "intent-minilm" and served.kind == "classification"
        assert load_model("intent-minilm", task="clashy") is served  # cached like any load
        assert load_model("intent-minilm") is intent_model and intent_model.task == "classification"
        text = ["set a timer for ten minutes"]
        np.testing.assert_array_equal(served.predict(text), intent_model.predict(text))
        with pytest.raises(InputError, match=r"^'intent-minilm' is a classification model; task 'embedding' serves "
                                             r"embedding models\.$"):
            load_model("intent-minilm", task="embedding")
    finally:
        unregister_task("clashy")
