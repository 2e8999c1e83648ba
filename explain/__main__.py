"""CLI: ``python -m explain --model intent-minilm --method shap --text "..."`` prints the JSON."""
from __future__ import annotations

import argparse
import json
import os
import sys

os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from .registry import METHODS

    parser = argparse.ArgumentParser(prog="python -m explain", description="Explain one model prediction as JSON.")
    parser.add_argument("--model", default="intent-minilm", help="registry name (see --list) or hub id owner/name")
    parser.add_argument("--task", default=None, help="the task of a hub id: classification, zero-shot, embedding")
    parser.add_argument("--method", default="shap", choices=sorted(METHODS))
    parser.add_argument("--text", required=False, help="the text to explain")
    parser.add_argument("--target", default=None, help="label(s) to explain, comma-separated")
    parser.add_argument("--labels", default=None, help="zero-shot candidate labels, comma-separated")
    parser.add_argument("--template", default=None, help="zero-shot hypothesis template with one {}")
    parser.add_argument("--multi-label", action="store_true", help="zero-shot: score labels independently")
    parser.add_argument("--pair", default=None, help="embedding: the second text")
    parser.add_argument("--max-evals", type=int, default=500)
    parser.add_argument("--num-samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--features", default="word", choices=["word", "token"], help="LIME features")
    parser.add_argument("--no-attention", action="store_true", help="leave the raw attention tensor out of the JSON")
    parser.add_argument("--list", action="store_true", help="list the registry's models and exit")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from model import list_models, load_model
    from model.validation import split_labels

    from . import explain

    if args.list:
        for spec in list_models():
            print(f"{spec.name:18} {spec.task:15} {'offline' if spec.bundled else 'hub':8} {spec.description}")
        return 0
    try:
        if args.text is None:
            raise ValueError("Give the text to explain with --text.")
        model = load_model(args.model, task=args.task)
        targets = split_labels(args.target) if args.target else None
        explanation = explain(
            model, args.text, args.method,
            target=targets[0] if targets and len(targets) == 1 else targets,
            labels=split_labels(args.labels) if args.labels is not None else None,
            pair=args.pair, max_evals=args.max_evals, num_samples=args.num_samples, seed=args.seed,
            features=args.features, hypothesis_template=args.template,
            multi_label=True if args.multi_label else None)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    data = explanation.to_dict()
    if args.no_attention:
        data["attention"] = None
    json.dump(data, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
