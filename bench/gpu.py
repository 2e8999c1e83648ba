"""``python -m bench.gpu`` (run by ``python -m bench --device cuda``): the GPU rows, in one run.

- SHAP (500 evaluations), Integrated Gradients (steps "auto") and LIME (1,000 samples) per sentence on
  the device, medians;
- dataset rows/s: the local engine, and Ray with 1 and N GPU actors (N: every GPU, at least 2);
- fine-tuning examples/s (the top 2 layers of the bundled encoder, batch 16);
- CPU vs GPU: the same explanations on both devices (each in its own process, ``STUDIO_DEVICE``),
  the largest |difference| of an attribution, relative to the explanation's largest |attribution|,
  and of a probability: what computing the forwards under bf16/fp16 autocast changes.

Writes ``bench/results/gpu-extras.json`` and ``.md``. ``--device cpu`` runs the same on the CPU
(the differences are then CPU against CPU: 0), which is how the script is tested without a GPU.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import SENTENCES, machine_description, save  # noqa: E402

METHODS = {"shap": {"max_evals": 500}, "ig": {"steps": "auto"}, "lime": {"num_samples": 1000}}


def dump(device: str, sentences: list[str], out: str) -> None:
    """Every method's explanation of every sentence on ``device``, as JSON (run in its own process)."""
    os.environ["STUDIO_DEVICE"] = device
    from explain import explain
    from model import load_model, quiet_logging

    quiet_logging()
    model = load_model("intent-minilm")
    rows = []
    for text in sentences:
        for method, params in METHODS.items():
            e = explain(model, text, method, seed=0, use_cache=False, **params)
            rows.append({"text": text, "method": method, "target": e.targets[0],
                         "attributions": e.attributions[:, 0].tolist(), "probabilities": e.probabilities.tolist()})
    Path(out).write_text(json.dumps({"device": str(model.device), "dtype": str(model.dtype), "rows": rows}))


def differences(device: str, sentences: list[str]) -> list[dict]:
    """Per method: the largest relative attribution difference and probability difference, CPU vs ``device``."""
    import numpy as np

    with tempfile.TemporaryDirectory() as folder:
        dumps = {}
        for where in ("cpu", device):
            path = str(Path(folder) / f"{where}.json")
            run = subprocess.run([sys.executable, "-m", "bench.gpu", "--dump", where, path,
                                  "--sentences", json.dumps(sentences)], cwd=ROOT, capture_output=True, text=True)
            if run.returncode:
                raise RuntimeError(f"explaining on {where} failed: {run.stderr[-2000:]}")
            dumps[where] = json.loads(Path(path).read_text())
    out = []
    for method in METHODS:
        pairs = [(a, b) for a, b in zip(dumps["cpu"]["rows"], dumps[device]["rows"]) if a["method"] == method]
        relative = [float(np.max(np.abs(np.subtract(a["attributions"], b["attributions"])))
                          / max(float(np.max(np.abs(a["attributions"]))), 1e-12)) for a, b in pairs]
        probability = [float(np.max(np.abs(np.subtract(a["probabilities"], b["probabilities"])))) for a, b in pairs]
        out.append({"method": method, "sentences": len(pairs), "dtype": dumps[device]["dtype"],
                    "max_relative_attribution_diff": max(relative), "median_relative_attribution_diff":
                    statistics.median(relative), "max_probability_diff": max(probability),
                    "same_target": all(a["target"] == b["target"] for a, b in pairs)})
        print(f"  CPU vs {device}: {out[-1]}", flush=True)
    return out


def per_sentence(model, sentences: list[str], reps: int) -> list[dict]:
    from explain import explain

    out = []
    for method, params in METHODS.items():
        explain(model, sentences[0], method, use_cache=False, **params)  # warm-up
        times = []
        for _ in range(reps):
            for text in sentences:
                start = time.perf_counter()
                explain(model, text, method, use_cache=False, **params)
                times.append(time.perf_counter() - start)
        out.append({"method": method, "params": params, "median_s": statistics.median(times)})
        print(f"  {method}: {out[-1]}", flush=True)
    return out


