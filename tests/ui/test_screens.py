"""What the screens say is true: each item seen in a new user's review, checked through the client."""
from __future__ import annotations

import csv
import json
import logging
import re

import numpy as np
import pytest
from gradio_client.exceptions import AppError

from tests.ui.test_api import array, figure

LONG = ("Hello, I wanted to write because last month I moved my savings to your bank, and since then every transfer "
        "I make to my old account takes three or four days, which never happened before, and nobody at the branch "
        "could tell me why; could you please check what is going on with my transfers and whether there is a fee "
        "I do not know about, because I am starting to think about closing the account altogether.")


def test_one_zero_shot_label_is_scored_on_its_own(client):
    label, scores, notes, multiples, heat, files = client.predict(
        "Whisk the eggs with sugar and bake for twenty minutes.", "sports", "", False, "minilm-zeroshot", "shap", 0,
        max_evals=200, api_name="/zero_shot")
    assert label["confidences"][0]["confidence"] < 0.5  # not "sports 100%"
    assert "its score is computed on its own" in notes
    chart = figure(multiples)
    assert np.abs(array(chart["data"][0]["x"])).max() > 0  # the contributions are not empty
    assert "on its own" in figure(scores)["layout"]["title"]["subtitle"]["text"]


def test_coarse_shap_says_so(client):
    *_, notes, files = client.predict(LONG, "intent-minilm", "shap", "", 0, True, max_evals=500, api_name="/classify")
    assert "Coarse: 500 of the" in notes and "raise max evaluations" in notes
    meta = json.load(open(next(f for f in files if f.endswith(".json")), encoding="utf-8"))["meta"]
    assert meta["partition_tree_exhausted"] is False and meta["evaluations_needed"] > 500


@pytest.mark.parametrize("model", ["intent-minilm", "minilm-zeroshot", "minilm-embed"])
def test_attention_tab_follows_the_controls_and_invents_nothing(client, model):
    text = "transfer money to my savings account"
    last = client.predict(text, model, 6, 0, api_name="/attention")
    first = client.predict(text, model, 1, 3, api_name="/attention")
    last_scores, first_scores = figure(last[2]), figure(first[2])
    assert last_scores["layout"]["title"]["text"] == "Attention received · layer 6 · mean of heads"
    assert first_scores["layout"]["title"]["text"] == "Attention received · layer 1 · head 3"
    assert not np.allclose(array(last_scores["data"][0]["x"]), array(first_scores["data"][0]["x"]))
    for payload in last[:4]:
        dumped = json.dumps(figure(payload)["layout"])
        assert "model output" not in dumped and "this (score" not in dumped  # no invented placeholder target
        assert "cosine similarity 1.000" not in dumped


def test_attention_in_explaining_tabs_is_drawn_as_attention(client):
    *_, notes, multiples, heat, files = client.predict(
        "The home team won the cup final.", "sports, politics, finance, cooking", "", False, "minilm-zeroshot",
        "attention", 0, api_name="/zero_shot")
    panels = figure(multiples)
    assert len(panels["data"]) == 1  # the same for every label: one panel, not four identical ones
    heatmap = figure(heat)["data"][0]
    assert heatmap["zmin"] == 0 and heatmap["colorscale"][0][1] != "#008bfb"  # sequential, no negative range
    assert heatmap["colorbar"]["title"]["text"] == "attention"
    assert "not attributions" in notes


def test_compare_is_bounded_sorted_and_names_the_class(client):
    # (occlusion and rollout on 44 words: the chart's bounds and order are the point; their scorecards need no
    # reruns for stability, and the scorecard's search grows with the square of the words: SHAP and LIME on
    # 77 words spent a minute there)
    words = " ".join(LONG.split()[:44])  # more words than the 40 bars shown
    fig = figure(client.predict(words, "intent-minilm", "", 0, ["occlusion", "rollout"], api_name="/compare_methods")[0])
    assert fig["layout"]["height"] <= 1400
    assert len(fig["data"][0]["y"]) == 40
    title = fig["layout"]["title"]["text"]
    assert title.startswith("Methods compared · ") and "(probability" in title
    strength = np.mean([np.abs(array(t["x"])) for t in fig["data"]], axis=0)
    assert list(strength) == sorted(strength, reverse=True)


def test_similarity_download_has_both_texts(client):
    *_, notes, files = client.predict("A man plays a guitar.", "Someone performs music.", "minilm-embed", "lime", 0,
                                      num_samples=100, api_name="/explain_similarity")
    document = json.load(open(next(f for f in files if f.endswith(".json")), encoding="utf-8"))
    assert document["A"]["text"] == "A man plays a guitar." and document["B"]["text"] == "Someone performs music."
    rows = list(csv.DictReader(open(next(f for f in files if f.endswith("-words.csv")), encoding="utf-8")))
    assert {r["side"] for r in rows} == {"A", "B"}
    assert "Text A: LIME" in notes and "Text B: LIME" in notes


