"""``python -m bench.train``: seconds to train a head, and fine-tuning throughput, in one run.

1,000 labelled examples (the bench's assistant requests, labelled by their action: 8 labels) on
``minilm-embed``: a head with each optimizer (embedding time and optimisation time apart; medians
of ``--reps``), the same head from scikit-learn's ``LogisticRegression`` on the same embeddings
for reference, and one epoch of fine-tuning the top 2 layers (examples per second). Writes
``bench/results/train-<device>.{json,md}``.
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

from bench.common import ACTIONS, device_kind, machine_description, requests, save  # noqa: E402


def labelled(count: int) -> tuple[list[str], list[str]]:
    texts = requests(count)
    labels = [next(f"action-{i}" for i, action in enumerate(ACTIONS) if action in text) for text in texts]
    return texts, labels


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.train", description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)

    import numpy as np
    import torch
    from sklearn.linear_model import LogisticRegression

    from model import load_model, quiet_logging
    from model.train import Settings, fit_head, prepare_examples, train

    quiet_logging()
    encoder = load_model("minilm-embed")
    texts, labels = labelled(args.examples)
    examples = prepare_examples(texts, labels)
    machine = machine_description()
    print(f"bench.train on {machine}", flush=True)
    encoder.predict(texts[:64])  # warm-up (and the ONNX export on CPU)
    embed_times = []
    for _ in range(args.reps):
        start = time.perf_counter()
        x = encoder.predict(texts).astype(np.float64)
        embed_times.append(time.perf_counter() - start)
    y = np.asarray(examples.targets)
    results = {"machine": machine, "examples": len(texts), "labels": len(examples.labels), "reps": args.reps,
               "embedding_s": statistics.median(embed_times), "heads": []}
    for optimizer in ("lbfgs", "adam"):
        settings = Settings(optimizer=optimizer)
        times = []
        for _ in range(args.reps):
            start = time.perf_counter()
            head, history = fit_head(x, y, len(examples.labels), settings)
            times.append(time.perf_counter() - start)
        with torch.no_grad():
            accuracy = float((head(torch.from_numpy(x).float()).argmax(1).numpy() == y).mean())
        results["heads"].append({"optimizer": optimizer, "seconds": statistics.median(times), "epochs": len(history) - 1,
                                 "final_loss": history[-1].train_loss, "train_accuracy": accuracy})
        print(f"  head {optimizer}: {results['heads'][-1]}", flush=True)
    times = []
    for _ in range(args.reps):
        start = time.perf_counter()
        LogisticRegression(C=1 / (1e-3 * len(y)), max_iter=1000).fit(x, y)
        times.append(time.perf_counter() - start)
    results["sklearn_s"] = statistics.median(times)
    start = time.perf_counter()
    result = train(examples, "bench-finetune", Settings(mode="finetune", epochs=1, holdout=0.0))
    results["finetune"] = {"seconds": time.perf_counter() - start, "layers": 2, "batch_size": 16,
                           "examples_per_s": result.seconds["finetune_examples_per_s"]}
    print(f"  fine-tune: {results['finetune']}", flush=True)
    heads = "; ".join(f"{h['optimizer']} {h['seconds']:.2f} s ({h['epochs']} steps, training accuracy "
                      f"{h['train_accuracy']:.1%})" for h in results["heads"])
    markdown = (f"Machine: {machine}; {len(texts):,} examples, {results['labels']} labels; medians of {args.reps}.\n\n"
                f"**Train a head**: embedding the examples {results['embedding_s']:.2f} s, then the head: {heads}; "
                f"scikit-learn's LogisticRegression on the same embeddings {results['sklearn_s']:.2f} s. "
                f"**Fine-tune** the top 2 layers (batch 16): {results['finetune']['examples_per_s']:.0f} examples/s "
                f"(one epoch {results['finetune']['seconds']:.1f} s, embedding and the head included).")
    save(args.out, "train-" + device_kind(encoder.device), results, markdown)

if __name__ == "__main__":
    main()
