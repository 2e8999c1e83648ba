"""SHAP Partition (Owen values) over tokens, perturbing token ids.

A faithful re-implementation of ``shap.PartitionExplainer.owen`` (fixed_context=None) run on
the partition tree ``shap.maskers.Text`` builds, with the same masking: hidden tokens become the
tokenizer's mask token, special tokens are never hidden. What differs is speed: masked inputs
are token ids (nothing is re-tokenised), each distinct input is evaluated once, and the model
gets rounds of ``ROUND_MASKS`` masks (shap's text default is ~5). Rounds are formed exactly as
shap forms its batches with ``batch_size=64``, so even when ``max_evals`` truncates the tree the
same nodes are refined in the same order and the values equal shap's (tie-breaks aside). Masks
known before any output (the whole tree when it fits ``max_evals``, else the first rounds) go
to the model in one first batch. Why not call shap itself: its per-mask string masking,
re-tokenising and small batches cost ~1.5-3x the model's own forward time (``python -m bench``).

``granularity``: token (shap's tree over tokens, on a text the model reads at once), word,
sentence or paragraph; "auto" is token for such a text and sentence for a longer one. Beyond
token level on one window the tree has hard paragraph and sentence boundaries
(``explain.text.trees.document_tree``): a sentence is a group before its words are. A feature's value
is shared evenly by its words, then by their tokens, so token, word and sentence values all add up to
the same total.
"""
from __future__ import annotations

import functools
import heapq

import numpy as np

from model.tasks import Target
from model.tokens import Tokenized

from ..base import Method, MethodResult, Param, Steps
from ..text import features as granularity_
from ..text.trees import Tree, document_tree, shap_token_tree

MAX_EVALS_DEFAULT = 500
MAX_EVALS_LIMIT = 20_000
ROUND_MASKS = 64  # masks per round, as shap's batch_size=64; the forward floor is flat from 16 to 256

def _leaf_masks(clustering: np.ndarray, n: int) -> list[np.ndarray]:
    """For every node of the tree (leaves 0..n-1, then clusters), the boolean mask of its leaves."""
    masks = [np.eye(1, n, i, dtype=bool)[0] for i in range(n)]
    for left, right, *_ in clustering:
        masks.append(masks[int(left)] | masks[int(right)])
    return masks


def lower_credit(values: np.ndarray, clustering: np.ndarray, n: int, weights: np.ndarray | None = None) -> None:
    """Push each cluster's credit down to its leaves in proportion to their sizes (shap's rule), or
    to the children's ``weights`` (per node) when given."""
    incoming = np.zeros_like(values)
    for node in range(len(values) - 1, -1, -1):
        values[node] += incoming[node]
        if node >= n:
            left, right, _, size = clustering[node - n]
            left, right = int(left), int(right)
            if weights is None:
                left_size = clustering[left - n, 3] if left >= n else 1
                right_size = clustering[right - n, 3] if right >= n else 1
            else:
                left_size, right_size = weights[left], weights[right]
                size = left_size + right_size
            incoming[left] += values[node] * left_size / size
            incoming[right] += values[node] * right_size / size


def full_tree_masks(clustering: np.ndarray, n: int) -> int:
    """Masked inputs the Owen loop needs to refine the whole tree: each internal node costs two
    masks in every context it is reached in (the root in one, each child in twice its parent's)."""
    if n < 2:
        return 2
    contexts = {2 * n - 2: 1}
    total = 0
    for node in range(2 * n - 2, n - 1, -1):
        reached = contexts.get(node, 0)
        total += 2 * reached
        for child in clustering[node - n, :2]:
            contexts[int(child)] = contexts.get(int(child), 0) + 2 * reached
    return total + 2  # and the empty and full inputs


def _certain_masks(clustering: np.ndarray, n: int, leaf_masks: list[np.ndarray], budget: int) -> list[np.ndarray]:
    """The masks shap's loop evaluates whatever the model answers, to be sent in one first batch.

    If the whole tree fits the budget every node is refined in every context, so every mask is
    known in advance; otherwise the first rounds are, as long as each takes the whole queue
    (at most ``ROUND_MASKS`` / 2 clusters), after which the order depends on the outputs.
    """
    level = [(np.zeros(n, bool), 2 * n - 2)]
    levels: list[list[np.ndarray]] = []
    total = 0
    while True:
        internal = [(m00, node) for m00, node in level if node >= n]
        if not internal:
            return [mask for masks in levels for mask in masks]  # the whole tree fits
        total += 2 * len(internal)
        if total - 2 >= budget:
            break
        masks, level = [], []
        for m00, node in internal:
            left, right = int(clustering[node - n, 0]), int(clustering[node - n, 1])
            m10, m01 = m00 | leaf_masks[left], m00 | leaf_masks[right]
            masks += [m10, m01]
            level += [(m00, left), (m00, right), (m01, left), (m10, right)]
        levels.append(masks)
    certain, spent = [], 0
    for masks in levels:
        if len(masks) > ROUND_MASKS or spent + len(masks) - 2 >= budget:
            break
        certain += masks
        spent += len(masks)
    return certain


