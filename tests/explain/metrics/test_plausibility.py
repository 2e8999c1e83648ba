"""Plausibility equals ERASER's definitions (rationale_benchmark/metrics.py), re-implemented here
plainly on ERASER's own data shapes (Rationale records keyed by instance, sets of token-level
rationales), on random cases and on the edge cases; and ferret's AUPRC where its definition matches."""
from __future__ import annotations

import ast
import dataclasses
import math
import subprocess
import sys
import warnings
import zipfile
from collections import defaultdict
from typing import NamedTuple

import numpy as np
import pytest
from sklearn.metrics import auc, precision_recall_curve

from explain import InputError, explain, plausibility, rationale_spans
from explain.metrics.plausibility import aggregate


# ---------------------------------------------------------------- ERASER, plainly
class Rationale(NamedTuple):  # ERASER's Rationale: start inclusive, end exclusive
    ann_id: str
    docid: str
    start_token: int
    end_token: int

    def to_token_level(self):
        return [Rationale(self.ann_id, self.docid, t, t + 1) for t in range(self.start_token, self.end_token)]


def _f1(p, r):
    return 0 if p == 0 or r == 0 else 2 * p * r / (p + r)


def _keyed(rats):
    out = defaultdict(set)
    for r in rats:
        out[(r.ann_id, r.docid)].add(r)
    return out


def eraser_token_scores(truth, pred):
    """score_hard_rationale_predictions' instance_macro on token-level rationales."""
    truth_by, pred_by = _keyed(truth), _keyed(pred)
    scores = {}
    for k in set(truth_by) | set(pred_by):
        t, p = truth_by.get(k, set()), pred_by.get(k, set())
        prec = len(t & p) / len(p) if p else 0
        rec = len(t & p) / len(t) if t else 0
        scores[k] = (prec, rec, _f1(prec, rec))
    n = len(scores)
    return tuple(sum(s[i] for s in scores.values()) / n for i in range(3))


def eraser_iou_f1(truth, pred, threshold=0.5):
    """partial_match_score's micro F1 at one threshold."""
    truth_by, pred_by = _keyed(truth), _keyed(pred)
    tps = {}
    for k in set(truth_by) | set(pred_by):
        tp = 0
        for p in pred_by.get(k, []):
            best = 0.0
            for t in truth_by.get(k, []):
                a, b = set(range(p.start_token, p.end_token)), set(range(t.start_token, t.end_token))
                value = len(a & b) / len(a | b) if a | b else 0
                best = max(best, value)
            tp += best >= threshold
        tps[k] = tp
    n_truth = sum(len(v) for v in truth_by.values())
    n_pred = sum(len(v) for v in pred_by.values())
    micro_r = sum(tps.values()) / n_truth if n_truth else 0
    micro_p = sum(tps.values()) / n_pred if n_pred else 0
    return _f1(micro_r, micro_p)


def eraser_auprc(truths, preds):
    aucs = []
    for k, true in truths.items():
        precision, recall, _ = precision_recall_curve([int(t) for t in true], preds[k])
        aucs.append(auc(recall, precision))
    return float(np.average(aucs))


def hard_spans(selected):
    """A hard prediction's spans: maximal runs of consecutive selected positions."""
    spans, start = [], None
    for i in range(max(selected, default=-1) + 2):
        if i in selected and start is None:
            start = i
        elif i not in selected and start is not None:
            spans.append((start, i))
            start = None
    return spans


# ---------------------------------------------------------------- helpers
def scored(additive, text: str, values) -> object:
    """The additive model's explanation of ``text`` with chosen word values (one per word)."""
    e = explain(additive, text, "occlusion", cache=None)
    assert len(e.words) == len(values) and all(w.is_word for w in e.words)
    return dataclasses.replace(e, word_attributions=np.asarray(values, dtype=float).reshape(-1, 1).repeat(
        len(e.targets), axis=1))


VOCAB = "the a cat dog sat ran on mat fast slow red blue big small house tree".split()


def random_case(rng, additive):
    n = int(rng.integers(3, 14))
    words = [VOCAB[i] for i in rng.integers(0, len(VOCAB), n)]
    text = " ".join(words)
    starts = np.cumsum([0] + [len(w) + 1 for w in words[:-1]])
    values = np.round(rng.normal(size=n), 6)
    spans, gold_runs = [], []
    for _ in range(int(rng.integers(1, 4))):
        a = int(rng.integers(0, n))
        b = int(min(n, a + rng.integers(1, 4)))
        # the span may start inside its first word and end inside its last: overlap makes a word gold
        start = int(starts[a] + rng.integers(0, len(words[a])))
        end = max(start + 1, int(starts[b - 1] + 1 + rng.integers(0, len(words[b - 1]))))
        spans.append((start, end))
        gold_runs.append((a, b))
    k = None if rng.random() < 0.6 else int(rng.integers(0, n + 3))
    return text, values, spans, gold_runs, k


