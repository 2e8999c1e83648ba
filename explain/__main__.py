"""CLI: ``python -m explain --model intent-minilm --method shap --text "..."`` prints the JSON
(``--text-file doc.txt`` explains a whole file as one text: a long document is read as windows).

``--file data.csv`` (CSV, JSON Lines, or one text per line; ``-`` for standard input) is dataset
mode: every row is explained (``explain.dataset``), one JSON record per row goes to ``--out`` (or
standard output), ``--global`` writes the global word importance, and a run that stops can be
resumed (rows already in ``--out`` are skipped). ``--engine ray`` runs the rows on Ray. The
method flags (``--max-evals``, ``--num-samples``, ...) come from the registered methods'
``PARAMS``; methods named in ``STUDIO_PLUGINS`` are registered first.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def metric_list(text: str) -> list[str]:
    """``--evaluate a,b``: the metrics named (checked where they are used)."""
    return [name.strip() for name in text.split(",") if name.strip()]


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def option_params() -> dict:
    """Every registered task's options by name (``Task.OPTIONS``): the CLI's option flags. A choice that tasks
    declare with values of their own (``--output``) offers every task's values; the model's task checks its own."""
    import dataclasses

    from model.tasks import TASKS

    out = {}
    for task in TASKS.values():
        for p in task.OPTIONS:
            first = out.setdefault(p.name, p)
            if p.kind == "choice" and first is not p:
                out[p.name] = dataclasses.replace(first, choices=tuple(dict.fromkeys((*first.choices, *p.choices))))
    return out


def add_param_flag(group, param, help_text: str) -> None:
    """One flag for a declared parameter (a method's or a task's option), read as its kind later."""
    kwargs = {"choices": list(param.choices)} if param.kind == "choice" else {}
    if param.kind == "bool":
        kwargs["action"] = argparse.BooleanOptionalAction
    group.add_argument(flag(param.name), dest=param.name, default=None, **kwargs,
                       help=help_text.replace("%", "%%"))  # (argparse formats help with %)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from model.tasks import TASKS

    from .counterfactuals import GENERATORS, generator_params
    from .pairs import PAIR_METHODS, all_pair_params
    from .registry import METHODS, all_params

    parser = argparse.ArgumentParser(prog="python -m explain", description="Explain one model prediction as JSON.")
    parser.add_argument("--model", default="intent-minilm", help="registry name (see --list) or hub id owner/name")
    parser.add_argument("--task", default=None, help=f"the task of a hub id: {', '.join(TASKS)}")
    parser.add_argument("--method", default="shap", choices=list(METHODS))
    parser.add_argument("--text", required=False, help="the text to explain")
    parser.add_argument("--text-file", default=None, help="explain the whole of this UTF-8 file as one text (a long "
                                                          "document is read as overlapping windows)")
    parser.add_argument("--file", default=None, help="dataset mode: explain every row of this UTF-8 file (.csv, "
                                                     ".jsonl, else one text per line; '-': stdin)")
    parser.add_argument("--target", default=None, help="label(s) to explain, comma-separated")
    parser.add_argument("--labels", default=None, help="zero-shot candidate labels, comma-separated")
    parser.add_argument("--pair", default=None, help="embedding: the second text")
    parser.add_argument("--contrast", default=None, help="explain the target rather than this label (for similarity: "
                                                         "closer to --pair than to this text)")
    parser.add_argument("--counterfactuals", default=None, metavar="GENERATOR", choices=list(GENERATORS),
                        help="print verified counterfactuals of --text (texts whose answer differs) instead of an "
                             f"explanation: {', '.join(GENERATORS)} (their settings below)")
    parser.add_argument("--max-edits", type=int, default=3, help="counterfactuals: edits at most (1 to 5)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-attention", action="store_true", help="leave the raw attention tensor out of the JSON")
    parser.add_argument("--no-window-reuse", action="store_true", help="run every window of every evaluation of a "
                                                                       "long text (the same numbers, more forwards)")
    parser.add_argument("--evaluate", nargs="?", const=True, default=False, type=metric_list, metavar="METRICS",
                        help="add the scorecard to meta.scores: every registered metric beside its random control, "
                             "or those named (comma-separated); dataset mode: the headline pair, or those named")
    parser.add_argument("--html", default=None, metavar="PATH", help="also write a self-contained HTML report here: the "
                        "text heatmap, the charts (interactive, plotly.js inlined: it opens offline), the scorecard "
                        "(with --evaluate), the notes, the parameters and the JSON")
    parser.add_argument("--pairs", nargs="?", const="integrated_jacobians", default=None, metavar="PAIR_METHOD",
                        choices=list(PAIR_METHODS), help="embedding: explain the similarity of --text and --pair word "
                        "pair by word pair (integrated_jacobians, the default, or pair_occlusion); with --file, every "
                        "pair of a file (--text-column and --pair-column, default text_a and text_b)")
    parser.add_argument("--list", action="store_true", help="list the registry's models, methods and metrics and exit")
    options = parser.add_argument_group("task options", "each applies only to the models of the tasks named in "
                                                        "its help; leave it out for the model's default")
    for name, param in option_params().items():
        users = [t.NAME for t in TASKS.values() if any(p.name == name for p in t.OPTIONS)]
        add_param_flag(options, param, f"{param.help} ({', '.join(users)} models: {param.describe()})")
    generators = parser.add_argument_group("counterfactual generators (--counterfactuals)", "each applies only to "
                                           "the generator named in its help; in a text setting, ; separates lines")
    for name, param in generator_params().items():
        users = [cls.NAME for cls in GENERATORS.values() if any(p.name == name for p in cls.PARAMS)]
        add_param_flag(generators, param, f"{param.help} ({', '.join(users)}: {param.describe()})")
    data = parser.add_argument_group("dataset mode (--file)")
    data.add_argument("--text-column", default=None, help="the column (CSV) or field (JSON Lines) of the texts "
                      "(default text; with --pairs, text_a)")
    data.add_argument("--pair-column", default=None, help="--pairs: the column of each pair's second text (default "
                      "text_b)")
    data.add_argument("--label-column", default=None, help="the column of gold labels: adds accuracy, a confusion "
                                                           "matrix and the misclassified rows")
    data.add_argument("--rationale-column", default=None, help="the column of each row's rationale (the words a "
                      "person marked): a JSON list of [start, end] character spans, or phrases separated by '|'; "
                      "adds ERASER's plausibility (token P/R/F1, IOU-F1, AUPRC) per method to the summary")
    data.add_argument("--compare", default=None, metavar="METHODS", help="other methods, comma-separated, explained "
                      "on the same rows: the summary's per-method table of plausibility and (with --evaluate) "
                      "faithfulness")
    data.add_argument("--methods-csv", default=None, help="write the per-method table as CSV here")
    data.add_argument("--format", default=None, choices=["csv", "jsonl", "text"], help="the file's format "
                      "(default from its suffix)")
    data.add_argument("--out", default=None, help="write one JSON record per row here (default standard output); "
                                                  "if it exists, the rows in it are skipped (resume)")
    data.add_argument("--global", dest="global_csv", default=None, help="write the global word importance (per "
                      "class and overall) as CSV here")
    data.add_argument("--min-count", type=int, default=1, help="words seen fewer times are left out of --global")
    data.add_argument("--limit", type=int, default=None, help="explain at most this many rows (with "
                                                                "--counterfactuals: return at most this many, default 5)")
    data.add_argument("--window", type=int, default=16, help="rows explained together (sharing model calls)")
    data.add_argument("--full", action="store_true", help="put each row's whole explanation in its record")
    data.add_argument("--engine", default="local", choices=["local", "ray"], help="ray: run the rows on Ray "
                      "(needs pip install -r requirements-scale.txt; RAY_ADDRESS for a cluster)")
    data.add_argument("--workers", type=int, default=2, help="Ray: model actors (one GPU each where there are GPUs)")
    group = parser.add_argument_group("method parameters", "each applies only to the methods named in its help; "
                                                           "leave it out for the method's default")
    for name, param in all_params().items():
        users = [cls.NAME for cls in METHODS.values() if any(p.name == name for p in cls.PARAMS)]
        add_param_flag(group, param, f"{param.help} ({', '.join(users)}: {param.describe()}; default "
                                     f"{param.default!r})")
    for param in all_pair_params().values():
        if param.name not in all_params():  # (a pair method's own flag; one it shares is read as its kind there)
            users = [cls.NAME for cls in PAIR_METHODS.values() if any(p.name == param.name for p in cls.PARAMS)]
            add_param_flag(group, param, f"{param.help} ({', '.join(users)}: {param.describe()}; default "
                                         f"{param.default!r})")
    return parser.parse_args(argv)


ARGUMENT_FLAGS = {"target": "--target", "labels": "--labels", "pair": "--pair", "contrast": "--contrast"}


def check_flags(args: argparse.Namespace, task, method, also=()) -> None:
    """The task's arguments and options and the method's parameters, checked in the CLI's own words
    (flags, not keyword arguments): a flag the model's task or the method does not use is an error."""
    from model.errors import InputError
    from model.validation import check_text

    from .registry import all_params
    from .request import declared_by, read_arguments

    if args.text is not None:
        check_text(args.text)
    given = {"target": args.target, "labels": args.labels, "pair": args.pair, "contrast": args.contrast}
    for name, value in given.items():
        if value is not None and name not in task.TAKES:
            raise InputError(f"{ARGUMENT_FLAGS[name]} is not used by a {task.NAME} model.")
    options = option_params()
    flags = {name: getattr(args, name, None) for name in (*options, *all_params())}
    arguments = read_arguments(flags, task, (method, *also))
    for name in arguments.others:  # a task's option first, then a method's parameter, in the flags' words
        if name in options:
            raise InputError(f"{flag(name)} is not used by a {task.NAME} model.")
    for name in arguments.others:
        owner = declared_by(name)[1]
        takes = ", ".join(flag(n) for n in arguments.declared if n not in {p.name for p in task.OPTIONS}) \
            or "no parameters"
        which = " or ".join(m.NAME for m in (method, *also))
        raise InputError(f"{flag(name)} is a parameter of {owner}, not of {which} (they take {takes})."
                         if also else f"{flag(name)} is a parameter of {owner}, not of {method.NAME} (it takes "
                         f"{takes}).")
    if method.NEEDS_TARGET:
        for name in task.REQUIRES:
            if given[name] is None:
                what = {"labels": "the candidate labels, comma-separated", "pair": "the second text to compare with"}
                article = "An" if task.NAME[:1] in "aeiou" else "A"
                raise InputError(f"{article} {task.NAME} model needs {what.get(name, name)}: give "
                                 f"{ARGUMENT_FLAGS[name]}.")
    check_generator_flags(args)