class ShapMethod(Method):
    NAME = "shap"
    LABEL = "SHAP"
    DESCRIPTION = ("SHAP (Partition): hides groups of tokens following the sentence's structure and shares "
                   "out the change in the model's output fairly (Owen values); the contributions add up to "
                   "the output minus the output with every token hidden.")
    PARAMS = (Param("max_evals", "int", MAX_EVALS_DEFAULT, 10, MAX_EVALS_LIMIT,
                    "masked inputs SHAP may evaluate; below what the partition tree needs, groups of words "
                    "share one value", budget=True, label="SHAP max evaluations", ui_high=5000, step=50),
              granularity_.GRANULARITY)
    ADDITIVE = True
    SEEDED = True  # tie-breaks of the refinement order (they matter only when max_evals truncates the tree)
    COLOUR = "#7b2ff7"

    @classmethod
    def seed_dependent(cls, explanation) -> bool:
        return not explanation.meta.get("partition_tree_exhausted", False)  # seeds only break ties of a truncation

    @classmethod
    def note(cls, explanation, target: int) -> str:
        base = float(explanation.base_values[target])
        gaps = explanation.meta.get("completeness_gap") or ()
        measured = f" (completeness gap {gaps[target]:.2%})" if target < len(gaps) else ""
        return (f"base (every token hidden) {base:.4g}; the contributions add up to "
                f"{float(explanation.outputs[target]) - base:+.4g}{measured}")

    def planned_evaluations(self, model, tokenized: Tokenized, params: dict, n_targets: int = 1) -> int:
        """The masks of the whole tree, or max_evals when that is fewer."""
        tree = feature_tree(model, tokenized, params["granularity"])
        return min(params["max_evals"], full_tree_masks(tree.clustering, tree.size))

    def explain(self, model, tokenized: Tokenized, target: Target, *, params: dict, seed: int) -> Steps:
        max_evals = params["max_evals"]
        granularity = granularity_.resolve(params["granularity"], model, tokenized, "token")
        tree = feature_tree(model, tokenized, granularity)
        masked = feature_masker(model, tokenized, tree)
        clustering, n = tree.clustering, tree.size
        leaf_masks = _leaf_masks(clustering, n)
        budget = max_evals - 2  # shap spends two on the empty and full inputs
        # One first batch: the empty input and every mask known in advance (the memo answers them later).
        certain = _certain_masks(clustering, n, leaf_masks, budget) if n > 1 else []
        outputs = yield [masked(np.zeros(n, bool)), masked(np.ones(n, bool))] + [masked(m) for m in certain]
        f00, f11 = outputs[0], outputs[1]
        dvalues = np.zeros((2 * n - 1, len(f00)))
        spent = 0
        if n == 1:
            dvalues[0] = f11 - f00
        else:
            root = [(np.zeros(n, bool), f00, f11, 2 * n - 2, 1.0)]
            spent, _ = yield from owen(masked, clustering, leaf_masks, n, root, dvalues, budget,
                                       np.random.default_rng(seed))
        values = dvalues.copy()
        lower_credit(values, clustering, n)
        needed = full_tree_masks(clustering, n) + 1  # the max_evals at which the tree is exhausted
        meta = {"partition_tree_exhausted": bool(spent < budget), "masked_inputs": spent + 2,
                "evaluations_needed": needed, "granularity": granularity, "features": n}
        if not meta["partition_tree_exhausted"]:
            unit = {"token": "word", "word": "word"}.get(granularity, granularity)
            meta["note"] = (f"Coarse: {max_evals:,} of the {needed:,} evaluations needed for {unit}-level values "
                            f"were allowed, so groups of {unit}s share one value; raise max evaluations"
                            + (" or explain by sentence." if granularity in ("token", "word") and
                               not granularity_.fits(model, tokenized) else "."))
        return MethodResult(attributions=spread(values[:n], tree, tokenized), base_values=f00, meta=meta)



