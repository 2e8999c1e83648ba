"""``explain_dataset``: explain every row of a file, streaming, with running aggregates.

The unit of work is ``explain_rows(model, rows, method, settings)``: a pure function from a
batch of ``Row``s to their ``RowResult``s (it calls ``explain_many``, so a batch's perturbations
share model calls). The local engine runs it one window at a time; the Ray engine
(``explain.dataset.ray_engine``) runs the very same function in its actors. Nothing holds more
than one window of explanations: each result is yielded, folded into ``Summary``, and dropped.
"""
from __future__ import annotations

import dataclasses
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

from model import load_model
from model.base import TextModel
from model.errors import BudgetExceeded, InputError, ResourceExhausted
from model.rows import MAX_FILE_BYTES, Row, count_rows, read_rows
from model.tasks import get_task
from model.validation import check_labels, check_seconds, check_whole

from ..api import evaluate as score_explanation
from ..api import explain_request
from ..explanation import Explanation
from ..metrics import HEADLINE, plausibility, rationale_spans
from ..metrics.registry import get_metrics
from ..registry import get_method
from ..request import NO_TASK, ExplainRequest, own_params, read_arguments, split_arguments
from .aggregate import Summary

TOP_WORDS = 5
WINDOW_DEFAULT = 16
REQUEST_KEYS = ("labels", "pair", "seed")  # explain()'s arguments that are the same for every row


@dataclass(frozen=True)
class RowResult:
    """One row explained: what the model answered (and whether it was right), the words' values
    for the class it predicted, and the explanation itself (``None`` once read back from JSON)."""

    row: int
    line: int
    text: str | None
    label: str | None = None
    prediction: str | None = None
    confidence: float | None = None
    correct: bool | None = None
    output: float | None = None
    target: str | None = None
    words: tuple[str, ...] = ()
    values: tuple[float, ...] = ()
    clipped: bool = False
    truncated: bool = False
    windows: int = 1  # how many windows the model read the row's text as
    sentences: tuple[str, ...] = ()
    sentence_values: tuple[float, ...] = ()
    scores: dict | None = None
    error: str | None = None
    rationale: tuple[tuple[int, int], ...] = ()  # the row's rationale as character spans
    rationale_error: str | None = None  # why the row's rationale could not be read (the row is explained)
    methods: dict | None = None  # per method (the run's, then those compared): {"plausibility", "scores"}
    # A task whose rows have several answers (entities): per label (an entity type), each word's summed value for
    # the row's outputs of that label; ``values`` then sums every output.
    label_values: dict | None = None
    explanation: Explanation | None = field(default=None, compare=False, repr=False)

    @property
    def top_words(self) -> list[tuple[str, float]]:
        order = sorted(range(len(self.values)), key=lambda i: -abs(self.values[i]))[:TOP_WORDS]
        return [(self.words[i], self.values[i]) for i in order]

    def to_record(self, full: bool = False) -> dict:
        """A JSON-ready row (``full``: with the whole explanation, less the attention tensor)."""
        record = {f.name: getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "explanation"}
        record["words"], record["values"] = list(self.words), list(self.values)
        record["sentences"], record["sentence_values"] = list(self.sentences), list(self.sentence_values)
        record["rationale"] = [list(span) for span in self.rationale]
        if full and self.explanation is not None:
            data = self.explanation.to_dict()
            data["attention"] = None
            record["explanation"] = data
        return record

    @classmethod
    def from_record(cls, record: dict) -> RowResult:
        names = {f.name for f in dataclasses.fields(cls)} - {"explanation"}
        data = {k: v for k, v in record.items() if k in names}
        for name in ("words", "values", "sentences", "sentence_values"):
            data[name] = tuple(data.get(name, ()))
        data["rationale"] = tuple(tuple(span) for span in data.get("rationale", ()))
        return cls(**data)


