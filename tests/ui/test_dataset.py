"""The Dataset tab through gradio_client and in the browser: values, downloads, errors, Cancel."""
from __future__ import annotations

import csv
import json
import time

import pytest
from gradio_client import handle_file
from gradio_client.exceptions import AppError

from explain.dataset import Summary
from explain.dataset.aggregate import iter_records
from tests.ui.test_api import figure

EXAMPLE = "assets/intents_sample.csv"
RATIONALES = "assets/intents_rationales.csv"


def test_columns_follow_the_file(client, tmp_path):
    text, label, why = client.predict(handle_file(EXAMPLE), api_name="/dataset_columns")
    assert (text["value"], label["value"], why["value"]) == ("text", "label", "(no rationales)")
    text, label, why = client.predict(handle_file(RATIONALES), api_name="/dataset_columns")
    assert (text["value"], label["value"], why["value"]) == ("text", "label", "rationale")
    plain = tmp_path / "lines.txt"
    plain.write_text("one\ntwo\n", encoding="utf-8")
    text, label, why = client.predict(handle_file(str(plain)), api_name="/dataset_columns")
    assert text["value"] == "text" and label["value"] == "(no gold labels)" and why["value"] == "(no rationales)"


def test_a_rationale_column_gives_the_per_method_table(client):
    summary, table, *_, files, by_method = client.predict(
        handle_file(RATIONALES), "text", "label", "intent-minilm", "occlusion", 0, 12, True,
        rationale_column="rationale", compare=["attention", "occlusion"], api_name="/dataset")
    rows_file = next(f for f in files if f.endswith("-rows.jsonl"))
    expected = Summary.from_jsonl(rows_file).method_table()
    assert [row[0] for row in by_method["data"]] == ["Occlusion", "Attention"]
    for shown, row in zip(by_method["data"], expected):
        assert shown[1] == row["rationale_rows"] == 12 and shown[7] == row["scored_rows"] == 12
        assert shown[2:7] == [round(row[m], 3) for m in ("token_precision", "token_recall", "token_f1", "iou_f1",
                                                         "auprc")]
        assert shown[8] == round(row["comprehensiveness"], 3)
    assert "12 rows with a rationale" in summary
    with open(next(f for f in files if f.endswith("-methods.csv")), encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert [w["method"] for w in written] == ["occlusion", "attention"]
    assert float(written[0]["token_f1"]) == pytest.approx(expected[0]["token_f1"])


def test_dataset_run_values_and_downloads(client):
    summary, table, importance, confusion, wrong, projection, files, by_method = client.predict(
        handle_file(EXAMPLE), "text", "label", "intent-minilm", "occlusion", 0, 40, False, api_name="/dataset")
    rows_file = next(f for f in files if f.endswith("-rows.jsonl"))
    records = list(iter_records(rows_file))
    assert [r["row"] for r in records] == list(range(40))
    assert [row[0] for row in table["data"]] == list(range(40))
    with open(EXAMPLE, encoding="utf-8") as handle:
        gold = [r["label"] for r in csv.DictReader(handle)][:40]
    assert [row[2] for row in table["data"]] == gold
    marks = {"✓": True, "✗": False}
    assert [marks[row[4]] for row in table["data"]] == [r["correct"] for r in records]
    accuracy = sum(r["correct"] for r in records) / 40
    assert f"accuracy **{accuracy:.1%}** on 40 labelled rows" in summary
    assert [row[0] for row in wrong["data"]] == [r["row"] for r in records if not r["correct"]]
    # the global CSV and the chart are the aggregation of the rows written
    expected = Summary.from_jsonl(rows_file)
    with open(next(f for f in files if f.endswith("-global.csv")), encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    assert [(r["group"], r["class"], r["word"]) for r in written] == \
           [(r["group"], r["class"], r["word"]) for r in expected.table()]
    chart = figure(importance)
    top = expected.table(min_count=2, group="all")[:20]
    assert list(chart["data"][0]["y"])[::-1] == [r["word"] for r in top]
    assert len(chart["layout"]["updatemenus"][0]["buttons"]) == len(chart["data"])
    matrix = figure(confusion)
    assert matrix["data"][0]["type"] == "heatmap"
    assert figure(projection)["data"][0]["type"] == "scattergl"
    assert by_method["data"] == [] and not any(f.endswith("-methods.csv") for f in files)  # nothing to compare
    saved = json.load(open(next(f for f in files if f.endswith("-summary.json")), encoding="utf-8"))
    assert saved["accuracy"] == pytest.approx(accuracy) and saved["rows"] == 40


def test_dataset_bad_input_is_one_sentence(client, tmp_path):
    latin = tmp_path / "latin.csv"
    latin.write_bytes("text\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(AppError, match=r"'latin.csv' is not UTF-8 text"):
        client.predict(handle_file(str(latin)), "text", "(no gold labels)", "intent-minilm", "shap", 0, 10, False,
                       api_name="/dataset")
    with pytest.raises(AppError, match="has no text column 'sentence'"):
        client.predict(handle_file(EXAMPLE), "sentence", "label", "intent-minilm", "shap", 0, 10, False,
                       api_name="/dataset")
    with pytest.raises(AppError, match="not in the list of choices"):  # (the radio offers no attention method)
        client.predict(handle_file(EXAMPLE), "text", "label", "intent-minilm", "attention", 0, 10, False,
                       api_name="/dataset")
    with pytest.raises(AppError, match="Upload a file"):
        client.predict(None, "text", "label", "intent-minilm", "shap", 0, 10, False, api_name="/dataset")


def test_cancel_keeps_the_rows_done(client):
    job = client.submit(handle_file(EXAMPLE), "text", "label", "intent-minilm", "shap", 0, 300, False,
                        max_evals=500, api_name="/dataset")
    time.sleep(8)  # a few windows of 16 rows
    client.predict(api_name="/dataset_cancel")
    summary, table, *_, files, _ = job.result(timeout=300)
    done = len(table["data"])
    assert 0 < done < 300 and done % 16 == 0
    assert f"Cancelled after {done:,} rows of 300: those finished are shown" in summary
    assert f"**{done:,} of 300 rows** explained" in summary  # (it said "144 of 144 rows explained")
    assert len(list(iter_records(next(f for f in files if f.endswith("-rows.jsonl"))))) == done


def test_the_summary_counts_what_was_explained_in_plain_words(additive):
    """Two rows of five fail: "3 of 5 rows explained" (not "5 rows of 5"), no "1 rows", no stray ".;"."""
    from explain.dataset import explain_dataset
    from ui.dataset import summary_text

    rows = [{"text": "the movie was good", "label": "score"}, {"text": ""}, {"text": "the food was awful"},
            {"other": "no text"}, {"text": "very good", "label": "score"}]
    run = explain_dataset(additive, rows, "occlusion", label_column="label")
    done = len(list(run))
    text = summary_text(run, done)
    assert text.startswith("- **3 of 5 rows** explained with Occlusion")
    assert "2 rows could not be explained (row 1: the text is empty; row 3: no 'text' field)." in text
    assert "1 rows" not in text and ".;" not in text and "on 2 labelled rows" in text
    one = explain_dataset(additive, rows[:1], "occlusion", label_column="label")
    assert summary_text(one, len(list(one))).startswith("- **1 of 1 row** explained") and \
        "on 1 labelled row" in summary_text(one, 1)


def test_a_long_row_is_shown_by_its_start_in_the_table():
    """A 9 KB row filled a table cell whole."""
    from ui.dataset import CELL_CHARS, _cell

    long = "word " * 2_000
    shown = _cell(long)
    assert len(shown) < CELL_CHARS + 80 and shown.startswith("word word") and "10,000 characters" in shown
    assert _cell("short") == "short" and _cell(None) == ""


def test_an_empty_per_method_table_is_hidden():
    """Without a rationale column or methods compared the table showed its headers alone."""
    import pandas as pd

    from ui.dataset import shown_if_filled

    assert shown_if_filled(pd.DataFrame([["", ""]]))["visible"] is False
    assert shown_if_filled(pd.DataFrame(columns=["method"]))["visible"] is False
    assert shown_if_filled(pd.DataFrame([["LIME", 60]]))["visible"] is True
