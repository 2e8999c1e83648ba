"""Dataset mode: reading files, exact global aggregates, bounded streaming, cancelling, the CLI, Ray."""
from __future__ import annotations

import csv
import gc
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from explain.dataset import Summary, explain_dataset
from explain.dataset.aggregate import iter_records
from explain.dataset.writing import RowWriter
from explain.explanation import Explanation
from model.errors import InputError
from tests.cli import run_cli

ROOT = Path(__file__).resolve().parents[3]
WORDS = ["good", "bad", "film", "music", "plot", "slow", "great", "awful", "story", "actor"]


def sentences(n: int, seed: int = 0) -> list[dict]:
    rng = np.random.default_rng(seed)
    return [{"text": " ".join(rng.choice(WORDS, size=int(rng.integers(2, 7)))),
             "label": "score" if rng.random() < 0.6 else "negated"} for _ in range(n)]


# ----------------------------------------------------------------------------- aggregates
def test_global_importance_is_the_exact_aggregation_of_the_rows(additive):
    """The additive model's SHAP values are its weights: the global table is checked against
    sums made here from the weights alone, and against the per-row results."""
    data = sentences(40)
    run = explain_dataset(additive, data, "shap", label_column="label", max_evals=500, window=7)
    results = list(run)
    assert [r.row for r in results] == list(range(40))
    expected: dict[tuple[str, str], dict[str, list[float]]] = {}
    for item, result in zip(data, results):
        ids = additive.tokenize(item["text"]).ids
        score = additive.weights[list(ids)].sum()
        predicted = "score" if score > 0 else "negated"
        assert result.prediction == predicted and result.correct == (item["label"] == predicted)
        sign = 1 if predicted == "score" else -1
        for word, value in zip(result.words, result.values):
            token_ids = list(additive.tokenize(word).ids[1:-1])  # each test word is whole tokens of its own
            assert value == pytest.approx(sign * additive.weights[token_ids].sum(), abs=1e-9)
            for group in [("all", ""), ("predicted", predicted), ("gold", item["label"])]:
                expected.setdefault(group, {}).setdefault(word, []).append(value)
    table = run.summary.table()
    assert len(table) == sum(len(words) for words in expected.values())
    for row in table:
        values = expected[(row["group"], row["class"])][row["word"]]
        assert row["count"] == len(values)
        assert row["mean_attribution"] == pytest.approx(np.mean(values), abs=1e-12)
        assert row["mean_abs_attribution"] == pytest.approx(np.mean(np.abs(values)), abs=1e-12)
    assert Summary().update(r.to_record() for r in results).table() == table  # the records give the same
    labelled = [(d["label"], r.prediction) for d, r in zip(data, results)]
    assert run.summary.accuracy == pytest.approx(np.mean([g == p for g, p in labelled]))
    classes, matrix = run.summary.confusion_matrix(["score", "negated"])
    assert matrix == [[sum(1 for g, p in labelled if (g, p) == (a, b)) for b in classes] for a in classes]
    assert {m["row"] for m in run.summary.misclassified} == {r.row for r in results if r.correct is False}
    assert run.summary.table(min_count=5) == [r for r in table if r["count"] >= 5]


def test_row_errors_pass_through_and_the_run_goes_on(additive):
    run = explain_dataset(additive, ["good film", "   ", {"txt": "x"}, "bad plot"], "occlusion")
    results = list(run)
    assert [r.error for r in results] == [None, "row 1: the text is empty.", "row 2: no 'text' field.", None]
    assert run.summary.to_dict()["errors"] == 2 and run.summary.rows == 4


def test_streaming_holds_at_most_a_window_of_explanations(additive):
    def live() -> int:
        gc.collect()
        return sum(isinstance(o, Explanation) for o in gc.get_objects())

    before = live()
    run = explain_dataset(additive, (d for d in sentences(300)), "occlusion", window=10, count=False)
    peak = 0
    for index, result in enumerate(run):
        if index % 25 == 0:
            peak = max(peak, live() - before)
        del result
    assert 0 < peak <= 10 and run.done == 300 and run.total is None


