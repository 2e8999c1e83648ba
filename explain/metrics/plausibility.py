"""``plausibility(explanation, rationale)``: do the explanation's top words agree with the words a
person marked as the reason for the label?

The measures are ERASER's (DeYoung et al., 2020; ``rationale_benchmark/metrics.py``), taken over
the explanation's words that have a letter or digit (the words LIME counts; a punctuation mark is
never marked nor scored). A word is gold when its characters overlap one of the rationale's
character spans.

- **Hard rationale**: the top-k words by attribution toward the target (largest first; equal
  values: the earlier word first). k is the number of gold words unless given; it is capped at the
  number of words.
- **Token precision, recall, F1** (``score_hard_rationale_predictions``, one instance): selected
  words that are gold over selected words, over gold words; a zero denominator gives 0, and F1 is 0
  when either is 0 (ERASER's ``_f1``).
- **IOU-F1** (``partial_match_score`` at threshold 0.5): the predicted spans are the maximal runs
  of consecutive selected words; the gold spans are, per rationale span, the run of words it
  overlaps. A predicted span is a true positive when its best intersection-over-union (over word
  positions) with a gold span is at least 0.5; precision is true positives over predicted spans,
  recall true positives over gold spans (ERASER divides both by the same count), F1 by ``_f1``.
- **AUPRC** (``_auprc``): scikit-learn's ``precision_recall_curve`` of the word scores against the
  gold words, then ``auc(recall, precision)``. With no gold word it is undefined (NaN here; ERASER
  never meets that case, and scikit-learn would give 0.5 with a warning).

``aggregate`` totals rows as ERASER reports a dataset: instance-macro token scores (the mean of
each row's precision, recall and F1), micro IOU-F1 (true positives, predicted and gold spans summed
over every row) and the mean AUPRC.
"""
from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from model.errors import InputError

from ..explanation import Explanation
from ..text.segment import has_unspaced, on_boundaries

IOU_THRESHOLD = 0.5
MEASURES = ("token_precision", "token_recall", "token_f1", "iou_f1", "auprc")
TITLES = {"token_precision": "token precision", "token_recall": "token recall", "token_f1": "token F1",
          "iou_f1": "IOU-F1", "auprc": "AUPRC"}
_WORD = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class Plausibility:
    """ERASER's plausibility of one explanation against one rationale (see the module).

    ``gold`` and ``selected`` are word positions (among ``words`` scored words); ``gold_spans`` and
    ``predicted_spans`` are runs of word positions ``[start, end)``; ``iou_true_positives`` counts
    the predicted spans matched at IOU ≥ 0.5 (the numerator of IOU precision and recall)."""

    method: str
    target: str
    token_precision: float
    token_recall: float
    token_f1: float
    iou_f1: float
    auprc: float
    k: int
    words: int
    gold: tuple[int, ...]
    selected: tuple[int, ...]
    gold_spans: tuple[tuple[int, int], ...]
    predicted_spans: tuple[tuple[int, int], ...]
    iou_true_positives: int
    note: str | None = None

    def to_dict(self) -> dict:
        data = asdict(self)
        data["auprc"] = None if np.isnan(self.auprc) else self.auprc
        for name in ("gold", "selected"):
            data[name] = list(data[name])
        for name in ("gold_spans", "predicted_spans"):
            data[name] = [list(span) for span in data[name]]
        return data

    def scores(self) -> dict[str, float | None]:
        """The five measures by name (AUPRC None where undefined)."""
        data = self.to_dict()
        return {name: data[name] for name in MEASURES}


def f1(precision: float, recall: float) -> float:
    """ERASER's ``_f1``: 0 when either is 0."""
    return 0.0 if precision == 0 or recall == 0 else 2 * precision * recall / (precision + recall)


def check_rationale(rationale, length: int) -> list[tuple[int, int]]:
    """``rationale`` as a list of (start, end) character spans inside a text of ``length`` characters."""
    if isinstance(rationale, (str, bytes)) or not isinstance(rationale, Iterable):
        raise InputError("The rationale must be a list of (start, end) character spans, such as [(0, 4)].")
    spans = []
    for span in rationale:
        if isinstance(span, (str, bytes)) or not isinstance(span, Sequence) or len(span) != 2 or not all(
                isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in span):
            raise InputError(f"Each rationale span must be two whole numbers (start, end); got {span!r:.60}.")
        start, end = int(span[0]), int(span[1])
        if not 0 <= start < end <= length:
            raise InputError(f"The rationale span ({start}, {end}) is not inside the text's {length:,} characters "
                             "with start before end.")
        spans.append((start, end))
    return spans


