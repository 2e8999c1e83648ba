"""``python -m bench.pairs``: what a word-pair explanation of a similarity costs, and how exact it is.

Two 20-word texts on the bundled minilm-embed. Timed (medians of ``--reps``, interleaved, after a warm-up):
integrated Jacobians at the default ("auto": 16 steps, doubled until the sum is within 1%) and at 32 steps
(every pair of words), pair occlusion (every pair, deleting words),
and explaining each side separately as the Embeddings tab does (text A with B fixed, then B with A fixed) with
Integrated Gradients (50 steps), SHAP (its default budget) and occlusion. The floor of integrated Jacobians:
the same number of plain forward passes (one per path point and word of either text) at batch 64. Exactness:
integrated Jacobians' gap to the double difference and its largest cell change against 128 steps, at 8 to 64
steps. Writes ``bench/results/pairs-<device>.json`` and ``.md`` (the tables the README shows).
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

TEXT_A = ("The young guitarist played an old acoustic song for the small crowd gathered in the quiet town square "
          "last night.")
TEXT_B = ("A musician performed a folk tune on his instrument while people listened outside in the village centre "
          "after dark.")
STEPS = (8, 16, 32, 64)
REFERENCE_STEPS = 128


def forward_floor(model, words: tuple[int, int], steps: int):
    """Plain forward passes of both texts, one per path point and word (what the forward-mode passes are measured
    against), at the model's batch size."""
    a, b = [list(model.tokenize(text).ids) for text in (TEXT_A, TEXT_B)]
    return lambda: (model.predict_ids([a] * (steps * words[0])), model.predict_ids([b] * (steps * words[1])))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.pairs", description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--model", default="minilm-embed")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)

    import numpy as np

    from explain import explain, explain_pair
    from model import load_model, quiet_logging

    quiet_logging()
    model = load_model(args.model)
    pair = explain_pair(model, TEXT_A, TEXT_B)
    words = (len(pair.units_a), len(pair.units_b))

    def sides(method: str):
        return lambda: (explain(model, TEXT_A, method, pair=TEXT_B, use_cache=False),
                        explain(model, TEXT_B, method, pair=TEXT_A, use_cache=False))

    auto = f"integrated Jacobians, default ('auto': {pair.meta['steps_used']} steps here; every pair of words)"
    contenders = {
        auto: lambda: explain_pair(model, TEXT_A, TEXT_B),
        "integrated Jacobians, 32 steps": lambda: explain_pair(model, TEXT_A, TEXT_B, steps=32),
        "pair occlusion (every pair of words)": lambda: explain_pair(model, TEXT_A, TEXT_B, "pair_occlusion"),
        "each side separately: Integrated Gradients, 50 steps": sides("ig"),
        "each side separately: SHAP, default budget": sides("shap"),
        "each side separately: occlusion": sides("occlusion"),
    }
    rows = pair.meta["steps_used"] * (words[0] + words[1])
    *measured, floor = median_times([*contenders.values(), forward_floor(model, words, pair.meta["steps_used"])],
                                    args.reps)
    times = dict(zip(contenders, measured))
    reference = explain_pair(model, TEXT_A, TEXT_B, steps=REFERENCE_STEPS).matrix
    exact = []
    for steps in STEPS:
        e = explain_pair(model, TEXT_A, TEXT_B, steps=steps)
        exact.append({"steps": steps, "gap": e.gap, "largest_cell_change": float(np.abs(e.matrix - reference).max()),
                      "largest_cell": float(np.abs(reference).max())})
    ij = times[auto]
    lines = [f"Two texts of {words[0]} and {words[1]} words ({args.model}, {machine_description()}; medians of "
             f"{args.reps}):", "", "| what | seconds | against integrated Jacobians' default |", "|---|---|---|"]
    lines += [f"| {name} | {seconds:.2f} | {seconds / ij:.2f}× |" for name, seconds in times.items()]
    lines += ["", f"Integrated Jacobians' floor at {pair.meta['steps_used']} steps: {rows:,} plain forward passes (one "
              f"per path point and word, on {model.runtime}, the model's runtime) take {floor:.2f} s, so the "
              f"forward-mode passes (PyTorch) cost {ij / floor:.1f}× a plain forward.", "",
              f"| steps | gap to the double difference | largest cell change against {REFERENCE_STEPS} steps |",
              "|---|---|---|"]
    lines += [f"| {r['steps']} | {r['gap']:.2e} | {r['largest_cell_change']:.1e} (largest cell {r['largest_cell']:.3f}) |"
              for r in exact]
    results = {"machine": machine_description(), "model": args.model, "text_a": TEXT_A, "text_b": TEXT_B,
               "words": words, "reps": args.reps, "seconds": times, "floor_seconds": floor, "floor_rows": rows,
               "exactness": exact, "strongest": [m.__dict__ for m in pair.strongest(5)]}
    save(args.out, f"pairs-{device_kind(model.device)}", results, "\n".join(lines))


if __name__ == "__main__":
    main()