def feature_tree(model, tokenized: Tokenized, granularity: str) -> Tree:
    """SHAP's partition tree at this granularity ("auto" resolved as ``explain.text.features`` says)."""
    granularity = granularity_.resolve(granularity, model, tokenized, "token")
    if granularity == "token" and granularity_.fits(model, tokenized):
        return shap_token_tree(tokenized, model.tokenizer.sep_token)
    return _document_tree(tokenized, granularity, model.tokenizer.sep_token)


@functools.lru_cache(maxsize=16)
def _document_tree(tokenized: Tokenized, granularity: str, sep_token: str | None) -> Tree:
    return document_tree(tokenized, list(granularity_.words_of(tokenized)),
                         list(granularity_.sentences_of(tokenized)), granularity, sep_token)


def feature_masker(model, tokenized: Tokenized, tree: Tree):
    """mask over the tree's features -> the token ids with the hidden features' tokens masked
    (special tokens are never hidden)."""
    ids = np.array(tokenized.ids)
    keep = np.array(tokenized.special)
    mask_id = model.mask_token_id
    owner = np.zeros(len(ids), dtype=int)
    for feature, positions in enumerate(tree.features):
        owner[list(positions)] = feature
    if len(tree.features) == len(ids) and all(f == (i,) for i, f in enumerate(tree.features)):
        def masked(mask: np.ndarray) -> tuple[int, ...]:  # one feature per token (shap's own tree)
            return tuple(np.where(mask | keep, ids, mask_id).tolist())
    else:
        def masked(mask: np.ndarray) -> tuple[int, ...]:
            return tuple(np.where(mask[owner] | keep, ids, mask_id).tolist())
    return masked


def spread(values: np.ndarray, tree: Tree, tokenized: Tokenized) -> np.ndarray:
    """Feature values (n_features, k) -> token values (n_tokens, k): each feature's value shared
    evenly by its words, then by each word's tokens (``explain.text.features.shares``), so its sum over
    the feature's tokens is unchanged."""
    out = np.zeros((len(tokenized), values.shape[1]))
    for feature, positions in enumerate(tree.features):
        if len(positions) == 1:
            out[positions[0]] += values[feature]
        else:
            out[list(positions)] += values[feature] * granularity_.shares(tokenized, positions)[:, None]
    return out


def owen(masked, clustering, leaf_masks, n, start, dvalues, budget, rng, defer=frozenset()):
    """shap's ``owen`` loop (fixed_context=None) with rounds of ``ROUND_MASKS`` masks, from the
    queue items ``start`` ((m00, f00, f11, node, weight) each). Nodes in ``defer`` are not expanded:
    their items are returned for a later pass (coarse to fine). Returns (masks asked for, deferred)."""
    counter = 0
    queue = []
    for item in start:  # (rng draws only for pushed children: the root's tie-break is 0, as shap's)
        queue.append((-float(np.max(np.abs(item[2] - item[1]))) * item[4] if len(start) > 1 else 0.0, 0.0,
                      counter, item))
        counter += 1
    heapq.heapify(queue)
    spent = 0
    deferred = []
    while queue:
        if spent >= budget:
            for *_, item in queue:
                if item[3] in defer:
                    deferred.append(item)
                else:
                    dvalues[item[3]] += (item[2] - item[1]) * item[4]
            return spent, deferred
        batch, masks = [], []
        while queue and len(masks) < ROUND_MASKS and spent + len(masks) < budget:
            item = heapq.heappop(queue)[3]
            m00, a, b, node, weight = item
            if node in defer:
                deferred.append(item)
                continue
            if node < n:
                dvalues[node] += (b - a) * weight
                continue
            left, right = int(clustering[node - n, 0]), int(clustering[node - n, 1])
            m10, m01 = m00 | leaf_masks[left], m00 | leaf_masks[right]
            batch.append((m00, m10, m01, a, b, node, left, right, weight))
            masks += [masked(m10), masked(m01)]
        if not batch:
            continue
        outputs = yield masks
        spent += len(masks)
        for i, (m00, m10, m01, a, b, _node, left, right, weight) in enumerate(batch):
            f10, f01 = outputs[2 * i], outputs[2 * i + 1]
            half = weight / 2
            for item in ((m00, a, f10, left), (m00, a, f01, right), (m01, f01, b, left), (m10, f10, b, right)):
                counter += 1
                priority = -float(np.max(np.abs(item[2] - item[1]))) * half
                heapq.heappush(queue, (priority, float(rng.standard_normal()), counter, (*item, half)))
    return spent, deferred
