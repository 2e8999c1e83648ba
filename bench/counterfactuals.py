"""``python -m bench.counterfactuals``: seconds and model calls per counterfactual search, per generator.

Ten short requests to the bundled intent classifier (intent-minilm), each searched by every generator
(``ablation_flip``; ``hotflip``; ``word_replace`` with a fixed rule set), at most 3 edits and 5 results;
a search is timed once (a warm-up search first). Writes ``bench/results/counterfactuals-<device>.{json,md}``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import device_kind, machine_description, save  # noqa: E402

SENTENCES = [
    "my card was declined at the grocery store", "transfer two hundred dollars to my savings account",
    "what is the weather like in paris tomorrow", "set a timer for ten minutes please",
    "i lost my credit card yesterday", "book a table for two at an italian restaurant",
    "how much is left on my credit limit", "play some relaxing jazz music", "cancel my hotel reservation",
    "i want to talk to a real person right now",
]
RULES = ["card -> account | phone", "declined -> accepted", "transfer -> send | move", "weather -> traffic",
         "timer -> alarm | reminder", "lost -> found | damaged", "table -> flight | car", "credit -> debit",
         "music -> podcast", "cancel -> confirm", "hotel -> flight", "person -> bot"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.counterfactuals", description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="intent-minilm")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)

    from explain import counterfactuals
    from model import load_model, quiet_logging

    quiet_logging()
    machine = machine_description()
    model = load_model(args.model)
    counterfactuals(model, "warm up the runtime", generator="ablation_flip")
    rows = []
    for generator in ("ablation_flip", "hotflip", "word_replace"):
        seconds, calls, tried, found, edits = [], [], [], [], []
        for text in SENTENCES:
            start = time.perf_counter()
            result = counterfactuals(model, text, generator=generator, max_edits=3, limit=5,
                                     **({"rules": "\n".join(RULES)} if generator == "word_replace" else {}))
            seconds.append(time.perf_counter() - start)
            calls.append(result.model_calls)
            tried.append(result.tried)
            found.append(len(result))
            edits += [len(c.edits) for c in result]
        row = {"generator": generator, "median_s": statistics.median(seconds), "max_s": max(seconds),
               "median_model_calls": statistics.median(calls), "median_texts": statistics.median(tried),
               "sentences_with_one": sum(1 for f in found if f), "counterfactuals": sum(found),
               "mean_edits": sum(edits) / len(edits) if edits else None}
        rows.append(row)
        print(f"  {row}", flush=True)
    out = {"machine": machine, "model": args.model, "sentences": SENTENCES, "rules": RULES, "rows": rows}
    lines = [f"Machine: {machine}; {args.model}; {len(SENTENCES)} short requests; at most 3 edits and 5 results per "
             "search; every counterfactual verified by the model.", "",
             "| generator | seconds per search (median, max) | model calls (median) | texts run (median) | "
             "sentences with a counterfactual | counterfactuals | mean edits |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        mean = f"{r['mean_edits']:.1f}" if r["mean_edits"] is not None else "–"
        lines.append(f"| {r['generator']} | {r['median_s']:.2f} s, {r['max_s']:.2f} s | {r['median_model_calls']:.0f} | "
                     f"{r['median_texts']:.0f} | {r['sentences_with_one']} of {len(SENTENCES)} | "
                     f"{r['counterfactuals']} | {mean} |")
    save(args.out, f"counterfactuals-{device_kind(model.device)}", out, "\n".join(lines))


if __name__ == "__main__":
    main()