# ---------------------------------------------------------------- the measures
def test_every_measure_equals_erasers_on_random_cases(additive):
    rng = np.random.default_rng(0)
    for case in range(150):
        text, values, spans, gold_runs, k = random_case(rng, additive)
        e = scored(additive, text, values)
        got = plausibility(e, spans, k=k)
        gold = sorted({i for a, b in gold_runs for i in range(a, b)})
        used = min(len(gold) if k is None else k, len(values))
        order = np.argsort(-values, kind="stable")[:used]
        selected = sorted(int(i) for i in order)
        key = (f"case{case}", "doc")
        truth = [Rationale(*key, a, b) for a, b in gold_runs]
        pred = [Rationale(*key, a, b) for a, b in hard_spans(selected)]
        token_truth = [t for r in truth for t in r.to_token_level()]
        token_pred = [t for r in pred for t in r.to_token_level()]
        p, r, f = eraser_token_scores(token_truth, token_pred) if token_truth or token_pred else (0, 0, 0)
        assert (got.token_precision, got.token_recall, got.token_f1) == pytest.approx((p, r, f), abs=1e-12), case
        assert got.iou_f1 == pytest.approx(eraser_iou_f1(truth, pred), abs=1e-12), case
        marks = [i in gold for i in range(len(values))]
        assert got.auprc == pytest.approx(eraser_auprc({key: marks}, {key: values}), abs=1e-12), case
        assert got.k == used and list(got.selected) == selected and list(got.gold) == gold


def test_a_worked_example(additive):
    text = "the cat sat on the mat fast"
    #        0   1   2   3  4   5   6
    e = scored(additive, text, [0.1, 0.9, 0.8, -0.2, 0.0, 0.5, 0.3])
    got = plausibility(e, [(4, 11), (19, 22)])  # "cat sat", "mat": gold words 1, 2, 5; k = 3
    assert got.selected == (1, 2, 5) and got.gold == (1, 2, 5)
    assert (got.token_precision, got.token_recall, got.token_f1, got.iou_f1) == (1.0, 1.0, 1.0, 1.0)
    assert got.auprc == pytest.approx(1.0)
    got = plausibility(e, [(4, 11), (19, 22)], k=2)  # cat, sat: one run, matching the "cat sat" span exactly
    assert got.token_precision == 1.0 and got.token_recall == pytest.approx(2 / 3)
    assert got.predicted_spans == ((1, 3),) and got.iou_true_positives == 1
    assert got.iou_f1 == pytest.approx(_f1(1.0, 0.5))  # 1 of 1 predicted span, 1 of 2 gold spans
    got = plausibility(e, [(0, 11)], k=1)  # gold "the cat sat" (0..3), predicted "cat": IOU 1/3 < 0.5
    assert got.iou_true_positives == 0 and got.iou_f1 == 0.0 and got.token_precision == 1.0


def test_an_empty_rationale(additive):
    e = scored(additive, "the cat sat", [0.3, 0.2, 0.1])
    got = plausibility(e, [])
    assert got.k == 0 and got.selected == () and got.gold == ()
    assert (got.token_precision, got.token_recall, got.token_f1, got.iou_f1) == (0.0, 0.0, 0.0, 0.0)
    assert math.isnan(got.auprc) and "No word is gold" in got.note
    assert got.to_dict()["auprc"] is None and got.scores()["auprc"] is None
    got = plausibility(e, [], k=2)  # two words selected, none gold: precision 0
    assert got.selected == (0, 1) and got.token_precision == 0.0


def test_a_rationale_covering_every_word(additive):
    text = "the cat sat on the mat"
    e = scored(additive, text, [0.5, -1.0, 2.0, 0.1, 0.0, 0.3])
    got = plausibility(e, [(0, len(text))])
    assert got.k == 6 and got.gold == tuple(range(6)) and got.predicted_spans == ((0, 6),)
    assert (got.token_precision, got.token_recall, got.token_f1, got.iou_f1, got.auprc) == (1.0, 1.0, 1.0, 1.0, 1.0)


def test_k_larger_than_the_words(additive):
    e = scored(additive, "the cat sat", [0.3, 0.2, 0.1])
    got = plausibility(e, [(4, 7)], k=10)
    assert got.k == 3 and got.selected == (0, 1, 2) and "k = 10 is more than the text's 3 words" in got.note
    assert got.token_precision == pytest.approx(1 / 3) and got.token_recall == 1.0
    assert got.iou_f1 == 0.0  # one predicted span of 3 words; IOU with "cat" is 1/3