def check_generator_flags(args: argparse.Namespace) -> None:
    """A counterfactual generator's setting is used only with that generator."""
    from model.errors import InputError

    from .counterfactuals import GENERATORS, generator_params

    chosen = GENERATORS.get(args.counterfactuals)
    own = {p.name for p in chosen.PARAMS} if chosen is not None else set()
    for name in generator_params():
        if getattr(args, name, None) is not None and name not in own:
            owner = next(g.NAME for g in GENERATORS.values() if any(p.name == name for p in g.PARAMS))
            raise InputError(f"{flag(name)} is a setting of the {owner} generator (--counterfactuals {owner}).")


def declared_values(args: argparse.Namespace, method, also=()) -> dict:
    """The method's (and the compared methods') parameter flags and the task options the user gave,
    read as their kinds."""
    declared = {**option_params(), **{p.name: p for m in (*also, method) for p in m.PARAMS}}
    return {name: param.parse(getattr(args, name)) for name, param in declared.items()
            if getattr(args, name, None) is not None}


def list_everything() -> None:
    from model import TASKS, list_models

    from .metrics import METRICS
    from .registry import METHODS

    print("models:")
    for spec in list_models():
        print(f"  {spec.name:18} {spec.task:15} {'offline' if spec.offline else 'hub':8} {spec.description}")
    print("methods:")
    for cls in METHODS.values():
        params = ", ".join(f"{flag(p.name)} ({p.describe()}, default {p.default!r})" for p in cls.PARAMS)
        print(f"  {cls.NAME:18} {cls.DESCRIPTION}")
        if params:
            print(f"  {'':18} parameters: {params}")
    print("task options:")
    for task in TASKS.values():
        options = ", ".join(f"{flag(p.name)} ({p.describe()})" for p in task.OPTIONS) or "none"
        print(f"  {task.NAME:18} {options}")
    print("metrics (--evaluate):")
    for metric in METRICS.values():
        print(f"  {metric.NAME:30} {'lower' if metric.LOWER_IS_BETTER else 'higher'} is better; "
              f"{metric.definition()}")


