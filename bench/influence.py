"""``python -m bench.influence``: training-data attribution measured against the truth, in one run.

1. **Leave-one-out.** A head trained on the 150 rows of 15 intents of ``assets/intents_sample.csv``
   (every row trained on); for each query (``QUERIES``) and each method, the Spearman correlation of the
   method's scores with really retraining without each row (``model.train.retrain_without``, all 150
   rows): the drop of log p(predicted class). The same for a model fine-tuned (top layer, 2 epochs) on the
   60 rows of 6 intents: ``tracin`` and the head-only methods against fine-tuning again without each row.
2. **Mislabelled rows.** 10% of the 300 rows' labels flipped (3 seeds), a head trained on them; the AUC
   of each ``self_influence`` method's ranking against the flips. Flipped to a random other label, and to
   the most confusable one (the clean model's second likeliest label for that row): the harder case.
3. **Time per query.** Heads trained on 1,000 and 5,000 assistant requests (8 labels); the median
   seconds of one ``influence`` call per method (the query's embedding included), over the queries: the
   first query of a model (its Hessian factorised: ``influence`` only) and the next ones.

Writes ``bench/results/influence-<device>.{json,md}`` and prints the Markdown table of the README.
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

QUERIES = ["please move two hundred dollars into my savings account", "what is the weather going to be tomorrow",
           "my card got declined at the store", "set a timer for ten minutes",
           "book me a table for two tonight"]
HEAD_METHODS = ("leave_one_out", "influence", "representer", "knn")
SELF_METHODS = ("leave_one_out", "influence", "loss", "knn")
STRONGEST = 30  # rows whose estimated size is checked against retraining


def intents(labels: int) -> list:
    """The rows of the first ``labels`` intents (alphabetically) of the bundled sample."""
    from model.rows import read_rows

    rows = list(read_rows(ROOT / "assets" / "intents_sample.csv", text_column="text", label_column="label"))
    keep = sorted({r.label for r in rows})[:labels]
    return [r for r in rows if r.label in keep]


def spearman_against_retraining(model, methods, progress: str) -> dict:
    """Each method's Spearman correlation with leave-one-out retraining, per query (all trained rows)."""
    import numpy as np
    from scipy.stats import spearmanr

    from explain import influence
    from model.train import left_out_in_turn

    record = model.trained["record"]
    rows = record.trained_rows
    before = model.predict(QUERIES)
    targets = before.argmax(1)
    started = time.perf_counter()

    def said(done: int, total: int) -> None:
        if done % 10 == 0 or done == total:
            print(f"  {progress}: retrained without {done}/{total} rows ({time.perf_counter() - started:.0f} s)",
                  flush=True)

    after = left_out_in_turn(model, QUERIES, [int(i) for i in rows], on_row=said)  # (rows, queries, labels)
    seconds = (time.perf_counter() - started) / len(rows)
    out = {"rows": int(len(rows)), "retrain_s": seconds, "methods": {}}
    for method in methods:
        rhos, sizes, slopes = [], [], []
        for q, text in enumerate(QUERIES):
            t = int(targets[q])
            found = influence(model, text, target=model.labels[t], method=method)
            assert np.array_equal(found.indices, rows)
            truth = np.log(before[q, t]) - np.log(after[:, q, t])
            rhos.append(float(spearmanr(found.scores, truth).correlation))
            strongest = np.argsort(-np.abs(truth))[:STRONGEST]  # (the size: the rows that matter most)
            sizes.append(float(np.median(np.abs(found.scores[strongest] - truth[strongest])
                                         / np.abs(truth[strongest]))))
            slopes.append(float(found.scores @ truth / max(found.scores @ found.scores, 1e-300)))
        out["methods"][method] = {"per_query": rhos, "median": statistics.median(rhos),
                                  "relative_error": statistics.median(sizes), "slope": statistics.median(slopes)}
    return out


