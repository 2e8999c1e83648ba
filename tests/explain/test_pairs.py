"""Word-pair explanations of a similarity (``explain_pair``): integrated Jacobians add up to the double
difference of cosines and converge with the steps, pair occlusion equals the explicit loop, swapping the texts
transposes the matrix, on the bundled MiniLM and on sentence-transformers folders of other architectures."""
from __future__ import annotations

import json

import numpy as np
import pytest

from explain import InputError, PairExplanation, explain_pair
from model import load_model
from model.base import as_float64
from model.tasks.embedding import cosine

A = "A man is playing a guitar on the stage."
B = "Someone performs music with an instrument."


@pytest.fixture(scope="module")
def minilm():
    return load_model("minilm-embed")


@pytest.fixture(scope="module")
def jacobians(minilm):
    return explain_pair(minilm, A, B)


def test_integrated_jacobians_add_up_to_the_double_difference(minilm, jacobians):
    e = jacobians
    assert e.method == "integrated_jacobians" and e.meta["steps_used"] == 16  # ("auto": 16 steps are within 1% here)
    assert [u.text for u in e.units_a] == ["A", "man", "is", "playing", "a", "guitar", "on", "the", "stage", "."]
    assert [u.text for u in e.units_b] == ["Someone", "performs", "music", "with", "an", "instrument", "."]
    assert e.matrix.shape == (10, 7)
    # the double difference, from the model's own vectors of the texts and of their references (every word masked)
    mask = minilm.mask_token_id
    ta, tb = minilm.tokenize(A), minilm.tokenize(B)
    ref = [[i if s else mask for i, s in zip(t.ids, t.special)] for t in (ta, tb)]
    va, vb = as_float64(minilm.predict_ids([list(ta.ids), ref[0]])), as_float64(minilm.predict_ids([list(tb.ids), ref[1]]))
    s = cosine(va, vb).numpy()
    double = s[0, 0] - s[1, 0] - s[0, 1] + s[1, 1]
    assert e.expected_sum == pytest.approx(double, abs=1e-5)
    assert e.terms["cos(a, b)"] == pytest.approx(s[0, 0], abs=1e-5)
    assert e.similarity == pytest.approx(s[0, 0], abs=1e-6)
    assert abs(e.total - e.expected_sum) <= 0.01 * abs(e.expected_sum)
    assert e.gap == pytest.approx(e.meta["completeness_gap"])
    # the match a reader expects is the strongest
    top = e.strongest(1)[0]
    assert (top.unit_a, top.unit_b) == ("guitar", "instrument") and top.value > 0
    assert np.allclose(e.row_totals.sum(), e.total) and np.allclose(e.column_totals, e.matrix.sum(0))
    assert e.strongest(0) == [] and len(e.strongest(100)) == 70 and not e.strongest(5, sign=-1)  # (none lowers it)


def test_integrated_jacobians_converge_as_steps_grow(minilm, jacobians):
    made = {steps: explain_pair(minilm, A, B, steps=steps) for steps in (8, 32)}
    gaps = [made[8].gap, jacobians.gap, made[32].gap]  # (the default stopped at 16 steps)
    assert gaps[0] > 0.01 > gaps[1] > gaps[2] and gaps[2] < 1e-3
    cells = [np.abs(made[8].matrix - made[32].matrix).max(), np.abs(jacobians.matrix - made[32].matrix).max()]
    assert cells[0] > cells[1] and cells[1] < 0.02 * np.abs(made[32].matrix).max()


def test_swapping_the_texts_transposes_the_matrix(minilm, jacobians):
    swapped = explain_pair(minilm, B, A)
    assert np.allclose(swapped.matrix, jacobians.matrix.T, rtol=0, atol=1e-12)
    assert swapped.expected_sum == pytest.approx(jacobians.expected_sum, abs=1e-12)
    for removal in ("delete", "mask"):
        forward = explain_pair(minilm, A, B, "pair_occlusion", removal=removal)
        back = explain_pair(minilm, B, A, "pair_occlusion", removal=removal)
        assert np.allclose(back.matrix, forward.matrix.T, rtol=0, atol=1e-12)


