"""The Train tab through gradio_client: a trained model joins the other tabs; names keep their owner;
labels are text; bad files are one sentence."""
from __future__ import annotations

import json
import zipfile

import pytest
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

from tests.ui.test_api import figure
from ui.train import example_lines

DEFAULTS = ["minilm-embed", "head", 0.001, "lbfgs", False, 0.2, 0, 0, 0, 0, 16, 2]


def test_train_then_classify_and_download(client, tmp_path):
    out = client.predict(example_lines(4), None, "text", "label", "tab-trained", *DEFAULTS, api_name="/train")
    status, curves, confusion, per_class, files, classify_models, *_ = out
    assert "**tab-trained** is trained (120 examples of 30 labels" in status
    assert "Accuracy held-out (30 rows)" in status
    history = figure(curves)["data"][0]
    assert history["y"][0] > history["y"][-1]  # the training loss goes down from the untrained head
    assert ["tab-trained (trained here)", "tab-trained"] in classify_models["choices"]
    bundle = next(f for f in files if f.endswith("tab-trained.zip"))
    with zipfile.ZipFile(bundle) as archive:
        assert sorted(archive.namelist()) == ["tab-trained/model.safetensors", "tab-trained/studio-model.json",
                                              "tab-trained/training-rows.json", "tab-trained/training.json"]
        archive.extractall(tmp_path)
    summary = json.loads((tmp_path / "tab-trained" / "training.json").read_text())
    assert summary["report"]["rows"] == 30 and summary["settings"]["encoder"] == "minilm-embed"
    label, *_ = client.predict("how much money is left in my account", "tab-trained", "shap", "", 0, True,
                               max_evals=200, api_name="/classify")
    assert label["label"] == "balance"
    from model import load_model

    saved = load_model(str(tmp_path / "tab-trained"))
    assert saved.labels[saved.predict(["how much money is left in my account"])[0].argmax()] == "balance"
    other = Client(client.src, verbose=False)  # another browser session: the name is not theirs
    with pytest.raises(AppError, match="was trained by someone else"):
        other.predict(example_lines(4), None, "text", "label", "tab-trained", *DEFAULTS, api_name="/train")


def test_labels_are_text_and_bad_input_is_one_sentence(client, tmp_path):
    paste = "\n".join(f"sample number {i}, {'<img src=x onerror=alert(1)>' if i % 2 else 'plain'}" for i in range(8))
    status, _, confusion, *_ = client.predict(paste, None, "", "", "html-labels", *DEFAULTS[:5], 0.25,
                                              *DEFAULTS[6:], api_name="/train")
    assert "<img" not in status
    heatmap = figure(confusion)["data"][0]
    assert heatmap["y"][0].startswith("&lt;img src=x") and "<img" not in json.dumps(heatmap)
    assert heatmap["customdata"][0][0][0] == "&lt;img src=x onerror=alert(1)&gt;"  # the hover: the whole label
    with pytest.raises(AppError, match="at least 2 different labels"):
        client.predict("one, a\ntwo, a\n", None, "", "", "one-label", *DEFAULTS, api_name="/train")
    with pytest.raises(AppError, match="The model name must be 1 to 40 letters"):
        client.predict(example_lines(2), None, "", "", "no spaces please", *DEFAULTS, api_name="/train")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("text,label\ncaf\xe9,x\n".encode("latin-1"))
    with pytest.raises(AppError, match="'latin.csv' is not UTF-8 text"):
        client.predict("", handle_file(str(latin)), "text", "label", "latin", *DEFAULTS, api_name="/train")


def test_the_upload_asks_for_two_columns_and_the_chart_says_what_an_epoch_is():
    """The upload printed "A function (dataset_columns) returned too many output values (needed: 2, returned:
    3)" every time; the fine-tune chart's x-axis spoke of L-BFGS steps."""
    from explain.charts.training import curves
    from model.train import Epoch
    from ui.page import EXAMPLE_FILE
    from ui.train import text_and_label_columns

    assert len(text_and_label_columns(str(EXAMPLE_FILE))) == 2
    history = [Epoch(0, 1.0, None, None, 0.0), Epoch(1, 0.5, None, None, 1.0)]
    assert curves(history, what="finetune").layout.xaxis.title.text == \
        "epoch (a pass over every training example, in mini-batches)"
    assert "L-BFGS" in curves(history, what="lbfgs").layout.xaxis.title.text
    assert "Adam" in curves(history, what="adam").layout.xaxis.title.text