def fine_tune(examples_count: int) -> dict:
    from bench.train import labelled
    from model.train import Settings, prepare_examples, train

    texts, labels = labelled(examples_count)
    start = time.perf_counter()
    result = train(prepare_examples(texts, labels), "bench-gpu-finetune", Settings(mode="finetune", epochs=1,
                                                                                    holdout=0.0))
    return {"examples": len(texts), "seconds": time.perf_counter() - start,
            "examples_per_s": result.seconds["finetune_examples_per_s"]}


def table(results: dict) -> str:
    precision = f"{results['dtype']} autocast" if results["device"].startswith("cuda") else "float32"
    lines = [f"Machine: {results['machine']}; device {results['device']} (forwards in {precision}); medians.", "",
             "| method | per sentence |", "|---|---:|"]
    lines += [f"| {r['method']} {r['params']} | {r['median_s'] * 1000:.0f} ms |" for r in results["per_sentence"]]
    lines += ["", "| dataset engine | rows/s |", "|---|---:|"]
    for row in results["dataset"]:
        lines.append(f"| {row['engine']} ({row['method']}) | {row['rows_per_s']:.1f} |")
    tune = results["fine_tune"]
    lines += ["", f"Fine-tuning the top 2 layers (batch 16): {tune['examples_per_s']:.0f} examples/s.", "",
              "| CPU vs device | max relative attribution diff | median | max probability diff | same target |",
              "|---|---:|---:|---:|---|"]
    lines += [f"| {r['method']} | {r['max_relative_attribution_diff']:.2e} | {r['median_relative_attribution_diff']:.2e} "
              f"| {r['max_probability_diff']:.2e} | {r['same_target']} |" for r in results["differences"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.gpu", description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--rows", type=int, default=500)
    parser.add_argument("--examples", type=int, default=500)
    parser.add_argument("--workers", type=int, default=None, help="Ray GPU actors (default: every GPU, at least 2)")
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--quick", action="store_true", help="2 sentences, 40 rows, 100 examples, 1 repetition")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--dump", nargs=2, metavar=("DEVICE", "FILE"), help=argparse.SUPPRESS)
    parser.add_argument("--sentences", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sentences = json.loads(args.sentences) if args.sentences else SENTENCES[:2 if args.quick else 5]
    if args.dump:
        dump(args.dump[0], sentences, args.dump[1])
        return
    os.environ["STUDIO_DEVICE"] = args.device
    import torch

    from bench.dataset import bench_engines, texts_of
    from model import load_model, quiet_logging

    quiet_logging()
    model = load_model("intent-minilm")
    reps, rows, examples = (1, 40, 100) if args.quick else (args.reps, args.rows, args.examples)
    workers = args.workers or max(2, torch.cuda.device_count() if model.device.type == "cuda" else 2)
    results = {"machine": machine_description(), "device": str(model.device), "dtype": str(model.dtype)}
    print(f"bench.gpu on {results['machine']}, {results['device']}", flush=True)
    results["per_sentence"] = per_sentence(model, sentences, reps)
    results["dataset"] = []
    texts = texts_of(rows)
    for count in ([1, workers] if not args.no_ray else [1]):
        engines, _ = bench_engines(model, texts, count, not args.no_ray)
        for row in engines:
            if count == 1:
                results["dataset"].append({"engine": "local", "method": row["method"],
                                           "rows_per_s": row["local_rows_per_s"]})
            if "ray_rows_per_s" in row:
                results["dataset"].append({"engine": f"Ray, {count} actor{'s' if count > 1 else ''}",
                                           "method": row["method"], "rows_per_s": row["ray_rows_per_s"]})
    results["fine_tune"] = fine_tune(examples)
    results["differences"] = differences(args.device, sentences)
    save(args.out, "gpu-extras" if model.device.type == "cuda" else "gpu-extras-on-cpu", results, table(results))


if __name__ == "__main__":
    main()
