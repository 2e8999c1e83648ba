"""The task seam, proven from outside: a plugin written in a folder outside the repository
(``tests/polarity_plugin.py``: a task with its own option, a model under that task, a method, a metric
and a counterfactual generator) reaches explain, evaluate, counterfactuals, dataset mode (local and
Ray), the CLI and the app, with no edit of the repository and no workaround. The README's "what a new
piece touches" table is checked against it."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.polarity_plugin import SOURCE

ROOT = Path(__file__).resolve().parents[1]
TEXT = "the movie was very good and the music was great"
MARGIN = 0.25
pytestmark = pytest.mark.slow


def _git_status() -> str:
    return subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True, cwd=ROOT).stdout


@pytest.fixture(scope="module")
def outside(tmp_path_factory):
    """The plugin package and a tiny sentiment checkpoint in a folder outside the repository."""
    from model.tiny.architectures import build

    root = tmp_path_factory.mktemp("outside")
    (root / "studio_polarity").mkdir()
    (root / "studio_polarity" / "__init__.py").write_text(SOURCE, encoding="utf-8")
    return root, build(root / "sentiment", "distilbert")


@pytest.fixture(scope="module")
def plugin(outside):
    """The plugin loaded in this process as STUDIO_PLUGINS loads it; everything it registered taken back after."""
    from explain import load_plugins, unregister_method, unregister_metric
    from explain.counterfactuals import unregister_generator
    from model import unregister_model, unregister_task
    from model.loading.load import forget

    root, checkpoint = outside
    before = _git_status()
    sys.path.insert(0, str(root))
    os.environ["POLARITY_CHECKPOINT"] = str(checkpoint)
    assert load_plugins("studio_polarity") == ["studio_polarity"]
    yield sys.modules["studio_polarity"], checkpoint
    unregister_method("word_drop")
    unregister_metric("polarity_top_drop")
    unregister_generator("drop_tail")
    unregister_model("toy-polarity")
    forget("toy-polarity")
    unregister_task("polarity")
    sys.path.remove(str(root))
    sys.modules.pop("studio_polarity", None)
    from explain.plugins import LOADED

    LOADED.remove("studio_polarity")
    assert _git_status() == before  # zero edits of the repository


def margin(classifier, texts, shift=MARGIN) -> np.ndarray:
    """The truth, from the plain classifier: p(POSITIVE) - p(NEGATIVE) - shift."""
    p = np.asarray(classifier.predict(texts), dtype=np.float64)
    return p[:, classifier.labels.index("POSITIVE")] - p[:, classifier.labels.index("NEGATIVE")] - shift


def test_explain_evaluate_and_counterfactuals(plugin):
    from explain import evaluate, explain
    from explain.counterfactuals import apply_edits, counterfactuals
    from model import load_model

    _, checkpoint = plugin
    model = load_model("toy-polarity")
    classifier = load_model(checkpoint)  # the same folder as a plain classifier
    assert (model.task, model.info.name, classifier.task) == ("polarity", "toy-polarity", "classification")
    calls = []
    real = model.predict_ids

    def recorded(batch, *args, **kwargs):
        calls.append(kwargs)
        return real(batch, *args, **kwargs)

    model.predict_ids = recorded
    try:
        e = explain(model, TEXT, "word_drop", polarity_margin=MARGIN, drop_weight=2.0, cache=None)
    finally:
        del model.predict_ids
    assert calls and not any("polarity_margin" in kwargs for kwargs in calls)  # the task's option stays the task's
    assert e.outputs[0] == pytest.approx(margin(classifier, [TEXT])[0], abs=1e-6)
    assert dict(e.meta["options"])["polarity_margin"] == MARGIN and dict(e.meta["params"])["drop_weight"] == 2.0
    words = [w for w in e.words]
    for index, word in enumerate(words):  # each word's value: the explicit loop, times the weight
        masked = [classifier.mask_token_id if i in word.tokens else t for i, t in enumerate(classifier.tokenize(TEXT).ids)]
        dropped = margin(classifier, [TEXT])[0] - (
            np.asarray(classifier.predict_ids([masked]))[0, 1] - np.asarray(classifier.predict_ids([masked]))[0, 0]
            - MARGIN)
        assert e.word_attributions[index, 0] == pytest.approx(2.0 * dropped, abs=1e-6)
    shap = explain(model, TEXT, "shap", polarity_margin=MARGIN, max_evals=200, cache=None)
    assert shap.attributions[:, 0].sum() + shap.base_values[0] == pytest.approx(shap.outputs[0], abs=1e-6)
    card = evaluate(e)  # reloads the model by the explanation's name: the registered entry
    assert e.model == "toy-polarity"
    top = card.values["polarity_top_drop"]
    assert top.value is not None and top.random is not None and not top.lower_is_better
    shift = float(margin(classifier, [TEXT], 0.0)[0]) - 1e-4  # the answer is "positive" by a hair
    found = counterfactuals(model, TEXT, generator="drop_tail", keep_first=1, max_edits=3, limit=10,
                            polarity_margin=shift)
    assert found.original["prediction"] == "positive" and len(found) >= 1
    for c in found:
        assert apply_edits(TEXT, c.edits) == c.text  # exact edits
        assert c.prediction == "negative" and margin(classifier, [c.text], shift)[0] < 0  # verified here too
        assert not c.text.startswith(" ") and TEXT.split()[0] == c.text.split()[0]  # keep_first honoured


def test_dataset_mode_local_and_the_cli_on_ray(plugin, outside, tmp_path):
    from explain.dataset import explain_dataset
    from model import load_model

    _, checkpoint = plugin
    classifier = load_model(checkpoint)
    texts = [TEXT, "the food was awful and the service was bad", "i love this film"]
    run = explain_dataset("toy-polarity", texts, "word_drop", polarity_margin=MARGIN)
    local = list(run)
    expected = margin(classifier, texts)
    assert [r.output for r in local] == pytest.approx(list(expected), abs=1e-6)
    assert [r.prediction for r in local] == ["positive" if m >= 0 else "negative" for m in expected]
    rows = tmp_path / "rows.csv"
    rows.write_text("text\n" + "\n".join(texts) + "\n", encoding="utf-8")
    env = {**os.environ, "STUDIO_PLUGINS": "studio_polarity", "POLARITY_CHECKPOINT": str(checkpoint),
           "PYTHONPATH": os.pathsep.join([str(outside[0]), str(ROOT)])}
    out = tmp_path / "ray.jsonl"
    # (a Ray of its own, started by the CLI: its workers inherit this environment, POLARITY_CHECKPOINT included,
    # which a cluster's workers would not)
    ray = subprocess.run([sys.executable, "-m", "explain", "--model", "toy-polarity", "--method", "word_drop",
                          "--file", str(rows), "--engine", "ray", "--workers", "1", "--polarity-margin", str(MARGIN),
                          "--drop-weight", "1", "--out", str(out)], capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=300)
    assert ray.returncode == 0, ray.stderr
    remote = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["output"] for r in remote] == pytest.approx([r.output for r in local], abs=1e-6)
    assert [r["values"] for r in remote] == [pytest.approx(list(r.values), abs=1e-6) for r in local]
    # (the listing and a search: the CLI's own main in this process, the plugin loaded as STUDIO_PLUGINS loads it)
    from tests.cli import run_cli

    listing = run_cli(["--list"], cwd=ROOT)
    assert listing.returncode == 0, listing.stderr
    for piece in ("toy-polarity", "word_drop", "polarity_top_drop", "--polarity-margin", "polarity "):
        assert piece in listing.stdout
    found = run_cli(["--model", "toy-polarity", "--text", TEXT, "--counterfactuals", "drop_tail", "--keep-first", "2",
                     "--polarity-margin", str(float(margin(classifier, [TEXT], 0.0)[0]) - 1e-4)], cwd=ROOT)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["original"]["prediction"] == "positive"


def test_the_app_gives_the_task_a_tab_and_lists_its_model_everywhere(plugin):
    import app
    from ui import gpu
    from ui.task_page import api_name, explainer

    demo = app.build()
    config = demo.config
    tabs = [c["props"].get("label") for c in config["components"] if c["type"] in ("tab", "tabitem")]
    assert "Polarity" in tabs
    lists = [[choice[1] for choice in c["props"]["choices"]] for c in config["components"]
             if c["type"] == "dropdown" and c["props"].get("label") == "Model"]
    assert sum("toy-polarity" in names for names in lists) == 4  # its own tab, Attention, Dataset, Inside
    radios = [[choice[1] for choice in c["props"]["choices"]] for c in config["components"] if c["type"] == "radio"]
    assert any("word_drop" in names for names in radios) and any("drop_tail" in names for names in radios)
    endpoints = [d.get("api_name") for d in config["dependencies"]]
    task = plugin[0].Polarity()
    for section in ("explain", "compare", "counterfactuals", "what_if"):  # every section a task page has
        assert api_name(task, section) in endpoints, section
    labels = {c["props"].get("label") for c in config["components"]}
    assert {"Methods to compare", "Scorecard (↑ higher is better, ↓ lower is better)", "Edited text",
            "Counterfactuals (fewest edits first)"} <= labels
    assert sum(c["props"].get("label") == "📄 Download report (HTML)" for c in config["components"]
               if c["type"] == "downloadbutton") >= 6  # (its page's two among the others)
    from model import TASKS, load_model

    quiet = lambda *a, **k: None  # noqa: E731
    shown, bars, heat, notes, files, summary, explained = explainer(TASKS["polarity"])(
        TEXT, "toy-polarity", "word_drop", 0, progress=quiet, polarity_margin=MARGIN)
    value = margin(load_model(plugin[1]), [TEXT])[0]  # a score, shown as a number with the task's answer
    assert shown == f"**{'positive' if value >= 0 else 'negative'}** · margin: polarity {value:+.4g}"
    assert bars.data and "Faithfulness" in notes and files and explained["task"] == "polarity"
    from ui.compare import comparer
    from ui.task_page import searcher

    compared = comparer("polarity")(TEXT, "toy-polarity", None, 0, ["word_drop", "occlusion"], progress=quiet,
                                    polarity_margin=MARGIN)
    assert [row[0] for row in compared[1]["data"]] == ["word_drop", "Occlusion", "random ranking"] and len(compared[5]) == 2
    table, said, found_files, pick, found = searcher(TASKS["polarity"])(
        TEXT, "toy-polarity", "drop_tail", 3, progress=quiet, keep_first=1,
        polarity_margin=float(margin(load_model(plugin[1]), [TEXT], 0.0)[0]) - 1e-4)
    assert found and all(row[3] == "negative" for row in table["data"])
    assert gpu.duration("classify", {"method": "word_drop", "drop_budget": 4000}) == 29  # the plugin's own budget


def test_the_readme_table_is_what_the_plugin_did():
    """Each piece the plugin adds is one registration call in one module outside the repository: the
    README's table says so for each, and names the call the plugin makes."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| a new … |"):]
    table = table[: table.index("\n\n")]
    rows = {line.split("|")[1].strip(): line.split("|")[2] for line in table.splitlines()[2:]}
    calls = {"task": "register_task", "model": "register_model", "method": "register_method",
             "metric": "register_metric", "counterfactual generator": "register_generator"}
    for piece, call in calls.items():
        assert call in rows[piece], piece
        assert re.search(rf"\b{call}\b", SOURCE), call  # the plugin makes that very call
    assert "task_page" in rows["task"] and "TAB" in rows["tab"]
