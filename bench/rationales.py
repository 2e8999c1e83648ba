"""``python -m bench.rationales``: the README's per-method table of plausibility and faithfulness (Dataset mode).

Every row of ``assets/intents_rationales.csv`` (60 short commands with their reasons marked) explained on
intent-minilm with occlusion, LIME (300 samples, seeded) and attention, each row's explanation scored against
its marked reason (ERASER's token precision / recall / F1, IOU-F1, AUPRC) and for faithfulness
(comprehensiveness, sufficiency): the README's fourth dataset command (``--method occlusion --compare
lime,attention --num-samples 300 --evaluate``) on all the rows. Writes ``bench/results/rationales-<device>.json``
(the table and every row's per-method values, which a test recomputes for the first rows) and ``.md`` (the
table the README shows). ``--limit N`` runs the first N rows only (the test of this command's output).
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import device_kind, machine_description, save  # noqa: E402

DATA = ROOT / "assets" / "intents_rationales.csv"
METHOD, COMPARE, SETTINGS = "occlusion", ["lime", "attention"], {"num_samples": 300, "evaluate": True}


def run(model, limit: int | None = None) -> tuple[list[dict], str]:
    """Every row's record (its per-method plausibility and scores) and the per-method table as text
    (the CLI's own table, less its heading line)."""
    from explain.__main__ import method_table_text
    from explain.dataset import explain_dataset

    dataset = explain_dataset(model, DATA, METHOD, label_column="label", rationale_column="rationale",
                              compare=COMPARE, limit=limit, **SETTINGS)
    records = [{"row": r.row, "prediction": r.prediction, "methods": r.methods} for r in dataset]
    table = method_table_text(dataset.summary.method_table()).split("\n", 1)[1]
    return records, table


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.rationales", description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="the first N rows only (default: all 60)")
    parser.add_argument("--model", default="intent-minilm")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)

    from model import load_model, quiet_logging

    quiet_logging()
    model = load_model(args.model)
    start = time.perf_counter()
    records, table = run(model, args.limit)
    seconds = time.perf_counter() - start
    results = {"machine": machine_description(), "model": args.model, "data": DATA.name, "method": METHOD,
               "compare": COMPARE, "settings": SETTINGS, "rows": len(records), "seconds": round(seconds, 1),
               "table": table, "records": records}
    name = f"rationales-{device_kind(model.device)}" + (f"-first-{args.limit}" if args.limit else "")
    save(args.out, name, results, f"```text\n{table}\n```")


if __name__ == "__main__":
    main()
