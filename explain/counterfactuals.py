"""What would change the answer: counterfactual texts, each verified by running the model on it.

``counterfactuals(model, text, generator=...)`` returns ``Counterfactual`` records (the new text,
its edits as character spans of the original, the new prediction and scores, the change in the
target's score), only ever for texts the model was run on and whose answer differs from the
original's: another top class (classification), another top label (zero-shot), the similarity to
``pair`` on the other side of ``threshold`` (embeddings). Three generators:

* ``ablation_flip``: words ranked by how much deleting each one alone lowers the target; subsets
  of the top candidates are deleted, smallest first, up to ``max_edits`` words. Every smaller subset
  of the candidates is tried before a larger one, so a returned edit set is minimal: no strict
  subset of it changes the answer.
* ``hotflip`` (Ebrahimi et al. 2018): one backward pass gives the gradient of the target at every
  position; the first-order best substitute of a word is ``argmin_w (e_w - e_t) . grad`` over the
  vocabulary's whole words (no subword pieces, special tokens or punctuation; optionally only words
  whose embedding has cosine at least ``min_similarity`` with the original), and positions are tried
  by gradient norm, fewest substitutions first.
* ``word_replace``: the user's rules (``great -> terrible | bad``), applied to whole words with their
  case kept, one rule application at a time and then combined, fewest first (also minimal).

The generated texts are new strings: they are tokenized and run like any user text.
"""
from __future__ import annotations

import itertools
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from model.errors import InputError
from model.validation import check_text, check_whole

from .features import words_of

GENERATORS = ("ablation_flip", "hotflip", "word_replace")
CANDIDATES = 8  # ablation_flip: the words (by effect) whose subsets are tried
MAX_RULES = 50
MAX_TRIED = 2_000  # texts one search may run at most
_RULE = re.compile(r"^\s*(?P<before>[^\s>|-][^>|]*?)\s*->\s*(?P<after>.*?)\s*$")


@dataclass(frozen=True)
class Edit:
    """``text[start:end]`` of the original, ``before``, became ``after`` ("" for a deletion)."""

    start: int
    end: int
    before: str
    after: str

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "before": self.before, "after": self.after}


@dataclass(frozen=True)
class Counterfactual:
    """A verified counterfactual: the model was run on ``text`` and answered ``prediction``."""

    text: str
    edits: tuple[Edit, ...]
    prediction: str
    labels: tuple[str, ...]
    scores: tuple[float, ...]
    target: str
    target_change: float  # the target's score on the new text minus on the original
    generator: str

    def to_dict(self) -> dict:
        return {"text": self.text, "edits": [e.to_dict() for e in self.edits], "prediction": self.prediction,
                "labels": list(self.labels), "scores": list(self.scores), "target": self.target,
                "target_change": self.target_change, "generator": self.generator}

    def describe(self) -> str:
        """The edits in a few words: "'good' deleted; 'great' -> 'bad'"."""
        return "; ".join(f"{e.before!r} deleted" if not e.after else f"{e.before!r} -> {e.after!r}" for e in self.edits)


class Counterfactuals(tuple):
    """The counterfactuals found (a tuple) with how the search went: the original's answer, texts
    tried, model calls, seconds, and a note when nothing was found."""

    original: dict
    tried: int
    model_calls: int
    seconds: float
    note: str

    def __new__(cls, items, **about):
        out = super().__new__(cls, items)
        for key, value in about.items():
            setattr(out, key, value)
        return out

    def to_dict(self) -> dict:
        return {"original": self.original, "counterfactuals": [c.to_dict() for c in self], "tried": self.tried,
                "model_calls": self.model_calls, "seconds": self.seconds, "note": self.note}


