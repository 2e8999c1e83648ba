"""The extension seams: a method is one file + one registry line, a task likewise; parameters are
validated from their declarations; every surface (explain, CLI, app, Compare) follows the registry."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from explain import METHODS, InputError, Param, explain, register_method, unregister_method
from explain.base import Method
from model import register_task
from model.tasks import TargetSpec, Task, unregister_task
from tests.synthetic import AdditiveModel

ROOT = Path(__file__).resolve().parents[2]
TEXT = "the movie was very good and the food was awful"


@pytest.fixture
def toy():
    from tests.toy_method import ToyMethod

    register_method(ToyMethod)
    yield ToyMethod
    unregister_method("toy")


def true_weights(model, tokenized):
    return np.array([0.0 if special else model.weights[i] for i, special in zip(tokenized.ids, tokenized.special)])


def test_a_registered_method_runs_through_explain(additive, toy):
    e = explain(additive, TEXT, "toy", target="score", toy_scale=2.0, cache=None)
    np.testing.assert_allclose(e.attributions[:, 0], 2 * true_weights(additive, additive.tokenize(TEXT)), atol=1e-9)
    assert e.meta["params"] == {"toy_scale": 2.0, "toy_budget": 100} and e.meta["toy"] is True
    assert e.method == "toy" and e.kind == "attribution"


def test_parameters_are_validated_from_their_declarations(additive, toy):
    with pytest.raises(InputError, match=r"'toy_scal' is not a parameter of toy; it takes toy_scale \(a number "
                                         r"from 0 to 10\), toy_budget") as err:
        explain(additive, TEXT, "toy", target="score", toy_scal=2.0)
    assert "\n" not in str(err.value)
    for bad in ("2", True, 11.0, float("nan"), None):
        with pytest.raises(InputError, match="toy_scale must be a number from 0 to 10"):
            explain(additive, TEXT, "toy", target="score", toy_scale=bad)
    for bad in (1.5, "many", 0, 10**9):
        with pytest.raises(InputError, match="max_evals must be a whole number from 10 to 20,000"):
            explain(additive, TEXT, "shap", target="score", max_evals=bad)
    with pytest.raises(InputError, match="granularity must be 'auto' or 'token' or 'word' or 'sentence' or 'paragraph'; got 'char'"):
        explain(additive, TEXT, "lime", target="score", granularity="char")
    # another method's parameter is refused, in one sentence naming the method's own
    with pytest.raises(InputError, match=r"'max_evals' is a parameter of shap, not of toy; toy takes toy_scale"):
        explain(additive, TEXT, "toy", target="score", max_evals=50, num_samples=100, cache=None)
    with pytest.raises(InputError, match=r"'steps' is a parameter of ig, not of occlusion; occlusion takes granularity"):
        explain(additive, TEXT, "occlusion", target="score", steps=-5)
    # a task option of another task: says whose it is
    with pytest.raises(InputError, match="'multi_label' is an option of zero-shot models; this is a classification"):
        explain(additive, TEXT, "occlusion", target="score", multi_label=True)
    e = explain(additive, TEXT, "toy", target="score", cache=None)
    assert dict(e.meta["params"]) == {"toy_scale": 1.0, "toy_budget": 100}


def test_parameters_are_part_of_the_cache_key(additive, toy):
    from explain import ExplanationCache

    cache = ExplanationCache()
    first = explain(additive, TEXT, "toy", target="score", toy_scale=1.0, cache=cache)
    again = explain(additive, TEXT, "toy", target="score", cache=cache)  # the default is the same value
    other = explain(additive, TEXT, "toy", target="score", toy_scale=3.0, cache=cache)
    assert not first.meta["cached"] and again.meta["cached"] and not other.meta["cached"]
    np.testing.assert_allclose(other.attributions, 3 * first.attributions, atol=1e-12)


def test_progress_plan_comes_from_the_budget_parameter(additive, toy):
    seen = []
    explain(additive, TEXT, "toy", target="score", toy_budget=40, cache=None,
            progress=lambda done, planned: seen.append(planned))
    assert seen and seen[0] == 40 and set(seen[:-1]) == {40}  # (then the 10 it needed: one per token)


def test_param_parse_reads_cli_and_slider_values():
    p = Param("n", "int", 5, 1, 10)
    assert p.parse("7") == 7 and p.parse(7.0) == 7 and p.parse(" 3 ") == 3
    with pytest.raises(InputError, match="n must be a whole number from 1 to 10; got 'x'"):
        p.parse("x")
    assert Param("f", "bool", False).parse("true") is True
    assert Param("steps", "int", 50, 1, 800, also=("auto",)).check("auto") == "auto"
    with pytest.raises(InputError, match="default"):
        Param("bad", "int", 0, 1, 10)  # the default itself is out of range
    with pytest.raises(InputError, match="kind"):
        Param("bad", "string", "")
    # "text" (a task option such as the hypothesis template): bounded, None for the model's default
    text = Param("template", "text", None, high=12, validate=lambda v: v.strip())
    assert text.parse("") is None and text.check(" a {} ") == "a {}" and text.check(None) is None
    with pytest.raises(InputError, match="template must be a string of at most 12 characters"):
        text.check("x" * 13)


def test_register_method_refuses_what_would_break_other_surfaces(toy):
    class Clash(Method):
        NAME = "toy"
        DESCRIPTION = "another toy"

    class Reserved(Method):
        NAME = "reserved"
        DESCRIPTION = "takes a parameter named like explain()'s own"
        PARAMS = (Param("labels", "int", 1, 0, 2),)

    class OtherKind(Method):
        NAME = "otherkind"
        DESCRIPTION = "uses toy_scale as a choice"
        PARAMS = (Param("toy_scale", "choice", "a", choices=("a",)),)

    for cls, needle in ((Clash, "already registered"), (Reserved, "explain\\(\\)'s own"), (OtherKind, "differs in kind")):
        with pytest.raises(InputError, match=needle):
            register_method(cls)
    assert "reserved" not in METHODS and "otherkind" not in METHODS
    register_method(toy)  # the same class again is fine


def test_a_task_is_one_file_and_one_registry_line(additive):
    """A toy task (the margin between the two classes) registered at run time explains like the others."""
    class Margin(Task):
        NAME = "margin"
        OUTPUT = "margin"
        DESCRIPTION = "score minus negated"

        def spec(self, model, *, target=None, labels=None, pair=None, options=None):
            return TargetSpec(task=self.NAME, labels=("margin",), output_name=self.OUTPUT,
                              forward=lambda batch: (model.predict_ids(batch) @ np.array([1.0, -1.0]))[:, None],
                              score=lambda e, m, ids: (model.predict_embeds(e, m, ids)[:, :1] * 2),
                              wanted=None, default="all")

    class MarginModel(AdditiveModel):
        task = "margin"

    register_task(Margin())
    try:
        model = MarginModel(additive.tokenizer)
        e = explain(model, TEXT, "shap", cache=None)
        assert e.task == "margin" and e.targets == ("margin",) and e.meta["output"] == "margin"
        np.testing.assert_allclose(e.attributions[:, 0], 2 * true_weights(model, model.tokenize(TEXT)), atol=1e-9)
    finally:
        unregister_task("margin")


def test_methods_without_a_target_need_no_invented_labels(zeroshot_model, embed_model):
    for model in (zeroshot_model, embed_model):
        e = explain(model, "book a flight to Rome", "attention", cache=None)
        assert e.targets == () and e.attributions.shape == (len(e.tokens), 0) and e.labels == ()
        assert e.attention.shape[:2] == (6, 12) and e.kind == "attention"
    with pytest.raises(InputError, match="candidate labels"):
        explain(zeroshot_model, "book a flight", "shap")


def test_cli_lists_and_documents_a_plugin_method(toy, monkeypatch):
    """The listing and the help of the CLI (its own ``main``, in this process) read the plugin STUDIO_PLUGINS names;
    a plugin that cannot be imported stops it with one sentence. (A plugin named in the environment of a fresh
    process: test_cli_runs_a_plugin_method.)"""
    from explain.plugins import LOADED
    from tests.cli import run_cli

    monkeypatch.setattr("explain.plugins.LOADED", list(LOADED))  # (what main loads is forgotten after the test)
    monkeypatch.setenv("STUDIO_PLUGINS", "tests.toy_method")
    listing = run_cli(["--list"], cwd=ROOT)
    assert listing.returncode == 0, listing.stderr
    assert "toy " in listing.stdout and "--toy-scale (a number from 0 to 10, default 1.0)" in listing.stdout
    assert "--max-evals (a whole number from 10 to 20,000, default 500)" in listing.stdout
    helped = run_cli(["--help"], cwd=ROOT)
    assert "--toy-scale" in helped.stdout and "toy: a number from 0 to 10" in " ".join(helped.stdout.split())
    monkeypatch.setenv("STUDIO_PLUGINS", "no_such_module_xyz")
    bad = run_cli(["--list"], cwd=ROOT)
    assert bad.returncode == 2 and "cannot be imported" in bad.stderr


@pytest.mark.slow
def test_cli_runs_a_plugin_method(toy, monkeypatch):
    """The CLI's own ``main`` in this process, the method loaded as STUDIO_PLUGINS loads it (a fresh process that
    STUDIO_PLUGINS alone gives a plugin's method, model and metric: tests/test_plugins.py)."""
    import json

    from explain.plugins import LOADED
    from tests.cli import run_cli

    monkeypatch.setattr("explain.plugins.LOADED", list(LOADED))
    monkeypatch.setenv("STUDIO_PLUGINS", "tests.toy_method")
    run = run_cli(["--method", "toy", "--text", "set a timer", "--toy-scale", "2", "--no-attention"], cwd=ROOT)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["method"] == "toy" and data["meta"]["params"]["toy_scale"] == 2.0