def test_repeated_words_are_told_apart_by_position(additive):
    text = "the soup was cold but the waiter was lovely"
    values = [0.0, 0.1, 0.2, 0.9, 0.0, 0.0, 0.3, 0.8, 0.7]  # the second "was" (position 7) ranks high
    e = scored(additive, text, values)
    second = text.rindex("was")
    got = plausibility(e, [(second, second + 3)])
    assert got.gold == (7,) and got.selected == (3,)  # k = 1: "cold" outranks it
    assert got.token_f1 == 0.0
    spans = rationale_spans(text, "was")  # a phrase marks every occurrence
    assert spans == [(9, 12), (33, 36)]
    got = plausibility(e, spans)
    assert got.gold == (2, 7) and got.selected == (3, 7) and got.token_f1 == 0.5


def test_punctuation_is_neither_marked_nor_scored(additive):
    e = explain(additive, "cat, sat!", "occlusion", cache=None)
    got = plausibility(e, [(0, 4)])  # "cat," : the comma is not a word
    assert got.words == 2 and got.gold == (0,)
    with pytest.raises(InputError, match="not inside the text"):
        plausibility(e, [(0, 40)])


@pytest.mark.parametrize("bad, message", [
    ("cat", "list of"), ([(3, 1)], "start before end"), ([(0, 1.5)], "two whole numbers"),
    ([(0, 1, 2)], "two whole numbers"), ([("a", "b")], "two whole numbers"), (None, "list of"),
])
def test_bad_rationales_get_one_sentence(additive, bad, message):
    e = scored(additive, "the cat sat", [0.3, 0.2, 0.1])
    with pytest.raises(InputError, match=message) as caught:
        plausibility(e, bad)
    assert "\n" not in str(caught.value) and str(caught.value).endswith(".")
    with pytest.raises(InputError, match="whole number of words"):
        plausibility(e, [(0, 3)], k=-1)
    with pytest.raises(InputError, match="not one of the explained targets"):
        plausibility(e, [(0, 3)], target="nothing")


def test_rationale_spans_reads_json_spans_and_phrases():
    text = "Please move 100 dollars to my Savings   account now"
    assert rationale_spans(text, "[[7, 11], [16, 23]]") == [(7, 11), (16, 23)]
    assert rationale_spans(text, [[7, 11]]) == [(7, 11)]
    assert rationale_spans(text, "move | savings account") == [(7, 11), (30, 47)]  # case, spacing ignored
    assert rationale_spans(text, "") == [] and rationale_spans(text, None) == []
    for bad, message in (("sav", "not in the text as whole words"), ("[1, 2", "not a JSON list"),
                         ("!!", "has no word"), ("[[0, 999]]", "not inside the text")):
        with pytest.raises(InputError, match=message):
            rationale_spans(text, bad)


def test_the_dataset_aggregate_is_erasers_macro_and_micro(additive):
    rng = np.random.default_rng(1)
    results, truth, pred, token_truth, token_pred, truths, scores = [], [], [], [], [], {}, {}
    for case in range(40):
        text, values, spans, gold_runs, _ = random_case(rng, additive)
        got = plausibility(scored(additive, text, values), spans)
        results.append(got.to_dict() if case % 2 else got)  # records read back from JSON, or results
        key = (f"a{case}", "doc")
        truth += [Rationale(*key, a, b) for a, b in gold_runs]
        pred += [Rationale(*key, a, b) for a, b in hard_spans(list(got.selected))]
        token_truth += [Rationale(*key, i, i + 1) for i in got.gold]
        token_pred += [Rationale(*key, i, i + 1) for i in got.selected]
        truths[key], scores[key] = [i in got.gold for i in range(len(values))], values
    total = aggregate(results)
    assert total["rows"] == 40
    p, r, f = eraser_token_scores(token_truth, token_pred)
    assert (total["token_precision"], total["token_recall"], total["token_f1"]) == pytest.approx((p, r, f), abs=1e-12)
    assert total["iou_f1"] == pytest.approx(eraser_iou_f1(truth, pred), abs=1e-12)
    assert total["auprc"] == pytest.approx(eraser_auprc(truths, scores), abs=1e-12)
    assert aggregate([]) == {"rows": 0, "token_precision": None, "token_recall": None, "token_f1": None,
                             "iou_f1": None, "auprc": None}


def test_a_real_model_points_at_the_words_a_person_marks(intent_model):
    text = "please move 100 dollars from checking to my savings account"
    e = explain(intent_model, text, "occlusion")
    got = plausibility(e, rationale_spans(text, "move | savings account"))
    assert got.target == e.targets[0] and got.k == 3 and got.gold == (1, 8, 9)
    assert 0 <= got.token_f1 <= 1 and 0 <= got.auprc <= 1 and got.words == 10