def main(argv: list[str] | None = None) -> int:
    from model.errors import InputError

    from .plugins import load_plugins

    try:
        load_plugins()
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    args = parse_args(argv)
    from model import get_task, load_model, quiet_logging
    from model.validation import split_labels

    from . import explain, get_method

    quiet_logging()
    if args.list:
        list_everything()
        return 0
    try:
        if args.text_file is not None:
            if args.text is not None:
                raise InputError("Give the text with --text or --text-file, not both.")
            args.text = read_text_file(args.text_file)
        if (args.text is None) == (args.file is None):
            raise InputError("Give the text to explain with --text (or --text-file), or a file of texts with --file "
                             "(not both).")
        model = load_model(args.model, task=args.task)
        if args.pairs is not None:
            from .pairs.command import run_pairs

            return run_pairs(args, model)
        if args.pair_column is not None:
            raise InputError("--pair-column is for a file of pairs (--pairs --file).")
        args.text_column = args.text_column or "text"
        method = get_method(args.method)
        if (args.compare or args.rationale_column) and args.file is None:
            raise InputError("--compare and --rationale-column are for dataset mode (--file).")
        compared = [get_method(name.strip()) for name in (args.compare or "").split(",") if name.strip()]
        check_flags(args, get_task(model.task), method, compared)
        targets = split_labels(args.target) if args.target else None
        settings = dict(labels=split_labels(args.labels) if args.labels is not None else None, pair=args.pair,
                        seed=args.seed, **declared_values(args, method, compared))
        if args.html is not None and (args.file is not None or args.counterfactuals is not None):
            raise InputError("--html writes the report of one explanation (--text or --text-file), not of --file or "
                             "--counterfactuals.")
        if args.file is not None:
            if targets:
                raise InputError("--target is not used with --file: each row's prediction is explained.")
            if args.contrast is not None or args.counterfactuals is not None:
                raise InputError("--contrast and --counterfactuals are for one text (--text), not --file.")
            return run_file(args, model, settings)
        if args.counterfactuals is not None:
            return print_counterfactuals(args, model, targets, settings)
        bar = Progress() if sys.stderr.isatty() else None
        try:
            explanation = explain(model, args.text, args.method,
                                  target=targets[0] if targets and len(targets) == 1 else targets,
                                  evaluate=args.evaluate, window_reuse=not args.no_window_reuse,
                                  contrast=args.contrast,
                                  progress=bar.update if bar is not None else None, **settings)
        finally:
            if bar is not None:
                bar.close()
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if args.html is not None:
        from .io.report import write_report

        try:
            write_report(explanation, args.html)
        except OSError as err:
            print(f"error: the report could not be written to {args.html}: {err.strerror}", file=sys.stderr)
            return 2
        print(f"report written to {args.html}", file=sys.stderr)
    data = explanation.to_dict()
    if args.no_attention:
        data["attention"] = None
    json.dump(data, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def print_counterfactuals(args: argparse.Namespace, model, targets, settings: dict) -> int:
    """``--counterfactuals GENERATOR``: the search's JSON (the original answer, each verified
    counterfactual with its edits, what was tried) on standard output."""
    from model.errors import InputError

    from .counterfactuals import counterfactuals, get_generator

    if targets and len(targets) > 1:
        raise InputError("--counterfactuals moves one target: give one label with --target.")
    if args.contrast is not None:
        raise InputError("--contrast is for explanations, not --counterfactuals.")
    own = {p.name: p for p in get_generator(args.counterfactuals).PARAMS}
    params = {name: p.parse(getattr(args, name).replace(";", "\n") if p.kind == "text" else getattr(args, name))
              for name, p in own.items() if getattr(args, name, None) is not None}
    options = {k: v for k, v in settings.items() if k in option_params()}
    found = counterfactuals(model, args.text, target=targets[0] if targets else None, generator=args.counterfactuals,
                            max_edits=args.max_edits, limit=args.limit or 5, labels=settings.get("labels"),
                            pair=settings.get("pair"), seed=settings.get("seed", 0), **params, **options)
    json.dump(found.to_dict(), sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def read_text_file(path: str) -> str:
    """The whole of a UTF-8 file (the CLI's user names it; the web app never takes a path)."""
    from model.errors import InputError
    from model.validation import MAX_TEXT_CHARS, check_text

    try:
        with open(path, "rb") as handle:
            data = handle.read(4 * MAX_TEXT_CHARS + 1)
    except OSError as err:
        raise InputError(f"--text-file {path!r} cannot be read ({err.strerror or err}).") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputError(f"--text-file {path!r} is not UTF-8 text.") from None
    return check_text(text, what=f"text of {path}")


class Progress:
    """Model evaluations done of those planned, on one terminal line (a long text's can take minutes)."""

    def __init__(self) -> None:
        from .progress import Rate

        self.rate, self.shown = Rate(), False

    def update(self, done: int, planned: int) -> None:
        rate = self.rate.per_second(done)
        sys.stderr.write(f"\r{done:,}/{planned:,} evaluations · {rate:.0f}/s{self.rate.left(done, planned)} ")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")


def run_file(args: argparse.Namespace, model, settings: dict) -> int:
    """Dataset mode: rows to ``--out`` (resuming it), the global table to ``--global``, progress on stderr."""
    from model.errors import InputError

    from .dataset.ray_engine import require_ray

    if args.engine == "ray":
        require_ray()  # before reading anything: says how to install it
    if args.min_count < 1:
        raise InputError("--min-count must be 1 or more.")
    source = stdin_file(args.format) if args.file == "-" else args.file
    try:
        return run_source(args, model, settings, source)
    finally:
        if args.file == "-":
            os.unlink(source)


def run_source(args: argparse.Namespace, model, settings: dict, source: str) -> int:
    """``run_file`` on a file path (standard input was saved to one)."""
    import time

    from .dataset import Summary, explain_dataset
    from .dataset.ray_engine import run_on_ray
    from .dataset.writing import RowWriter

    settings = {k: v for k, v in settings.items() if v is not None}
    writer = RowWriter(args.out)
    if writer.done:
        sys.stderr.write(f"resuming: {len(writer.done):,} rows already in {args.out}\n")
    run = explain_dataset(model, source, args.method, text_column=args.text_column, label_column=args.label_column,
                          rationale_column=args.rationale_column, compare=(args.compare or "").split(","),
                          format=args.format, window=args.window, limit=args.limit, skip=writer.done,
                          evaluate=args.evaluate, **settings)
    results = iter(run) if args.engine == "local" else run_on_ray(
        run.rows(), args.model, args.method, run.settings, task=args.task, workers=args.workers,
        batch_size=args.window)
    bar = ProgressBar(run.total) if sys.stderr.isatty() else None
    summary = run.summary if args.engine == "local" else Summary()
    started, done = time.perf_counter(), 0
    try:
        with writer:
            for result in results:
                writer.write(result, full=args.full)
                done += 1
                if args.engine != "local":
                    summary.add(result)
                if bar is not None:
                    bar.update(done)
    except KeyboardInterrupt:
        sys.stderr.write(f"\ninterrupted after {done:,} rows; run the same command again to resume\n")
        return 130
    finally:
        if bar is not None:
            sys.stderr.write("\n")
    if writer.path is not None:  # totals over every row in the file, those of earlier runs too
        summary = Summary.from_jsonl(writer.path)
    if args.global_csv:
        summary.write_csv(args.global_csv, min_count=args.min_count)
    if args.methods_csv:
        summary.write_method_csv(args.methods_csv)
    sys.stderr.write(describe(summary, done, time.perf_counter() - started) + "\n")
    table = method_table_text(summary.method_table())
    if table:
        sys.stderr.write(table + "\n")
    return 0


def method_table_text(rows: list[dict]) -> str:
    """The per-method plausibility and faithfulness as an aligned text table ('' when none measured)."""
    from .metrics.plausibility import MEASURES, TITLES

    if not rows:
        return ""
    columns = [("method", "method"), ("rationale_rows", "rows"), *((m, TITLES[m]) for m in MEASURES),
               ("scored_rows", "scored"), ("comprehensiveness", "compr. ↑"), ("sufficiency", "suff. ↓")]

    def shown(value) -> str:
        return "–" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)

    cells = [[title for _, title in columns]] + [[shown(row[name]) for name, _ in columns] for row in rows]
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(line, widths)))
             for line in cells]
    return "plausibility against the rationales (ERASER) and faithfulness, per method:\n" + "\n".join(lines)