def test_cancel_and_time_budget_keep_what_finished(additive):
    run = explain_dataset(additive, sentences(50), "occlusion", window=5)
    kept = []
    for result in run:
        kept.append(result)
        run.cancel()
    assert len(kept) == 5 and run.stopped == "cancelled" and run.summary.rows == 5
    slow = explain_dataset(additive, sentences(50), "occlusion", window=5, seconds=1e-9)
    assert len(list(slow)) == 5 and slow.stopped == "time"


def test_settings_are_checked_before_the_first_row(additive, tmp_path):
    with pytest.raises(InputError, match="max_evals"):
        explain_dataset(additive, ["a"], "shap", max_evals=-3)
    with pytest.raises(InputError, match="Unknown method|one of"):
        explain_dataset(additive, ["a"], "nope")
    with pytest.raises(InputError, match="window must be"):
        explain_dataset(additive, ["a"], "shap", window=0)
    with pytest.raises(InputError, match="The rows must be a file path or a list"):
        explain_dataset(additive, b"bytes", "shap")


def test_limit_and_skip(additive):
    run = explain_dataset(additive, sentences(30), "occlusion", limit=12, skip={0, 3})
    assert [r.row for r in run] == [i for i in range(12) if i not in (0, 3)] and run.total == 10


def test_writer_resumes_and_drops_a_torn_last_line(tmp_path, additive):
    path = tmp_path / "rows.jsonl"
    first = list(explain_dataset(additive, sentences(6), "occlusion", limit=3))
    with RowWriter(path) as writer:
        for result in first:
            writer.write(result)
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"row": 3, "text": "cut sh')
    writer = RowWriter(path)
    assert writer.done == {0, 1, 2}
    with writer:
        for result in explain_dataset(additive, sentences(6), "occlusion", skip=writer.done):
            writer.write(result)
    assert [r["row"] for r in iter_records(path)] == list(range(6))


# ----------------------------------------------------------------------------- CLI
@pytest.mark.slow
def test_cli_dataset_resume_global_table_and_errors(tmp_path):
    data = tmp_path / "data.csv"
    with data.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sentence", "gold"])
        writer.writerows([["set a timer for ten minutes", "timer"], ["what is my balance", "balance"],
                          ["", "timer"], ["play some jazz", "play_music"]])
    out, table = tmp_path / "rows.jsonl", tmp_path / "global.csv"
    base = ["--file", str(data), "--text-column", "sentence", "--label-column",
            "gold", "--method", "lime", "--num-samples", "100", "--out", str(out), "--global", str(table)]
    first = run_cli(base + ["--limit", "2"], cwd=ROOT)
    assert first.returncode == 0, first.stderr
    assert first.stderr.splitlines()[-1].startswith("2 rows (2 now")
    again = run_cli(base, cwd=ROOT)
    assert again.returncode == 0, again.stderr
    assert "resuming: 2 rows already in" in again.stderr
    assert "4 rows (2 now" in again.stderr and "line 4: the text is empty." in again.stderr
    records = list(iter_records(out))
    assert [r["row"] for r in records] == [0, 1, 2, 3] and records[2]["error"] == "line 4: the text is empty."
    with table.open(encoding="utf-8") as handle:
        written = list(csv.DictReader(handle))
    expected = Summary.from_jsonl(out).table()
    assert [(r["group"], r["class"], r["word"], int(r["count"])) for r in written] == \
           [(r["group"], r["class"], r["word"], r["count"]) for r in expected]
    assert all(float(w["mean_attribution"]) == pytest.approx(e["mean_attribution"], rel=1e-12)
               for w, e in zip(written, expected))
    missing = run_cli(base[:4] + ["--label-column", "label"], cwd=ROOT)
    assert missing.returncode == 2 and missing.stderr == (
        "error: 'data.csv' has no label column 'label'; its columns are 'sentence', 'gold'.\n")


