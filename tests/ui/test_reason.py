""""Your reason" in Classify, Compare and Zero-shot: the plausibility shown is the library's on the
explanation downloaded, beside a random ranking's; marked words are told apart by position."""
from __future__ import annotations

import csv
import json

import pytest
from gradio_client.exceptions import AppError

from explain import Explanation, plausibility, rationale_spans
from explain.metrics.plausibility import random_baseline
from tests.ui.test_api import figure
from ui.reason import spans, word_choices

TEXT = "please move 100 dollars from checking to my savings account"


def test_words_to_mark_are_numbered_in_text_order():
    choices = word_choices("the soup was cold but the waiter was lovely, wasn't it")
    assert [label for label, _ in choices] == ["the", "soup", "was", "cold", "but", "the (2)", "waiter", "was (2)",
                                               "lovely", "wasn't", "it"]
    assert choices[7] == ("was (2)", "33:36")
    text = "the soup was cold but the waiter was lovely"
    assert spans(text, "cold", ["33:36"]) == [(13, 17), (33, 36)]
    for bad in (["1:2"], ["x"], ["0:999"]):  # not a word, not a span, outside the text
        with pytest.raises(ValueError):
            spans(text, "", bad)


def test_classify_shows_the_plausibility_of_the_downloaded_explanation(client):
    _, _, _, notes, files = client.predict(TEXT, "intent-minilm", "occlusion", "", 0, True,
                                           reason_typed="move | savings account", reason_marked=["16:23"],
                                           api_name="/classify")
    e = Explanation.from_dict(json.load(open(next(f for f in files if f.endswith(".json")), encoding="utf-8")))
    rationale = sorted(set(rationale_spans(TEXT, "move | savings account")) | {(16, 23)})
    expected = plausibility(e, rationale)
    assert [tuple(s) for s in e.meta["plausibility"]["rationale"]] == rationale
    assert e.meta["plausibility"]["token_f1"] == pytest.approx(expected.token_f1)
    control = random_baseline(e, rationale)
    assert (f"Plausibility against your reason ({expected.k} of {expected.words} words marked; ERASER): token F1 "
            f"{expected.token_f1:.3f} against {control['token_f1']:.3f} for a random ranking, IOU-F1 "
            f"{expected.iou_f1:.3f} against {control['iou_f1']:.3f}, AUPRC {expected.auprc:.3f}") in notes
    _, _, _, notes, files = client.predict(TEXT, "intent-minilm", "occlusion", "", 0, True, api_name="/classify")
    assert "Plausibility" not in notes  # no reason, no plausibility
    with pytest.raises(AppError, match="The reason 'sav' is not in the text as whole words."):
        client.predict(TEXT, "intent-minilm", "occlusion", "", 0, True, reason_typed="sav", api_name="/classify")


def test_compare_puts_plausibility_beside_faithfulness(client):
    _, table, _, _, files = client.predict(TEXT, "intent-minilm", "", 0, ["occlusion", "lime"], True,
                                           reason_typed="savings account", num_samples=200,
                                           api_name="/compare_methods")
    assert table["headers"][:6] == ["method", "comprehensiveness ↑", "sufficiency ↓", "token F1 ↑", "IOU-F1 ↑",
                                     "AUPRC ↑"]  # plausibility beside the headline faithfulness
    assert [row[0] for row in table["data"]] == ["Occlusion", "LIME", "random ranking"]
    rationale = rationale_spans(TEXT, "savings account")
    with open(next(f for f in files if f.endswith(".json")), encoding="utf-8") as handle:
        saved = json.load(handle)["plausibility"]
    assert [m["method"] for m in saved["methods"]] == ["occlusion", "lime"]
    for row, found in zip(table["data"], saved["methods"]):
        assert row[3:6] == [round(found[m], 4) for m in ("token_f1", "iou_f1", "auprc")]
        assert 0 <= found["auprc"] <= 1
    assert table["data"][-1][3:6] == [round(saved["random"][m], 4) for m in ("token_f1", "iou_f1", "auprc")]
    with open(next(f for f in files if f.endswith(".csv")), encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["metric"] == "plausibility_token_f1"]
    assert [r["method"] for r in rows] == ["occlusion", "lime"]
    assert float(rows[0]["value"]) == pytest.approx(saved["methods"][0]["token_f1"])
    assert len(rationale) == 1


def test_zero_shot_measures_the_top_labels_explanation(client):
    text = "The home team scored twice in extra time to win the cup final."
    label, _, notes, multiples, _, files = client.predict(
        text, "sports, politics, finance", "", False, "minilm-zeroshot", "occlusion", 0,
        reason_typed="home team | scored | cup final", api_name="/zero_shot")
    assert label["label"] == "sports"
    e = Explanation.from_dict(json.load(open(next(f for f in files if f.endswith(".json")), encoding="utf-8")))
    found = e.meta["plausibility"]
    assert found["target"] == "sports"
    expected = plausibility(e, rationale_spans(text, "home team | scored | cup final"), target="sports")
    assert found["token_f1"] == pytest.approx(expected.token_f1) and found["k"] == 5
    assert f"sports: Plausibility against your reason (5 of 13 words marked; ERASER): token F1 {expected.token_f1:.3f}" \
        in notes
    assert len(figure(multiples)["data"]) == 3


def test_adjacent_marked_words_are_one_span_as_a_typed_phrase_is():
    """The same reason entered either way gives the same spans, so the same plausibility (typing
    "move | savings account" gave occlusion IOU-F1 0.800, marking move, savings, account 0.667)."""
    from ui.reason import spans, word_choices

    text = "please move 100 dollars from checking to my savings account"
    chosen = {label: value for label, value in word_choices(text)}
    marked = spans(text, None, [chosen["move"], chosen["savings"], chosen["account"]])
    typed = spans(text, "move | savings account", None)
    assert marked == typed == [(7, 11), (44, 59)]
    assert spans(text, "savings", [chosen["account"]]) == [(44, 59)]  # typed and marked together too
