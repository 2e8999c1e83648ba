"""Integrated Gradients (Sundararajan et al. 2017) through captum, on the input embeddings.

The explained output is the task's differentiable score (``target.score``): the class probability
(or logit), each zero-shot label's score exactly as the model computes it (an NLI model's softmax
across labels, not a sigmoid of one entailment logit), the cosine similarity to the second text.
captum integrates the gradient along the straight path from a baseline to the input in the
model's word-embedding layer; a token's score is the sum over the hidden dimension. Baselines:
"mask" (default: what SHAP calls the empty input, every content token replaced by the mask token,
special tokens kept, so they get exactly 0), "pad" (the pad token instead), "zeros" (zero
embeddings for the content tokens).

Why captum's ``IntegratedGradients`` on the embeddings rather than ``LayerIntegratedGradients`` on
the embedding layer: they compute the same integral (tests/explain/test_gradients.py checks ours
against ``LayerIntegratedGradients`` to 1e-5 on every task), but the layer variant runs two full
forward passes only to read the layer's outputs for the input and the baseline, which for the
input-embedding layer are a table lookup. Skipping them pays for the forward pass that the
completeness check needs (f(baseline); f(x) is already known), so IG with its gap costs no more
than captum's documented call without one (``python -m bench``). Zero embeddings, which no token
id has, need this form anyway.

Completeness: the attributions should add up to f(x) - f(baseline); the gap left by the numerical
integral is reported (relative to |f(x) - f(baseline)|). ``steps="auto"`` doubles the steps from 50
until the gap is at most 1% or 800 steps are reached. Measured: Gauss-Legendre (the default) is
within 1e-5 at 50 steps on the bundled classifier; captum's ``riemann_trapezoid`` weights add up to
(n - 1) / n, so it misses 1/n of the total even on a linear model (2% at 50 steps).
"""
from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import torch

from model.tasks import Target
from model.tokens import Tokenized

from .. import completeness
from ..base import Computed, Method, MethodResult, Param, Steps
from ..completeness import TOLERANCE

AUTO_START, AUTO_CAP, AUTO_GAP = 50, 800, TOLERANCE  # (the gap every additive method is held to)


def baseline_ids(model, tokenized: Tokenized, baseline: str) -> list[int]:
    """The baseline's token ids: content tokens replaced by the mask (or pad) token, specials kept."""
    filler = model.pad_token_id if baseline == "pad" else model.mask_token_id
    return [i if special else filler for i, special in zip(tokenized.ids, tokenized.special)]


def rows_per_input(model, tokenized: Tokenized, target: Target) -> int:
    """Sequences the network reads for one input: its windows (``model.windows``), beside every
    candidate's hypothesis for a cross-encoder; what IG's internal batches are divided by."""
    read = getattr(model, "windows_read", None)
    if read is None:
        return 1
    options = dict(target.model_options)
    if getattr(model, "pair_windows", None) is not None and target.labels:
        return sum(len(read(tokenized.ids, labels=[label], **options)) for label in target.labels)
    return len(read(tokenized.ids, **options))


