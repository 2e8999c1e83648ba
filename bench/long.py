"""``python -m bench.long``: a 2,000-word document explained on intent-minilm, with and without window reuse.

The document is the bundled complaint (``assets/long_complaint.txt``, written for this project),
continued with its own opening paragraphs up to ``--words`` words. Each explanation runs once with
window reuse (the default: an evaluation runs only the windows its masking changed) and once with
``window_reuse=False`` (every window of every evaluation); the values are checked equal, and the
seconds, model evaluations and window forwards of both are reported: sentence-level SHAP
(max_evals 500, and enough to exhaust the sentence tree), sentence-level occlusion, and the
hierarchical explanation (sentences by SHAP, then the words of the top 3, 1,000 evaluations in all,
and the same with occlusion first). Writes ``bench/results/long-<device>.{json,md}``.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import device_kind, machine_description, save  # noqa: E402

CASES = [  # (name, method, parameters, also run without reuse)
    ("sentence SHAP", "shap", {"granularity": "sentence", "max_evals": 500}, True),
    ("sentence occlusion", "occlusion", {"granularity": "sentence"}, True),
    ("hierarchical (SHAP, top 3)", "hierarchical", {"coarse": "shap", "top_sentences": 3, "evaluations": 1000}, True),
    ("hierarchical (occlusion, top 3)", "hierarchical", {"coarse": "occlusion", "top_sentences": 3,
                                                        "evaluations": 1000}, True),
    # the whole sentence tree: its forwards without reuse are counted (meta), not run (about 40 minutes here)
    ("sentence SHAP, whole tree", "shap", {"granularity": "sentence", "max_evals": "needed"}, False),
]


def document(words: int) -> str:
    """The complaint, continued with its own paragraphs from the start until it has ``words`` words."""
    text = (ROOT / "assets" / "long_complaint.txt").read_text(encoding="utf-8").strip()
    paragraphs = text.split("\n\n")
    out, count, i = [text], len(text.split()), 1
    while count < words:
        extra = paragraphs[i % len(paragraphs)].split()[: words - count]
        out.append(" ".join(extra))
        count += len(extra)
        i += 1
    return "\n\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.long", description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=2000)
    parser.add_argument("--model", default="intent-minilm")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)

    from explain import explain
    from explain.methods.shap import feature_tree, full_tree_masks
    from model import load_model, quiet_logging

    quiet_logging()
    machine = machine_description()
    model = load_model(args.model)
    text = document(args.words)
    tokenized = model.tokenize(text)
    spans = model.window_spans(len(tokenized))
    explain(model, "warm up the runtime", "shap", cache=None)
    start = time.perf_counter()
    model.predict([text])
    predict_s = time.perf_counter() - start
    print(f"bench.long on {machine}: {len(text.split())} words, {len(tokenized)} tokens, {len(spans)} windows; "
          f"one prediction {predict_s:.2f} s", flush=True)
    rows = []
    for name, method, params, compare in CASES:
        params = dict(params)
        if params.get("max_evals") == "needed":
            tree = feature_tree(model, tokenized, "sentence")
            params["max_evals"] = min(20_000, full_tree_masks(tree.clustering, tree.size) + 1)
        row = {"case": name, "method": method, "params": params}
        results = {}
        for reuse in (True, False) if compare else (True,):
            start = time.perf_counter()
            e = explain(model, text, method, window_reuse=reuse, cache=None, seconds=None, **params)
            seconds = time.perf_counter() - start
            results[reuse] = e
            key = "reuse" if reuse else "no_reuse"
            row[key] = {"seconds": seconds, "evaluations": e.meta["model_evaluations"],
                        "window_forwards": e.meta["windows"]["forwards"],
                        "without_reuse": e.meta["windows"]["forwards_without_reuse"]}
            print(f"  {name} ({'reuse' if reuse else 'no reuse'}): {row[key]}", flush=True)
        row["max_abs_difference"] = float(np.abs(results[True].attributions - results[False].attributions).max()) \
            if compare else None
        row["sentences"] = len(results[True].sentences)
        row["note"] = results[True].meta.get("note", "")
        rows.append(row)
    out = {"machine": machine, "model": args.model, "words": len(text.split()), "tokens": len(tokenized),
           "windows": len(spans), "prediction_s": predict_s, "rows": rows}
    lines = [f"Machine: {machine}; {args.model} (reads {model.max_length} tokens at once); a {len(text.split()):,}-word "
             f"document, {len(tokenized):,} tokens, {rows[0]['sentences']} sentences, read as {len(spans)} windows "
             f"(one prediction {predict_s:.2f} s); each explanation run once with reuse and once without.", "",
             "| explanation | evaluations | seconds (reuse) | window forwards (reuse) | seconds (no reuse) | "
             "window forwards (no reuse) | forwards saved | max abs difference |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        a, b = r["reuse"], r.get("no_reuse")
        no_reuse = f"{b['seconds']:.1f} s | {b['window_forwards']:,}" if b else \
            f"not run | {a['without_reuse']:,} (counted)"
        difference = f"{r['max_abs_difference']:.1g}" if r["max_abs_difference"] is not None else "–"
        lines.append(f"| {r['case']} ({', '.join(f'{k} {v}' for k, v in r['params'].items())}) | {a['evaluations']:,} | "
                     f"{a['seconds']:.1f} s | {a['window_forwards']:,} | {no_reuse} | "
                     f"{a['without_reuse'] / max(1, a['window_forwards']):.1f}x | {difference} |")
    save(args.out, f"long-{device_kind(model.device)}", out, "\n".join(lines))


if __name__ == "__main__":
    main()
