"""The Inside the Transformer tab through gradio_client: values, not just charts."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest
from gradio_client.exceptions import AppError

from tests.ui.test_api import array, figure

TEXT = "The bank raised interest rates again."


def test_inside_shows_the_models_own_computation(client):
    out = client.predict(TEXT, "intent-minilm", 2, 3, "", api_name="/inside")
    proof, x, qkv, sp, a, query, qk, sinusoid, learned, flow, similarity, lens, path = out
    differences = [float(v) for v in re.findall(r"to (\d\.\de-\d\d)", proof)]
    assert len(differences) == 3 and max(differences) < 1e-5
    assert "`(1, 9, 384)`" in proof  # last_hidden_state's shape for this text
    saved = json.load(open(path, encoding="utf-8"))
    steps = saved["attention_steps"]
    assert (steps["layer"], steps["head"]) == (1, 2)  # the sliders count from 1, the library from 0
    P, S = np.array(steps["P"]), np.array(steps["S"])
    np.testing.assert_allclose(P, np.exp(S) / np.exp(S).sum(1, keepdims=True), atol=1e-12)
    np.testing.assert_allclose(np.array(steps["A"]), P @ np.array(steps["V"]), atol=1e-12)
    chart = figure(sp)
    np.testing.assert_allclose(array(chart["data"][1]["z"]), P, atol=1e-12)
    assert query["value"] == 1 and [c[0] for c in query["choices"]][:2] == ["0: [CLS]", "1: the"]
    bars = figure(qk)["data"][1]
    np.testing.assert_allclose(array(bars["x"]), S[1], atol=1e-9)
    lens_chart = figure(lens)
    assert lens_chart["data"][0]["name"] == "interest_rate"
    values = np.array(saved["layer_lens"]["values"])
    assert values.shape == (7, 157) and saved["layer_lens"]["labels"][int(values[-1].argmax())] == "interest_rate"
    assert figure(learned)["data"][0]["type"] == "heatmap" and figure(sinusoid)["data"][0]["type"] == "heatmap"
    assert "after layer 2" in figure(similarity)["layout"]["title"]["text"]


def test_inside_query_and_shape(client):
    bars = figure(client.predict(TEXT, "intent-minilm", 1, 1, 0, api_name="/inside_query"))
    assert "[CLS]" in bars["layout"]["title"]["text"]
    with pytest.raises(AppError, match="must be one of the text's 9 tokens"):
        client.predict(TEXT, "intent-minilm", 1, 1, 40, api_name="/inside_query")
    layer, head, extra = client.predict("minilm-zeroshot", api_name="/inside_shape")
    assert (layer["maximum"], head["maximum"]) == (6, 12) and "Candidate labels" in extra["label"]


def test_inside_lens_needs_its_task_arguments(client):
    with pytest.raises(AppError, match="needs the candidate labels"):
        client.predict(TEXT, "minilm-zeroshot", 1, 1, "", api_name="/inside")
    out = client.predict(TEXT, "minilm-embed", 6, 12, "The central bank changed its rates.", api_name="/inside")
    lens = json.load(open(out[-1], encoding="utf-8"))["layer_lens"]
    assert lens["output"] == "cosine similarity" and len(lens["values"]) == 7


def test_a_long_text_is_cut_where_the_model_cuts_it_and_the_page_stays_bounded(client):
    """Inside stopped at 256 tokens without saying so, and grew the page to ~44,000 px."""
    text = ("The bank raised interest rates again, and my loan payment went up. " * 26)[:1990]
    out = client.predict(text, "intent-minilm", 2, 3, "", api_name="/inside")
    proof = out[0]
    assert "The text is longer than this model reads: it reads the first 256 tokens" in proof
    heights = [figure(payload)["layout"]["height"] for payload in out[1:13] if isinstance(payload, dict)
               and payload.get("type") == "plotly"]
    assert len(heights) >= 9 and max(heights) <= 760
    with pytest.raises(AppError, match="this tab reads at most 2,000"):
        client.predict("word " * 500, "intent-minilm", 2, 3, "", api_name="/inside")