def _column(e: Explanation) -> int:
    """The target column of the predicted label (the class a row's values are for)."""
    if len(e.labels) and len(e.targets):
        prediction = e.labels[int(np.argmax(e.probabilities))]
        return list(e.targets).index(prediction) if prediction in e.targets else 0
    return 0


def _measured(e: Explanation, metrics: tuple[str, ...], model: TextModel, seed: int, spans) -> dict:
    """One method's plausibility against the row's rationale (when it has one) and its scorecard's
    ``metrics`` (when the run scores), for the predicted class."""
    column = _column(e)
    if not len(e.targets):
        return {"plausibility": None, "scores": None}
    scores = None
    if metrics:
        card = score_explanation(e, list(metrics), model=model, target=column, seed=seed)
        measured = [name for name in metrics if name in card.values]  # (a metric that does not apply is left out)
        scores = {**{name: card.values[name].value for name in measured},
                  **{f"random_{name}": card.values[name].random for name in measured}}
    found = plausibility(e, spans, target=column).to_dict() if spans else None
    return {"plausibility": found, "scores": scores}


def _rationale(row: Row) -> tuple[tuple[tuple[int, int], ...], str | None]:
    """The row's rationale as character spans, or why it cannot be read."""
    if row.rationale is None or row.text is None:
        return (), None
    try:
        return tuple(rationale_spans(row.text, row.rationale)), None
    except InputError as err:
        return (), f"line {row.line}: {err}"


def _result(row: Row, e: Explanation, score: tuple[str, ...], model: TextModel, seed: int) -> RowResult:
    """The row's answer and the word values for the predicted label (the class explained)."""
    prediction = confidence = None
    column = _column(e)
    if len(e.labels):  # the answer as the model's task judges it (the top label, or similar / not similar, ...)
        best = int(np.argmax(e.probabilities))
        prediction = get_task(e.task).answer(e.labels, e.probabilities, e.meta.get("options", {}))
        confidence = float(e.probabilities[best])
    words = [w for w in e.words if w.is_word]
    values = [float(e.word_attributions[i, column]) for i, w in enumerate(e.words) if w.is_word] \
        if len(e.targets) else []
    groups = get_task(e.task).column_groups(e.targets, e.meta.get("options", {})) if len(e.targets) else None
    label_values = None
    if groups:  # (entities: each type's words, and every entity's together)
        kept = [i for i, w in enumerate(e.words) if w.is_word]
        label_values = {label: [float(v) for v in e.word_attributions[kept][:, columns].sum(1)]
                        for label, columns in groups.items()}
        values = [float(v) for v in e.word_attributions[kept].sum(1)]
    sentence_values = [float(v) for v in e.sentence_attributions[:, column]] if len(e.targets) else []
    spans, problem = _rationale(row)
    measured = _measured(e, score, model, seed, spans)
    return RowResult(row=row.index, line=row.line, text=row.text, label=row.label, prediction=prediction,
                     confidence=confidence,
                     correct=get_task(e.task).is_correct(prediction, row.label),
                     output=float(e.outputs[column]) if len(e.outputs) else None,
                     target=e.targets[column] if len(e.targets) else None,
                     words=tuple(w.text for w in words), values=tuple(values), clipped=row.clipped,
                     truncated=bool(e.meta.get("truncated")), windows=int(e.meta.get("windows", {}).get("count", 1)),
                     sentences=tuple(s.text for s in e.sentences), sentence_values=tuple(sentence_values),
                     scores=measured["scores"], rationale=spans, rationale_error=problem,
                     methods={e.method: measured} if spans or score else None, label_values=label_values,
                     explanation=e)


def row_request(model: TextModel, method: str, settings: dict) -> ExplainRequest:
    """The request every row of a run shares (``settings`` as ``check_run_settings`` gives them; the texts
    are filled in per batch)."""
    arguments = read_arguments(settings, get_task(model.task), (get_method(method),), keep_none=True)
    return ExplainRequest(texts=(), model=model, method=method, params=arguments.params, options=arguments.options,
                          labels=settings.get("labels"), pair=settings.get("pair"), seed=settings.get("seed", 0))


