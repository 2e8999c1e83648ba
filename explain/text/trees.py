"""Partition trees for SHAP: which features are hidden together, and in what order of groups.

A ``Tree`` has features (each a set of token positions hidden together: a token, a word, a
sentence, a paragraph) and a binary clustering in shap's format (row ``k`` merges nodes
``left, right`` into node ``n_features + k``; column 3 is the leaf count).

* ``shap_token_tree``: shap's own tree (``shap.maskers.Text.clustering``'s heuristic merge rules),
  over every token: what SHAP uses on a text that fits one window at token granularity, so its
  values equal shap's there.
* ``document_tree``: paragraph and sentence boundaries are hard: the root splits the document
  into paragraphs, a paragraph into its sentences (balanced halves, in text order), and only then
  a sentence into its words or tokens (shap's merge rules inside the sentence). A sentence is
  therefore always one group before its words are, and a coarse explanation gives each sentence
  (or paragraph) one value. Special tokens are leaves of their own at the top (never hidden).
  shap's merge rules cost O(n^2) in the tokens they order, so a sentence longer than
  ``SHAP_RULES_TOKENS`` is first cut into balanced runs of whole words.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

import numpy as np

from model.tokens import Tokenized

from .units import Sentence, Word

SHAP_RULES_TOKENS = 256  # the most tokens shap's merge rules order at once (a window's worth)

_SPACE_END = re.compile(r"^.*\W$")
_LETTER_START = re.compile(r"^[A-Za-z]")

Node = "int | tuple[Node, Node]"


@dataclass(frozen=True)
class Tree:
    """Features (token positions each) and their binary clustering (shap's format); ``groups``
    names nodes that stand for one sentence (node index -> sentence index), for coarse-to-fine."""

    features: tuple[tuple[int, ...], ...]
    clustering: np.ndarray
    groups: dict[int, int] = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.features)


def text_segments(tokenized: Tokenized) -> list[str]:
    """Each token's substring with its trailing gap, as ``shap.maskers.Text.token_segments``."""
    text, offsets = tokenized.text, tokenized.offsets
    parts = [text[offsets[i][0]: max(offsets[i][1], offsets[i + 1][0])] for i in range(len(offsets) - 1)]
    parts.append(text[offsets[-1][0]: offsets[-1][1]])
    return parts


def _shap_strings(segments: list[str]) -> list[str]:
    """shap's token strings for its merge rules ("##" marks a piece glued to the one before)."""
    tokens: list[str] = []
    for i, segment in enumerate(segments):
        if i > 0 and _SPACE_END.match(segments[i - 1]) is None and _LETTER_START.match(segment) is not None \
                and tokens[i - 1] != "":
            tokens.append("##" + segment.strip())
        else:
            tokens.append(segment.strip())
    return tokens


def _shap_rules(strings: list[str], sep_token: str | None) -> np.ndarray:
    from shap.maskers._text import partition_tree

    tree = partition_tree(strings, [sep_token] if sep_token else [])
    tree[:, 2] = tree[:, 3] / tree[:, 3].max()
    return tree


@functools.lru_cache(maxsize=32)
def partition_clustering(tokenized: Tokenized, sep_token: str | None) -> np.ndarray:
    """The token hierarchy of ``shap.maskers.Text.clustering`` (its heuristic merge rules), read-only.

    Cached: the progress plan and the explanation both need it, and on a 256-token text it takes
    ~45 ms (``Tokenized`` is a frozen dataclass, so it is its own key)."""
    tree = np.zeros((0, 4))
    if len(tokenized) > 1:
        tree = _shap_rules(_shap_strings(text_segments(tokenized)), sep_token)
    tree.setflags(write=False)
    return tree


def shap_token_tree(tokenized: Tokenized, sep_token: str | None) -> Tree:
    return Tree(tuple((i,) for i in range(len(tokenized))), partition_clustering(tokenized, sep_token))


def _nested(clustering: np.ndarray, leaves: list[Node]) -> Node:
    """A clustering over ``len(leaves)`` local leaves as nested pairs of the given leaf nodes."""
    n = len(leaves)
    nodes: list[Node] = list(leaves)
    for left, right, *_ in clustering:
        nodes.append((nodes[int(left)], nodes[int(right)]))
    return nodes[-1] if n > 1 else nodes[0]


def _balanced(nodes: list[Node]) -> Node:
    """Nested pairs splitting ``nodes`` in halves, in order."""
    if len(nodes) == 1:
        return nodes[0]
    middle = len(nodes) // 2
    return (_balanced(nodes[:middle]), _balanced(nodes[middle:]))


def _mark(node: Node) -> tuple:
    """A subtree's identity: a leaf by its index, a pair by the object (pairs are never shared)."""
    return ("leaf", node) if isinstance(node, int) else ("pair", id(node))


def _clustering(root: Node, n: int, marked: dict[tuple, int]) -> tuple[np.ndarray, dict[int, int]]:
    """shap's clustering matrix of nested pairs over leaves 0..n-1 (children before parents);
    ``marked`` names subtrees (``_mark``), returned as node index -> name."""
    rows: list[tuple[int, int, int]] = []
    names: dict[int, int] = {}

    def visit(node: Node) -> tuple[int, int]:
        if isinstance(node, int):
            index, size = node, 1
        else:
            (left, left_size), (right, right_size) = visit(node[0]), visit(node[1])
            rows.append((left, right, left_size + right_size))
            index, size = n + len(rows) - 1, left_size + right_size
        if _mark(node) in marked:
            names[index] = marked[_mark(node)]
        return index, size

    if n > 1:
        visit(root)
    clustering = np.array([[a, b, 0.0, size] for a, b, size in rows], dtype=float).reshape(-1, 4)
    if len(clustering):
        clustering[:, 2] = clustering[:, 3] / clustering[:, 3].max()
    clustering.setflags(write=False)
    return clustering, names


def _runs(words: list[Word], limit: int) -> list[list[Word]]:
    """Words cut into balanced runs of at most ``limit`` tokens (one long word may exceed it)."""
    total = sum(len(w.tokens) for w in words)
    if total <= limit or len(words) == 1:
        return [words]
    middle, count = 0, 0
    while middle < len(words) - 1 and count + len(words[middle].tokens) <= total / 2:
        count += len(words[middle].tokens)
        middle += 1
    middle = max(1, middle)
    return _runs(words[:middle], limit) + _runs(words[middle:], limit)


def document_tree(tokenized: Tokenized, words: list[Word], sentences: list[Sentence], granularity: str,
                  sep_token: str | None) -> Tree:
    """The tree of ``granularity`` features with hard paragraph and sentence boundaries (see the
    module's docstring); ``groups`` marks each sentence's node."""
    features: list[tuple[int, ...]] = []

    def leaf(positions) -> int:
        features.append(tuple(int(p) for p in positions))
        return len(features) - 1

    word_of = {t: w for w in words for t in w.tokens}
    segments = text_segments(tokenized) if granularity == "token" else []
    covered = {t for s in sentences for t in s.tokens}
    marked: dict[tuple, int] = {}
    blocks: list[tuple[int, Node]] = []  # (first token, subtree) at the top, in text order
    by_paragraph: dict[int, list[tuple[int, Node]]] = {}
    for index, sentence in enumerate(sentences):
        first = min(sentence.tokens)
        if granularity == "paragraph":
            by_paragraph.setdefault(sentence.paragraph, []).append((first, index))
            continue
        if granularity == "sentence":
            node: Node = leaf(sentence.tokens)
        else:
            members = list(dict.fromkeys(word_of[t] for t in sentence.tokens))
            runs = []
            for run in _runs(members, SHAP_RULES_TOKENS):
                if granularity == "word":
                    locals_ = [leaf(w.tokens) for w in run]
                    strings = [w.text for w in run]
                else:
                    positions = [t for w in run for t in w.tokens]
                    locals_ = [leaf([p]) for p in positions]
                    strings = _shap_strings([segments[p] for p in positions])
                runs.append(_nested(_shap_rules(strings, sep_token), locals_) if len(locals_) > 1 else locals_[0])
            node = _balanced(runs)
        marked[_mark(node)] = index
        by_paragraph.setdefault(sentence.paragraph, []).append((first, node))
    for members in by_paragraph.values():
        if granularity == "paragraph":
            positions = sorted(t for _, i in members for t in sentences[i].tokens)
            blocks.append((positions[0], leaf(positions)))
        else:
            blocks.append((members[0][0], _balanced([node for _, node in members])))
    for position in range(len(tokenized)):
        if position not in covered:  # special tokens (and tokens in no word): leaves of their own
            blocks.append((position, leaf([position])))
    blocks.sort(key=lambda block: block[0])
    root = _balanced([node for _, node in blocks])
    clustering, groups = _clustering(root, len(features), marked)
    return Tree(tuple(features), clustering, groups)