def runs(positions: Iterable[int]) -> list[tuple[int, int]]:
    """Maximal runs of consecutive positions, as [start, end) spans."""
    out: list[list[int]] = []
    for p in sorted(set(positions)):
        if out and out[-1][1] == p:
            out[-1][1] = p + 1
        else:
            out.append([p, p + 1])
    return [(a, b) for a, b in out]


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Intersection over union of two [start, end) spans of word positions."""
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = (a[1] - a[0]) + (b[1] - b[0]) - inter
    return 0.0 if union == 0 else inter / union


def top_k(scores: np.ndarray, k: int) -> list[int]:
    """The k largest scores' positions (equal scores: the earlier position first)."""
    return sorted(np.argsort(-scores, kind="stable")[:k].tolist())


def auprc(gold: np.ndarray, scores: np.ndarray) -> float:
    """ERASER's ``_auprc`` for one instance (NaN without a gold word: undefined)."""
    from sklearn.metrics import auc, precision_recall_curve  # (imported when used: about a second at start-up)

    if not gold.any():
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        precision, recall, _ = precision_recall_curve(gold.astype(int), scores)
    return float(auc(recall, precision))


def plausibility(explanation: Explanation, rationale, *, target: str | int = 0, k: int | None = None) -> Plausibility:
    """ERASER's plausibility of ``explanation`` (toward ``target``: an index or a name among its
    targets) against ``rationale``, a list of (start, end) character spans of the explained text
    (``rationale_spans`` turns phrases into spans). ``k``: words in the hard rationale (default:
    as many as are gold)."""
    if not isinstance(explanation, Explanation):
        raise InputError("plausibility() takes an Explanation (from explain()) and a rationale.")
    spans = check_rationale(rationale, len(explanation.text))
    if k is not None and (isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0):
        raise InputError(f"k must be a whole number of words (0 or more), or None; got {k!r:.40}.")
    if not explanation.targets or explanation.word_attributions.shape[1] == 0:
        raise InputError("This explanation has no values toward an output, so it has no top words to compare.")
    column = explanation.target_index(target)
    words, scores = _scored_words(explanation, column)
    return _measure(words, scores, spans, k, explanation.method, explanation.targets[column])


def random_baseline(explanation: Explanation, rationale, *, target: str | int = 0, k: int | None = None,
                    draws: int = 5, seed: int = 0) -> dict[str, float | None]:
    """The five measures for a random ranking of the same words (the mean of ``draws`` seeded
    shuffles): the control a method's plausibility is read against."""
    spans = check_rationale(rationale, len(explanation.text))
    column = explanation.target_index(target)
    words, _ = _scored_words(explanation, column)
    rng = np.random.default_rng(seed)
    found = [_measure(words, rng.permutation(len(words)).astype(float), spans, k, "random", "").scores()
             for _ in range(draws)]
    return {name: None if any(f[name] is None for f in found) else float(np.mean([f[name] for f in found]))
            for name in MEASURES}


def _scored_words(explanation: Explanation, column: int):
    positions = [i for i, w in enumerate(explanation.words) if w.is_word]
    words = [explanation.words[i] for i in positions]
    return words, np.asarray([explanation.word_attributions[i, column] for i in positions], dtype=np.float64)