class IntegratedGradientsMethod(Method):
    NAME = "ig"
    LABEL = "Integrated Gradients"
    DESCRIPTION = ("Integrated Gradients: integrates the output's gradient along a straight path from an empty "
                   "input (every word masked) to the text, in the embedding space; the contributions add up to "
                   "the output minus the empty input's output, up to a reported numerical gap.")
    PARAMS = (
        Param("steps", "int", AUTO_START, 2, AUTO_CAP, "points of the path integral; 'auto' doubles them from 50 "
              "until the completeness gap is at most 1% (800 at most)", also=("auto",), budget=True,
              label="IG steps", ui_high=400, step=2),
        # (captum calls this "method"; here that name is explain()'s own)
        Param("integration", "choice", "gausslegendre", help="captum's integration rule",
              choices=("gausslegendre", "riemann_trapezoid"), label="IG integration"),
        Param("baseline", "choice", "mask", help="where the path starts: the text with every content token "
              "masked, padded, or zero embeddings", choices=("mask", "pad", "zeros"), label="IG baseline"),
    )
    ADDITIVE = True
    COLOUR = "#e76f51"

    @classmethod
    def note(cls, explanation, target: int) -> str:
        gaps, steps = explanation.meta.get("completeness_gap", ()), explanation.meta.get("steps_used", ())
        if target >= len(gaps):
            return ""
        return (f"completeness gap {gaps[target]:.2%} of the output change from the baseline "
                f"({explanation.meta.get('baseline')} baseline, output {explanation.base_values[target]:.4g}) "
                f"with {steps[target]} steps")

    def planned_evaluations(self, model, tokenized: Tokenized, params: dict, n_targets: int = 1) -> int:
        """The baseline's forward pass, then the path points of every target ("auto": the first
        round; more rounds raise the plan)."""
        return 1 + (AUTO_START if params["steps"] == "auto" else params["steps"]) * n_targets

    def explain(self, model, tokenized: Tokenized, target: Target, *, params: dict, seed: int) -> Steps:
        from captum.attr import IntegratedGradients

        layer = model.input_embeddings()
        ids, mask = model.id_tensors([tokenized.ids])
        autocast = model.precision() if hasattr(model, "precision") else nullcontext()
        with torch.no_grad():
            embeds = layer(ids)
        if params["baseline"] == "zeros":
            special = torch.tensor(tokenized.special, device=ids.device)[None, :, None]
            base_embeds = torch.where(special, embeds, torch.zeros_like(embeds))
        else:
            with torch.no_grad():
                base_embeds = layer(model.id_tensors([baseline_ids(model, tokenized, params["baseline"])])[0])
        # f(baseline) through the very function the path integrates (input embeddings, the text's mask and ids),
        # not from the baseline's token ids: models that derive positions from the ids (RoBERTa's pad tokens get
        # the pad position) or read them beside the embeddings (BART's decoder) give the path's start another
        # value, and the completeness gap must compare the attributions with the path they integrate.
        with torch.no_grad(), autocast:
            bases = target.score(base_embeds, mask, ids)[0, torch.as_tensor(target.columns)].double().cpu().numpy()
        yield Computed(1)
        attributions = np.zeros((len(tokenized), len(target.names)))
        gaps, steps_used = [], []
        # path points per batch: the model's batch in sequences, over the sequences one point reads
        points = max(1, model.batch_size // rows_per_input(model, tokenized, target))
        for j, column in enumerate(target.columns):
            on_embeddings = target.score_of(column)

            steps = AUTO_START if params["steps"] == "auto" else params["steps"]
            while True:
                with autocast:
                    result = IntegratedGradients(on_embeddings).attribute(
                        embeds, baselines=base_embeds, additional_forward_args=(mask, ids), n_steps=steps,
                        method=params["integration"], internal_batch_size=points)
                scores = result.detach().double().sum(-1)[0].cpu().numpy()
                gap = completeness.gap(float(scores.sum()), float(target.output[j]), float(bases[j]))
                yield Computed(steps)
                if params["steps"] != "auto" or gap <= AUTO_GAP or steps >= AUTO_CAP:
                    break
                steps = min(2 * steps, AUTO_CAP)
            attributions[:, j] = scores
            gaps.append(gap)
            steps_used.append(steps)
        meta = {"completeness_gap": gaps, "steps_used": steps_used, "baseline": params["baseline"],
                "baseline_output": bases.tolist(), "integration": params["integration"]}
        if any(g > AUTO_GAP for g in gaps):
            meta["note"] = (f"The attributions miss their total by more than 1% (largest gap {max(gaps):.1%}); "
                            "raise IG steps or choose 'auto'.")
        return MethodResult(attributions=attributions, base_values=bases, meta=meta)
