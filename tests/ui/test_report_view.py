""""Download report" in Classify, Zero-shot and Compare: the HTML of what is on screen."""
from __future__ import annotations

import pandas as pd
import pytest

from explain import explain
from ui import report


def _path(written) -> str:
    return written


def test_the_report_button_writes_the_explanation_on_screen(intent_model):
    e = explain(intent_model, "transfer $200 from checking to savings", method="occlusion")
    page = open(_path(report.of_explanation(e.to_dict())), encoding="utf-8").read()
    assert page.startswith("<!DOCTYPE html>") and "transfer $200 from checking to savings" in page
    assert page.count("<script") == 4  # plotly.js, the heatmap, the bars, the JSON
    with pytest.raises(Exception, match="nothing on screen to report yet"):  # (written when asked for: one sentence)
        report.of_explanation(None)


def test_the_compare_report_has_every_method_and_the_scorecard_as_shown(intent_model):
    text = "transfer $200 from checking to savings"
    compared = [explain(intent_model, text, method=m).to_dict() for m in ("occlusion", "grad_input")]
    table = pd.DataFrame([["Occlusion", 0.5, 0.1], ["Gradient × Input", 0.4, 0.2]],
                         columns=["method", "comprehensiveness ↑", "sufficiency ↓"])
    page = open(_path(report.of_comparison(compared, table)), encoding="utf-8").read()
    assert "<h2>Occlusion</h2>" in page and "<h2>Gradient × Input</h2>" in page
    assert "Scorecard: the methods compared" in page and "comprehensiveness ↑" in page and page.count("<script") == 6


def test_a_report_of_a_generated_token(tmp_path):
    from model import load_model
    from model.tiny.decoders import build

    model = load_model(build(tmp_path / "report-gpt2", "gpt2"))
    e = explain(model, "the capital of france is", method="occlusion", max_new_tokens=3)
    page = open(_path(report.of_explanation(e.to_dict())), encoding="utf-8").read()
    assert "the capital of france is" in page and e.targets[0] in page and page.count("<script") == 4


def test_a_report_of_word_pairs(embed_model):
    from explain import explain_pair

    e = explain_pair(embed_model, "A man plays a guitar.", "Someone performs music.", "pair_occlusion")
    written = report.of_explanation(e.to_dict())
    assert written.endswith("-report.html") and "/pairs-pair_occlusion-a-man-plays" in written
    page = open(written, encoding="utf-8").read()
    assert "Why are they similar? · minilm-embed" in page and "Someone performs music." in page
    assert page.count("<script") == 3  # plotly.js, the heatmap, the JSON