def test_tokens_add_up_to_their_words(minilm):
    text_a, text_b = "Unbelievably tasty dumplings.", "Delicious food."
    words = explain_pair(minilm, text_a, text_b, steps=8)
    tokens = explain_pair(minilm, text_a, text_b, granularity="token", steps=8)
    assert len(tokens.units_a) > len(words.units_a)  # "Unbelievably" and "dumplings" are several tokens
    summed = np.zeros_like(words.matrix)
    for i, word in enumerate(words.units_a):
        for j, other in enumerate(words.units_b):
            rows = [k for k, u in enumerate(tokens.units_a) if set(u.tokens) <= set(word.tokens)]
            cols = [k for k, u in enumerate(tokens.units_b) if set(u.tokens) <= set(other.tokens)]
            summed[i, j] = tokens.matrix[np.ix_(rows, cols)].sum()
    assert np.allclose(summed, words.matrix, atol=1e-9)


@pytest.mark.parametrize("removal", ["delete", "mask"])
def test_pair_occlusion_equals_the_explicit_loop(minilm, removal):
    e = explain_pair(minilm, A, B, "pair_occlusion", removal=removal)
    ta, tb = minilm.tokenize(A), minilm.tokenize(B)

    def without(tokenized, positions):
        if positions is None:
            return list(tokenized.ids)
        if removal == "delete":
            return [t for k, t in enumerate(tokenized.ids) if k not in positions]
        return [minilm.mask_token_id if k in positions else t for k, t in enumerate(tokenized.ids)]

    def f(seq_a, seq_b):  # one sequence per call
        return float(cosine(as_float64(minilm.predict_ids([seq_a])), as_float64(minilm.predict_ids([seq_b])))[0, 0])

    whole = f(without(ta, None), without(tb, None))
    for i, unit_a in enumerate(e.units_a):
        for j, unit_b in enumerate(e.units_b):
            a_i, b_j = without(ta, unit_a.tokens), without(tb, unit_b.tokens)
            expected = whole - f(a_i, list(tb.ids)) - f(list(ta.ids), b_j) + f(a_i, b_j)
            assert e.matrix[i, j] == pytest.approx(expected, abs=2e-6)
    assert e.expected_sum == pytest.approx(e.total) and e.similarity == pytest.approx(whole, abs=1e-6)
    if removal == "delete":
        top = e.strongest(1)[0]
        assert (top.unit_a, top.unit_b) == ("guitar", "instrument")


def test_other_encoders_and_sentence_transformers_folders(tmp_path):
    from model.tiny.architectures import sentence_transformers_folder

    for kind, extra in (("mpnet", {}), ("xlm-roberta", {}), ("bert", {"pooling": "cls", "normalize": False})):
        model = load_model(sentence_transformers_folder(tmp_path / kind, kind, **extra))
        e = explain_pair(model, "the movie was great fun", "a wonderful film", steps=64)
        assert e.matrix.shape == (len(e.units_a), len(e.units_b)) and e.gap < 0.01, (kind, e.gap)
        o = explain_pair(model, "the movie was great fun", "a wonderful film", "pair_occlusion")
        assert o.total == pytest.approx(o.expected_sum)


def test_round_trip_and_csv(jacobians, tmp_path):
    e = jacobians
    again = PairExplanation.from_dict(json.loads(e.to_json()))
    assert np.array_equal(again.matrix, e.matrix) and again.units_a == e.units_a and again.terms == e.terms
    assert again.note == e.note and again.meta == e.meta
    rows = e.to_csv().splitlines()
    assert len(rows) == 1 + 10 * 7 and rows[0].startswith("model,method,granularity")
    odd = explain_pair("minilm-embed", "=cmd|' /C calc'!A0 cheap", "+1 price", "pair_occlusion")
    assert ",'=," in odd.to_csv() and ",'+," in odd.to_csv()  # never a spreadsheet formula
    with pytest.raises(InputError, match="not a word-pair"):
        PairExplanation.from_dict({"kind": "attribution"})


