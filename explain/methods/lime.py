"""LIME over words (default), tokens, sentences or paragraphs, perturbing token ids.

Samples are drawn exactly as ``lime.lime_text.LimeTextExplainer`` draws them (same RNG calls for
a seed: how many features to drop, then which), weighted by lime's exponential kernel on the
cosine distance, and fitted by ``lime.lime_base.LimeBase`` (weighted ridge). Features follow
LIME's defaults: distinct words (``\\w+`` runs; dropping a word drops every occurrence), removed
from the input. Removal is done on token ids, so masked text is never re-tokenised; identical
perturbations are evaluated once. ``granularity="auto"`` is words for a text the model reads at once
and sentences for a longer one. On a text read as windows, lime's removal shifts every window after
the first removed feature, so no window output is reused; ``masking="mask"`` keeps them aligned.
"""
from __future__ import annotations

from functools import partial

import numpy as np

from model.tasks import Target
from model.tokens import Tokenized

from ..base import Method, MethodResult, Param, Steps
from ..text import features as granularity_

NUM_SAMPLES_DEFAULT = 1000
NUM_SAMPLES_LIMIT = 20_000
KERNEL_WIDTH = 25  # LimeTextExplainer's default
SAMPLES_PER_FEATURE = 10  # fewer samples a feature than this and the fit is said to be unreliable


def _kernel(distances: np.ndarray, kernel_width: float) -> np.ndarray:
    return np.sqrt(np.exp(-(distances ** 2) / kernel_width ** 2))


def lime_features(tokenized: Tokenized, granularity: str) -> list[tuple[str, list[int]]]:
    """(name, token positions) per feature: distinct words (lime's: every occurrence of a word is
    one feature), every content token, sentence or paragraph."""
    if granularity == "token":
        return [(tokenized.tokens[i], [i]) for i in tokenized.content_positions]
    if granularity == "word":
        by_word: dict[str, list[int]] = {}
        for word in granularity_.words_of(tokenized):
            if word.is_word:
                by_word.setdefault(word.text, []).extend(word.tokens)
        return list(by_word.items())
    return [(tokenized.text[tokenized.offsets[u[0]][0]: tokenized.offsets[u[-1]][1]], list(u))
            for u in granularity_.units(tokenized, granularity)]


class LimeMethod(Method):
    NAME = "lime"
    LABEL = "LIME"
    DESCRIPTION = ("LIME: removes random subsets of words, watches how the output changes, and fits a small "
                   "weighted linear model whose coefficients are each word's effect near this input.")
    PARAMS = (
        Param("num_samples", "int", NUM_SAMPLES_DEFAULT, 10, NUM_SAMPLES_LIMIT,
              "perturbed samples LIME draws (identical ones are evaluated once)", budget=True,
              label="LIME samples", ui_high=5000, step=100),
        granularity_.GRANULARITY,
        Param("masking", "choice", "remove", help="how a feature is hidden: its tokens removed, or replaced "
              "by the mask token", choices=("remove", "mask"), label="LIME masking"),
    )
    SEEDED = True
    COLOUR = "#ff9f1c"

    @classmethod
    def note(cls, explanation, target: int) -> str:
        r2 = explanation.meta.get("surrogate_r2", ())
        if target < len(r2) and r2[target] is not None:
            return f"the local linear surrogate fits with R² {r2[target]:.2f} (1 = exactly)"
        return ""

    def explain(self, model, tokenized: Tokenized, target: Target, *, params: dict, seed: int) -> Steps:
        num_samples = params["num_samples"]
        mode = granularity_.resolve(params["granularity"], model, tokenized, "word")
        masking = params["masking"]
        features = lime_features(tokenized, mode)
        n_tokens, n_targets = len(tokenized), len(target.names)
        if not features:  # nothing to perturb (only punctuation): every attribution is zero
            return MethodResult(np.zeros((n_tokens, n_targets)), np.asarray(target.output, dtype=np.float64),
                                {"surrogate_r2": [None] * n_targets, "features": 0, "granularity": mode})
        # Imported here: lime and scikit-learn take ~0.9 s to import, which the app's start need not wait for.
        import sklearn.metrics
        from lime.lime_base import LimeBase
        from sklearn.utils import check_random_state

        random_state = check_random_state(seed)
        data = _sample(len(features), num_samples, random_state)
        ids = np.array(tokenized.ids)
        inputs = [_perturb(ids, row, features, masking, model.mask_token_id) for row in data]
        outputs = yield inputs
        distances = sklearn.metrics.pairwise_distances(data, data[0:1], metric="cosine").ravel() * 100
        base = LimeBase(partial(_kernel, kernel_width=KERNEL_WIDTH), verbose=False, random_state=random_state)
        attributions = np.zeros((n_tokens, n_targets))
        intercepts, scores, local = [], [], []
        for column in range(n_targets):
            intercept, weights, score, local_pred = base.explain_instance_with_data(
                data, outputs, distances, column, len(features), feature_selection="auto")
            intercepts.append(float(intercept))
            scores.append(float(score))
            local.append(float(np.ravel(local_pred)[0]))
            for feature, weight in weights:
                positions = features[feature][1]
                attributions[positions, column] += weight * granularity_.shares(tokenized, positions)
        meta = {"surrogate_r2": scores, "surrogate_prediction": local, "features": len(features),
                "granularity": mode, "masking": masking, "samples": num_samples}
        if num_samples < SAMPLES_PER_FEATURE * len(features):
            meta["note"] = (f"Only {num_samples:,} samples for {len(features)} features: a linear fit with nearly as "
                            "many weights as samples matches them almost whatever the model does, so its R² "
                            "overstates the fit and the weights are unreliable; use at least "
                            f"{SAMPLES_PER_FEATURE * len(features):,} samples ({SAMPLES_PER_FEATURE} per feature).")
        if masking == "remove" and not granularity_.fits(model, tokenized):
            meta["hiding"] = ("Features were removed (lime's way), which shifts every later window of this long text, "
                              "so few window outputs could be reused; masking='mask' keeps the windows aligned.")
        return MethodResult(attributions=attributions, base_values=np.array(intercepts), meta=meta)


def _sample(n_features: int, num_samples: int, random_state) -> np.ndarray:
    """Binary feature masks, row 0 the full input; the same draws as LimeTextExplainer."""
    sizes = random_state.randint(1, n_features + 1, num_samples - 1)
    data = np.ones((num_samples, n_features))
    feature_range = range(n_features)
    for row, size in enumerate(sizes, start=1):
        inactive = random_state.choice(feature_range, size, replace=False)
        data[row, inactive] = 0
    return data


def _perturb(ids: np.ndarray, row: np.ndarray, features, masking: str, mask_id: int) -> tuple[int, ...]:
    hidden = [p for f, on in zip(features, row) if not on for p in f[1]]
    if masking == "mask":
        out = ids.copy()
        out[hidden] = mask_id
        return tuple(out.tolist())
    return tuple(np.delete(ids, hidden).tolist())