def _explain_each(request: ExplainRequest, texts: list[str], progress) -> list:
    """The request on the texts; when one text spoils the batch, each on its own to tell which (its error
    in its place)."""
    try:
        return explain_request(request.for_texts(texts), cache=None, window=len(texts), progress=progress)
    except (InputError, BudgetExceeded, ResourceExhausted):
        out: list = []
        for text in texts:
            try:
                out.append(explain_request(request.for_texts([text]), cache=None)[0])
            except (InputError, BudgetExceeded, ResourceExhausted) as err:
                out.append(err)
        return out


def _phase(progress, index: int, count: int):
    """Progress of one method's pass (``index`` of ``count``) as a share of the whole batch."""
    if progress is None:
        return None
    return lambda done, planned: progress(index * 1000 + 1000 * done / max(planned, 1), count * 1000)


def explain_rows(model: TextModel, rows: list[Row], method: str, settings: dict | None = None,
                 progress: Callable[[int, int], None] | None = None) -> list[RowResult]:
    """The per-batch function: rows in, results out, in order; pure (no state kept between calls).

    ``settings``: ``explain_many``'s keyword arguments (labels, pair, seed, ... and the method's
    parameters), plus ``evaluate`` (True: the headline scorecard for each row; a list: those metrics) and
    ``compare`` (other
    methods, each with its own parameters, explained on the same rows for the per-method
    plausibility and faithfulness in ``RowResult.methods``). A row the model refuses (or that runs
    out of time or memory) becomes a result with its ``error``; the others go on.
    ``progress(done, planned)``: the batch's work as it completes (model evaluations).
    """
    settings = dict(settings or {})
    score = scored_metrics(settings.pop("evaluate", False))
    compared = dict(settings.pop("compare", None) or {})
    own = {p.name for p in get_method(method).PARAMS}
    shared = {k: v for k, v in settings.items() if k not in own}  # labels, pair, seed, task options
    seed = settings.get("seed", 0)
    results: dict[int, RowResult] = {}
    good = []
    for position, row in enumerate(rows):
        if row.error is not None:
            results[position] = RowResult(row=row.index, line=row.line, text=row.text, label=row.label,
                                          error=row.error)
        else:
            good.append(position)
    phases = 1 + len(compared)
    explained = _explain_each(row_request(model, method, settings), [rows[p].text for p in good],
                              _phase(progress, 0, phases)) if good else []
    for p, e in zip(good, explained):
        row = rows[p]
        if isinstance(e, Exception):
            results[p] = RowResult(row=row.index, line=row.line, text=row.text, label=row.label,
                                   error=f"line {row.line}: {e}")
        else:
            results[p] = _result(row, e, score, model, seed)
    done = [p for p in good if results[p].error is None]
    for index, (other, params) in enumerate(compared.items(), start=1):
        others = _explain_each(row_request(model, other, {**shared, **params}), [rows[p].text for p in done],
                               _phase(progress, index, phases)) if done else []
        for p, e in zip(done, others):
            methods = dict(results[p].methods or {})
            methods[other] = {"plausibility": None, "scores": None, "error": str(e)} if isinstance(e, Exception) \
                else _measured(e, score, model, seed, results[p].rationale)
            results[p] = dataclasses.replace(results[p], methods=methods)
    return [results[p] for p in range(len(rows))]


