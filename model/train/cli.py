"""``python -m model.train --file data.csv --out my-model/``: train on a file's rows and save the model
(safetensors + JSON) for ``load_model(path)``."""
from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

from .. import quiet_logging
from ..rows import read_rows  # the same file reader as dataset mode
from ..trained import save_trained
from .data import examples_from_rows
from .run import train
from .settings import MODES, OPTIMIZERS, Epoch, Settings


def main(argv: list[str] | None = None) -> int:
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="python -m model.train", description="Train a classifier on labelled "
                                     "examples and save it (safetensors + JSON) for load_model(path).")
    parser.add_argument("--file", required=True, help="CSV or JSON Lines (UTF-8) with a text and a label column")
    parser.add_argument("--text-column", default="text")
    parser.add_argument("--label-column", default="label")
    parser.add_argument("--out", required=True, help="the folder to write the model into")
    parser.add_argument("--name", default=None, help="the model's name (default: the --out folder's name)")
    defaults = Settings()
    for key, value in asdict(defaults).items():
        kind = type(value) if not isinstance(value, bool) else None
        flag = "--" + key.replace("_", "-")
        if kind is None:
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=value)
        else:
            parser.add_argument(flag, type=kind, default=value, choices=MODES if key == "mode" else
                                OPTIMIZERS if key == "optimizer" else None)
    args = parser.parse_args(argv)
    quiet_logging()
    try:
        examples = examples_from_rows(read_rows(args.file, text_column=args.text_column,
                                                label_column=args.label_column))
        settings = Settings(**{key: getattr(args, key) for key in asdict(defaults)})
        name = args.name or Path(args.out).resolve().name

        def show(epoch: Epoch) -> None:
            held = "" if epoch.heldout_loss is None else \
                f", held-out loss {epoch.heldout_loss:.4f}, accuracy {epoch.heldout_accuracy:.1%}"
            print(f"epoch {epoch.epoch}: training loss {epoch.train_loss:.4f}{held}", file=sys.stderr)

        result = train(examples, name, settings, on_epoch=show,
                       on_stage=lambda text: print(text + "…", file=sys.stderr))
        paths = save_trained(result.model, args.out)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for note in examples.notes:
        print(f"note: {note}", file=sys.stderr)
    if result.report is not None:
        r = result.report
        what = f"{len(r.folds)}-fold cross-validated" if r.folds else f"held-out ({r.rows} rows)"
        print(f"{what} accuracy {r.accuracy:.1%}", file=sys.stderr)
    json.dump({"model": str(Path(args.out)), "files": [str(p) for p in paths], **result.summary()}, sys.stdout)
    sys.stdout.write("\n")
    return 0