def _measure(words, scores: np.ndarray, spans, k: int | None, method: str, target: str) -> Plausibility:
    notes = []

    def covered(start: int, end: int) -> list[int]:
        return [j for j, w in enumerate(words) if w.start < end and start < w.end]

    gold_set: set[int] = set()
    gold_spans: set[tuple[int, int]] = set()
    missed = 0
    for start, end in spans:
        hit = covered(start, end)
        if not hit:
            missed += 1
            continue
        gold_set.update(hit)
        gold_spans.add((hit[0], hit[-1] + 1))
    if missed:
        notes.append(f"{missed} of the rationale's spans cover no word the model read (punctuation only, or past "
                     "the text the model read), so they count for nothing.")
    gold = np.zeros(len(words), dtype=bool)
    gold[list(gold_set)] = True
    wanted = int(gold.sum()) if k is None else int(k)
    used = min(wanted, len(words))
    if wanted > used:
        notes.append(f"k = {wanted} is more than the text's {len(words)} words, so every word was selected.")
    selected = top_k(scores, used)
    hits = len(gold_set & set(selected))
    precision = hits / len(selected) if selected else 0.0
    recall = hits / len(gold_set) if gold_set else 0.0
    predicted = runs(selected)
    ordered_gold = sorted(gold_spans)
    true_positives = sum(max((iou(p, g) for g in ordered_gold), default=0.0) >= IOU_THRESHOLD for p in predicted)
    iou_precision = true_positives / len(predicted) if predicted else 0.0
    iou_recall = true_positives / len(ordered_gold) if ordered_gold else 0.0
    if not gold_set:
        notes.append("No word is gold, so precision, recall and F1 are 0 by ERASER's convention and AUPRC is "
                     "undefined.")
    return Plausibility(
        method=method, target=target, token_precision=float(precision),
        token_recall=float(recall), token_f1=float(f1(precision, recall)),
        iou_f1=float(f1(iou_precision, iou_recall)), auprc=auprc(gold, scores), k=used, words=len(words),
        gold=tuple(sorted(gold_set)), selected=tuple(selected), gold_spans=tuple(ordered_gold),
        predicted_spans=tuple(predicted), iou_true_positives=int(true_positives),
        note=" ".join(notes) or None)


class Totals:
    """Running sums for ``aggregate``: ``add`` one row's result (or its ``to_dict`` record); memory
    does not grow with the rows."""

    def __init__(self) -> None:
        self.rows = self.true_positives = self.predicted = self.gold = self.areas = 0
        self.sums = {"token_precision": 0.0, "token_recall": 0.0, "token_f1": 0.0, "auprc": 0.0}

    def add(self, result: Plausibility | Mapping) -> None:
        data = result.to_dict() if isinstance(result, Plausibility) else result
        self.rows += 1
        for name in ("token_precision", "token_recall", "token_f1"):
            self.sums[name] += data[name]
        self.true_positives += data["iou_true_positives"]
        self.predicted += len(data["predicted_spans"])
        self.gold += len(data["gold_spans"])
        if data.get("auprc") is not None:
            self.sums["auprc"] += data["auprc"]
            self.areas += 1

    def result(self) -> dict:
        if not self.rows:
            return {"rows": 0, **{name: None for name in MEASURES}}
        micro_p = self.true_positives / self.predicted if self.predicted else 0.0
        micro_r = self.true_positives / self.gold if self.gold else 0.0
        return {"rows": self.rows, **{name: self.sums[name] / self.rows
                                      for name in ("token_precision", "token_recall", "token_f1")},
                "iou_f1": f1(micro_p, micro_r), "auprc": self.sums["auprc"] / self.areas if self.areas else None}


def aggregate(results: Iterable[Plausibility | Mapping]) -> dict:
    """A dataset's plausibility as ERASER reports it: instance-macro token precision, recall and F1
    (means of the rows'), micro IOU-F1 (true positives, predicted and gold spans summed over rows)
    and the mean AUPRC (of rows where it is defined); ``rows`` counted."""
    totals = Totals()
    for result in results:
        totals.add(result)
    return totals.result()


def rationale_spans(text: str, value) -> list[tuple[int, int]]:
    """A rationale as character spans of ``text``: a list of [start, end] pairs (or its JSON), or
    phrases separated by ``|`` (a string), each matched as whole words wherever it occurs (case and
    the spacing between its words ignored). A phrase not in the text is one sentence naming it."""
    if value is None:
        return []
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError:
                raise InputError("The rationale starts with '[' but is not a JSON list of [start, end] "
                                 "spans.") from None
        else:
            spans: list[tuple[int, int]] = []
            for phrase in (p.strip() for p in stripped.split("|")):
                if not phrase:
                    continue
                if not _WORD.search(phrase):
                    raise InputError(f"The reason {phrase!r:.60} has no word in it (a letter or a digit).")
                body = r"\s+".join(re.escape(part) for part in phrase.split())
                if has_unspaced(text) or has_unspaced(phrase):  # whole words = on dictionary-word boundaries
                    found = [(m.start(), m.end()) for m in re.finditer(body, text, re.IGNORECASE)
                             if on_boundaries(text, m.start(), m.end())]
                else:
                    found = [(m.start(), m.end()) for m in re.finditer(r"(?<!\w)" + body + r"(?!\w)", text,
                                                                      re.IGNORECASE)]
                if not found:
                    raise InputError(f"The reason {phrase!r:.60} is not in the text as whole words.")
                spans += found
            return sorted(set(spans))
    return check_rationale(value, len(text))