class DatasetRun:
    """An iterable of ``RowResult`` (in row order) with the running ``summary``.

    ``cancel()`` (from any thread) stops after the window in progress; so does the ``seconds``
    budget. Either way everything finished so far has been yielded and summarised, and
    ``stopped`` says why the run ended early ("cancelled", "time") or is None.
    """

    def __init__(self, model: TextModel, rows: Iterator[Row], method: str, settings: dict, *, window: int,
                 seconds: float | None, progress: Callable[[int, int | None], None] | None, total: int | None,
                 skip: frozenset[int], limit: int | None) -> None:
        self.model, self.method, self.settings = model, method, settings
        self.request = row_request(model, method, settings)  # what every row is explained by (texts per batch)
        self._rows, self._window, self._seconds = rows, window, seconds
        self._progress, self._skip, self._limit = progress, skip, limit
        self.total = total
        self.summary = Summary()
        self.done = 0
        self.stopped: str | None = None
        self._cancel = threading.Event()
        self._started = False

    def cancel(self) -> None:
        self._cancel.set()

    def rows(self) -> Iterator[Row]:
        """The rows to run: at most ``limit`` read, those in ``skip`` left out."""
        for taken, row in enumerate(self._rows):
            if self._limit is not None and taken >= self._limit:
                return
            if row.index not in self._skip:
                yield row

    def __iter__(self) -> Iterator[RowResult]:
        if self._started:
            raise InputError("A dataset run can be iterated once; start another with explain_dataset.")
        self._started = True
        started = time.perf_counter()
        batch: list[Row] = []
        for row in self.rows():
            batch.append(row)
            if len(batch) >= self._window:
                yield from self._run(batch)
                batch = []
                if self._should_stop(started):
                    return
        if batch and not self._should_stop(started):
            yield from self._run(batch)

    def _should_stop(self, started: float) -> bool:
        if self._cancel.is_set():
            self.stopped = "cancelled"
        elif self._seconds is not None and time.perf_counter() - started > self._seconds:
            self.stopped = "time"
        return self.stopped is not None

    def _run(self, batch: list[Row]) -> Iterator[RowResult]:
        def within(done: int, planned: int) -> None:  # rows done so far, and the share of this window's work
            self._progress(self.done + len(batch) * min(done / max(planned, 1), 0.99), self.total)

        for result in explain_rows(self.model, batch, self.method, self.settings,
                                   progress=within if self._progress is not None else None):
            self.summary.add(result)
            self.done += 1
            yield result
        if self._progress is not None:
            self._progress(self.done, self.total)


def check_run_settings(model: TextModel, method: str, kwargs: dict) -> dict:
    """Every setting checked before the first row (a typo fails at once, not after an hour)."""
    cls = get_method(method)
    if not cls.NEEDS_TARGET:
        raise InputError(f"{cls.NAME} explains no output (it reads the model without a target); dataset mode needs "
                         "a method that explains the prediction, such as shap, lime or ig.")
    task = get_task(model.task)
    kwargs = dict(kwargs)
    evaluate = scored_metrics(kwargs.pop("evaluate", False))
    run_keys = {k: kwargs.pop(k) for k in REQUEST_KEYS if kwargs.get(k) is not None}
    kwargs = {k: v for k, v in kwargs.items() if k not in REQUEST_KEYS}
    compared = _compared(cls, kwargs.pop("compare", None) or ())
    theirs = read_arguments(kwargs, NO_TASK, compared, keep_none=True).params  # the compared methods' parameters
    params, options = split_arguments(cls, task, {k: v for k, v in kwargs.items()
                                                  if k not in theirs or k in {p.name for p in cls.PARAMS}})
    compare = {other.NAME: split_arguments(other, task, own_params(other, theirs))[0] for other in compared}
    if "labels" in run_keys:
        run_keys["labels"] = check_labels(run_keys["labels"])
    missing = [name for name in task.REQUIRES if name not in run_keys]
    if missing:
        raise InputError(f"A {task.NAME} model is explained against {missing[0]} given once for every row: give "
                         f"{missing[0]}=...")
    return {**run_keys, **options, **params, "evaluate": evaluate, **({"compare": compare} if compare else {})}


