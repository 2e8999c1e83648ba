"""``python -m bench``: every speed claim of the README, measured side by side in one run.

Medians of ``--reps`` repetitions after a warm-up, on the bundled ``intent-minilm``. References run
the shap and lime libraries the documented way on the same model through PyTorch:
  A  shap.Explainer(f, shap.maskers.Text(tok))([text], max_evals=500), default batch, f -> all classes
  B  the same with batch_size=64 and f -> only the explained class
  L  lime.lime_text.LimeTextExplainer.explain_instance with a classifier_fn batched by 64
Efficiency = T_floor / T, T_floor = distinct model evaluations x the per-sequence forward time at
that sentence's length on the fastest runtime (batch 64). Writes ``bench/results/<device>.json``
and prints the Markdown table that goes into the README.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SENTENCES = [  # 10 to 40 words
    "please transfer two hundred dollars from my checking account into savings",
    "my card was declined twice at the grocery store today and I have no idea why this keeps happening",
    "I have been waiting on hold for over an hour and I would really like to speak with a human agent now",
    "can you tell me what the exchange rate between the euro and the japanese yen is this week, because "
    "I am flying to tokyo on friday and need cash",
    "I need to know whether my flight to london tomorrow morning has been delayed or cancelled because of the "
    "storm, and if it has, how I can rebook onto the next available departure without paying a fee",
]


def median_time(fn, reps: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


@contextlib.contextmanager
def runtime(model, name: str):
    """Run ``model`` on one runtime for a block (references use PyTorch, as their docs do)."""
    saved = model.runtime
    model.runtime = name
    try:
        yield
    finally:
        model.runtime = saved


def token_ids(model, strings):
    return [model.tokenizer(s, truncation=True, max_length=model.max_length)["input_ids"] for s in strings]


def floor(model, reps: int) -> dict:
    """Forward throughput (sequences/s) at several batch sizes on ~32-token inputs."""
    text = "please move two hundred dollars from my checking account into my savings account before friday " \
           "so rent clears"
    ids = list(model.tokenize(text).ids)[:32]
    out = {"tokens": len(ids)}
    for name in ("torch", "onnx"):
        best = 0.0
        with runtime(model, name):
            for batch in (16, 64, 256):
                saved = model.batch_size
                model.batch_size = batch
                seconds = median_time(lambda: model.predict_ids([ids] * 256), reps)
                model.batch_size = saved
                best = max(best, 256 / seconds)
        out[name] = best
    return out


def per_sample_seconds(model, ids: list[int], reps: int) -> float:
    """The floor: per-sequence forward time at this length, fastest runtime, batch 64."""
    best = float("inf")
    for name in ("torch", "onnx"):
        with runtime(model, name):
            best = min(best, median_time(lambda: model.predict_ids([ids] * 128), reps) / 128)
    return best


def bench_shap(model, reps: int) -> list[dict]:
    import shap

    from explain import explain

    rows = []
    for text in SENTENCES:
        ours = explain(model, text, "shap", max_evals=500, use_cache=False)
        column = model.labels.index(ours.targets[0])

        def all_classes(strings):
            return model.predict_ids(token_ids(model, strings))

        def one_class(strings):
            return model.predict_ids(token_ids(model, strings))[:, [column]]

        ref_a = shap.Explainer(all_classes, shap.maskers.Text(model.tokenizer))
        ref_b = shap.Explainer(one_class, shap.maskers.Text(model.tokenizer))
        with runtime(model, "torch"):
            t_a = median_time(lambda: ref_a([text], max_evals=500, silent=True), reps)
            t_b = median_time(lambda: ref_b([text], max_evals=500, batch_size=64, silent=True), reps)
            b_values = ref_b([text], max_evals=500, batch_size=64, silent=True).values[0][:, 0]
        t_ours = median_time(lambda: explain(model, text, "shap", max_evals=500, use_cache=False), reps)
        evaluations = ours.meta["model_evaluations"]
        t_floor = evaluations * per_sample_seconds(model, list(model.tokenize(text).ids), reps)
        ours_values = ours.attributions[:, 0]
        rows.append({
            "words": len(text.split()), "tokens": len(ours.tokens), "evaluations": evaluations,
            "ours_s": t_ours, "ref_a_s": t_a, "ref_b_s": t_b, "speedup_a": t_a / t_ours, "speedup_b": t_b / t_ours,
            "floor_s": t_floor, "efficiency": t_floor / t_ours,
            "max_abs_diff_b": float(np.abs(ours_values - b_values).max()) if len(b_values) == len(ours_values) else None,
            "pearson_b": float(np.corrcoef(ours_values, b_values)[0, 1]) if len(b_values) == len(ours_values) else None,
        })
        print(f"  shap {rows[-1]['words']:>2} words: ours {t_ours:.3f}s  A {t_a:.3f}s  B {t_b:.3f}s", flush=True)
    return rows


def bench_lime(model, reps: int, samples: int, sentences: list[str]) -> list[dict]:
    from lime.lime_text import LimeTextExplainer

    from explain import explain

    rows = []
    for text in sentences:
        ours = explain(model, text, "lime", num_samples=samples, seed=0, use_cache=False)
        column = model.labels.index(ours.targets[0])

        def classifier_fn(strings):
            return np.concatenate([model.predict_ids(token_ids(model, strings[i:i + 64]))
                                   for i in range(0, len(strings), 64)])

        def reference():
            return LimeTextExplainer(random_state=0).explain_instance(
                text, classifier_fn, labels=(column,), num_features=10, num_samples=samples)

        with runtime(model, "torch"):
            t_ref = median_time(reference, reps)
            ref_top = [word for word, _ in reference().as_list(label=column)]
        t_ours = median_time(lambda: explain(model, text, "lime", num_samples=samples, seed=0, use_cache=False), reps)
        ours_top = [word for word, _ in ours.top_words(10)]
        rows.append({"samples": samples, "words": len(text.split()), "ours_s": t_ours, "ref_s": t_ref,
                     "speedup": t_ref / t_ours, "evaluations": ours.meta["model_evaluations"],
                     "top10_overlap": len(set(ours_top) & set(ref_top)) / max(1, len(ref_top)),
                     "same_top10": set(ours_top) == set(ref_top)})
        print(f"  lime {samples} {rows[-1]['words']:>2} words: ours {t_ours:.3f}s  ref {t_ref:.3f}s", flush=True)
    return rows


def bench_attention(model, reps: int) -> dict:
    from explain import explain

    text = SENTENCES[2]
    ids = list(model.tokenize(text).ids)
    with runtime(model, "torch"):
        forward = median_time(lambda: model.predict_ids([ids]), reps)
    attention = median_time(lambda: explain(model, text, "attention", use_cache=False), reps)
    rollout = median_time(lambda: explain(model, text, "rollout", use_cache=False), reps)
    explain(model, text, "shap", max_evals=500)
    repeat = median_time(lambda: explain(model, text, "shap", max_evals=500), reps)
    return {"forward_s": forward, "attention_s": attention, "rollout_s": rollout,
            "attention_vs_forward": attention / forward, "rollout_vs_forward": rollout / forward,
            "repeat_request_s": repeat}


def bench_throughput(model, count: int) -> dict:
    from explain import explain

    texts = [f"{SENTENCES[i % 3]} (request {i})" for i in range(count)]
    out = {}
    for method, kwargs in (("shap", {"max_evals": 200}), ("lime", {"num_samples": 300}), ("attention", {})):
        start = time.perf_counter()
        for text in texts:
            explain(model, text, method, use_cache=False, **kwargs)
        out[method] = count / (time.perf_counter() - start)
        print(f"  throughput {method}: {out[method]:.2f}/s", flush=True)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_app() -> dict:
    """Fresh process: start -> first page; then the first classification and first explanation."""
    from gradio_client import Client

    port = free_port()
    start = time.perf_counter()
    server = subprocess.Popen([sys.executable, str(ROOT / "app.py"), "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError("the app exited before serving")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
            if time.perf_counter() - start > 300:
                raise RuntimeError("the app did not serve within 300 s")
        page = time.perf_counter() - start
        client = Client(url, verbose=False)
        t0 = time.perf_counter()
        client.predict("set an alarm for 7am tomorrow", "intent-minilm", "attention", "", 500, 1000, 0, True,
                       api_name="/classify")
        classification = time.perf_counter() - t0
        t0 = time.perf_counter()
        client.predict("my card was declined at the restaurant last night", "intent-minilm", "shap", "", 500, 1000,
                       0, True, api_name="/classify")
        explanation = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"start_to_page_s": page, "first_classification_s": classification, "first_explanation_s": explanation}


def table(results: dict) -> str:
    f = results["floor"]
    lines = [f"Machine: {results['machine']}; device {results['device']}; {results['reps']} repetitions, medians.", "",
             f"**Forward floor** (intent-minilm, {f['tokens']} tokens, best batch): PyTorch {f['torch']:.0f} seq/s, "
             f"ONNX Runtime {f['onnx']:.0f} seq/s ({f['onnx'] / f['torch']:.2f}x).", "",
             "| SHAP, max_evals 500 | tokens | distinct evals | ours | ref A | ref B | vs A | vs B | efficiency | max abs diff to B |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["shap"]:
        diff = "n/a" if r["max_abs_diff_b"] is None else f"{r['max_abs_diff_b']:.1e}"
        lines.append(f"| {r['words']} words | {r['tokens']} | {r['evaluations']} | {r['ours_s']:.3f} s | {r['ref_a_s']:.3f} s | "
                     f"{r['ref_b_s']:.3f} s | {r['speedup_a']:.2f}x | {r['speedup_b']:.2f}x | {r['efficiency']:.2f} | {diff} |")
    s = results["shap_summary"]
    lines.append(f"| **median** | | | | | | **{s['speedup_a']:.2f}x** | **{s['speedup_b']:.2f}x** | **{s['efficiency']:.2f}** | |")
    lines += ["", "| LIME | words | distinct evals | ours | reference | speed-up | top-10 overlap |", "|---|---|---|---|---|---|---|"]
    for r in results["lime"]:
        lines.append(f"| {r['samples']} samples | {r['words']} | {r['evaluations']} | {r['ours_s']:.3f} s | {r['ref_s']:.3f} s | "
                     f"{r['speedup']:.2f}x | {r['top10_overlap']:.0%} |")
    a = results["attention"]
    lines += ["", f"**Attention**: {a['attention_s'] * 1000:.0f} ms ({a['attention_vs_forward']:.1f}x one forward pass of "
              f"{a['forward_s'] * 1000:.0f} ms); rollout {a['rollout_s'] * 1000:.0f} ms. "
              f"**Repeat request** (cache): {a['repeat_request_s'] * 1000:.2f} ms."]
    t = results["throughput"]
    lines.append(f"**Throughput** over {results['throughput_texts']} sentences: SHAP (200 evals) {t['shap']:.2f}/s, "
                 f"LIME (300 samples) {t['lime']:.2f}/s, attention {t['attention']:.1f}/s.")
    if results.get("app"):
        p = results["app"]
        lines.append(f"**App**: start to first page {p['start_to_page_s']:.1f} s (models loaded and explainers warmed "
                     f"first); first classification {p['first_classification_s'] * 1000:.0f} ms; first SHAP "
                     f"explanation {p['first_explanation_s']:.2f} s.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 repetitions, fewer sentences, no app start")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)
    reps = 3 if args.quick else args.reps

    import torch

    from model import load_model

    model = load_model("intent-minilm")
    device = str(model.device)
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}"
    if torch.cuda.is_available():
        machine += f", {torch.cuda.get_device_name(0)}"
    print(f"bench on {machine}", flush=True)
    results = {"machine": machine, "device": device, "reps": reps}
    results["floor"] = floor(model, reps)
    print(f"  floor: {results['floor']}", flush=True)
    results["shap"] = bench_shap(model, reps)
    results["shap_summary"] = {k: statistics.median(r[k] for r in results["shap"])
                               for k in ("speedup_a", "speedup_b", "efficiency")}
    lime_1000 = SENTENCES[:2] if args.quick else SENTENCES[:3]
    results["lime"] = bench_lime(model, reps, 1000, lime_1000) + bench_lime(model, reps, 5000, SENTENCES[1:2])
    results["attention"] = bench_attention(model, reps)
    results["throughput_texts"] = 20 if args.quick else 100
    results["throughput"] = bench_throughput(model, results["throughput_texts"])
    results["app"] = None if args.quick else bench_app()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    name = "gpu" if device.startswith("cuda") else "cpu"
    (out / f"{name}.json").write_text(json.dumps(results, indent=2))
    markdown = table(results)
    (out / f"{name}.md").write_text(markdown + "\n")
    print()
    print(markdown)


if __name__ == "__main__":
    main()