def describe(summary, done: int, seconds: float) -> str:
    """The run in one line: rows, errors, accuracy, speed."""
    parts = [f"{summary.rows:,} rows ({done:,} now, {done / max(seconds, 1e-9):.1f}/s)",
             f"{summary.rows - summary.error_count:,} explained", f"{summary.error_count:,} not explained"]
    if summary.accuracy is not None:
        parts.append(f"accuracy {summary.accuracy:.1%} on {summary.labelled:,} labelled rows")
    for row in summary.errors[:3]:
        parts.append(row["error"])
    if summary.rationale_error_count:
        parts.append(f"{summary.rationale_error_count:,} rationales not read (first: "
                     f"{summary.rationale_errors[0]['error']})")
    return "; ".join(parts)


def stdin_file(format: str | None) -> str:
    """Standard input saved to a temporary file, so it streams like any file."""
    import tempfile

    suffix = {"csv": ".csv", "jsonl": ".jsonl"}.get(format or "text", ".txt")
    with tempfile.NamedTemporaryFile("wb", suffix=suffix, delete=False) as handle:
        handle.write(sys.stdin.buffer.read())
    return handle.name


class ProgressBar:
    """Rows done of the total, with the rate and the time left, on one terminal line."""

    def __init__(self, total: int | None) -> None:
        from .progress import Rate

        self.total, self.rate = total, Rate()

    def update(self, done: int) -> None:
        rate = self.rate.per_second(done)
        if self.total:
            filled = int(30 * min(done / self.total, 1))
            text = f"\r[{'#' * filled}{'.' * (30 - filled)}] {done:,}/{self.total:,} rows · {rate:.1f}/s" \
                   f"{self.rate.left(done, self.total)} "
        else:
            text = f"\r{done:,} rows · {rate:.1f}/s "
        sys.stderr.write(text)
        sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
