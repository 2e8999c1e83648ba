"""Completeness is measured, not taken on trust: every explanation of a method marked ADDITIVE carries
``meta["completeness_gap"]`` (one value per target), and a method that claims it and misses says so and is
drawn with no base value."""
from __future__ import annotations

import numpy as np
import pytest

from explain import Method, MethodResult, Param, explain, register_method, unregister_method
from explain.charts.explanation import attribution_bars, notes
from explain.completeness import TOLERANCE, gaps

TEXT = "the movie was very good and the food was awful"


class ClaimsAdditive(Method):
    """Leave-one-token-out against the every-token-masked base, times ``claim_scale``: on the synthetic additive
    model exactly additive at scale 1, and missing by |scale - 1| of the change at any other scale."""

    NAME = "claims_additive"
    DESCRIPTION = "Leave-one-token-out with the masked text as base, scaled."
    PARAMS = (Param("claim_scale", "float", 1.0, 0.0, 10.0, "multiplies every attribution"),)
    ADDITIVE = True

    def explain(self, model, tokenized, target, *, params, seed):
        ids = list(tokenized.ids)
        positions = tokenized.content_positions
        masked = tuple(model.mask_token_id if i in positions else t for i, t in enumerate(ids))
        outputs = yield [masked] + [tuple(model.mask_token_id if j == i else t for j, t in enumerate(ids))
                                    for i in positions]
        attributions = np.zeros((len(ids), len(target.names)))
        for row, i in enumerate(positions):
            attributions[i] = params["claim_scale"] * (target.output - outputs[row + 1])
        return MethodResult(attributions, np.asarray(outputs[0], dtype=np.float64))


@pytest.fixture
def claims():
    register_method(ClaimsAdditive)
    yield ClaimsAdditive
    unregister_method(ClaimsAdditive.NAME)


def _gap_by_hand(e, j):
    change = e.outputs[j] - e.base_values[j]
    return abs(e.attributions[:, j].sum() + e.base_values[j] - e.outputs[j]) / abs(change)


def test_an_additive_method_that_adds_up_keeps_a_zero_gap_and_its_base(additive, claims):
    e = explain(additive, TEXT, "claims_additive", target=["score", "negated"], cache=None)
    assert len(e.meta["completeness_gap"]) == 2
    for j in range(2):
        assert e.meta["completeness_gap"][j] == pytest.approx(_gap_by_hand(e, j), abs=1e-12)
        assert e.meta["completeness_gap"][j] < 1e-9
    assert "note" not in e.meta
    assert " · base " in attribution_bars(e).layout.title.subtitle.text


@pytest.mark.parametrize("scale, gap", [(2.0, 1.0), (0.5, 0.5), (1.004, 0.004)])
def test_a_method_that_claims_additivity_and_misses_says_so(additive, claims, scale, gap):
    e = explain(additive, TEXT, "claims_additive", claim_scale=scale, cache=None)
    assert e.meta["completeness_gap"] == pytest.approx([gap], rel=1e-9)
    assert e.meta["completeness_gap"][0] == pytest.approx(_gap_by_hand(e, 0), rel=1e-12)
    title = attribution_bars(e).layout.title.subtitle.text
    if gap > TOLERANCE:
        assert e.meta["note"] == (f"claims_additive's values should add up to the output minus the base, but they "
                                  f"miss it by {gap:.1%} of that change (more than 1%): no base is drawn, and the "
                                  "values are not additive here.")
        assert e.meta["note"] in notes(e) and " · base " not in title
    else:  # within the tolerance: measured, kept, and drawn with its base
        assert "note" not in e.meta and " · base " in title
    again = type(e).from_dict(e.to_dict())
    assert again.meta["completeness_gap"] == e.meta["completeness_gap"]


def test_shap_and_ig_report_the_gap_the_engine_measures(intent_model):
    shap = explain(intent_model, TEXT, "shap", cache=None)
    assert shap.meta["completeness_gap"][0] < 1e-6  # Owen values are efficient: exact
    assert "completeness gap" in notes(shap)[0]
    ig = explain(intent_model, TEXT, "ig", steps=16, cache=None)
    assert ig.meta["completeness_gap"][0] == pytest.approx(_gap_by_hand(ig, 0), rel=1e-9)
    lime = explain(intent_model, TEXT, "lime", num_samples=50, cache=None)
    assert "completeness_gap" not in lime.meta  # no claim, nothing measured


def test_the_gap_is_the_share_of_the_change_missed():
    attributions = np.array([[1.0, 2.0], [1.0, 0.0], [0.0, 0.0]])
    assert gaps(attributions, np.array([1.0, 0.0]), np.array([3.0, 4.0])) == [0.0, 0.5]