def test_ray_engine_without_ray_says_how_to_install(monkeypatch):
    from explain.dataset.ray_engine import require_ray

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(InputError, match=r"needs Ray, an optional dependency: pip install -r requirements-scale.txt"):
        require_ray()


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_ray_engine_gives_the_local_results(intent_model, tmp_path, ray_session):
    """A local Ray with 2 CPUs (the run's): the same rows and the same global table."""
    from explain.dataset.ray_engine import run_on_ray

    source = ROOT / "assets" / "intents_sample.csv"
    settings = {"max_evals": 64}
    local_run = explain_dataset(intent_model, source, "shap", label_column="label", limit=24, window=8, **settings)
    local = list(local_run)
    rows = explain_dataset(intent_model, source, "shap", label_column="label", limit=24, **settings)
    remote = list(run_on_ray(rows.rows(), "intent-minilm", "shap", rows.settings, workers=2, batch_size=8))
    assert [r.row for r in remote] == list(range(24))
    for a, b in zip(local, remote):
        assert (a.text, a.label, a.prediction, a.correct, a.words) == (b.text, b.label, b.prediction, b.correct,
                                                                       b.words)
        assert np.allclose(a.values, b.values, atol=1e-6) and a.confidence == pytest.approx(b.confidence, abs=1e-6)
    remote_table = Summary().update(remote).table()
    assert [(r["group"], r["class"], r["word"], r["count"]) for r in remote_table] == \
           [(r["group"], r["class"], r["word"], r["count"]) for r in local_run.summary.table()]
    assert local_run.summary.accuracy == Summary().update(remote).accuracy
    assert json.dumps(remote[0].to_record())  # records are plain JSON


def test_the_scorecard_is_averaged_over_the_rows(additive):
    data = sentences(12)
    run = explain_dataset(additive, data, "occlusion", evaluate=True, window=5)
    results = list(run)
    assert all(set(r.scores) == {"comprehensiveness", "sufficiency", "random_comprehensiveness",
                                 "random_sufficiency"} for r in results)
    means = run.summary.scores()
    assert run.summary.scored == 12
    assert means["comprehensiveness"] == pytest.approx(np.mean([r.scores["comprehensiveness"] for r in results]))
    assert means["sufficiency"] == pytest.approx(np.mean([r.scores["sufficiency"] for r in results]))


def test_a_run_scores_the_metrics_it_is_given(additive):
    """``evaluate=[...]`` scores each row with those metrics (each beside its random control), exactly as
    ``evaluate()`` scores the row's explanation; an unknown name is one sentence before the first row."""
    from explain import evaluate, explain

    data = sentences(4)
    run = explain_dataset(additive, data, "occlusion", evaluate=["log_odds", "comprehensiveness"], window=2)
    results = list(run)
    assert all(set(r.scores) == {"log_odds", "comprehensiveness", "random_log_odds", "random_comprehensiveness"}
               for r in results)
    for row, item in zip(results, data):
        e = explain(additive, item["text"], "occlusion", cache=None)
        card = evaluate(e, ["log_odds", "comprehensiveness"], model=additive, target=list(e.targets).index(row.target))
        assert row.scores["log_odds"] == pytest.approx(card.values["log_odds"].value, rel=1e-9)
        assert row.scores["random_comprehensiveness"] == pytest.approx(card.values["comprehensiveness"].random,
                                                                     rel=1e-9)
    assert run.summary.scores()["log_odds"] == pytest.approx(np.mean([r.scores["log_odds"] for r in results]))
    assert list(explain_dataset(additive, data[:1], "occlusion", evaluate=[]))[0].scores is None
    with pytest.raises(InputError, match=r"^'faithfulness' is not a metric; use one of comprehensiveness, "):
        explain_dataset(additive, data, "occlusion", evaluate=["faithfulness"])
    with pytest.raises(InputError, match="evaluate must be True, False or a list of metric names"):
        explain_dataset(additive, data, "occlusion", evaluate=3)


def test_progress_moves_within_a_window(additive):
    """Progress is reported as model evaluations complete inside a window of rows, not only when a whole
    window of 16 rows is done (the bar sat at 0 for seconds, then jumped)."""
    seen = []
    rows = [f"the movie was very good number {i}" for i in range(20)]
    run = explain_dataset(additive, rows, "shap", max_evals=60, progress=lambda done, total: seen.append((done, total)))
    assert len(list(run)) == 20
    first_window = [done for done, _ in seen if done < 16]
    assert any(0 < done < 16 for done in first_window)  # part of the first window, before it finished
    assert [done for done, _ in seen] == sorted(done for done, _ in seen) and seen[-1] == (20, 20)
