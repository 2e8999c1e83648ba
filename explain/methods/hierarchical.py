"""Coarse to fine: every sentence scored, then the words of the top sentences only.

Level 1 scores each sentence: SHAP over sentences (``coarse="shap"``: shap's Owen loop on the
document tree, ``explain.text.trees.document_tree``, whose sentences are groups of their own) or
sentence occlusion (``coarse="occlusion"``: the output minus the output without the sentence).
Level 2 refines the ``top_sentences`` sentences of largest value into their words, with the
same Owen loop started from each sentence as level 1 reached it (for occlusion: in the one
context "every other sentence shown"). Each split of the Owen loop shares out its parent's value
exactly (the children's values always add up to it), so the levels are additive: a sentence's
value is the sum of its words' values, and it is the value level 1 gave it. Sentences not refined
share their value evenly among their words.

The budget (``evaluations``) is shared: level 1 takes what the sentence tree needs, up to half of
it (occlusion: one evaluation per sentence), and level 2 the rest, spent where the output changes
most first (shap's priority), so a budget below what every word needs leaves groups of words in
the refined sentences sharing a value (said in ``meta["note"]``).
"""
from __future__ import annotations

import numpy as np

from model.tasks import Target
from model.tokens import Tokenized
from model.validation import counted

from ..base import Method, MethodResult, Param, Steps
from ..text import features as granularity_
from ..text.trees import document_tree
from .shap import _leaf_masks, feature_masker, full_tree_masks, lower_credit, owen, spread

EVALUATIONS_DEFAULT = 500  # (the bundled long example, 10 windows, explained and scored in about 25 s on 2 CPU cores)


def _trees(tokenized: Tokenized, sep_token):
    words, sentences = list(granularity_.words_of(tokenized)), list(granularity_.sentences_of(tokenized))
    return (document_tree(tokenized, words, sentences, "word", sep_token),
            document_tree(tokenized, words, sentences, "sentence", sep_token))