def test_bad_input_gets_one_sentence(minilm, classifier_name="intent-minilm"):
    cases = [
        (dict(model=classifier_name, a=A, b=B), "embedding model"),
        (dict(model=minilm, a=A, b=B, method="shap"), "not a pair method"),
        (dict(model=minilm, a=A, b=B, granularity="letter"), "granularity"),
        (dict(model=minilm, a=A, b=B, steps=1), "steps must be"),
        (dict(model=minilm, a=A, b=B, removal="delete"), "not one of its parameters"),
        (dict(model=minilm, a="  ", b=B), "first text is empty"),
        (dict(model=minilm, a=A, b=None), "second text is missing"),
        (dict(model=minilm, a=A, b=B, seconds=-1), "seconds"),
    ]
    for kwargs, words in cases:
        with pytest.raises(InputError, match=words):
            explain_pair(**kwargs)
    for a, b in (("😀", "🎉 !"), ("北京是中国的首都", "巴黎"), ("a\x00b", "x")):  # odd texts still pair
        e = explain_pair(minilm, a, b, "pair_occlusion")
        assert e.matrix.shape == (len(e.units_a), len(e.units_b)) and np.isfinite(e.matrix).all()


def test_the_report_shows_the_texts_as_text_and_embeds_the_explanation(minilm):
    import re

    from explain.io.report import pair_report
    from ui.locale import chart_text, say

    e = explain_pair(minilm, "<img src=x onerror=alert(1)> guitar", "an instrument", "pair_occlusion")
    page = pair_report(e)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt; guitar" in page
    embedded = re.search(r'<script type="application/json" id="explanation-json">(.*?)</script>', page, re.S).group(1)
    again = PairExplanation.from_dict(json.loads(embedded))
    assert np.array_equal(again.matrix, e.matrix) and again.text_a == e.text_a
    assert "Strongest matches: " in page and 'id="pairs-0"' in page
    zh = pair_report(e, say=lambda t: say(t, lang="zh-CN"), lang="zh-CN")
    assert "为什么它们相似？" in zh and "最强的匹配" in zh and "Strongest matches" not in zh
    assert chart_text("Why they are similar · Pair occlusion", "zh-CN") == "为什么它们相似 · 词对遮挡"


def test_the_cli_prints_the_pairs_and_explains_a_file(minilm, tmp_path):
    from tests.cli import run_cli

    ran = run_cli(["--model", "minilm-embed", "--text", A, "--pair", B, "--pairs", "pair_occlusion",
                   "--html", tmp_path / "pairs.html"])
    assert ran.returncode == 0, ran.stderr
    printed = PairExplanation.from_dict(json.loads(ran.stdout))
    assert np.allclose(printed.matrix, explain_pair(minilm, A, B, "pair_occlusion").matrix, atol=1e-9)
    assert "Why are they similar?" in (tmp_path / "pairs.html").read_text(encoding="utf-8")
    source = tmp_path / "pairs.csv"
    source.write_text(f"left,right\n{A},{B}\nthe cat,a kitten\n", encoding="utf-8")
    ran = run_cli(["--model", "minilm-embed", "--file", source, "--pairs", "pair_occlusion", "--text-column", "left",
                   "--pair-column", "right", "--out", tmp_path / "rows.csv", "--global", tmp_path / "words.csv"])
    assert ran.returncode == 0 and "2 pairs explained, 0 could not be" in ran.stderr
    assert (tmp_path / "rows.csv").read_text(encoding="utf-8").count("\n") == 3
    assert (tmp_path / "words.csv").read_text(encoding="utf-8").startswith("word_a,word_b,rows")
    for args, words in ((["--pairs", "--max-evals", "100"], "--max-evals is not used by Integrated Jacobians"),
                        (["--pairs", "--baseline", "zeros"], "baseline must be"),
                        (["--pair-column", "x", "--method", "occlusion"], "--pair-column is for a file of pairs")):
        ran = run_cli(["--model", "minilm-embed", "--text", A, "--pair", B, *args])
        assert ran.returncode == 2 and words in ran.stderr, ran.stderr
