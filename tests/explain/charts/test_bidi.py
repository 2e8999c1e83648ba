"""Right-to-left text in its own order on charts (UAX #9 at the level of words), logical order in data."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from explain import explain
from explain.charts.bidi import FSI, PDI, isolate, visual_order
from explain.charts.explanation import text_heatmap
from explain.charts.style import unique_ticks
from tests.synthetic import AdditiveModel
from tests.tiny_multilingual import tokenizer as multilingual_tokenizer


def _drawn(text: str) -> str:
    words = text.split()
    return " ".join(words[i] for i in visual_order(words))


@pytest.mark.parametrize("text, drawn", [
    ("the movie was great", "the movie was great"),  # left-to-right: as written
    ("مرحبا بالعالم كيف حالك", "حالك كيف بالعالم مرحبا"),  # right-to-left: first word at the right
    ("I said مرحبا بالعالم today", "I said بالعالم مرحبا today"),  # an Arabic run inside English
    ("اشتريت iPhone 15 أمس", "أمس iPhone 15 اشتريت"),  # an English run (with its number) inside Arabic
    ("سعر 15 دولار", "دولار 15 سعر"),
    ("שלום עולם , what is up", "what is up , עולם שלום"),  # Hebrew first: the paragraph is right-to-left
])
def test_words_are_drawn_in_the_order_a_reader_of_the_script_expects(text, drawn):
    assert _drawn(text) == drawn


def test_labels_with_right_to_left_letters_are_isolated_and_keep_their_number_after_them():
    assert isolate("good") == "good"
    assert isolate("مرحبا") == f"{FSI}مرحبا{PDI}"
    assert unique_ticks(["שלום", "x", "שלום"]) == [f"{FSI}שלום{PDI}", "x", f"{FSI}שלום{PDI}\u2009(2)"]


@pytest.fixture(scope="module")
def additive():
    return AdditiveModel(multilingual_tokenizer(), seed=3)


def _grid(fig) -> list[list[str]]:
    return [[cell for cell in row] for row in fig.data[0].text]


def test_a_right_to_left_text_heatmap_fills_each_row_from_the_right(additive):
    text = "مرحبا بالعالم كيف حالك اليوم"
    e = explain(additive, text, method="occlusion", target="score")
    fig = text_heatmap(e, per_row=3)
    grid = _grid(fig)
    assert grid[0] == ["كيف", "بالعالم", "مرحبا"] and grid[1] == ["", "اليوم", "حالك"]
    z = np.asarray(fig.data[0].z, dtype=float)
    assert z[0, 2] == pytest.approx(e.word_attributions[0, 0]) and np.isnan(z[1, 0])
    assert [w.text for w in e.words] == text.split()  # the words themselves stay in the text's order


def test_a_mixed_line_keeps_the_english_in_order_and_reverses_the_arabic_run(additive, tmp_path):
    from explain.io.export import write_files

    text = "i said مرحبا بالعالم today"
    e = explain(additive, text, method="occlusion", target="score")
    assert _grid(text_heatmap(e))[0] == ["i", "said", "بالعالم", "مرحبا", "today"]
    words_csv = next(p for p in write_files(e, "classify", folder=str(tmp_path)) if "word" in p.rsplit("/", 1)[-1])
    with open(words_csv, encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["word"] for r in rows] == text.split()  # the CSV: logical order, no direction marks
    assert not any(ch in open(words_csv, encoding="utf-8").read() for ch in (FSI, PDI))
