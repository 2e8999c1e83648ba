"""``python -m bench.dataset``: dataset mode's speed and memory, measured in one run.

Rows per second on ``--rows`` distinct texts (default 1,000) for SHAP (max_evals 200), LIME (300
samples) and Integrated Gradients (50 steps), three ways: a plain loop of ``explain``,
``explain_dataset`` (local engine, windows of 16) and the Ray engine with ``--workers`` actors
(Ray started locally; its start-up is timed apart). Then the resident memory every 1,000 rows
while ``explain_dataset`` streams ``--memory-rows`` texts (default 10,000) with Gradient x Input,
against the memory that holding 1,000 of those explanations takes. Writes
``bench/results/dataset-<device>.{json,md}``.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import device_kind, machine_description, requests, save  # noqa: E402

METHODS = (("shap", {"max_evals": 200}), ("lime", {"num_samples": 300}), ("ig", {"steps": 50}))


def rss_mb() -> float:
    """This process's resident memory (Linux /proc; 0 elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def texts_of(count: int) -> list[str]:
    """``count`` distinct texts: the bench's 4,096 requests, numbered beyond that."""
    base = requests(min(count, 4096))
    return [base[i % len(base)] + ("" if i < len(base) else f" (number {i})") for i in range(count)]


def bench_engines(model, texts: list[str], workers: int, use_ray: bool) -> tuple[list[dict], float | None]:
    from explain import explain
    from explain.dataset import explain_dataset

    out = []
    ray = None
    ray_start = None
    if use_ray:
        try:
            import ray
        except ImportError:
            print("  Ray is not installed: pip install -r requirements-scale.txt", flush=True)
    if ray is not None:
        start = time.perf_counter()
        ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False)
        ray_start = time.perf_counter() - start
    try:
        for method, kwargs in METHODS:
            row = {"method": method, "params": kwargs, "rows": len(texts)}
            start = time.perf_counter()
            for text in texts:
                explain(model, text, method, use_cache=False, **kwargs)
            row["loop_rows_per_s"] = len(texts) / (time.perf_counter() - start)
            start = time.perf_counter()
            local = list(explain_dataset(model, texts, method, **kwargs))
            row["local_rows_per_s"] = len(texts) / (time.perf_counter() - start)
            if ray is not None:
                from explain.dataset.ray_engine import run_on_ray

                run = explain_dataset(model, texts, method, **kwargs)
                start = time.perf_counter()
                remote = list(run_on_ray(run.rows(), "intent-minilm", method, run.settings, workers=workers))
                row["ray_rows_per_s"] = len(texts) / (time.perf_counter() - start)
                row["ray_max_diff"] = max(max((abs(a - b) for a, b in zip(x.values, y.values)), default=0.0)
                                          for x, y in zip(local, remote))
            print(f"  {method}: {row}", flush=True)
            out.append(row)
    finally:
        if ray is not None:
            ray.shutdown()
    return out, ray_start


def bench_memory(model, count: int) -> dict:
    """RSS while streaming ``count`` rows to a JSON Lines file, and what 1,000 kept explanations take."""
    from explain import explain_many
    from explain.dataset import explain_dataset
    from explain.dataset.writing import RowWriter

    texts = texts_of(count)
    samples = []
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, RowWriter(Path(folder) / "rows.jsonl") as writer:
        for index, result in enumerate(explain_dataset(model, texts, "grad_input", count=False), start=1):
            writer.write(result)
            if index % 1000 == 0:
                samples.append((index, round(rss_mb(), 1)))
                print(f"  memory: {index:,} rows, RSS {samples[-1][1]:.0f} MB", flush=True)
    seconds = time.perf_counter() - start
    before = rss_mb()
    kept = explain_many(model, texts[:1000], "grad_input", use_cache=False)
    held = rss_mb() - before
    del kept
    return {"rows": count, "method": "grad_input", "rss_mb_every_1000": samples, "seconds": seconds,
            "kept_1000_explanations_mb": round(held, 1)}


def table(results: dict) -> str:
    lines = [f"Machine: {results['machine']}; {results['rows']:,} distinct texts (intent-minilm, "
             f"{results['tokens_mean']:.0f} tokens on average); one run.", "",
             f"| rows/s | loop of `explain` | `explain_dataset` (local) | Ray, {results['workers']} workers "
             "| local / loop | Ray / local |", "|---|---|---|---|---|---|"]
    for r in results["engines"]:
        ray = r.get("ray_rows_per_s")
        params = ", ".join(f"{k} {v}" for k, v in r["params"].items())
        rate = "n/a" if ray is None else f"{ray:.2f}"
        ratio = "n/a" if ray is None else f"{ray / r['local_rows_per_s']:.2f}x"
        lines.append(f"| {r['method']} ({params}) | {r['loop_rows_per_s']:.2f} | {r['local_rows_per_s']:.2f} | "
                     f"{rate} | {r['local_rows_per_s'] / r['loop_rows_per_s']:.2f}x | {ratio} |")
    if results.get("ray_start_s") is not None:
        lines.append(f"\nRay's local start: {results['ray_start_s']:.1f} s (not in the rates; each engine run also "
                     "starts its actors and loads the model in each). Largest difference between Ray's and the "
                     f"local values: {max(r.get('ray_max_diff', 0) for r in results['engines']):.0e}.")
    m = results["memory"]
    if m is None:
        return "\n".join(lines)
    series = ", ".join(f"{n // 1000}k: {mb:.0f}" for n, mb in m["rss_mb_every_1000"])
    lines.append(f"\n**Memory** streaming {m['rows']:,} rows ({m['method']}, {m['seconds']:.0f} s) to JSON Lines, "
                 f"resident MB after every 1,000 rows: {series}. Holding 1,000 of these explanations instead takes "
                 f"{m['kept_1000_explanations_mb']:.0f} MB more.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dataset", description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--memory-rows", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)

    from model import load_model, quiet_logging

    quiet_logging()
    model = load_model("intent-minilm")
    machine = machine_description()
    texts = texts_of(args.rows)
    print(f"bench.dataset on {machine}", flush=True)
    engines, ray_start = bench_engines(model, texts, args.workers, not args.no_ray)
    results = {"machine": machine, "rows": args.rows, "workers": args.workers, "engines": engines,
               "ray_start_s": ray_start,
               "tokens_mean": sum(len(model.tokenize(t).ids) for t in texts) / len(texts)}
    results["memory"] = bench_memory(model, args.memory_rows) if args.memory_rows else None
    save(args.out, "dataset-" + device_kind(model.device), results, table(results))


if __name__ == "__main__":
    main()