@dataclass
class _Judge:
    """Runs the model on texts and says whether each one's answer differs from the original's."""

    model: object
    labels: Sequence[str] | None
    pair: str | None
    threshold: float
    options: dict
    calls: int = 0
    tried: int = 0
    names: tuple[str, ...] = ()
    reference: np.ndarray | None = None

    def scores(self, texts: list[str]) -> np.ndarray:
        """Each text's scores (probabilities, zero-shot scores, or the similarity to the pair)."""
        self.calls += 1
        self.tried += len(texts)
        if self.model.task == "embedding":
            import torch

            from model.tasks.embedding import cosine

            vectors = np.asarray(self.model.predict(texts, **self.options), dtype=np.float64)
            return cosine(torch.from_numpy(vectors), torch.from_numpy(self.reference)).numpy()
        extra = {"labels": list(self.labels)} if self.model.task == "zero-shot" else {}
        return np.asarray(self.model.predict(texts, **extra, **self.options), dtype=np.float64)

    def answer(self, scores: np.ndarray) -> str:
        if self.model.task == "embedding":
            return "similar" if scores[0] >= self.threshold else "not similar"
        return self.names[int(np.argmax(scores))]


def _check_generator(generator: object) -> str:
    if generator not in GENERATORS:
        raise InputError(f"generator must be one of {', '.join(GENERATORS)}; got {generator!r}.")
    return generator


def parse_rules(rules) -> list[tuple[str, list[str]]]:
    """``"great -> terrible | bad"`` lines (a string or a list of them) as (word, replacements)."""
    if rules is None:
        raise InputError("word_replace needs rules, one per line: great -> terrible | bad")
    lines = rules.splitlines() if isinstance(rules, str) else list(rules) if isinstance(rules, (list, tuple)) else None
    if lines is None or not all(isinstance(line, str) for line in lines):
        raise InputError("rules must be a string of lines or a list of strings, each like: great -> terrible | bad")
    parsed = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        match = _RULE.match(line)
        after = [a.strip() for a in match.group("after").split("|")] if match else []
        if not match or not all(after) or not match.group("before").strip():
            raise InputError(f"Rule {number} ({line.strip()[:60]!r}) is not like: great -> terrible | bad")
        if len(parsed) >= MAX_RULES:
            raise InputError(f"At most {MAX_RULES} rules.")
        parsed.append((match.group("before").strip(), after))
    if not parsed:
        raise InputError("The rules are empty: write one per line, like: great -> terrible | bad")
    return parsed


def _same_case(original: str, replacement: str) -> str:
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """The text with non-overlapping edits applied; a deleted word takes one neighbouring space with it."""
    out, cursor = [], 0
    for edit in sorted(edits, key=lambda e: e.start):
        start, end = edit.start, edit.end
        if not edit.after:  # a deletion: drop one adjacent space so no double space is left
            if end < len(text) and text[end] == " ":
                end += 1
            elif start > 0 and text[start - 1] == " ":
                start -= 1
        out.append(text[cursor:start])
        out.append(edit.after)
        cursor = end
    out.append(text[cursor:])
    return "".join(out)