def mislabel_auc(seeds: int) -> dict:
    """AUC of each self-influence method against 10% flipped labels, per seed: flipped to a random other
    label, and to the label the model trained on the clean labels finds likeliest after the true one."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from explain import self_influence
    from model.train import Examples, Settings, train

    rows = intents(30)
    labels = sorted({r.label for r in rows})
    texts = tuple(r.text for r in rows)
    truth_targets = np.array([labels.index(r.label) for r in rows])
    clean = train(Examples(texts, tuple(int(t) for t in truth_targets), tuple(labels)), "clean",
                  Settings(holdout=0.0, seed=0)).model
    p = clean.predict(list(texts))
    p[np.arange(len(rows)), truth_targets] = -1.0
    confusable = p.argmax(1)
    out = {kind: {method: [] for method in SELF_METHODS} for kind in ("random", "confusable")}
    for seed in range(seeds):
        rng = np.random.default_rng(seed)
        flipped = rng.choice(len(rows), size=len(rows) // 10, replace=False)
        for kind, scores in out.items():
            targets = truth_targets.copy()
            targets[flipped] = (targets[flipped] + rng.integers(1, len(labels), len(flipped))) % len(labels) \
                if kind == "random" else confusable[flipped]
            examples = Examples(texts, tuple(int(t) for t in targets), tuple(labels))
            model = train(examples, f"flipped-{seed}", Settings(holdout=0.0, seed=seed)).model
            for method in SELF_METHODS:
                ranked = self_influence(model, method=method)
                scores[method].append(float(roc_auc_score(np.isin(ranked.indices, flipped), ranked.scores)))
            print(f"  flipped labels ({kind}), seed {seed}: " +
                  ", ".join(f"{m} {v[-1]:.3f}" for m, v in scores.items()), flush=True)
    return {kind: {method: {"per_seed": values, "mean": statistics.mean(values)} for method, values in scores.items()}
            for kind, scores in out.items()}


def assistant_requests(count: int) -> tuple[list[str], list[str]]:
    """``count`` distinct requests labelled by their action (past the 4,096 combinations: said again)."""
    base = requests(min(count, 4096))
    texts = (base + [f"{t}, once more" for t in base])[:count]
    labels = [next(f"action-{i}" for i, action in enumerate(ACTIONS) if action in text) for text in texts]
    return texts, labels


def query_seconds(sizes: list[int], reps: int) -> dict:
    """Median seconds of one influence query per method on heads trained on ``sizes`` rows: a model's first
    query (for ``influence``, its Hessian blocks factorised then) and the next ones."""
    from explain import influence
    from explain.influence import features
    from model.train import Settings, prepare_examples, train

    out = {}
    for size in sizes:
        texts, labels = assistant_requests(size)
        model = train(prepare_examples(texts, labels), f"requests-{size}", Settings(holdout=0.0, seed=0)).model
        influence(model, QUERIES[0], method="knn")  # warm-up (the encoder)
        first, times = [], {method: [] for method in HEAD_METHODS}
        for _ in range(reps):
            for text in QUERIES:
                features._PREPARED.clear()
                started = time.perf_counter()
                influence(model, text, method="leave_one_out")
                first.append(time.perf_counter() - started)
                for method in HEAD_METHODS:
                    started = time.perf_counter()
                    influence(model, text, method=method)
                    times[method].append(time.perf_counter() - started)
        out[str(size)] = {"leave_one_out (first query)": statistics.median(first),
                          **{method: statistics.median(values) for method, values in times.items()}}
        print(f"  {size:,} rows: " + ", ".join(f"{m} {s:.3f} s" for m, s in out[str(size)].items()), flush=True)
    return out


def markdown(results: dict) -> str:
    head, tuned, auc, speed = results["head"], results["finetune"], results["mislabelled"], results["seconds"]
    lines = [f"Measured on {results['machine']} (`python -m bench.influence`).", "",
             "| Spearman with leave-one-out retraining (median of 5 queries) | leave_one_out | influence | representer | "
             "knn | tracin |", "|---|---|---|---|---|---|"]
    for label, part in ((f"head, {head['rows']} rows", head), (f"fine-tuned top layer, {tuned['rows']} rows", tuned)):
        cells = [f"{part['methods'][m]['median']:.3f}" if m in part["methods"] else "–"
                 for m in ("leave_one_out", "influence", "representer", "knn", "tracin")]
        lines.append(f"| {label} (retraining {part['retrain_s']:.2f} s a row) | " + " | ".join(cells) + " |")
    lines += ["", f"| The size, head, {head['rows']} rows (median of 5 queries) | median relative error on the "
              f"{STRONGEST} strongest rows | retraining = slope × estimate |", "|---|---|---|"]
    for m in ("leave_one_out", "influence", "representer"):
        lines.append(f"| {m} | {head['methods'][m]['relative_error']:.3f} | {head['methods'][m]['slope']:.2f} |")
    seeds = len(auc["random"]["influence"]["per_seed"])
    lines += ["", f"| Mislabelled rows found (10% of 300 flipped; AUC, mean of {seeds} seeds) | leave_one_out | influence "
              "| loss | knn |", "|---|---|---|---|---|"]
    for kind, said in (("random", "flipped to a random label"), ("confusable", "flipped to the most confusable label")):
        lines.append(f"| {said} | " + " | ".join(f"{auc[kind][m]['mean']:.3f}" for m in SELF_METHODS) + " |")
    columns = list(next(iter(speed.values())))
    lines += ["", "| Seconds per query (median) | " + " | ".join(columns) + " |", "|---" * (len(columns) + 1) + "|"]
    for size, times in speed.items():
        lines.append(f"| {int(size):,} training rows | " + " | ".join(f"{times[m]:.3f}" for m in columns) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.influence", description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="flipped-label draws (default 3)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each timed query (default 3)")
    parser.add_argument("--sizes", default="1000,5000", help="training rows for the timing (default 1000,5000)")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)

    from model import load_model, quiet_logging
    from model.train import Settings, examples_from_rows, train

    quiet_logging()
    machine = machine_description()
    print(f"bench.influence on {machine}", flush=True)
    head = train(examples_from_rows(intents(15)), "loo-head", Settings(holdout=0.0, seed=0)).model
    results = {"machine": machine, "queries": QUERIES,
               "head": spearman_against_retraining(head, HEAD_METHODS, "head")}
    tuned = train(examples_from_rows(intents(10)), "loo-tuned",
                  Settings(mode="finetune", epochs=2, layers=1, holdout=0.0, seed=0)).model
    results["finetune"] = spearman_against_retraining(tuned, ("tracin", *HEAD_METHODS), "fine-tuned")
    results["mislabelled"] = mislabel_auc(args.seeds)
    results["seconds"] = query_seconds([int(s) for s in args.sizes.split(",")], args.reps)
    save(args.out, f"influence-{device_kind(load_model('minilm-embed').device)}", results, markdown(results))


if __name__ == "__main__":
    main()
