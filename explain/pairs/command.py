"""The CLI's word pairs (``python -m explain --pairs``): one pair of texts (``--text`` and ``--pair``) as the
``PairExplanation``'s JSON (``--html``: its report), or a file of pairs (``--file``, columns ``--text-column``
and ``--pair-column``) as each row's line (``--out``, CSV) and the word pairs across the file (``--global``)."""
from __future__ import annotations

import argparse
import sys

from model.errors import InputError

from . import PAIR_METHODS, explain_pair

A_COLUMN, B_COLUMN = "text_a", "text_b"  # a file of pairs' columns when --text-column / --pair-column are not given


def flag_values(args: argparse.Namespace, method: str) -> dict:
    """The pair method's own flags, read as their kinds; any other method's flag is one sentence."""
    from ..registry import all_params

    cls = PAIR_METHODS.named(method)
    own = {p.name: p for p in cls.PARAMS}
    for name in all_params():
        if name not in own and name != "granularity" and getattr(args, name, None) is not None:
            takes = ", ".join("--" + n.replace("_", "-") for n in own) or "none of the method flags"
            raise InputError(f"--{name.replace('_', '-')} is not used by {cls.LABEL} (it takes {takes}).")
    return {name: p.parse(getattr(args, name)) for name, p in own.items() if getattr(args, name, None) is not None}


def granularity(args: argparse.Namespace) -> str:
    return "word" if args.granularity in (None, "auto") else args.granularity


def run_pairs(args: argparse.Namespace, model) -> int:
    """``--pairs METHOD``: print one word-pair explanation, or explain a file of pairs."""
    import json

    params = flag_values(args, args.pairs)
    if args.file is None:
        if args.pair is None:
            raise InputError("--pairs explains a pair of texts: give the second with --pair (or a file with --file).")
        e = explain_pair(model, args.text, args.pair, args.pairs, granularity=granularity(args), **params)
        if args.html is not None:
            from ..io.report import write_report

            try:
                write_report(e, args.html)
            except OSError as err:
                raise InputError(f"The report could not be written to {args.html}: {err.strerror}.") from None
            print(f"report written to {args.html}", file=sys.stderr)
        json.dump(e.to_dict(), sys.stdout, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    return run_pair_file(args, model, params)


def run_pair_file(args: argparse.Namespace, model, params: dict) -> int:
    from ..dataset.pairs import explain_pair_file

    if args.pair is not None or args.html is not None:
        raise InputError("--pair and --html are for one pair of texts (--text), not --file.")
    if args.file == "-":
        raise InputError("--pairs --file reads a CSV or JSON Lines file by its path, not standard input.")

    def shown(done: int, total: int | None) -> None:
        sys.stderr.write(f"\r{done:,}{f'/{total:,}' if total else ''} pairs ")
        sys.stderr.flush()

    found = explain_pair_file(model, args.file, args.pairs, a_column=args.text_column or A_COLUMN,
                              b_column=args.pair_column or B_COLUMN, granularity=granularity(args), limit=args.limit,
                              progress=shown if sys.stderr.isatty() else None, **params)
    if sys.stderr.isatty():
        sys.stderr.write("\n")
    rows = found.rows_csv()
    if args.out:
        with open(args.out, "w", encoding="utf-8", newline="") as handle:
            handle.write(rows)
    else:
        sys.stdout.write(rows)
    if args.global_csv:
        with open(args.global_csv, "w", encoding="utf-8", newline="") as handle:
            handle.write(found.table_csv())
    top = "; ".join(f"{t.word_a} ↔ {t.word_b} {t.total:+.4f} ({t.count} rows)" for t in found.top(5))
    print(f"{found.explained:,} pairs explained, {found.failed:,} could not be; across the file: "
          f"{top or 'no pair of words twice'}", file=sys.stderr)
    return 0