def scored_metrics(evaluate) -> tuple[str, ...]:
    """``evaluate`` as the metrics each row is scored by: True, the headline pair (comprehensiveness and
    sufficiency); a list of metric names (``explain.METRICS``), those; False or an empty list, none."""
    if isinstance(evaluate, bool):
        return tuple(HEADLINE) if evaluate else ()
    if isinstance(evaluate, str):
        evaluate = [name.strip() for name in evaluate.split(",") if name.strip()]
    if not isinstance(evaluate, (list, tuple)) or not all(isinstance(name, str) for name in evaluate):
        raise InputError("evaluate must be True, False or a list of metric names (explain.METRICS) in dataset mode.")
    return tuple(m.NAME for m in get_metrics(list(dict.fromkeys(evaluate))))


def _compared(main, names) -> list:
    """The methods compared with the run's (each once, the run's own left out), checked."""
    if isinstance(names, str):
        names = [n for n in names.split(",") if n.strip()]
    out = []
    for name in names:
        if not str(name).strip():
            continue
        other = get_method(str(name).strip())
        if other is not main and other not in out:
            out.append(other)
    return out


def explain_dataset(model: TextModel | str, rows, method: str = "shap", *, text_column: str = "text",
                    label_column: str | None = None, rationale_column: str | None = None,
                    compare=(), format: str | None = None, window: int = WINDOW_DEFAULT,
                    seconds: float | None = None, limit: int | None = None, skip=(),
                    progress: Callable[[int, int | None], None] | None = None, count: bool = True,
                    max_bytes: int = MAX_FILE_BYTES, **kwargs) -> DatasetRun:
    """Explain every row of ``rows`` (a CSV / JSON Lines / text file path, or a list of texts or
    dicts) with ``method``; returns a ``DatasetRun`` to iterate (results in row order) whose
    ``summary`` holds the global word importance, accuracy, confusion matrix and misclassified rows.

    Each row's prediction is explained (its predicted class; for zero-shot, every candidate label,
    the predicted one summarised; for embeddings, the similarity to ``pair``). ``label_column``
    names gold labels. ``rationale_column`` names each row's rationale: a JSON list of [start, end]
    character spans, or phrases separated by ``|`` matched as whole words (``rationale_spans``);
    each row's explanation is then scored for plausibility (``explain.plausibility``, ERASER's
    measures) and the summary reports them per method. ``compare``: other methods explained on the
    same rows (each with its own parameters from ``**kwargs``) for that per-method table of
    plausibility and, with ``evaluate=True``, faithfulness (``Summary.method_table``).
    ``window`` rows share model calls and are the most held at once.
    ``limit``: at most this many rows; ``skip``: row indices not to run (resuming). ``seconds``:
    stop after this many (finished rows are kept). ``progress(done, total)`` as model evaluations
    complete (``done`` counts a window's rows in proportion to its work done, so it may be fractional)
    and after each window (``total`` is None for a generator of rows, which is not read ahead). ``max_bytes``: the file cap.
    ``**kwargs``: ``explain``'s (labels, pair, seed, output, ...), the method's parameters, and
    ``evaluate=True`` for each row's headline scorecard (or ``evaluate=["comprehensiveness", "log_odds"]``: those
    metrics, each beside its random control).
    """
    if isinstance(model, str):
        model = load_model(model)
    settings = check_run_settings(model, method, {**kwargs, "compare": compare})
    check_whole("window", window, 1, 1024)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise InputError(f"limit must be a whole number of rows above 0, or None; got {limit!r}.")
    seconds = check_seconds(seconds, math.inf)
    if not isinstance(rows, (str, bytes)) and hasattr(rows, "__len__") and hasattr(rows, "__getitem__"):
        rows = list(rows)
    read = dict(text_column=text_column, label_column=label_column, format=format, max_bytes=max_bytes,
                rationale_column=rationale_column)
    stream = read_rows(rows, **read)
    total = None
    if count and isinstance(rows, (list, str, os.PathLike)):  # (counting a generator would use it up)
        total = count_rows(rows, **read)
        total = min(total, limit) if limit is not None else total
        total -= sum(1 for i in frozenset(skip) if i < total)
    return DatasetRun(model, stream, method, settings, window=window, seconds=seconds, progress=progress,
                      total=total, skip=frozenset(skip), limit=limit)