def test_umap_is_what_it_says(client):
    texts = "\n".join(["a guitar", "a violin", "stocks fell", "shares dropped", "a dog runs", "a cat sleeps"])
    _, two, three = client.predict(texts, "minilm-embed", "umap", api_name="/embeddings")
    assert figure(two)["layout"]["title"]["text"] == "Embeddings · UMAP 2-D"
    _, two, _ = client.predict("a guitar\na violin\nstocks fell", "minilm-embed", "umap", api_name="/embeddings")
    layout = figure(two)["layout"]
    assert layout["title"]["text"] == "Embeddings · PCA 2-D" and "UMAP needs" in layout["title"]["subtitle"]["text"]


def test_non_numeric_values_through_the_api_get_our_sentence(client):
    with pytest.raises(AppError, match="SHAP max evaluations must be a whole number from 10 to 5,000; got 'abc'"):
        client.predict("transfer money", "intent-minilm", "shap", "", 0, True, max_evals="abc", api_name="/classify")
    with pytest.raises(AppError, match="Seed must be a whole number from 0 to 4,294,967,295; got 'zero'"):
        client.predict("transfer money", "intent-minilm", "shap", "", "zero", True, api_name="/classify")


@pytest.mark.parametrize("args, kwargs, said", [
    (("transfer money", "intent-minilm", "shap", "", -1, True), {}, "Seed must be a whole number from 0 to 4,294,967,295; got -1"),
    (("transfer money", "intent-minilm", "shap", "", 0, True), {"max_evals": 10**12},
     "SHAP max evaluations must be a whole number from 10 to 5,000; got 1000000000000"),  # (the app's slider)
])
def test_out_of_range_numbers_say_the_range(client, args, kwargs, said):
    """A number out of range was reported as "must be a number" ("Seed must be a number; got -1")."""
    with pytest.raises(AppError, match=re.escape(said)):
        client.predict(*args, **kwargs, api_name="/classify")


def test_a_rejected_request_is_one_log_line_not_a_traceback(client, caplog, capfd):
    caplog.set_level(logging.INFO, logger="studio")
    with pytest.raises(AppError, match="empty"):
        client.predict("   ", "intent-minilm", "shap", "", 0, True, api_name="/classify")
    assert [r.getMessage() for r in caplog.records if r.name == "studio"] == \
        ["rejected classify: The text is empty: give at least one word."]
    assert "Traceback" not in capfd.readouterr().err


def test_gradient_methods_in_the_app_with_their_notes_and_parameters(client):
    label, bars, heat, notes, files = client.predict("transfer $200 from checking to savings", "intent-minilm", "ig",
                                                     "", 0, True, steps="auto", baseline="mask",
                                                     api_name="/classify")
    assert label["label"] == "transfer" and "completeness gap" in notes and "with 50 steps" in notes
    assert figure(bars)["layout"]["title"]["text"] == "Integrated Gradients · transfer"
    words = list(csv.DictReader(open(next(f for f in files if f.endswith("-words.csv")), encoding="utf-8")))
    assert json.loads(words[0]["parameters"]) == {"steps": "auto", "integration": "gausslegendre", "baseline": "mask"}
    fig = figure(client.predict("set a timer for ten minutes", "intent-minilm", "", 0, max_evals=200,
                                num_samples=200, api_name="/compare_methods")[0])  # the default methods
    assert [t["name"] for t in fig["data"]] == ["SHAP", "LIME", "Integrated Gradients", "Occlusion", "Rollout"]
    for method, kwargs in (("grad_input", {}), ("occlusion", {"granularity": "token"})):
        label, bars, *_ = client.predict("my card was declined", "intent-minilm", method, "", 0, True,
                                         api_name="/classify", **kwargs)
        assert label["label"] == "card_declined" and figure(bars)["data"][0]["type"] == "bar"


def test_single_explanations_show_their_headline_scores(client):
    *_, notes, files = client.predict("my card was declined at the store", "intent-minilm", "occlusion", "", 0, True,
                                      api_name="/classify")
    meta = json.load(open(next(f for f in files if f.endswith(".json")), encoding="utf-8"))["meta"]
    scores = meta["scores"]
    assert f"comprehensiveness {scores['comprehensiveness']:.3f} against {scores['random']['comprehensiveness']:.3f}" \
        in notes
    assert scores["comprehensiveness"] > scores["random"]["comprehensiveness"] and set(scores["scores"]) == {
        "comprehensiveness", "sufficiency"}
    *_, notes, _, _, _ = client.predict("Stir the soup and add salt.", "cooking, sports", "", False, "minilm-zeroshot",
                                        "occlusion", 0, api_name="/zero_shot")
    assert "cooking: Faithfulness" in notes