def counterfactuals(model, text: str, *, target: str | None = None, generator: str = "ablation_flip",
                    max_edits: int = 3, limit: int = 5, rules=None, labels=None, pair: str | None = None,
                    threshold: float = 0.5, min_similarity: float | None = None, seed: int = 0,
                    **options) -> Counterfactuals:
    """Verified counterfactuals of ``text`` (see the module's docstring), at most ``limit``, fewest edits
    first. ``target``: the label whose score the search lowers (default: the predicted one; zero-shot:
    the top label); ``labels``: zero-shot candidates; ``pair``/``threshold``: for similarity, the
    answer is whether the similarity to ``pair`` is at least ``threshold``. ``options``: the task's
    (``long_text``, ...). ``seed`` breaks ties between equally ranked candidates."""
    started = time.perf_counter()
    check_text(text)
    generator = _check_generator(generator)
    max_edits = check_whole("max_edits", max_edits, 1, 5)
    limit = check_whole("limit", limit, 1, 50)
    seed = check_whole("seed", seed, 0, 2**32 - 1)
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) or not -1 <= threshold <= 1:
        raise InputError("threshold must be a number from -1 to 1.")
    if min_similarity is not None and (isinstance(min_similarity, bool) or not isinstance(min_similarity, (int, float))
                                       or not -1 <= min_similarity <= 1):
        raise InputError("min_similarity must be a number from -1 to 1, or None.")
    from model.tasks import get_task
    from model.validation import check_labels

    task = get_task(model.task)
    options = task.options(options)
    judge = _Judge(model, None, pair, float(threshold), options)
    if model.task == "zero-shot":
        if labels is None:
            raise InputError("Zero-shot counterfactuals need the candidate labels (labels=[...]).")
        judge.labels = check_labels(labels)
        judge.names = tuple(judge.labels)
    elif model.task == "embedding":
        if pair is None:
            raise InputError("Similarity counterfactuals need the second text (pair=...) and a threshold.")
        check_text(pair, what="pair text")
        judge.reference = np.asarray(model.predict([pair], **options), dtype=np.float64)
        judge.names = ("similar", "not similar")
    else:
        judge.names = tuple(model.labels)
    original = judge.scores([text])[0]
    answer = judge.answer(original)
    if model.task == "embedding":
        column = 0
        target = "cosine similarity"
    else:
        target = answer if target is None else target
        if target not in judge.names:
            raise InputError(f"The target {target!r} is not one of the labels.")
        column = judge.names.index(target)
    if generator == "word_replace":
        parsed = parse_rules(rules)
    elif rules is not None:
        raise InputError("rules are for the word_replace generator.")
    # +1: lower the target (or a similarity above the threshold); -1: raise a similarity below it
    direction = 1.0 if model.task != "embedding" or original[0] >= threshold else -1.0
    words = [w for w in words_of(model.tokenize(text, long_text=options.get("long_text", "window"))) if w.is_word]
    rng = np.random.default_rng(seed)
    if generator == "ablation_flip":
        groups = _ablation_candidates(judge, text, words, original, column, direction, rng)
    elif generator == "hotflip":
        groups = _hotflip_candidates(model, text, words, target, judge, options, min_similarity, direction)
    else:
        groups = _rule_candidates(text, words, parsed)
    found, note = _search(judge, text, groups, answer, column, max_edits, limit)
    if not found and not note:
        note = (f"No text with at most {max_edits} edit{'s' if max_edits > 1 else ''} from {generator} changed the "
                "answer.")
    results = [Counterfactual(text=t, edits=edits, prediction=judge.answer(scores), labels=judge.names if
                              model.task != "embedding" else ("cosine similarity",),
                              scores=tuple(float(s) for s in scores), target=target,
                              target_change=float(scores[column] - original[column]), generator=generator)
               for t, edits, scores in found]
    return Counterfactuals(results, original={"text": text, "prediction": answer, "target": target,
                                              "scores": [float(s) for s in original]},
                           tried=judge.tried, model_calls=judge.calls, seconds=time.perf_counter() - started,
                           note=note)


def _ablation_candidates(judge, text, words, original, column, direction, rng) -> list[list[Edit]]:
    """Each word's deletion, ranked by how much it alone moves the target the wanted way (ties
    broken by the seed); the top ``CANDIDATES``."""
    if not words:
        return []
    edits = [Edit(w.start, w.end, w.text, "") for w in words]
    scores = judge.scores([apply_edits(text, [e]) for e in edits])
    effect = direction * (scores[:, column] - original[column])  # (most negative: lowers the target most)
    order = sorted(range(len(edits)), key=lambda i: (effect[i], rng.random()))
    return [[edits[i]] for i in order[:CANDIDATES]]