class HierarchicalMethod(Method):
    NAME = "hierarchical"
    LABEL = "Sentences, then words"
    DESCRIPTION = ("Coarse to fine: scores every sentence (SHAP over sentences, or occlusion), then the words inside "
                   "the top sentences only; a sentence's value is the sum of its words' values.")
    PARAMS = (
        Param("coarse", "choice", "shap", choices=("shap", "occlusion"), label="Sentences scored by",
              help="how sentences are scored first: SHAP over sentences (adds up to the output), or occlusion "
                   "(each sentence's value is the output minus the output without it)"),
        Param("top_sentences", "int", 3, 1, 50, label="Sentences refined",
              help="how many of the highest-valued sentences are then explained word by word"),
        Param("evaluations", "int", EVALUATIONS_DEFAULT, 20, 20_000, budget=True, label="Coarse-to-fine evaluations",
              help="masked inputs for both levels together: the sentences take what they need, up to half",
              ui_high=5000, step=50),
    )
    SEEDED = True  # shap's tie-breaks, when a budget truncates a level
    COLOUR = "#3a86ff"
    COMPARE_DEFAULT = False

    @classmethod
    def note(cls, explanation, target: int) -> str:
        meta = explanation.meta
        refined = len(meta.get("refined", ()))
        if meta.get("coarse") == "shap":
            base = float(explanation.base_values[target])
            return (f"{counted(refined, 'sentence')} refined into words; base (everything hidden) {base:.4g}, the "
                    "contributions "
                    f"add up to {float(explanation.outputs[target]) - base:+.4g}")
        return (f"{counted(refined, 'sentence')} refined into words; each sentence's value is the output minus the output "
                "without it")

    def planned_evaluations(self, model, tokenized: Tokenized, params: dict, n_targets: int = 1) -> int:
        return params["evaluations"]

    def explain(self, model, tokenized: Tokenized, target: Target, *, params: dict, seed: int) -> Steps:
        budget, top = params["evaluations"], params["top_sentences"]
        words_tree, sentence_tree = _trees(tokenized, model.tokenizer.sep_token)
        n = words_tree.size
        masked = feature_masker(model, tokenized, words_tree)
        leaf_masks = _leaf_masks(words_tree.clustering, n)
        sentence_nodes = {node: sentence for node, sentence in words_tree.groups.items()}
        rng = np.random.default_rng(seed)
        outputs = yield [masked(np.zeros(n, bool)), masked(np.ones(n, bool))]
        f00, f11 = outputs[0], outputs[1]
        dvalues = np.zeros((2 * n - 1, len(f00)))
        if params["coarse"] == "shap":
            first = min(full_tree_masks(sentence_tree.clustering, sentence_tree.size), budget // 2) - 2
            root = [(np.zeros(n, bool), f00, f11, 2 * n - 2, 1.0)]
            spent1, deferred = yield from owen(masked, words_tree.clustering, leaf_masks, n, root, dvalues,
                                               max(0, first), rng, defer=frozenset(sentence_nodes))
            base = f00
        else:
            everything = np.ones(n, bool)
            contexts = []
            for node in sentence_nodes:
                contexts.append(everything & ~leaf_masks[node])
            rows = yield [masked(m) for m in contexts]
            spent1 = len(contexts)
            deferred = [(m, row, f11, node, 1.0) for m, row, node in zip(contexts, rows, sentence_nodes)]
            base = np.zeros(len(f00))
        # Each sentence's level-1 value: its deferred items, plus what truncation left above it.
        sentence_value = {node: np.zeros(len(f00)) for node in sentence_nodes}
        for _m00, a, b, node, weight in deferred:
            sentence_value[node] += (b - a) * weight
        weights = _sentence_weights(words_tree.clustering, n, sentence_nodes)
        above = dvalues.copy()
        lower_credit(above, words_tree.clustering, n, weights)  # (credit a truncated level 1 left above sentences)
        for node in sentence_nodes:
            sentence_value[node] += above[:n][leaf_masks[node]].sum(axis=0)
        ranked = sorted(sentence_nodes, key=lambda node: -float(np.max(np.abs(sentence_value[node]))))
        chosen = set(ranked[:top])
        refine = [item for item in deferred if item[3] in chosen]
        for _m00, a, b, node, weight in deferred:
            if node not in chosen:
                dvalues[node] += (b - a) * weight
        spent2, second = 0, max(0, budget - 2 - spent1)
        if refine:
            spent2, _ = yield from owen(masked, words_tree.clustering, leaf_masks, n, refine, dvalues, second, rng)
        values = dvalues.copy()
        lower_credit(values, words_tree.clustering, n, weights)
        masks_of = {node: full_tree_masks(*_subtree(words_tree.clustering, n, node)) - 2 for node in chosen}
        needed = sum(masks_of[item[3]] for item in refine)  # every context of every refined sentence, in full
        exhausted = spent2 < second or spent2 >= needed
        meta = {"coarse": params["coarse"], "sentences": len(sentence_nodes),
                "refined": sorted(sentence_nodes[node] for node in chosen), "sentence_evaluations": spent1,
                "word_evaluations": spent2, "words_exhausted": bool(exhausted), "masked_inputs": 2 + spent1 + spent2,
                "granularity": "word"}
        if not exhausted:
            meta["note"] = (f"The refined sentences needed {needed:,} evaluations for word-level values and "
                            f"{spent2:,} were left after the sentences, so groups of words share one value; raise "
                            "the evaluations.")
        return MethodResult(attributions=spread(values[:n], words_tree, tokenized), base_values=base, meta=meta)


def _sentence_weights(clustering: np.ndarray, n: int, sentence_nodes) -> np.ndarray:
    """How credit left on a node is shared by its children: above the sentences by the number of
    sentences (and special tokens) under each, as SHAP over sentences shares it; inside a
    sentence by the number of words."""
    weights = np.ones(2 * n - 1)
    inside = np.zeros(2 * n - 1, bool)
    for node in range(n, 2 * n - 1):
        left, right = int(clustering[node - n, 0]), int(clustering[node - n, 1])
        weights[node] = weights[left] + weights[right]
    for node in range(2 * n - 2, n - 1, -1):  # mark every node below a sentence's node
        if node in sentence_nodes or inside[node]:
            inside[int(clustering[node - n, 0])] = inside[int(clustering[node - n, 1])] = True
    counts = np.ones(2 * n - 1)
    for node in range(n, 2 * n - 1):
        left, right = int(clustering[node - n, 0]), int(clustering[node - n, 1])
        counts[node] = (1 if left in sentence_nodes else counts[left]) + (1 if right in sentence_nodes else counts[right])
    for node in range(2 * n - 1):
        if not inside[node] and node not in sentence_nodes:
            weights[node] = counts[node]  # sentences under it (a special token's leaf counts one)
        elif node in sentence_nodes:
            weights[node] = 1  # as a child: one sentence (its own split uses its words, below)
    return weights


def _subtree(clustering: np.ndarray, n: int, node: int) -> tuple[np.ndarray, int]:
    """The clustering of the subtree under ``node``, renumbered (for counting the masks it needs)."""
    if node < n:
        return np.zeros((0, 4)), 1
    leaves: list[int] = []
    internal: list[int] = []

    def visit(k: int) -> None:
        if k < n:
            leaves.append(k)
            return
        left, right = int(clustering[k - n, 0]), int(clustering[k - n, 1])
        visit(left)
        visit(right)
        internal.append(k)

    visit(node)
    m = len(leaves)
    index = {leaf: i for i, leaf in enumerate(leaves)}
    for i, k in enumerate(internal):
        index[k] = m + i
    rows = [[index[int(clustering[k - n, 0])], index[int(clustering[k - n, 1])], 0.0, clustering[k - n, 3]]
            for k in internal]
    return np.array(rows, dtype=float).reshape(-1, 4), m
