"""CLI: ``python -m explain --model intent-minilm --method shap --text "..."`` prints the JSON.

``--file texts.txt`` (one text per line, ``-`` for standard input) explains every line with
``explain_many`` (shared model batches) and prints one JSON object per line (JSON Lines). The
method flags (``--max-evals``, ``--num-samples``, ...) come from the registered methods'
``PARAMS``; methods named in ``STUDIO_PLUGINS`` are registered first.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from .registry import METHODS, all_params

    parser = argparse.ArgumentParser(prog="python -m explain", description="Explain one model prediction as JSON.")
    parser.add_argument("--model", default="intent-minilm", help="registry name (see --list) or hub id owner/name")
    parser.add_argument("--task", default=None, help="the task of a hub id: classification, zero-shot, embedding")
    parser.add_argument("--method", default="shap", choices=list(METHODS))
    parser.add_argument("--text", required=False, help="the text to explain")
    parser.add_argument("--file", default=None, help="explain every non-empty line of this UTF-8 file ('-': stdin); "
                                                     "prints JSON Lines")
    parser.add_argument("--target", default=None, help="label(s) to explain, comma-separated")
    parser.add_argument("--labels", default=None, help="zero-shot candidate labels, comma-separated")
    parser.add_argument("--template", default=None, help="zero-shot hypothesis template with one {}")
    parser.add_argument("--multi-label", action="store_true", help="zero-shot: score labels independently")
    parser.add_argument("--pair", default=None, help="embedding: the second text")
    parser.add_argument("--output", default=None, choices=["probability", "logit"],
                        help="classification: the output explained (default probability)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-attention", action="store_true", help="leave the raw attention tensor out of the JSON")
    parser.add_argument("--evaluate", action="store_true", help="add the scorecard (faithfulness, agreement with "
                                                                 "leave-one-out, stability) to meta.scores")
    parser.add_argument("--list", action="store_true", help="list the registry's models and methods and exit")
    group = parser.add_argument_group("method parameters", "each applies only to the methods named in its help; "
                                                           "leave it out for the method's default")
    for name, param in all_params().items():
        users = [cls.NAME for cls in METHODS.values() if any(p.name == name for p in cls.PARAMS)]
        kwargs = {"choices": list(param.choices)} if param.kind == "choice" else {}
        if param.kind == "bool":
            kwargs["action"] = argparse.BooleanOptionalAction
        text = f"{param.help} ({', '.join(users)}: {param.describe()}; default {param.default!r})"
        group.add_argument(flag(name), dest=name, default=None, **kwargs,
                           help=text.replace("%", "%%"))  # (argparse formats help with %)
    return parser.parse_args(argv)


FLAGS = {"target": "--target", "labels": "--labels", "pair": "--pair", "hypothesis_template": "--template",
         "multi_label": "--multi-label", "output": "--output"}


def check_flags(args: argparse.Namespace, task, method) -> None:
    """The task's arguments, checked in the CLI's own words (flags, not keyword arguments)."""
    from model.errors import InputError
    from model.validation import check_text

    if args.text is not None:
        check_text(args.text)
    given = {"target": args.target, "labels": args.labels, "pair": args.pair, "hypothesis_template": args.template,
             "multi_label": args.multi_label or None, "output": args.output}
    for name, value in given.items():
        if value is not None and name not in task.TAKES:
            raise InputError(f"{FLAGS[name]} is not used by a {task.NAME} model.")
    if method.NEEDS_TARGET:
        for name in task.REQUIRES:
            if given[name] is None:
                what = {"labels": "the candidate labels, comma-separated", "pair": "the second text to compare with"}
                article = "An" if task.NAME[:1] in "aeiou" else "A"
                raise InputError(f"{article} {task.NAME} model needs {what.get(name, name)}: give {FLAGS[name]}.")


def method_params(args: argparse.Namespace) -> dict:
    """The method flags the user gave, read as their parameters' kinds."""
    from .registry import all_params

    return {name: param.parse(getattr(args, name)) for name, param in all_params().items()
            if getattr(args, name, None) is not None}


def list_everything() -> None:
    from model import list_models

    from .registry import METHODS

    print("models:")
    for spec in list_models():
        print(f"  {spec.name:18} {spec.task:15} {'offline' if spec.bundled else 'hub':8} {spec.description}")
    print("methods:")
    for cls in METHODS.values():
        params = ", ".join(f"{flag(p.name)} ({p.describe()}, default {p.default!r})" for p in cls.PARAMS)
        print(f"  {cls.NAME:18} {cls.DESCRIPTION}")
        if params:
            print(f"  {'':18} parameters: {params}")


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

    from . import explain_many, get_method

    quiet_logging()
    if args.list:
        list_everything()
        return 0
    try:
        if (args.text is None) == (args.file is None):
            raise InputError("Give the text to explain with --text, or a file of texts with --file (not both).")
        texts = [args.text] if args.file is None else read_lines(args.file)
        model = load_model(args.model, task=args.task)
        check_flags(args, get_task(model.task), get_method(args.method))
        targets = split_labels(args.target) if args.target else None
        explanations = explain_many(
            model, texts, args.method,
            target=targets[0] if targets and len(targets) == 1 else targets,
            labels=split_labels(args.labels) if args.labels is not None else None,
            pair=args.pair, seed=args.seed, hypothesis_template=args.template,
            multi_label=True if args.multi_label else None, output=args.output,
            seconds=None if args.file else 120.0,
            progress=show_progress if args.file and sys.stderr.isatty() else None, evaluate=args.evaluate,
            **method_params(args))
        if args.file and sys.stderr.isatty():
            sys.stderr.write("\n")
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for explanation in explanations:
        data = explanation.to_dict()
        if args.no_attention:
            data["attention"] = None
        json.dump(data, sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
    return 0


def read_lines(path: str) -> list[str]:
    """The non-empty lines of a UTF-8 text file (or standard input for '-')."""
    from model.errors import InputError

    try:
        if path == "-":
            content = sys.stdin.read()
        else:
            with open(path, encoding="utf-8") as handle:
                content = handle.read()
    except OSError as err:
        raise InputError(f"Cannot read {path!r}: {err.strerror or err}.") from None
    except UnicodeDecodeError:
        raise InputError(f"{path!r} is not UTF-8 text.") from None
    lines = [line.strip() for line in content.splitlines() if line.strip()]
    if not lines:
        raise InputError(f"{path!r} has no text: give one text per line.")
    return lines


def show_progress(done: int, planned: int) -> None:
    sys.stderr.write(f"\rmodel evaluations: {done:,} (at most {planned:,})")
    sys.stderr.flush()


if __name__ == "__main__":
    sys.exit(main())
