"""Dataset charts: a group with nothing to average says why instead of drawing empty axes."""
from __future__ import annotations

from explain.charts import dataset as dataset_charts
from explain.dataset import Summary


def record(row: int, prediction: str, words: list[str], values: list[float], label: str | None = None) -> dict:
    return {"row": row, "line": row + 1, "text": " ".join(words), "label": label, "prediction": prediction,
            "confidence": 0.9, "correct": None if label is None else label == prediction, "words": words,
            "values": values, "error": None}


def test_a_group_with_no_word_seen_twice_says_why():
    summary = Summary().update([record(0, "a", ["good", "film"], [0.5, 0.1]), record(1, "b", ["bad", "food"], [-0.4, 0.0]),
                                record(2, "b", ["bad", "meal"], [-0.2, 0.1])])
    fig = dataset_charts.global_importance(summary, min_count=2)
    menu = fig.layout.updatemenus[0].buttons
    by_label = {button.label: button.args[1] for button in menu}
    assert by_label["all rows (3)"]["annotations"] == []  # "bad" is seen twice over all rows: bars
    single = next(args for label, args in by_label.items() if label.startswith("predicted: a"))
    assert "No word is seen at least 2 times in this class’s 1 row" in single["annotations"][0]["text"]
    assert single["xaxis.visible"] is False
    tiny = dataset_charts.global_importance(Summary().update([record(0, "a", ["good"], [0.5])]), min_count=2)
    assert "the 1 row" in tiny.layout.annotations[0].text and tiny.layout.xaxis.visible is False
