"""``python -m bench.architectures``: loading a folder and explaining with SHAP, per architecture, at equal size.

Every supported architecture is built at the same size (MiniLM-L6's shape: hidden 384, 6 layers, 12 heads,
feed-forward 1536; random weights, since speed does not depend on them; a small vocabulary, so the
embedding table is small) with its own kind of tokenizer, saved by ``save_pretrained(safe_serialization=True)``,
then timed: ``load_model(folder)`` (a fresh load each time: the inspection, the safetensors weights, the
tokenizer) and the prediction after it, the first time (with the ONNX export on CPU) and the median of
``--reps`` later loads, and SHAP with max_evals 300 on one 20-word sentence (median). Writes
``bench/results/architectures-<device>.{json,md}``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import device_kind, machine_description, save  # noqa: E402

SIZE = {"hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12, "intermediate_size": 1536,
        "initializer_range": 0.02}  # (MiniLM-L6's shape, initialised as released checkpoints are)
SENTENCE = "the movie was very good and the food was great but the service was bad and the price was awful too"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.architectures", description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)

    from explain import explain
    from model import quiet_logging
    from model.loading.checkpoint import NAMES, inspect_checkpoint, load_checkpoint
    from model.tiny.architectures import ARCHITECTURES, build

    quiet_logging()
    machine = machine_description()
    print(f"bench.architectures on {machine}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory() as root:
        for kind in ARCHITECTURES:
            folder = build(Path(root) / kind, kind, size=SIZE)
            loads, firsts, shaps = [], [], []
            for _ in range(args.reps + 1):  # the first round is the cold one (the ONNX export included)
                start = time.perf_counter()
                model = load_checkpoint(folder)
                loads.append(time.perf_counter() - start)
                start = time.perf_counter()
                model.predict([SENTENCE])
                firsts.append(time.perf_counter() - start)
                start = time.perf_counter()
                e = explain(model, SENTENCE, "shap", max_evals=300, cache=None)
                shaps.append(time.perf_counter() - start)
            row = {"architecture": NAMES[kind], "parameters": sum(p.numel() for p in model.network.parameters()),
                   "weights_mb": inspect_checkpoint(folder).weights_bytes / 2**20, "tokens": len(e.tokens),
                   "cold_load_s": loads[0], "cold_first_prediction_s": firsts[0],
                   "load_s": statistics.median(loads[1:]), "first_prediction_s": statistics.median(firsts[1:]),
                   "shap_s": statistics.median(shaps[1:]), "evaluations": e.meta["model_evaluations"],
                   "runtime": model.runtime}
            rows.append(row)
            print(f"  {row}", flush=True)
    results = {"machine": machine, "size": SIZE, "reps": args.reps, "sentence": SENTENCE, "rows": rows}
    lines = [f"Machine: {machine}; every architecture at MiniLM-L6's shape (hidden 384, 6 layers, 12 heads, "
             f"feed-forward 1536; random weights); the first load and prediction, then medians of {args.reps}.", "",
             "| architecture | parameters | safetensors | tokens | first load + prediction | load_model(folder) | "
             "prediction | SHAP (max_evals 300) | evaluations |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['architecture']} | {r['parameters'] / 1e6:.1f} M | {r['weights_mb']:.1f} MB | {r['tokens']} | "
                     f"{r['cold_load_s']:.2f} s + {r['cold_first_prediction_s']:.2f} s | {r['load_s']:.2f} s | "
                     f"{r['first_prediction_s'] * 1000:.0f} ms | {r['shap_s']:.2f} s | {r['evaluations']} |")
    save(args.out, f"architectures-{device_kind('cpu')}", results, "\n".join(lines))


if __name__ == "__main__":
    main()
