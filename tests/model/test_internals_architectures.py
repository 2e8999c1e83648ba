"""Inside the Transformer on every supported architecture: each head of each layer recomputed from the
layer's own weights, with what the architecture adds (DeBERTa's disentangled terms, MPNet's relative bias,
ModernBERT's rotary positions and local windows, ALBERT's shared layer, BART's encoder), equal to the model's
own attention probabilities and head outputs; the embedding sum, the positions each model really uses,
the layer flow and the layer lens."""
from __future__ import annotations

import numpy as np
import pytest

from model import load_model
from model.internals import anatomy, attention_steps, embedding_sum, layer_flow, layer_lens, position_view
from model.tiny.architectures import ARCHITECTURES

# 16 words, longer than ModernBERT's local window (4 tokens each side in the tiny model)
TEXT = "the movie was very good but the food was awful and the service was really quite bad"
POSITIONS = {"mpnet": "relative buckets", "deberta-v2": "disentangled", "modernbert": "rotary"}
TERMS = {"deberta-v2": ["content Q Kᵀ", "content→position", "position→content"],
         "mpnet": ["content Q Kᵀ", "relative position bias"]}


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_every_head_is_recomputed_equal_to_the_models_own(folders, kind):
    model = load_model(folders[kind])
    layers, heads = model.attention_shape
    for layer in range(layers):
        for head in range(heads):
            steps = attention_steps(model, TEXT, layer, head)
            assert steps.p_difference <= steps.p_bound, (layer, head, steps.p_difference)
            assert steps.a_difference <= steps.a_bound, (layer, head, steps.a_difference)
            np.testing.assert_allclose(sum(steps.terms.values()) + steps.mask, steps.S, atol=1e-12)
            assert list(steps.terms) == TERMS.get(kind, ["content Q Kᵀ"])
            for query in (0, len(steps.tokens) - 1):  # the query/key view adds up to the content term
                np.testing.assert_allclose(steps.contributions(query).sum(1), steps.terms["content Q Kᵀ"][query],
                                           atol=1e-10)


def test_modernbert_local_layers_read_only_their_window_and_rotate_positions(folders):
    model = load_model(folders["modernbert"])
    config = model.transformer.config
    local = config.layer_types.index("sliding_attention")
    steps = attention_steps(model, TEXT, local, 0)
    n, window = len(steps.tokens), config.sliding_window
    assert n > 2 * window + 1
    far = np.abs(np.arange(n)[:, None] - np.arange(n)[None, :]) > window
    assert np.isinf(steps.mask[far]).all() and (steps.P[far] == 0).all() and (steps.model_P[far] < 1e-12).all()
    assert any("rotary" in note for note in steps.notes) and any("local layer" in note for note in steps.notes)
    everywhere = attention_steps(model, TEXT, config.layer_types.index("full_attention"), 0)
    assert np.isfinite(everywhere.mask).all() and any("global layer" in note for note in everywhere.notes)


def test_albert_shares_one_layer_but_each_layer_is_its_own_step(folders):
    model = load_model(folders["albert"])
    parts = anatomy(model)
    assert parts.shared and parts.layers[0] is parts.layers[1]
    first, second = attention_steps(model, TEXT, 0, 0), attention_steps(model, TEXT, 1, 0)
    assert not np.allclose(first.A, second.A)  # the same weights read different inputs
    assert second.a_difference <= second.a_bound  # and the second call's output is the one compared


@pytest.mark.parametrize("kind", ARCHITECTURES)
def test_embeddings_positions_flow_and_lens_on_every_architecture(folders, kind):
    model = load_model(folders[kind])
    summed = embedding_sum(model, TEXT)
    assert summed.difference < 1e-5, summed.steps
    view = position_view(model, length=16)
    assert view.kind == POSITIONS.get(kind, "learned")
    if view.kind == "learned":
        assert view.table.shape[0] >= 16
    if view.kind == "relative buckets":
        assert view.bias.shape == (model.attention_shape[1], 31) and view.buckets[15] == view.buckets[15]
    if view.kind == "disentangled":
        assert view.table.ndim == 2 and len(view.buckets) == 31
    if view.kind == "rotary":
        assert set(view.angles) == set(model.transformer.config.layer_types) and view.window == 4
    layers, _ = model.attention_shape
    flow = layer_flow(model, TEXT)
    assert flow.attention_norm.shape == flow.ffn_norm.shape == (layers, len(summed.tokens))
    before = model.predict([TEXT])[0]
    lens = layer_lens(model, TEXT)
    assert lens.values.shape == (layers + 1, 2)
    np.testing.assert_allclose(lens.values[-1], before, atol=1e-5)  # the last point is the model's prediction
    np.testing.assert_allclose(model.predict([TEXT])[0], before, atol=1e-6)  # and no hook is left behind
