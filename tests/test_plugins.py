"""A plugin module named in STUDIO_PLUGINS registers a method, a metric and a model, and all three
appear in the app (method choices, the scorecard with the metric's random control, every model list
of the model's task) and in the CLI, with no edit of the repository."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT = "the movie was very good and the food was awful"
pytestmark = pytest.mark.slow


def _env() -> dict:
    return {**os.environ, "STUDIO_PLUGINS": "tests.toy_plugin",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}


@pytest.fixture
def plugin():
    from explain import load_plugins, unregister_method

    unregister_method("toy")  # (another test may have imported and unregistered the toy method: start afresh)
    sys.modules.pop("tests.toy_plugin", None)
    sys.modules.pop("tests.toy_method", None)
    assert load_plugins("tests.toy_plugin") == ["tests.toy_plugin"]
    import tests.toy_plugin as module

    yield module
    module.unload()
    sys.modules.pop("tests.toy_plugin", None)  # (imported again, it registers again)
    sys.modules.pop("tests.toy_method", None)


def test_the_app_offers_the_plugins_method_metric_and_model(plugin):
    import app
    from ui.classify import compare_methods

    demo = app.build()
    components = demo.config["components"]
    radios = [c for c in components if c["type"] == "radio" and c["props"].get("label") == "Method"]
    assert radios and all("toy" in [ch[1] for ch in r["props"]["choices"]] for r in radios)
    dropdowns = [c for c in components if c["type"] == "dropdown" and "intent-minilm" in
                 [ch[1] for ch in c["props"]["choices"]]]
    assert len(dropdowns) == 4  # Classify, Attention, Dataset, Inside: every list of classification models
    for dropdown in dropdowns:
        assert [plugin.MODEL + " (plugin)", plugin.MODEL] in [list(choice) for choice in dropdown["props"]["choices"]]
    helps = [c["props"]["value"] for c in components if c["type"] == "markdown" and "top word drop" in
             str(c["props"].get("value"))]
    assert helps and "f(x) - f(x with its top-ranked word deleted)" in helps[0]  # the scorecard's help text
    _, table, *_ = compare_methods(TEXT, plugin.MODEL, "score", 0, ["shap", "toy"], progress=lambda *a, **k: None,
                                   max_evals=100, toy_scale=1.0)
    column = table["headers"].index("top word drop ↑")
    rows = {row[0]: row[column] for row in table["data"]}
    assert set(rows) == {"SHAP", "toy", "random ranking"}
    assert rows["SHAP"] is not None and rows["random ranking"] is not None  # scored, with its random control
    assert rows["SHAP"] >= rows["random ranking"]  # the additive model's top word matters most


def test_the_cli_lists_and_runs_the_plugin(plugin, monkeypatch):
    """The listing (the CLI's own ``main`` in this process, the plugin loaded as STUDIO_PLUGINS loads it), then a
    fresh process that STUDIO_PLUGINS alone gives the plugin's model, method and metric."""
    from tests.cli import run_cli

    monkeypatch.setenv("STUDIO_PLUGINS", "tests.toy_plugin")
    listing = run_cli(["--list"], cwd=ROOT)
    assert listing.returncode == 0, listing.stderr
    assert "toy-additive" in listing.stdout and "top_word_drop" in listing.stdout and "\n  toy " in listing.stdout
    run = subprocess.run([sys.executable, "-m", "explain", "--model", "toy-additive", "--method", "toy", "--text", TEXT,
                          "--target", "score", "--evaluate", "--no-attention"], capture_output=True, text=True,
                         env=_env(), cwd=ROOT, timeout=300)
    assert run.returncode == 0, run.stderr
    scores = json.loads(run.stdout)["meta"]["scores"]["values"]["top_word_drop"]
    assert scores["value"] is not None and scores["random"] is not None and scores["lower_is_better"] is False
