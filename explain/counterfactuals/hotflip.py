"""``hotflip`` (Ebrahimi et al. 2018): one backward pass gives the gradient of the target at every
position; the first-order best substitute of a word is ``argmin_w (e_w - e_t) . grad`` over the
vocabulary's whole words (no subword pieces, special tokens or punctuation; optionally only words
whose embedding has cosine at least ``min_similarity`` with the original), and positions are tried
by gradient norm, fewest substitutions first."""
from __future__ import annotations

import numpy as np

from model.params import Param

from .ablation import CANDIDATES
from .base import Context, Generator
from .edits import Edit, same_case


def whole_word_vocabulary(tokenizer) -> tuple[np.ndarray, list[str]]:
    """The vocabulary's whole words: ids and their text (no subword pieces, special tokens,
    punctuation or digits). WordPiece pieces start with "##"; byte-level BPE and SentencePiece mark a
    word's start ("Ġword", "▁word")."""
    vocab = tokenizer.get_vocab()
    special = set(tokenizer.all_special_ids)
    marked = sum(1 for t in vocab if t[:1] in ("Ġ", "▁")) > len(vocab) // 10
    ids, words = [], []
    for token, index in vocab.items():
        if index in special:
            continue
        if marked:
            if token[:1] not in ("Ġ", "▁"):
                continue
            word = token[1:]
        else:
            if token.startswith("##"):
                continue
            word = token
        if len(word) >= 2 and word.isalpha():
            ids.append(index)
            words.append(word)
    order = np.argsort(ids)
    return np.asarray(ids)[order], [words[i] for i in order]


def hotflip_scores(embeddings: np.ndarray, gradient: np.ndarray, current: int, candidates: np.ndarray) -> np.ndarray:
    """First-order change of the target when the token ``current`` becomes each candidate:
    ``(e_w - e_current) . gradient`` (the smaller, the more it lowers the target)."""
    return (embeddings[candidates] - embeddings[current]) @ gradient


class HotFlip(Generator):
    NAME = "hotflip"
    LABEL = "Swap words by gradient"
    DESCRIPTION = "Swap single-token words for the vocabulary word the gradient says moves the answer most."
    PARAMS = (Param("min_similarity", "float", None, -1.0, 1.0, label="Substitutes at least this similar",
                    help="only substitutes whose input embedding has at least this cosine with the word's "
                         "(empty: any whole word)"),)

    def candidates(self, context: Context, params: dict) -> list[list[Edit]]:
        """One backward pass; per single-token whole word, its best substitute; positions by gradient norm."""
        model, tokenized = context.model, context.tokenized
        layer = model.input_embeddings()
        ids, mask = model.id_tensors([tokenized.ids])
        embeds = layer(ids).detach().requires_grad_(True)
        context.spec.score(embeds, mask, ids)[0, context.column].backward()
        gradient = embeds.grad[0].double().cpu().numpy() * context.direction
        table = layer.weight.detach().double().cpu().numpy()
        vocab_ids, vocab_words = whole_word_vocabulary(model.tokenizer)
        if not len(vocab_ids):
            return []
        unit = table[vocab_ids] / np.maximum(np.linalg.norm(table[vocab_ids], axis=1, keepdims=True), 1e-12)
        lowered = np.array([w.lower() for w in vocab_words])
        ranked = []
        for word in context.words:
            if len(word.tokens) != 1:
                continue  # whole single-token words only
            position = word.tokens[0]
            current = int(tokenized.ids[position])
            scores = hotflip_scores(table, gradient[position], current, vocab_ids)
            allowed = (vocab_ids != current) & (lowered != word.text.lower())
            if params.get("min_similarity") is not None:
                own = table[current] / max(np.linalg.norm(table[current]), 1e-12)
                allowed &= unit @ own >= params["min_similarity"]
            if not allowed.any():
                continue
            best = int(np.argmin(np.where(allowed, scores, np.inf)))
            ranked.append((float(np.linalg.norm(gradient[position])),
                           Edit(word.start, word.end, word.text, same_case(word.text, vocab_words[best]))))
        ranked.sort(key=lambda item: -item[0])
        return [[edit] for _, edit in ranked[:CANDIDATES]]
