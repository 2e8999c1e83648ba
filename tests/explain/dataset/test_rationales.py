"""Dataset mode with rationales: each row's plausibility is ``plausibility()`` of its explanation,
the summary's per-method table is ERASER's aggregate of the rows (live, from the records, on resume),
other methods are compared on the same rows with their own parameters, and the CLI prints the table."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from explain import explain, plausibility, rationale_spans
from explain.dataset import Summary, explain_dataset, read_rows
from explain.dataset.aggregate import METHOD_COLUMNS, iter_records
from explain.metrics.plausibility import aggregate
from model.errors import InputError
from tests.cli import run_cli

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "assets" / "intents_rationales.csv"
ROWS = [
    {"text": "good film with a slow plot", "label": "score", "why": "good film"},
    {"text": "bad music and an awful actor", "label": "negated", "why": "[[0, 3], [17, 22]]"},
    {"text": "great story", "label": "score", "why": ""},  # no rationale: explained, not scored
    {"text": "slow plot but good music", "label": "score", "why": "excellent"},  # not in the text
    {"text": "the actor was great, the actor was good", "label": "score", "why": [[25, 30]]},  # second "actor"
]


def test_each_rows_plausibility_is_that_of_its_explanation(additive):
    run = explain_dataset(additive, ROWS, "occlusion", label_column="label", rationale_column="why",
                          compare=["lime", "occlusion"], num_samples=300, evaluate=True, window=2)
    results = list(run)
    assert [r.error for r in results] == [None] * 5
    assert results[2].rationale == () and results[2].rationale_error is None
    assert results[3].rationale_error == "line 4: The reason 'excellent' is not in the text as whole words."
    assert results[4].rationale == ((25, 30),)
    assert list(results[4].methods) == ["occlusion", "lime"]  # the run's method once, then the compared one
    by_method: dict[str, list] = {"occlusion": [], "lime": []}
    for row, result in zip(ROWS, results):
        spans = rationale_spans(row["text"], row["why"]) if result.rationale_error is None else []
        if not spans:
            assert all(m["plausibility"] is None for m in result.methods.values())
            continue
        for method, params in (("occlusion", {}), ("lime", {"num_samples": 300})):
            e = explain(additive, row["text"], method, target=result.prediction, cache=None, **params)
            expected = plausibility(e, spans).to_dict()
            got = result.methods[method]["plausibility"]
            for name in ("token_precision", "token_recall", "token_f1", "iou_f1", "auprc", "k", "gold",
                         "selected"):
                assert got[name] == pytest.approx(expected[name], abs=1e-9), (method, name)
            by_method[method].append(got)
        assert result.methods["occlusion"]["scores"] == result.scores  # the run's own scorecard
        assert set(result.methods["lime"]["scores"]) >= {"comprehensiveness", "sufficiency"}
    table = {row["method"]: row for row in run.summary.method_table()}
    assert list(table) == ["occlusion", "lime"] and list(next(iter(table.values()))) == list(METHOD_COLUMNS)
    for method, found in by_method.items():
        assert table[method]["rationale_rows"] == 3 and table[method]["scored_rows"] == 5
        for name, value in aggregate(found).items():
            assert table[method][name if name != "rows" else "rationale_rows"] == pytest.approx(value, abs=1e-12)
        assert table[method]["comprehensiveness"] == pytest.approx(
            np.mean([r.methods[method]["scores"]["comprehensiveness"] for r in results]))
    records = [json.loads(json.dumps(r.to_record())) for r in results]
    assert Summary().update(records).method_table() == run.summary.method_table()  # resume and Ray totals
    assert run.summary.to_dict()["rationale_errors"] == 1


def test_rationale_columns_are_read_from_csv_and_json_lines(tmp_path):
    rows = list(read_rows(EXAMPLE, label_column="label", rationale_column="rationale"))
    assert len(rows) == 60 and all(r.rationale for r in rows)
    assert all(rationale_spans(r.text, r.rationale) for r in rows)  # every marked phrase is in its text
    lines = tmp_path / "rows.jsonl"
    lines.write_text("\n".join(json.dumps(r) for r in ROWS), encoding="utf-8")
    read = list(read_rows(lines, rationale_column="why"))
    assert [r.rationale for r in read] == ["good film", "[[0, 3], [17, 22]]", None, "excellent", [[25, 30]]]
    with pytest.raises(InputError, match="no rationale column 'reason'"):
        list(read_rows(EXAMPLE, rationale_column="reason"))
    text = tmp_path / "rows.txt"
    text.write_text("one\ntwo\n", encoding="utf-8")
    with pytest.raises(InputError, match="no rationale column"):
        list(read_rows(text, rationale_column="why"))


def test_settings_of_compared_methods_are_theirs(additive):
    run = explain_dataset(additive, ROWS[:1], "shap", rationale_column="why", compare="lime,grad_input",
                          max_evals=100, num_samples=50)
    assert run.settings["compare"] == {"lime": pytest.approx({**run.settings["compare"]["lime"], "num_samples": 50}),
                                       "grad_input": {}}
    assert run.settings["max_evals"] == 100 and "num_samples" not in run.settings
    result = next(iter(run))
    assert set(result.methods) == {"shap", "lime", "grad_input"}
    with pytest.raises(InputError, match="'steps' is a parameter of ig"):
        explain_dataset(additive, ROWS[:1], "shap", compare=["lime"], steps=5)
    with pytest.raises(InputError, match="'nothing' is not a method; use one of shap"):
        explain_dataset(additive, ROWS[:1], "shap", compare=["nothing"])


def test_the_cli_prints_the_per_method_table(tmp_path):
    out, table = tmp_path / "rows.jsonl", tmp_path / "methods.csv"
    run = run_cli(["--file", str(EXAMPLE), "--label-column", "label", "--rationale-column", "rationale", "--method",
                   "occlusion", "--compare", "attention", "--limit", "6", "--out", str(out), "--methods-csv", str(table)],
                  cwd=ROOT)
    assert run.returncode == 0, run.stderr
    assert "plausibility against the rationales (ERASER) and faithfulness, per method:" in run.stderr
    lines = run.stderr.splitlines()
    header = next(line for line in lines if line.startswith("method"))
    assert header.split()[:4] == ["method", "rows", "token", "precision"]
    with table.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    expected = Summary.from_jsonl(out).method_table()
    assert [w["method"] for w in written] == ["occlusion", "attention"] == [e["method"] for e in expected]
    for w, e in zip(written, expected):
        assert int(w["rationale_rows"]) == e["rationale_rows"] == 6
        assert float(w["token_f1"]) == pytest.approx(e["token_f1"], rel=1e-12)
        assert w["comprehensiveness"] == "" and e["comprehensiveness"] is None  # not scored without --evaluate
    records = list(iter_records(out))
    assert all(r["rationale"] and r["methods"]["occlusion"]["plausibility"]["k"] >= 1 for r in records)
    refused = run_cli(["--text", "hi there", "--compare", "lime"], cwd=ROOT)
    assert refused.returncode == 2 and refused.stderr == \
        "error: --compare and --rationale-column are for dataset mode (--file).\n"
