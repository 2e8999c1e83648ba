"""Running aggregates of a dataset run: global word importance, accuracy, confusion, misclassified.

``Summary.add(result)`` takes one row's result (a ``RowResult`` or its JSON record) and updates
sums, so a run of any length keeps memory bounded by the vocabulary and the number of classes,
not by the rows. The global table is exactly the aggregation of the per-row values: per group
("all", each predicted class, each gold class) and word (lower-cased, as written; words with a
letter or digit, as LIME counts them): the count of occurrences, the mean attribution and the mean
|attribution|, where each value is the word's contribution to the row's predicted class (the
class explained; for an embedding model, to the similarity; for a token classifier, each entity type found
in the row is a class it predicted, with the words' summed contributions to that type's entities, and "all" sums
every entity). The same numbers come from the
rows written to a JSON Lines file (``Summary.from_jsonl``), which is how resumed and Ray runs are
totalled.
"""
from __future__ import annotations

import csv
import json
import math
import os
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path

from model.errors import InputError

from ..metrics.plausibility import MEASURES, Totals

MISCLASSIFIED_KEPT = 1_000
ERRORS_KEPT = 1_000
TEXT_KEPT = 500  # characters of a misclassified row's text kept in the summary (the rows file has it all)
TABLE_COLUMNS = ("group", "class", "word", "count", "mean_attribution", "mean_abs_attribution")
FAITHFULNESS = ("comprehensiveness", "sufficiency")
METHOD_COLUMNS = ("method", "rationale_rows", *MEASURES, "scored_rows", *FAITHFULNESS)


def _record(result) -> Mapping:
    return result if isinstance(result, Mapping) else result.to_record()