def test_every_tab_and_compare_offer_a_registered_method(toy, intent_model):
    import app

    demo = app.build()
    components = demo.config["components"]
    radios = [c for c in components if c["type"] == "radio" and c["props"].get("label") == "Method"]
    assert len(radios) == 6  # Classify, Zero-shot, Similarity, Generate, Entities, Dataset (methods that explain an output)
    assert all("toy" in [ch[1] for ch in r["props"]["choices"]] for r in radios)
    sliders = [c for c in components if c["type"] == "slider" and c["props"].get("label") == "toy scale"]
    assert len(sliders) == 6 and not any(s["props"]["visible"] for s in sliders)  # shown when toy is chosen
    compare = next(c for c in components if c["type"] == "checkboxgroup")
    assert "toy" in [ch[1] for ch in compare["props"]["choices"]] and "toy" in compare["props"]["value"]
    from explain.registry import all_params
    from ui.classify import compare_methods
    from ui.widgets import follow_method

    updates = follow_method("toy", {name: None for name in all_params()})
    assert [u["visible"] for u in updates] == [name in ("toy_scale", "toy_budget") for name in all_params()]
    figure, table, *_ = compare_methods("set a timer for ten minutes", "intent-minilm", "", 0, ["shap", "toy"],
                                        progress=lambda *a, **k: None, max_evals=100, toy_scale=2.0)
    assert [row[0] for row in table["data"]] == ["SHAP", "toy", "random ranking"]  # scored like the others
    assert [trace.name for trace in figure.data] == ["SHAP", "toy"]
