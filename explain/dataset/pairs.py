"""A file of text pairs (columns ``text_a`` and ``text_b``): each pair explained word pair by word pair
(``explain.explain_pair``), and across the file the word pairs that matter most.

``PairFile`` keeps, per pair of words (lower-cased, each with a letter or digit, as dataset mode counts
words), in how many rows it occurred and the sum of its values (a row's occurrences summed) and of their
sizes, and one short line per row; so
memory grows with the vocabulary, not with the rows' matrices. Past ``MAX_PAIRS`` distinct pairs the half with
the smallest total size is let go (``pruned`` counts them), a bound on a server whatever the file.
"""
from __future__ import annotations

import csv
import io
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from model.errors import STUDIO_ERRORS, InputError
from model.rows import MAX_FILE_BYTES, read_rows
from model.validation import check_seconds, check_whole

from ..io.export import cell
from ..pairs import SECONDS_LIMIT, PairExplanation, check_pair_settings, explain_pair

MAX_PAIRS = 200_000
ROWS_KEPT = 5_000
TEXT_KEPT = 300
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class PairRow:
    """One row of the file: its similarity and strongest pair, or why it was not explained."""

    index: int
    text_a: str
    text_b: str
    similarity: float | None = None
    word_a: str = ""
    word_b: str = ""
    value: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class PairTotal:
    word_a: str
    word_b: str
    count: int
    total: float
    total_abs: float

    @property
    def mean(self) -> float:
        return self.total / self.count


class PairFile:
    """The file's rows so far and its word pairs' totals (updated one explanation at a time)."""

    def __init__(self, method: str, granularity: str):
        self.method, self.granularity = method, granularity
        self.rows: list[PairRow] = []
        self.explained = self.failed = self.pruned = 0
        self.stopped = False
        self._totals: dict[tuple[str, str], list[float]] = {}

    def add(self, index: int, e: PairExplanation) -> None:
        self.explained += 1
        here: dict[tuple[str, str], float] = {}  # (a word twice in a row: its pairs' values summed, one row)
        for i, a in enumerate(e.units_a):
            if not _WORD.search(a.text):
                continue
            for j, b in enumerate(e.units_b):
                if _WORD.search(b.text):
                    key = (a.text.lower(), b.text.lower())
                    here[key] = here.get(key, 0.0) + float(e.matrix[i, j])
        for key, value in here.items():
            got = self._totals.setdefault(key, [0, 0.0, 0.0])
            got[0] += 1
            got[1] += value
            got[2] += abs(value)
        if len(self._totals) > MAX_PAIRS:
            kept = sorted(self._totals.items(), key=lambda kv: -kv[1][2])[:MAX_PAIRS // 2]
            self.pruned += len(self._totals) - len(kept)
            self._totals = dict(kept)
        best = e.strongest(1, sign=1)
        self._keep(PairRow(index, e.text_a[:TEXT_KEPT], e.text_b[:TEXT_KEPT], e.similarity,
                           best[0].unit_a if best else "", best[0].unit_b if best else "",
                           best[0].value if best else None))

    def refuse(self, index: int, text_a: str | None, text_b: str | None, why: str) -> None:
        self.failed += 1
        self._keep(PairRow(index, (text_a or "")[:TEXT_KEPT], (text_b or "")[:TEXT_KEPT], error=why))

    def _keep(self, row: PairRow) -> None:
        if len(self.rows) < ROWS_KEPT:
            self.rows.append(row)

    def least_count(self) -> int:
        """2 when some pair of words occurs in two rows or more (a pair of one row says little about the file),
        else 1."""
        return 2 if any(t[0] >= 2 for t in self._totals.values()) else 1

    def top(self, k: int = 20, min_count: int | None = None, sign: int = 1) -> list[PairTotal]:
        """The ``k`` pairs of words that add the most across the file (the largest total; ``sign`` -1: the most
        negative), among those in at least ``min_count`` rows (default ``least_count()``)."""
        least = self.least_count() if min_count is None else min_count
        found = [PairTotal(a, b, int(n), s, s_abs) for (a, b), (n, s, s_abs) in self._totals.items() if n >= least]
        found = [t for t in found if t.total * sign > 0]
        found.sort(key=lambda t: (-t.total * sign, -t.count, t.word_a, t.word_b))
        return found[:k]

    def table_csv(self) -> str:
        """Every pair of words: its rows, mean value, mean size and total, the largest total first."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["word_a", "word_b", "rows", "mean_value", "mean_abs_value", "total_value"])
        totals = sorted(self._totals.items(), key=lambda kv: (-kv[1][1], kv[0]))
        for (a, b), (n, s, s_abs) in totals:
            writer.writerow([cell(a), cell(b), int(n), f"{s / n:.8g}", f"{s_abs / n:.8g}", f"{s:.8g}"])
        return out.getvalue()

    def rows_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["row", "text_a", "text_b", "similarity", "strongest_word_a", "strongest_word_b", "value",
                         "error"])
        for r in self.rows:
            writer.writerow([r.index, cell(r.text_a), cell(r.text_b),
                             "" if r.similarity is None else f"{r.similarity:.8g}", cell(r.word_a), cell(r.word_b),
                             "" if r.value is None else f"{r.value:.8g}", r.error or ""])
        return out.getvalue()


def explain_pair_file(model, source, method: str = "integrated_jacobians", *, a_column: str = "text_a",
                      b_column: str = "text_b", granularity: str = "word", limit: int | None = None,
                      seconds: float | None = None, progress: Callable[[int, int | None], None] | None = None,
                      max_bytes: int = MAX_FILE_BYTES, **params) -> PairFile:
    """Explain every pair of a CSV / JSON Lines file (or a list of mappings) with columns ``a_column`` and
    ``b_column``; returns the ``PairFile``. A row that cannot be read or explained is kept with its one sentence
    and the run goes on. ``limit``: at most this many rows; ``seconds``: stop after this long (rows done are
    kept, ``stopped`` says so); ``progress(done, total)`` after each row."""
    model, _, _ = check_pair_settings(model, method, granularity, params)
    if a_column == b_column:
        raise InputError("The two text columns must differ.")
    if limit is not None:
        limit = check_whole("limit", limit, 1, 1_000_000)
    seconds = check_seconds(seconds, math.inf)
    rows = read_rows(source, text_column=a_column, label_column=b_column, max_bytes=max_bytes)
    result = PairFile(method, granularity)
    started = time.perf_counter()
    done = 0
    for row in rows:
        if limit is not None and done >= limit:
            break
        if seconds is not None and time.perf_counter() - started > seconds:
            result.stopped = True
            break
        done += 1
        if row.error is not None:
            result.refuse(row.index, row.text, row.label, row.error)
        elif row.label is None:
            result.refuse(row.index, row.text, None, f"row {row.index + 1}: no second text in {b_column!r}.")
        else:
            left = None if seconds is None else seconds - (time.perf_counter() - started)
            try:  # (each row within what is left of the run's time: one long text cannot hold a server past it)
                result.add(row.index, explain_pair(model, row.text, row.label, method, granularity=granularity,
                                                   seconds=None if left is None else min(max(left, 0.5), SECONDS_LIMIT),
                                                   **params))
            except STUDIO_ERRORS as err:  # (the settings were checked above: this is the row's own problem)
                result.refuse(row.index, row.text, row.label, str(err))
        if progress is not None:
            progress(done, limit)
    return result