# ---------------------------------------------------------------- ferret
@pytest.fixture(scope="module")
def ferret(tmp_path_factory):
    """ferret's plausibility functions, read from its wheel (its pins, numpy<2 and shap 0.44, cannot
    install beside this project's): the functions are compiled from its source, unchanged."""
    folder = tmp_path_factory.mktemp("ferret")
    run = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(folder),
                          "ferret-xai==0.4.2"], capture_output=True, text=True, timeout=300)
    wheels = list(folder.glob("ferret_xai-*.whl"))
    if run.returncode or not wheels:
        pytest.skip(f"ferret-xai could not be downloaded from the package registry: {run.stderr.strip()[-200:]}")
    namespace = {"np": np, "auc": auc, "precision_recall_curve": precision_recall_curve}
    with zipfile.ZipFile(wheels[0]) as wheel:
        for member, names in (("ferret/evaluators/plausibility_measures.py",
                               {"_compute_auprc_soft_scoring", "_token_iou", "_instance_tp_pos_pred_pos",
                                "_precision_recall_fmeasure", "_f1"}),
                              ("ferret/evaluators/utils_from_soft_to_discrete.py",
                               {"_get_id_tokens_top_k", "get_discrete_explanation_topK"})):
            tree = ast.parse(wheel.read(member).decode())
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef) and node.name in names:
                    exec(compile(ast.Module([node], []), member, "exec"), namespace)

    class Self:  # the methods' ``self``
        _f1 = staticmethod(lambda p, r: namespace["_f1"](None, p, r))
    namespace["self"] = Self()
    return namespace


def test_auprc_and_token_f1_equal_ferrets_where_the_definitions_match(additive, ferret):
    """ferret's AUPRC is the same formula on the same scores when its defaults are turned off: it
    drops the first and last token ([CLS], [SEP]; we score words, with none to drop) and keeps only
    positive scores (negatives become 0, so they tie). Its token F1 on a top-k rationale of every
    word (not only the positive ones) is ours. Its "token IOU" is a token-level Jaccard score of the two marked
    sets, not ERASER's span IOU-F1: shown to differ below."""
    rng = np.random.default_rng(2)
    me = ferret["self"]
    for _ in range(60):
        text, values, spans, _, _ = random_case(rng, additive)
        got = plausibility(scored(additive, text, values), spans)
        gold = [int(i in got.gold) for i in range(len(values))]
        assert got.auprc == pytest.approx(ferret["_compute_auprc_soft_scoring"](me, gold, values), abs=1e-12)
        # (its only_pos=False branch compares an array to [], an error under NumPy 2; the same top k
        # come from its only_pos=True branch on the scores shifted above 0)
        picked = ferret["get_discrete_explanation_topK"](values - values.min() + 1, got.k, only_pos=True)
        tp, pos, pred_pos = ferret["_instance_tp_pos_pred_pos"](me, gold, picked)
        _, _, f = ferret["_precision_recall_fmeasure"](me, tp, pos, pred_pos)
        assert got.token_f1 == pytest.approx(f, abs=1e-12)
        if any(v < 0 for v in values) and len(set(values)) == len(values):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                clipped = ferret["_compute_auprc_soft_scoring"](me, gold, [max(v, 0) for v in values])
            assert np.isfinite(clipped)  # ferret's default (only_pos) scores another ranking
    e = scored(additive, "the cat sat on the mat", [0.9, 0.1, 0.8, 0.0, 0.0, 0.7])
    got = plausibility(e, [(0, 11)])  # gold "the cat sat" (0..3); selected the, sat, mat
    jaccard = ferret["_token_iou"](me, [1, 1, 1, 0, 0, 0], [1, 0, 1, 0, 0, 1])
    assert jaccard == pytest.approx(0.5) and got.iou_f1 == 0.0  # no predicted run covers half of the span


def test_the_random_control_is_the_mean_over_seeded_shuffles(additive):
    from explain.metrics.plausibility import random_baseline

    text = "the cat sat on the mat fast"
    e = scored(additive, text, [0.1, 0.9, 0.8, -0.2, 0.0, 0.5, 0.3])
    rationale = [(4, 11), (19, 22)]
    rng = np.random.default_rng(3)
    draws = [plausibility(scored(additive, text, rng.permutation(7).astype(float)), rationale) for _ in range(5)]
    control = random_baseline(e, rationale, seed=3)
    for name in ("token_f1", "iou_f1", "auprc"):
        assert control[name] == pytest.approx(np.mean([getattr(d, name) for d in draws]), abs=1e-12)
    assert random_baseline(e, [])["auprc"] is None  # undefined without a gold word