class Summary:
    """Everything the dataset views show, updated one row at a time."""

    def __init__(self) -> None:
        self.rows = 0
        self.errors: list[dict] = []
        self.error_count = 0
        self.clipped = 0
        self.truncated = 0
        self.words: dict[tuple[str, str], dict[str, list[float]]] = {}
        self.confusion: Counter = Counter()
        self.predicted_counts: Counter = Counter()
        self.gold_counts: Counter = Counter()
        self.labelled = 0
        self.correct = 0
        self.misclassified: list[dict] = []
        self.score_sums: dict[str, float] = {}
        self.scored = 0
        self.plausible: dict[str, Totals] = {}  # per method: plausibility against the rows' rationales
        self.method_scores: dict[str, dict[str, float]] = {}  # per method: faithfulness sums
        self.method_scored: Counter = Counter()
        self.rationale_errors: list[dict] = []
        self.rationale_error_count = 0

    # ---------------------------------------------------------------- updating
    def add(self, result) -> None:
        record = _record(result)
        self.rows += 1
        if record.get("error"):
            self.error_count += 1
            if len(self.errors) < ERRORS_KEPT:
                self.errors.append({"row": record["row"], "line": record.get("line"), "error": record["error"]})
            return
        self.clipped += bool(record.get("clipped"))
        self.truncated += bool(record.get("truncated"))
        prediction, gold = record.get("prediction"), record.get("label")
        groups = [("all", "")]
        by_label = record.get("label_values") or {}
        for label, values in by_label.items():  # (a row of entities: each type found is a class it predicted)
            self.predicted_counts[label] += 1
            self._words(("predicted", label), record["words"], values)
        if prediction is not None and not by_label:
            groups.append(("predicted", prediction))
            self.predicted_counts[prediction] += 1
        if gold is not None:
            groups.append(("gold", gold))
            self.gold_counts[gold] += 1
            if prediction is not None:
                self.confusion[(gold, prediction)] += 1
            if record.get("correct") is not None:  # (the task decides what is correct: RowResult.correct)
                self.labelled += 1
                if record["correct"]:
                    self.correct += 1
                elif len(self.misclassified) < MISCLASSIFIED_KEPT:  # (texts cut: memory stays bounded)
                    kept = {k: record.get(k) for k in ("row", "text", "label", "prediction", "confidence")}
                    kept["text"] = kept["text"][:TEXT_KEPT] if isinstance(kept["text"], str) else kept["text"]
                    self.misclassified.append(kept)
        for group in groups:
            self._words(group, record["words"], record["values"])
        scores = record.get("scores")
        if scores:
            self.scored += 1
            _accumulate(self.score_sums, scores)
        if record.get("rationale_error"):
            self.rationale_error_count += 1
            if len(self.rationale_errors) < ERRORS_KEPT:
                self.rationale_errors.append({"row": record["row"], "error": record["rationale_error"]})
        for method, measured in (record.get("methods") or {}).items():
            if measured.get("plausibility"):
                self.plausible.setdefault(method, Totals()).add(measured["plausibility"])
            if measured.get("scores"):
                self.method_scored[method] += 1
                _accumulate(self.method_scores.setdefault(method, {}), measured["scores"])

    def _words(self, group: tuple[str, str], words, values) -> None:
        table = self.words.setdefault(group, {})
        for word, value in zip(words, values):
            stats = table.setdefault(word.lower(), [0, 0.0, 0.0])
            stats[0] += 1
            stats[1] += value
            stats[2] += abs(value)

    def update(self, results: Iterable) -> Summary:
        for result in results:
            self.add(result)
        return self

    @classmethod
    def from_jsonl(cls, path: str | os.PathLike) -> Summary:
        """The summary of rows written by a run (resumed or on Ray): the same sums, in file order."""
        return cls().update(iter_records(path))

    # ---------------------------------------------------------------- reading
    @property
    def accuracy(self) -> float | None:
        return self.correct / self.labelled if self.labelled else None

    def classes(self) -> list[str]:
        """Classes seen as gold or predicted, most frequent first."""
        counts = self.predicted_counts + self.gold_counts
        return [c for c, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]

    def class_counts(self) -> dict[str, Counter]:
        """Rows per predicted class and per gold class."""
        return {"predicted": self.predicted_counts, "gold": self.gold_counts}

    def confusion_matrix(self, classes: list[str] | None = None) -> tuple[list[str], list[list[int]]]:
        """Rows gold, columns predicted, over ``classes`` (default every class seen)."""
        classes = self.classes() if classes is None else classes
        return classes, [[self.confusion.get((g, p), 0) for p in classes] for g in classes]

    def table(self, min_count: int = 1, group: str | None = None, cls: str | None = None) -> list[dict]:
        """Global importance rows, each group's words by mean |attribution|, largest first."""
        out = []
        for (kind, name), words in sorted(self.words.items(), key=lambda item: (item[0][0] != "all", item[0])):
            if (group is not None and kind != group) or (cls is not None and name != cls):
                continue
            rows = [{"group": kind, "class": name, "word": word, "count": count, "mean_attribution": total / count,
                     "mean_abs_attribution": total_abs / count}
                    for word, (count, total, total_abs) in words.items() if count >= min_count]
            out += sorted(rows, key=lambda r: (-r["mean_abs_attribution"], r["word"]))
        return out

    def scores(self) -> dict[str, float]:
        """Each scorecard number's mean over the rows that were scored."""
        return {name: total / self.scored for name, total in self.score_sums.items()} if self.scored else {}

    def method_table(self) -> list[dict]:
        """Per method (the run's first, then those compared): ERASER's plausibility over the rows with
        a rationale (instance-macro token precision, recall, F1; micro IOU-F1; mean AUPRC) beside
        the mean headline faithfulness over the rows scored (None where not measured)."""
        names = list(dict.fromkeys([*self.plausible, *self.method_scores]))
        out = []
        for name in names:
            found = self.plausible[name].result() if name in self.plausible else {m: None for m in MEASURES}
            scored = self.method_scored[name]
            sums = self.method_scores.get(name, {})
            out.append({"method": name, "rationale_rows": found.get("rows", 0),
                        **{m: found[m] for m in MEASURES}, "scored_rows": scored,
                        **{m: sums[m] / scored if scored and m in sums else None for m in FAITHFULNESS}})
        return out

    def write_method_csv(self, path: str | os.PathLike) -> Path:
        """The per-method table as CSV."""
        path = Path(path)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(METHOD_COLUMNS)
            for row in self.method_table():
                writer.writerow(["" if row[c] is None else row[c] for c in METHOD_COLUMNS])
        return path

    def to_dict(self, min_count: int = 1) -> dict:
        classes, matrix = self.confusion_matrix()
        return {"rows": self.rows, "explained": self.rows - self.error_count, "errors": self.error_count,
                "clipped": self.clipped, "truncated": self.truncated, "labelled": self.labelled,
                "accuracy": self.accuracy, "confusion": {"classes": classes, "matrix": matrix},
                "misclassified": self.misclassified, "scores": self.scores(), "scored_rows": self.scored,
                "row_errors": self.errors, "methods": self.method_table(),
                "rationale_errors": self.rationale_error_count}

    def write_csv(self, path: str | os.PathLike, min_count: int = 1) -> Path:
        """The global table as CSV (formula-looking cells quoted; words are user text)."""
        from ..io.export import cell

        path = Path(path)
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(TABLE_COLUMNS)
            for row in self.table(min_count):
                writer.writerow([cell(row[c]) for c in TABLE_COLUMNS])
        return path


def _accumulate(sums: dict[str, float], scores: Mapping) -> None:
    for name, value in scores.items():
        if isinstance(value, (int, float)) and math.isfinite(value):
            sums[name] = sums.get(name, 0.0) + value


def iter_records(path: str | os.PathLike) -> Iterable[dict]:
    """The row records of a JSON Lines file written by a run (a torn last line is ignored)."""
    try:
        handle = open(path, encoding="utf-8")
    except OSError as err:
        raise InputError(f"Cannot read {Path(path).name!r}: {err.strerror or err}.") from None
    with handle:
        for raw in handle:
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError:
                continue  # a line cut short by an interrupted run; resuming writes that row again
            if isinstance(record, dict) and "row" in record:
                yield record
