"""Every api_name of the app through gradio_client, asserting values, not just success."""
from __future__ import annotations

import base64
import csv
import json

import numpy as np
import pytest
from gradio_client.exceptions import AppError

from explain import Explanation


def array(value) -> np.ndarray:
    """Plotly serialises numpy arrays as typed arrays ({"dtype", "bdata", "shape"})."""
    if isinstance(value, dict) and "bdata" in value:
        out = np.frombuffer(base64.b64decode(value["bdata"]), dtype=np.dtype(value["dtype"]))
        shape = value.get("shape")
        if shape:
            out = out.reshape([int(n) for n in str(shape).split(",")])
        return out
    return np.array(value, dtype=float)


def figure(payload) -> dict:
    assert payload["type"] == "plotly"
    return json.loads(payload["plot"])


def test_every_event_has_an_api_name(client):
    endpoints = set(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    assert {"/classify", "/compare_methods", "/class_labels", "/zero_shot", "/embeddings",
            "/explain_similarity", "/attention", "/attention_shape", "/dataset", "/dataset_columns",
            "/dataset_cancel", "/inside", "/inside_query", "/inside_shape", "/train"} <= endpoints


def test_classify_shap(client):
    label, bars, heat, notes, files = client.predict("transfer $200 from checking to savings", "intent-minilm",
                                                     "shap", "", 0, True, max_evals=500, api_name="/classify")
    assert label["label"] == "transfer"
    assert label["confidences"][0]["confidence"] > 0.9
    bars = figure(bars)
    assert bars["data"][0]["type"] == "bar" and "transfer" in bars["data"][0]["y"]
    assert "transfer" in bars["layout"]["title"]["text"]
    assert figure(heat)["data"][0]["type"] == "heatmap"
    json_file = next(f for f in files if f.endswith(".json"))
    csv_file = next(f for f in files if f.endswith("-tokens.csv"))
    e = Explanation.from_dict(json.loads(open(json_file, encoding="utf-8").read()))
    assert e.targets == ("transfer",)
    assert abs(e.attributions.sum() + e.base_values[0] - e.outputs[0]) < 1e-4
    rows = list(csv.DictReader(open(csv_file, encoding="utf-8")))
    assert len(rows) == len(e.tokens) and rows[1]["token"] == "transfer"
    # the word-level file: what the charts show, and what it explains on every row
    words = list(csv.DictReader(open(next(f for f in files if f.endswith("-words.csv")), encoding="utf-8")))
    assert [r["word"] for r in words] == [w.text for w in e.words]
    np.testing.assert_allclose([float(r["attribution"]) for r in words], e.word_attributions[:, 0], rtol=1e-7)
    assert {r["text"] for r in words} == {"transfer $200 from checking to savings"}
    assert {(r["model"], r["method"], r["target"], r["prediction"], r["seed"]) for r in words} == \
        {("intent-minilm", "shap", "transfer", "transfer", "0")}
    assert json.loads(words[0]["parameters"]) == {"max_evals": 500, "granularity": "auto"}
    assert float(words[0]["base_value"]) == pytest.approx(e.base_values[0], rel=1e-7)
    assert all(f.split("/")[-1].startswith("classify-shap-transfer-200-from-checki-") for f in files)
    assert "base (every token hidden)" in notes


def test_classify_other_target_and_lime(client):
    label, bars, _, notes, files = client.predict("my card was declined", "intent-minilm", "lime", "oos", 1, False,
                                                  num_samples=300, api_name="/classify")
    assert list(figure(bars)["data"][0]["y"]) == ["my", "card", "was", "declined"]  # text order when unsorted
    e = Explanation.from_dict(json.load(open(next(f for f in files if f.endswith(".json")), encoding="utf-8")))
    assert e.targets == ("oos",) and e.method == "lime" and e.meta["seed"] == 1
    assert sum(c["confidence"] for c in label["confidences"]) <= 1.0 + 1e-6


def test_class_labels_follow_the_model(client):
    update, rather = client.predict("intent-minilm", api_name="/class_labels")
    values = [choice[1] for choice in update["choices"]]
    assert values[0] == "" and "transfer" in values and len(values) == 158
    assert values[1:] == sorted(values[1:])
    others = [choice[1] for choice in rather["choices"]]  # "Rather than": the classes alone, nothing chosen (empty:
    assert others == values[1:] and rather["value"] is None  # why this class), so a typed label is not appended to one


def test_classify_rather_than_is_the_difference_of_two_logit_explanations(client, intent_model):
    from explain import explain

    text = "move 100 dollars from checking to my savings account"
    _, bars, _, notes, files = client.predict(text, "intent-minilm", "occlusion", "transfer", 0, False,
                                              contrast="balance", api_name="/classify")
    assert "rather than" in figure(bars)["layout"]["title"]["text"]
    e = Explanation.from_dict(json.load(open(next(f for f in files if f.endswith(".json")), encoding="utf-8")))
    assert e.meta["contrast"] == "balance" and e.targets == ("transfer",)
    a = explain(intent_model, text, "occlusion", target="transfer", output="logit", cache=None)
    b = explain(intent_model, text, "occlusion", target="balance", output="logit", cache=None)
    np.testing.assert_allclose(e.attributions[:, 0], a.attributions[:, 0] - b.attributions[:, 0], atol=1e-5)


def test_counterfactuals_are_verified_and_the_what_if_compares_them(client, intent_model):
    text = "my card was declined at the store"
    table, note, files, pick = client.predict(text, "intent-minilm", "ablation_flip", 3, "",
                                              api_name="/counterfactuals")
    original = intent_model.labels[int(np.argmax(intent_model.predict([text])[0]))]
    assert table["data"] and f"the original answer is **{original.replace('_', chr(92) + '_')}**" in note
    for _, edited, _, prediction, change in table["data"]:
        probabilities = intent_model.predict([edited])[0]
        assert intent_model.labels[int(np.argmax(probabilities))] == prediction != original
        assert change < 0  # the original class lost probability
    assert len(pick["choices"]) == len(table["data"]) and any(f.endswith(".csv") for f in files)
    edited = table["data"][0][1]
    before, after, before_text, after_text, change, *_ = client.predict(
        text, edited, "intent-minilm", "occlusion", 0, api_name="/what_if")
    assert before["label"] == original and after["label"] == table["data"][0][3]
    removed = [part["token"] for part in before_text if part["class_or_confidence"]]  # marked in the original
    assert removed and all(part.strip() in text for part in removed)
    chart = figure(change)
    assert chart["data"][0]["type"] == "bar"
    replaced, note, _, _ = client.predict(text, "intent-minilm", "word_replace", 2, "", rules="declined -> accepted",
                                          api_name="/counterfactuals")
    assert all("accepted" in row[1] for row in replaced["data"]) or "no" in note.lower()


def test_zero_shot_counterfactuals_and_what_if(client):
    labels = "sports, politics, finance"
    text = "The home team scored twice to win the cup final."
    table, note, _, _ = client.predict(text, labels, "minilm-zeroshot", "ablation_flip", 3,
                                       api_name="/zero_shot_counterfactuals")
    assert "the original answer is **sports**" in note
    assert all(row[3] != "sports" for row in table["data"])
    before, after, *_ = client.predict(text, "The senate scored twice to win the vote.", labels, "minilm-zeroshot",
                                       "occlusion", 0, api_name="/zero_shot_what_if")
    assert before["label"] == "sports" and after["label"] == "politics"


def test_attention_sliders_follow_the_model(client):
    layer, head, note = client.predict("minilm-embed", api_name="/attention_shape")
    assert (layer["minimum"], layer["maximum"], layer["value"]) == (1, 6, 6)
    assert (head["minimum"], head["maximum"]) == (0, 12)
    assert "share one encoder" in note  # the three bundled models: the same attention


def test_compare_methods(client):
    bars, table, curves, agreement, files = client.predict(
        "set a timer for ten minutes", "intent-minilm", "", 0, ["shap", "lime", "rollout"], max_evals=300,
        num_samples=200, api_name="/compare_methods")
    fig = figure(bars)
    assert [trace["name"] for trace in fig["data"]] == ["SHAP", "LIME", "Rollout"]
    for trace in fig["data"]:
        assert np.abs(array(trace["x"])).max() == pytest.approx(1.0)
    # the scorecard: a row per method and the random control, the better direction in every header
    assert table["headers"][:3] == ["method", "comprehensiveness ↑", "sufficiency ↓"]
    assert [row[0] for row in table["data"]] == ["SHAP", "LIME", "Rollout", "random ranking"]
    document = json.load(open(next(f for f in files if f.endswith(".json")), encoding="utf-8"))
    shap_card = document["scorecards"][0]
    assert table["data"][0][1] == pytest.approx(round(shap_card["comprehensiveness"], 4))
    assert table["data"][3][1] == pytest.approx(round(shap_card["random"]["comprehensiveness"], 4))
    assert shap_card["comprehensiveness"] > shap_card["random"]["comprehensiveness"]
    lines = figure(curves)["data"]
    assert {t["name"] for t in lines} == {"SHAP", "LIME", "Rollout", "random ranking"} and len(lines) == 8
    heat = figure(agreement)["data"][0]
    assert array(heat["z"]).reshape(3, 3)[0, 0] == pytest.approx(1.0)
    assert document["agreement"]["methods"] == ["shap", "lime", "rollout"]
    rows = list(csv.DictReader(open(next(f for f in files if f.endswith(".csv")), encoding="utf-8")))
    assert {r["method"] for r in rows} == {"shap", "lime", "rollout"} and {"comprehensiveness", "loo_tau"} <= {
        r["metric"] for r in rows}


def test_zero_shot(client):
    label, scores, notes, multiples, heat, files = client.predict(
        "The home team scored twice in extra time to win the cup final.", "sports, politics, finance", "", False,
        "minilm-zeroshot", "shap", 0, max_evals=300, api_name="/zero_shot")
    assert label["label"] == "sports"
    chart = figure(scores)
    assert chart["data"][0]["type"] == "bar"
    assert array(chart["data"][0]["x"]).sum() == pytest.approx(1.0, abs=1e-5)  # softmax across the labels
    assert "add up to 1" in chart["layout"]["title"]["subtitle"]["text"]
    assert len(figure(multiples)["data"]) == 3
    assert figure(heat)["data"][0]["type"] == "heatmap"


def test_embeddings(client):
    texts = "A man is playing a guitar.\nSomeone is strumming a guitar.\nThe stock market fell."
    matrix, two, three = client.predict(texts, "minilm-embed", "pca", api_name="/embeddings")
    z = array(figure(matrix)["data"][0]["z"])
    assert z.shape == (3, 3) and np.allclose(np.diag(z), 1.0, atol=1e-5)
    assert z[0, 1] > z[0, 2]
    assert figure(two)["data"][0]["type"] == "scatter"
    assert figure(three)["data"][0]["type"] == "scatter3d"


def test_explain_similarity(client):
    value, a, b, notes, files = client.predict("A man plays a guitar.", "Someone performs music on a guitar.", "minilm-embed",
                                        "shap", 0, max_evals=200, api_name="/explain_similarity")
    assert value.startswith("cosine similarity: ")
    assert 0 < float(value.split(": ")[1]) <= 1
    assert "guitar" in figure(a)["data"][0]["y"] and "guitar" in figure(b)["data"][0]["y"]


def test_word_pairs_are_the_librarys_with_their_downloads_and_report(client, embed_model):
    from explain import PairExplanation, explain_pair

    text_a, text_b = "A man plays a guitar.", "Someone performs music."
    heat, lines, files = client.predict(text_a, text_b, "minilm-embed", "pair_occlusion", "word",
                                               removal="delete", api_name="/explain_pairs")
    expected = explain_pair(embed_model, text_a, text_b, "pair_occlusion")
    drawn = figure(heat)["data"][0]
    assert drawn["type"] == "heatmap" and list(drawn["y"]) == ["A", "man", "plays", "a", "guitar", "."]
    np.testing.assert_allclose(array(drawn["z"]), expected.matrix, atol=1e-6)
    best = expected.strongest(1)[0]
    assert f"“{best.unit_a}” ↔ “{best.unit_b}” {best.value:+.4f}" in lines
    assert len(files) == 2 and files[0].endswith(".json") and files[1].endswith("-pairs.csv")
    written = PairExplanation.from_dict(json.load(open(next(f for f in files if f.endswith(".json")), encoding="utf-8")))
    np.testing.assert_allclose(written.matrix, expected.matrix, atol=1e-6)
    rows = list(csv.DictReader(open(next(f for f in files if f.endswith("-pairs.csv")), encoding="utf-8")))
    assert len(rows) == 6 * 4 and rows[0]["a_unit"] == "A" and rows[0]["b_unit"] == "Someone"
    with pytest.raises(AppError, match="steps must be"):
        client.predict(text_a, text_b, "minilm-embed", "integrated_jacobians", "word", steps="1",
                       api_name="/explain_pairs")
    with pytest.raises(AppError, match="The second text is empty"):
        client.predict(text_a, "  ", "minilm-embed", "pair_occlusion", "word", api_name="/explain_pairs")


def test_a_file_of_pairs_through_the_api(client, embed_model):
    from gradio_client import handle_file

    from explain import explain_pair
    from ui.pairs import PAIRS_FILE

    chart, said, table, files = client.predict(handle_file(str(PAIRS_FILE)), "text_a", "text_b", "minilm-embed",
                                               "pair_occlusion", "word", 3, api_name="/explain_pair_file")
    assert said.startswith("3 pairs of texts explained.")
    rows = list(csv.reader(open(PAIRS_FILE, encoding="utf-8")))[1:4]
    assert [r[1:3] for r in table["data"]] == rows
    first = explain_pair(embed_model, *rows[0], "pair_occlusion").strongest(1)[0]
    assert table["data"][0][4] == f"{first.unit_a} ↔ {first.unit_b}"
    assert figure(chart)["layout"]["title"]["text"] == "Word pairs across the file · Pair occlusion"
    assert [f.rsplit("-", 1)[-1] for f in files] == ["pairs.csv", "rows.csv"]


def test_attention(client):
    heat, grid, scores, roll, files = client.predict("transfer money to savings", "intent-minilm", 6, 0,
                                                     api_name="/attention")
    z = array(figure(heat)["data"][0]["z"])
    np.testing.assert_allclose(z.sum(1), 1.0, atol=1e-4)
    assert len(figure(grid)["data"]) == 12
    assert array(figure(roll)["data"][0]["z"]).shape == z.shape


@pytest.mark.parametrize("api_name, args", [
    ("/classify", ("", "intent-minilm", "shap", "", 0, True)),
    ("/classify", ("hello", "no-such-model", "shap", "", 0, True)),
    ("/classify", ("hello", "intent-minilm", "shap", "no_such_intent", 0, True)),
    ("/zero_shot", ("a text", "", "", False, "minilm-zeroshot", "shap", 0)),
    ("/zero_shot", ("a text", "a, a", "", False, "minilm-zeroshot", "shap", 0)),
    ("/zero_shot", ("a text", "a, b", "no placeholder", False, "minilm-zeroshot", "shap", 0)),
    ("/embeddings", ("only one", "minilm-embed", "pca")),
])
def test_errors_are_one_sentence(client, api_name, args):
    with pytest.raises(AppError) as err:
        client.predict(*args, api_name=api_name)
    message = str(err.value)
    assert "Traceback" not in message and "\n" not in message.strip()


def test_the_what_if_explains_both_sides_for_the_same_class(client):
    """Classify explained each side's own prediction (two charts of different classes) and ignored "Explain
    class" and "Rather than": both sides now explain the chosen class, rather than the chosen one."""
    text, edited = "my card was declined at the store", "what is the balance of my account"
    *_, before, after = client.predict(text, edited, "intent-minilm", "occlusion", 0, target="card_declined",
                                       contrast="balance", api_name="/what_if")
    titles = {figure(before)["layout"]["title"]["text"], figure(after)["layout"]["title"]["text"]}
    assert titles == {"Occlusion · why card_declined rather than balance"}
    *_, before, after = client.predict(text, edited, "intent-minilm", "occlusion", 0, api_name="/what_if")
    assert figure(before)["layout"]["title"]["text"] == figure(after)["layout"]["title"]["text"] == \
        "Occlusion · card_declined"  # the original's prediction, on both sides


def test_an_api_error_reads_as_the_text_itself(client):
    """The page renders an error as HTML, so it gets it escaped; a program calling the API got the entities
    ("'&lt;b&gt;bold&lt;/b&gt;' is not one of …")."""
    with pytest.raises(AppError) as refused:
        client.predict("transfer money", "intent-minilm", "shap", "<b>bold</b>", 0, True, api_name="/classify")
    assert "'<b>bold</b>' is not one of" in str(refused.value) and "&lt;" not in str(refused.value)


def test_the_similarity_gets_compare_and_what_if(client, embed_model):
    """The similarity half of Embeddings is the task page too: compare methods, counterfactuals that cross the
    threshold, an edit side by side, shown as the cosine it is (a number with its answer, not a label's bar)."""
    from explain import explain

    a, b, edit = "A man plays a guitar.", "Someone plays music.", "A man plays a piano."
    bars, table, *_ = client.predict(a, "minilm-embed", 0, ["occlusion", "lime"], pair=b, num_samples=100,
                                     api_name="/compare_similarity")
    assert [row[0] for row in table["data"]] == ["Occlusion", "LIME", "random ranking"]
    occlusion = explain(embed_model, a, "occlusion", pair=b)
    shown = array(figure(bars)["data"][0]["x"])
    scaled = occlusion.word_attributions[:, 0] / np.abs(occlusion.word_attributions[:, 0]).max()
    np.testing.assert_allclose(np.sort(np.abs(shown)), np.sort(np.abs(scaled))[-len(shown):], atol=1e-6)
    before, after, *_ = client.predict(a, edit, "minilm-embed", "occlusion", 0, pair=b, api_name="/similarity_what_if")
    assert before == f"**similar** · cosine similarity: {occlusion.outputs[0]:+.4g}"
    assert after.endswith(f"{explain(embed_model, edit, 'occlusion', pair=b).outputs[0]:+.4g}")
    found, note, *_ = client.predict(a, "minilm-embed", "ablation_flip", 2, pair=b, threshold=0.5,
                                     api_name="/similarity_counterfactuals")
    assert "the original answer is **similar**" in note
    assert found["data"] and all(row[3] == "not similar" for row in found["data"])


def test_zero_shot_compare_explains_the_top_label(client):
    from explain import explain
    from model import load_model

    labels = "politics, finance, sports"  # (the top label last: not the first explained)
    text = "The home team scored twice in extra time to win the cup final."
    bars, table, *_ = client.predict(text, "minilm-zeroshot", 0, ["occlusion"], labels=labels,
                                     api_name="/zero_shot_compare")
    e = explain(load_model("minilm-zeroshot"), text, "occlusion", labels=["politics", "finance", "sports"])
    sports = e.word_attributions[:, 2] / np.abs(e.word_attributions[:, 2]).max()
    chart = figure(bars)["data"][0]
    np.testing.assert_allclose(array(chart["x"]), [sports[[w.text for w in e.words].index(y)] for y in chart["y"]],
                               atol=1e-6)
    assert [row[0] for row in table["data"]] == ["Occlusion", "random ranking"]


def test_the_attention_api_names_a_window_of_a_long_text(client):
    """A script can ask for any window by number (the list's choices are the page's, filled after a result); a
    window the text does not have is one sentence."""
    from ui.page import LONG_EXAMPLE

    text = LONG_EXAMPLE.read_text(encoding="utf-8")
    *_, files = client.predict(text, "intent-minilm", 6, 0, window=3, api_name="/attention")
    meta = json.load(open(next(f for f in files if f.endswith(".json")), encoding="utf-8"))["meta"]
    assert meta["window"]["index"] == 3 and meta["window"]["count"] == 10
    with pytest.raises(AppError, match="read as 10 windows: choose one from 0 to 9, not 12"):
        client.predict(text, "intent-minilm", 6, 0, window=12, api_name="/attention")