def _search(judge, text, groups: list[list[Edit]], answer: str, column: int, max_edits: int, limit: int):
    """Every combination of the candidate groups (each group: alternatives for one place), fewest
    edits first; a combination is kept if it changes the answer and none of its strict subsets did
    (so every returned edit set is minimal among the candidates)."""
    found: list[tuple[str, tuple[Edit, ...], np.ndarray]] = []
    flipped: list[frozenset[int]] = []
    note = ""
    for size in range(1, min(max_edits, len(groups)) + 1):
        combos = []
        for places in itertools.combinations(range(len(groups)), size):
            if any(f <= frozenset(places) for f in flipped):
                continue  # a subset already changes the answer: this set is not minimal
            for choice in itertools.product(*(groups[p] for p in places)):
                if _overlap(choice):
                    continue
                combos.append((frozenset(places), tuple(sorted(choice, key=lambda e: e.start))))
        if judge.tried + len(combos) > MAX_TRIED:
            combos = combos[: max(0, MAX_TRIED - judge.tried)]
            note = f"The search stopped after {MAX_TRIED:,} texts; the smallest changes were tried first."
        if not combos:
            break
        texts = [apply_edits(text, edits) for _, edits in combos]
        scores = judge.scores(texts)
        level = []
        for (places, edits), new_text, row in zip(combos, texts, scores):
            if judge.answer(row) != answer:
                level.append((places, new_text, edits, row))
        for places, *_ in level:
            flipped.append(places)
        level.sort(key=lambda item: item[3][column])  # the target's score lowest first
        found += [(t, e, r) for _, t, e, r in level]
        if len(found) >= limit or note:
            break
    return found[:limit], note


def _overlap(edits) -> bool:
    spans = sorted((e.start, e.end) for e in edits)
    return any(a[1] > b[0] for a, b in zip(spans, spans[1:]))


def _rule_candidates(text: str, words, parsed) -> list[list[Edit]]:
    """Every word matching a rule (whole word, any case), with the rule's replacements in its case."""
    groups = []
    for word in words:
        for before, after in parsed:
            if word.text.lower() == before.lower():
                groups.append([Edit(word.start, word.end, word.text, _same_case(word.text, a)) for a in after])
                break
    return groups


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


def _hotflip_candidates(model, text, words, target, judge, options, min_similarity, direction) -> list[list[Edit]]:
    """One backward pass; per single-token whole word, its best substitute; positions by gradient norm."""
    from model.tasks import get_task

    task = get_task(model.task)
    arguments = {"labels": list(judge.labels)} if model.task == "zero-shot" else {}
    if model.task == "embedding":
        arguments = {"pair": judge.pair}
    spec = task.spec(model, target=None if model.task == "embedding" else [target], options=options, **arguments)
    column = 0 if model.task == "embedding" else list(spec.labels).index(target)
    tokenized = model.tokenize(text, long_text=options.get("long_text", "window"))
    layer = model.input_embeddings()
    ids, mask = model.id_tensors([tokenized.ids])
    embeds = layer(ids).detach().requires_grad_(True)
    spec.score(embeds, mask, ids)[0, column].backward()
    gradient = embeds.grad[0].double().cpu().numpy() * direction
    table = layer.weight.detach().double().cpu().numpy()
    vocab_ids, vocab_words = whole_word_vocabulary(model.tokenizer)
    if not len(vocab_ids):
        return []
    unit = table[vocab_ids] / np.maximum(np.linalg.norm(table[vocab_ids], axis=1, keepdims=True), 1e-12)
    ranked = []
    for word in words:
        if len(word.tokens) != 1:
            continue  # whole single-token words only
        position = word.tokens[0]
        current = int(tokenized.ids[position])
        scores = hotflip_scores(table, gradient[position], current, vocab_ids)
        allowed = vocab_ids != current
        if min_similarity is not None:
            own = table[current] / max(np.linalg.norm(table[current]), 1e-12)
            allowed &= unit @ own >= min_similarity
        allowed &= np.array([w.lower() != word.text.lower() for w in vocab_words])
        if not allowed.any():
            continue
        best = int(np.argmin(np.where(allowed, scores, np.inf)))
        ranked.append((float(np.linalg.norm(gradient[position])), Edit(word.start, word.end, word.text,
                                                                        _same_case(word.text, vocab_words[best]))))
    ranked.sort(key=lambda item: -item[0])
    return [[edit] for _, edit in ranked[:CANDIDATES]]
