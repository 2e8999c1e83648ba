"""The "Which training examples made this prediction?" view's handlers, called as the page calls them:
the table is the library's answer, the check chart holds the real retraining drops, retraining without rows
reports the model it trained, the mislabelled CSV ranks every row; bad input is one sentence."""
from __future__ import annotations

import csv

import gradio as gr
import numpy as np
import pytest

from explain import influence, self_influence
from model.train import retrain_without
from model.trained import TRAINED
from ui import influence as view
from ui.influence import check_against_retraining, likely_mislabelled, retrain_without_rows, training_examples
from ui.text import TOP_K, top_labels

TEXT = "please move two hundred dollars into my savings account"


def quiet(*args, **kwargs):
    return None


@pytest.fixture(scope="module")
def trained(intent_model):  # (intent-minilm: the model without training rows)
    from model.rows import read_rows
    from model.train import Settings, examples_from_rows, train
    from tests.test_readme import ROOT

    rows = [r for r in read_rows(ROOT / "assets" / "intents_sample.csv", text_column="text", label_column="label")
            if r.label in ("balance", "transfer", "pay_bill", "timer", "reminder")]
    model = train(examples_from_rows(rows), "view-rows", Settings(holdout=0.2, seed=0)).model
    TRAINED.put("view-rows", model)
    yield model
    TRAINED.remove("view-rows")


def test_the_table_chart_and_rows_to_leave_out_are_the_librarys_answer(trained):
    table, bars, note, found, rows = training_examples(TEXT, "view-rows", "influence", progress=quiet)
    expected = influence(trained, TEXT, method="influence", top=view.TOP)
    assert [row[0] for row in table["data"]] == [r["index"] for r in expected.rows]
    assert [row[3] for row in table["data"]] == [round(r["score"], 6) for r in expected.rows]
    assert f"**{len(expected.indices):,} training rows** scored for **{expected.target}**" in note
    assert found["scores"] == expected.scores.tolist()
    supporting = [r["index"] for r in expected.rows if r["score"] > 0]
    assert rows.value == supporting[:3] and [c[1] for c in rows.choices] == [r["index"] for r in expected.rows]
    assert sorted(bars.data[0].x) == sorted(r["score"] for r in expected.rows)  # every listed row, its score
    assert bars.layout.title.text.startswith(f"Training rows for {expected.target}")


def test_the_check_chart_holds_the_real_drops_after_retraining(trained):
    found = influence(trained, TEXT, top=view.TOP).to_dict()
    figure = check_against_retraining(TEXT, "view-rows", found, progress=quiet)
    rows = [r for r in found["rows"] if r["score"] > 0][:view.CHECKED] + [r for r in found["rows"] if r["score"] < 0][:view.CHECKED]
    t = trained.labels.index(found["target"])
    before = np.log(trained.predict([TEXT])[0][t])
    truth = [before - np.log(retrain_without(trained, [r["index"]]).predict([TEXT])[0][t]) for r in rows]
    points = figure.data[1]
    np.testing.assert_allclose(points.x, [r["score"] for r in rows])
    np.testing.assert_allclose(points.y, truth, rtol=1e-6, atol=1e-9)
    assert "Spearman" in figure.layout.title.text or "Spearman" in str(figure.layout.title.subtitle.text)


def test_retraining_without_rows_shows_the_prediction_before_and_after(trained):
    found = influence(trained, TEXT, top=view.TOP)
    chosen = [r["index"] for r in found.rows if r["score"] > 0][:2]
    before, after, note = retrain_without_rows(TEXT, "view-rows", chosen, progress=quiet)
    new = retrain_without(trained, chosen)
    t = trained.labels.index(found.target)
    assert f"p({found.target}) went from {trained.predict([TEXT])[0][t]:.3f} to {new.predict([TEXT])[0][t]:.3f}" in note
    assert next(iter(before)) == found.target
    assert after == top_labels(new.labels, new.predict([TEXT])[0], k=TOP_K)  # the retrained model's own answer
    assert TRAINED.get("view-rows") is trained  # the model itself is unchanged


def test_the_mislabelled_list_and_its_csv_rank_every_row(trained):
    table, files = likely_mislabelled("view-rows", progress=quiet)
    ranked = self_influence(trained)
    assert [row[0] for row in table["data"]] == [r["index"] for r in ranked.ranked[:view.MISLABELLED_SHOWN]]
    with open(files[0], encoding="utf-8", newline="") as handle:
        lines = list(csv.DictReader(handle))
    assert len(lines) == len(ranked.indices) and files[0].endswith("view-rows-likely-mislabelled.csv")
    scores = [float(line["self_influence"]) for line in lines]
    assert scores == sorted(scores, reverse=True) and [int(line["rank"]) for line in lines] == list(range(1, len(lines) + 1))


@pytest.mark.parametrize("call, sentence", [
    (lambda: training_examples(TEXT, "intent-minilm", "influence", progress=quiet), "keeps no training rows"),
    (lambda: training_examples(TEXT, "no-such-model", "influence", progress=quiet), "Choose one of the listed models"),
    (lambda: training_examples(TEXT, "view-rows", "shap", progress=quiet),
     "'shap' is not an influence method; use one of leave_one_out, influence"),
    (lambda: training_examples("", "view-rows", "influence", progress=quiet), "text"),
    (lambda: check_against_retraining(TEXT, "view-rows", None, progress=quiet), "Find the training examples first"),
    (lambda: retrain_without_rows(TEXT, "view-rows", [], progress=quiet), "Choose the rows to leave out"),
    (lambda: retrain_without_rows(TEXT, "view-rows", ["x"], progress=quiet), "training row numbers"),
    (lambda: retrain_without_rows(TEXT, "view-rows", [10**6], progress=quiet), "is not a row the model was trained on"),
    (lambda: training_examples(TEXT, "view-rows", "tracin", progress=quiet), "TracIn needs a fine-tuned model"),
])
def test_bad_input_is_one_sentence(trained, call, sentence):
    with pytest.raises(gr.Error) as raised:
        call()
    assert sentence.lower() in raised.value.message.lower() and "\n" not in raised.value.message
