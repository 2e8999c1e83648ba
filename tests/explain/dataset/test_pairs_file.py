"""A file of text pairs: every row explained as ``explain_pair`` explains it, the word pairs totalled per row
across the file, unreadable rows kept with their sentence, the settings refused before the first row."""
from __future__ import annotations

import csv

import pytest

from explain import InputError, explain_pair
from explain.dataset import explain_pair_file

ROWS = [("A man plays a guitar.", "Someone performs music."),
        ("The man plays the guitar loudly.", "A musician performs a song."),
        ("", "an empty first text"),
        ("a cat sleeps", "")]


@pytest.fixture(scope="module")
def pairs_csv(tmp_path_factory):
    path = tmp_path_factory.mktemp("pairs") / "pairs.csv"
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["left", "right"])
        writer.writerows(ROWS)
    return path


def test_the_file_is_the_sum_of_its_rows(pairs_csv, embed_model):
    found = explain_pair_file(embed_model, pairs_csv, "pair_occlusion", a_column="left", b_column="right")
    assert (found.explained, found.failed) == (2, 2)
    assert [r.error is None for r in found.rows] == [True, True, False, False]
    assert "empty" in found.rows[2].error and "no second text" in found.rows[3].error
    expected: dict = {}
    for a, b in ROWS[:2]:
        e = explain_pair(embed_model, a, b, "pair_occlusion")
        here: dict = {}
        for i, ua in enumerate(e.units_a):
            for j, ub in enumerate(e.units_b):
                if ua.text.isalnum() and ub.text.isalnum():
                    key = (ua.text.lower(), ub.text.lower())
                    here[key] = here.get(key, 0.0) + e.matrix[i, j]  # "the" twice in a row: one row, summed
        for key, value in here.items():
            count, total = expected.get(key, (0, 0.0))
            expected[key] = (count + 1, total + value)
    top = found.top(5)
    assert found.least_count() == 2 and top
    for t in top:
        assert (t.count, t.total) == (expected[(t.word_a, t.word_b)][0], pytest.approx(expected[(t.word_a, t.word_b)][1]))
    in_both = sorted((k for k, (n, _) in expected.items() if n == 2), key=lambda k: -expected[k][1])
    assert [(t.word_a, t.word_b) for t in found.top(50)] == [k for k in in_both if expected[k][1] > 0]
    table = list(csv.DictReader(found.table_csv().splitlines()))
    assert len(table) == len(expected) and table[0]["rows"] in ("1", "2")
    assert sum(float(r["total_value"]) for r in table) == pytest.approx(sum(v for _, v in expected.values()))
    rows = list(csv.DictReader(found.rows_csv().splitlines()))
    assert [r["row"] for r in rows] == ["0", "1", "2", "3"] and rows[0]["strongest_word_a"]


def test_a_run_keeps_to_its_seconds(pairs_csv, embed_model, tmp_path):
    """Each row gets what is left of the run's time: a row that cannot finish in it is refused with the budget's
    sentence and the run stops, keeping what it did."""
    long = tmp_path / "long.csv"
    long.write_text("text_a,text_b\n" + "\n".join(f"{'word ' * 100}{i},a short text" for i in range(3)) + "\n",
                    encoding="utf-8")
    found = explain_pair_file(embed_model, long, "integrated_jacobians", steps=512, seconds=1.0)
    assert found.explained == 0 and found.rows and "time budget" in found.rows[0].error
    assert found.stopped or len(found.rows) == 3


def test_limits_and_settings(pairs_csv, embed_model):
    assert explain_pair_file(embed_model, pairs_csv, "pair_occlusion", a_column="left", b_column="right",
                             limit=1).explained == 1
    for kwargs, words in ((dict(method="shap"), "not a pair method"), (dict(steps=1), "steps must be"),
                          (dict(a_column="nope"), "nope"), (dict(b_column="left"), "must differ")):
        settings = {"a_column": "left", "b_column": "right", **kwargs}
        with pytest.raises(InputError, match=words):
            explain_pair_file(embed_model, pairs_csv, **settings)
