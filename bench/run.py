"""``python -m bench``: every speed claim of the README, measured side by side in one run.

Medians of ``--reps`` repetitions after a warm-up, on the bundled ``intent-minilm``. References run
the shap and lime libraries the documented way on the same model through PyTorch:
  A  shap.Explainer(f, shap.maskers.Text(tok))([text], max_evals=500), default batch, f -> all classes
  B  the same with batch_size=64 and f -> only the explained class
  L  lime.lime_text.LimeTextExplainer.explain_instance with a classifier_fn batched by 64
Efficiency = T_floor / T, T_floor = distinct model evaluations x the per-sequence forward time at
that sentence's length on the fastest runtime (batch 64). Contenders' repetitions are interleaved. The ceiling: this machine's dense
matrix-multiply rate in the model's dtype; an encoder's FLOPs are counted from its config, so
"bound vs B" is the speed-up over reference B that a runtime running every evaluation at that
rate would reach (no exact runtime can do better). Writes ``bench/results/<device>.json`` and
prints the Markdown table that goes into the README.
"""
from __future__ import annotations

import argparse
import contextlib
import os
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

from bench.common import SENTENCES, device_kind, machine_description, requests, save  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

def encoder_flops(model, length: int) -> float:
    """FLOPs of one forward pass of a ``length``-token sequence through the encoder (matmuls only)."""
    config = model.transformer.config
    h, inner, layers = config.hidden_size, config.intermediate_size, config.num_hidden_layers
    return 2.0 * layers * length * (4 * h * h + 2 * h * inner + 2 * length * h)


def gemm_ceiling(model, trials: int = 15) -> float:
    """GFLOP/s of large dense matrix products in the model's dtype on its device: the ceiling.

    The best trial of PyTorch's and NumPy's products (on CPU), not the median: it estimates what
    this machine can do at all, and shared machines have slow spells.
    """
    import torch

    best = 0.0
    for m, k, n in ((2048, 2048, 2048), (64 * 21, 384, 1536)):
        a = torch.randn(m, k, device=model.device, dtype=model.dtype)
        b = torch.randn(k, n, device=model.device, dtype=model.dtype)
        products = [lambda: a @ b]
        if model.device.type == "cpu" and model.dtype == torch.float32:
            a_np, b_np = a.numpy(), b.numpy()
            products.append(lambda: a_np @ b_np)
        for product in products:
            product()
            for _ in range(trials):
                start = time.perf_counter()
                product()
                if model.device.type == "cuda":
                    torch.cuda.synchronize()
                best = max(best, 2 * m * k * n / (time.perf_counter() - start) / 1e9)
    return best


def median_time(fn, reps: int) -> float:
    return median_times([fn], reps)[0]


def median_times(fns, reps: int) -> list[float]:
    """Median wall time of each function; repetitions interleaved (a slow spell of a shared machine
    then hits every contender alike, not one of them). One warm-up call each first."""
    for fn in fns:
        fn()
    times = [[] for _ in fns]
    for _ in range(reps):
        for fn, bucket in zip(fns, times):
            start = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - start)
    return [statistics.median(bucket) for bucket in times]


@contextlib.contextmanager
def runtime(model, name: str):
    """Run ``model`` on one runtime for a block (references use PyTorch, as their docs do)."""
    saved = model.runtime
    model.runtime = name
    try:
        yield
    finally:
        model.runtime = saved


def shipped_runtimes(model) -> list[str]:
    """PyTorch, plus ONNX Runtime where the model would use it (CPU)."""
    from model import onnx_runtime

    return ["torch"] + (["onnx"] if onnx_runtime.wanted(model.device) else [])


def token_ids(model, strings):
    return [model.tokenizer(s, truncation=True, max_length=model.max_length)["input_ids"] for s in strings]


def floor(model, reps: int) -> dict:
    """Forward throughput (sequences/s) at several batch sizes on ~32-token inputs."""
    text = "please move two hundred dollars from my checking account into my savings account before friday " \
           "so rent clears"
    ids = list(model.tokenize(text).ids)[:32]
    out = {"tokens": len(ids), "ceiling_gflops": gemm_ceiling(model)}
    for name in shipped_runtimes(model):
        best = 0.0
        with runtime(model, name):
            for batch in (16, 64, 256):
                saved = model.batch_size
                model.batch_size = batch
                seconds = median_time(lambda: model.predict_ids([ids] * 256), reps)
                model.batch_size = saved
                best = max(best, 256 / seconds)
        out[name] = best
        out[f"{name}_gflops"] = best * encoder_flops(model, len(ids)) / 1e9
    return out


def bench_shap(model, reps: int, ceiling_gflops: float, fastest: str) -> list[dict]:
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
        def on_torch(fn):
            def call():
                with runtime(model, "torch"):
                    return fn()
            return call

        ids = list(model.tokenize(text).ids)

        def floor_batch():  # the floor: 128 copies of the sentence on the fastest runtime, batch 64
            with runtime(model, fastest):
                model.predict_ids([ids] * 128)

        t_a, t_b, t_ours, t_batch = median_times([
            on_torch(lambda: ref_a([text], max_evals=500, silent=True)),
            on_torch(lambda: ref_b([text], max_evals=500, batch_size=64, silent=True)),
            lambda: explain(model, text, "shap", max_evals=500, use_cache=False), floor_batch], reps)
        b_values = on_torch(lambda: ref_b([text], max_evals=500, batch_size=64, silent=True))().values[0][:, 0]
        evaluations = ours.meta["model_evaluations"]
        t_floor = evaluations * t_batch / 128
        t_bound = evaluations * encoder_flops(model, len(ours.tokens)) / (ceiling_gflops * 1e9)
        ours_values = ours.attributions[:, 0]
        rows.append({
            "words": len(text.split()), "tokens": len(ours.tokens), "evaluations": evaluations,
            "ours_s": t_ours, "ref_a_s": t_a, "ref_b_s": t_b, "speedup_a": t_a / t_ours, "speedup_b": t_b / t_ours,
            "floor_s": t_floor, "efficiency": t_floor / t_ours, "bound_s": t_bound, "bound_b": t_b / t_bound,
            "bound_a": t_a / t_bound,
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

        def reference_on_torch():
            with runtime(model, "torch"):
                return reference()

        t_ref, t_ours = median_times([
            reference_on_torch,
            lambda: explain(model, text, "lime", num_samples=samples, seed=0, use_cache=False)], reps)
        ref_top = [word for word, _ in reference_on_torch().as_list(label=column)]
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


def bench_gradients(model, reps: int) -> list[dict]:
    """IG at 50 steps against captum's documented call (LayerIntegratedGradients on the embedding
    layer, the model called on ids, as captum's BERT tutorial does), same baseline and steps;
    Gradient x Input and occlusion in units of one forward pass of the text."""
    import torch
    from captum.attr import LayerIntegratedGradients

    from explain import explain
    from explain.methods.ig import baseline_ids

    rows = []
    for text in SENTENCES[:3]:
        tokenized = model.tokenize(text)
        ours = explain(model, text, "ig", steps=50, use_cache=False)
        column = model.labels.index(ours.targets[0])
        ids, mask = model.id_tensors([tokenized.ids])
        base, _ = model.id_tensors([baseline_ids(model, tokenized, "mask")])

        def forward(input_ids, attention_mask):
            return torch.softmax(model.network(input_ids, attention_mask), dim=-1)[:, column]

        def reference():
            lig = LayerIntegratedGradients(forward, model.input_embeddings())
            return lig.attribute(ids, baselines=base, additional_forward_args=(mask,), n_steps=50).sum(-1)[0]

        expected = reference().detach().double().numpy()
        with runtime(model, "torch"):
            t_forward = median_time(lambda: model.predict_ids([tokenized.ids]), reps)
        t_ours, t_ref, t_grad, t_occ = median_times([
            lambda: explain(model, text, "ig", steps=50, use_cache=False), reference,
            lambda: explain(model, text, "grad_input", use_cache=False),
            lambda: explain(model, text, "occlusion", use_cache=False)], reps)
        rows.append({"words": len(text.split()), "tokens": len(tokenized), "ig_s": t_ours, "captum_s": t_ref,
                     "ratio": t_ref / t_ours, "max_abs_diff": float(np.abs(ours.attributions[:, 0] - expected).max()),
                     "gap": ours.meta["completeness_gap"][0], "forward_s": t_forward,
                     "grad_input_forwards": t_grad / t_forward, "occlusion_forwards": t_occ / t_forward,
                     "occlusion_s": t_occ, "grad_input_s": t_grad})
        print(f"  ig: {rows[-1]}", flush=True)
    return rows


def bench_scorecard(model, reps: int) -> list[dict]:
    """The scorecard's cost beside the explanation's own: distinct model evaluations and seconds, for
    the two headline metrics (bound: 2 x 5 bins + 5 random draws x 2 x 5 bins = 60) and for all."""
    from explain import evaluate, explain
    from explain.metrics import HEADLINE

    rows = []
    text = SENTENCES[1]
    for method in ("shap", "lime", "ig", "occlusion"):
        e = explain(model, text, method, use_cache=False)
        headline, full = evaluate(e, list(HEADLINE), model=model), evaluate(e, model=model)
        t_explain, t_headline, t_full = median_times([
            lambda: explain(model, text, method, use_cache=False),
            lambda: evaluate(e, list(HEADLINE), model=model), lambda: evaluate(e, model=model)], reps)
        rows.append({"method": method, "words": len(e.words), "explain_s": t_explain,
                     "explain_evaluations": e.meta["model_evaluations"], "headline_s": t_headline,
                     "headline_evaluations": headline.evaluations, "full_s": t_full,
                     "full_evaluations": full.evaluations, "comprehensiveness": headline.comprehensiveness,
                     "random_comprehensiveness": headline.random["comprehensiveness"],
                     "sufficiency": headline.sufficiency, "random_sufficiency": headline.random["sufficiency"]})
        print(f"  scorecard: {rows[-1]}", flush=True)
    return rows


def bench_throughput(model, count: int) -> dict:
    """Explanations per second over ``count`` distinct sentences: one by one, and ``explain_many``."""
    from explain import explain, explain_many

    texts = requests(count)
    rows = [0]
    forward = model.forward

    def counting(tensors):
        rows[0] += len(tensors["input_ids"])
        return forward(tensors)

    out = {"texts": count}
    for method, kwargs in (("shap", {"max_evals": 200}), ("lime", {"num_samples": 300}), ("attention", {})):
        start = time.perf_counter()
        singles = [explain(model, text, method, use_cache=False, **kwargs) for text in texts]
        out[method] = count / (time.perf_counter() - start)
        if method != "attention":
            model.forward, rows[0] = counting, 0
            try:
                start = time.perf_counter()
                many = explain_many(model, texts, method, use_cache=False, **kwargs)
                out[f"{method}_many"] = count / (time.perf_counter() - start)
            finally:
                del model.forward
            out[f"{method}_rows"] = rows[0]
            out[f"{method}_evaluations"] = sum(e.meta["model_evaluations"] for e in singles)
            out[f"{method}_max_diff"] = max(float(np.abs(a.attributions - b.attributions).max())
                                            for a, b in zip(singles, many))
        print(f"  throughput {method}: {out[method]:.2f}/s, many {out.get(f'{method}_many', 0):.2f}/s", flush=True)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_app() -> dict:
    """Fresh process: start -> first page (served before the models are warmed), start -> first
    SHAP explanation (asked for as soon as the page is there, so it waits for the warm-up), then
    a classification and an explanation on the warm server."""
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
                time.sleep(0.1)
            if time.perf_counter() - start > 300:
                raise RuntimeError("the app did not serve within 300 s")
        page = time.perf_counter() - start
        client = Client(url, verbose=False)
        client.predict("my card was declined at the restaurant last night", "intent-minilm", "shap", "", 0, True,
                       max_evals=500, api_name="/classify")
        first_explanation = time.perf_counter() - start
        t0 = time.perf_counter()
        client.predict("set an alarm for 7am tomorrow", "intent-minilm", "attention", "", 0, True,
                       api_name="/classify")
        classification = time.perf_counter() - t0
        t0 = time.perf_counter()
        client.predict("please book a table for four at an Italian place tonight", "intent-minilm", "shap", "", 0,
                       True, max_evals=500, api_name="/classify")
        explanation = time.perf_counter() - t0
    finally:
        server.terminate()
        server.wait(timeout=30)
    return {"start_to_page_s": page, "start_to_first_explanation_s": first_explanation,
            "warm_classification_s": classification, "warm_explanation_s": explanation}


def table(results: dict) -> str:
    f = results["floor"]
    runtimes = [("PyTorch", "torch")] + ([("ONNX Runtime", "onnx")] if "onnx" in f else [])
    rates = ", ".join(f"{label} {f[key]:.0f} seq/s = {f[key + '_gflops']:.0f} GFLOP/s "
                      f"({f[key + '_gflops'] / f['ceiling_gflops']:.0%} of the ceiling)" for label, key in runtimes)
    lines = [f"Machine: {results['machine']}; device {results['device']}; {results['reps']} repetitions, medians.", "",
             f"**Forward floor** (intent-minilm, {f['tokens']} tokens, best batch): {rates}. Ceiling: dense "
             f"matrix products run at {f['ceiling_gflops']:.0f} GFLOP/s on this machine.", "",
             "| SHAP, max_evals 500 | tokens | distinct evals | ours | ref A | ref B | vs A | vs B | efficiency "
             "| bound vs A / B | max abs diff to B |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results["shap"]:
        diff = "n/a" if r["max_abs_diff_b"] is None else f"{r['max_abs_diff_b']:.1e}"
        lines.append(f"| {r['words']} words | {r['tokens']} | {r['evaluations']} | {r['ours_s']:.3f} s | {r['ref_a_s']:.3f} s | "
                     f"{r['ref_b_s']:.3f} s | {r['speedup_a']:.2f}x | {r['speedup_b']:.2f}x | {r['efficiency']:.2f} | "
                     f"{r['bound_a']:.2f}x / {r['bound_b']:.2f}x | {diff} |")
    s = results["shap_summary"]
    lines.append(f"| **median** | | | | | | **{s['speedup_a']:.2f}x** | **{s['speedup_b']:.2f}x** | **{s['efficiency']:.2f}** "
                 f"| {s['bound_a']:.2f}x / {s['bound_b']:.2f}x | |")
    lines += ["", "| LIME | words | distinct evals | ours | reference | speed-up | top-10 overlap |", "|---|---|---|---|---|---|---|"]
    for r in results["lime"]:
        lines.append(f"| {r['samples']} samples | {r['words']} | {r['evaluations']} | {r['ours_s']:.3f} s | {r['ref_s']:.3f} s | "
                     f"{r['speedup']:.2f}x | {r['top10_overlap']:.0%} |")
    lines += ["", "| Gradients (intent-minilm) | tokens | IG, 50 steps | captum's call | captum / ours | max abs diff | "
              "completeness gap | Gradient x Input | occlusion |", "|---|---|---|---|---|---|---|---|---|"]
    for r in results["gradients"]:
        lines.append(f"| {r['words']} words | {r['tokens']} | {r['ig_s']:.3f} s | {r['captum_s']:.3f} s | "
                     f"{r['ratio']:.2f}x | {r['max_abs_diff']:.1e} | {r['gap']:.1e} | {r['grad_input_s'] * 1000:.0f} ms = "
                     f"{r['grad_input_forwards']:.1f} forwards | {r['occlusion_s'] * 1000:.0f} ms = "
                     f"{r['occlusion_forwards']:.1f} forwards |")
    lines += ["", f"| Scorecard ({results['scorecard'][0]['words']} words) | explanation | headline scores "
              "(comprehensiveness, sufficiency) | every metric | comprehensiveness (random) | sufficiency (random) |",
              "|---|---|---|---|---|---|"]
    for r in results["scorecard"]:
        lines.append(f"| {r['method']} | {r['explain_s']:.3f} s, {r['explain_evaluations']} evals | {r['headline_s']:.3f} s, "
                     f"{r['headline_evaluations']} evals | {r['full_s']:.3f} s, {r['full_evaluations']} evals | "
                     f"{r['comprehensiveness']:.3f} ({r['random_comprehensiveness']:.3f}) | {r['sufficiency']:.3f} "
                     f"({r['random_sufficiency']:.3f}) |")
    a = results["attention"]
    lines += ["", f"**Attention**: {a['attention_s'] * 1000:.0f} ms ({a['attention_vs_forward']:.1f}x one forward pass of "
              f"{a['forward_s'] * 1000:.0f} ms); rollout {a['rollout_s'] * 1000:.0f} ms. "
              f"**Repeat request** (cache): {a['repeat_request_s'] * 1000:.2f} ms."]
    t = results["throughput"]
    lines.append(f"**Throughput** over {t['texts']} distinct sentences, one `explain` call each / one `explain_many` "
                 f"call: SHAP (max_evals 200) {t['shap']:.2f}/s / {t['shap_many']:.2f}/s "
                 f"({t['shap_many'] / t['shap']:.2f}x; {t['shap_rows']:,} model rows for {t['shap_evaluations']:,} "
                 f"distinct inputs), LIME (300 samples) {t['lime']:.2f}/s / {t['lime_many']:.2f}/s "
                 f"({t['lime_many'] / t['lime']:.2f}x), attention {t['attention']:.1f}/s; largest difference between "
                 f"the two ways {max(t['shap_max_diff'], t['lime_max_diff']):.0e}.")
    if results.get("app"):
        p = results["app"]
        lines.append(f"**App**: start to first page {p['start_to_page_s']:.1f} s (models warm up in the background); "
                     f"start to the first SHAP explanation {p['start_to_first_explanation_s']:.1f} s (asked for as "
                     f"soon as the page is up, it waits for its model); then a classification "
                     f"{p['warm_classification_s'] * 1000:.0f} ms and a SHAP explanation "
                     f"{p['warm_explanation_s']:.2f} s.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="3 repetitions, fewer sentences, no app start")
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    parser.add_argument("--device", default=None, choices=["cpu", "cuda"], help="where the models run (default: "
                        "the best there is); cuda adds the GPU rows of python -m bench.gpu")
    args = parser.parse_args(argv)
    reps = 3 if args.quick else args.reps
    if args.device:
        os.environ["STUDIO_DEVICE"] = args.device

    from model import load_model, quiet_logging

    quiet_logging()

    model = load_model("intent-minilm")
    device = str(model.device)
    machine = machine_description()
    print(f"bench on {machine}", flush=True)
    results = {"machine": machine, "device": device, "reps": reps}
    results["floor"] = floor(model, reps)
    print(f"  floor: {results['floor']}", flush=True)
    fastest = max(shipped_runtimes(model), key=lambda name: results["floor"][name])
    results["shap"] = bench_shap(model, reps, results["floor"]["ceiling_gflops"], fastest)
    results["shap_summary"] = {k: statistics.median(r[k] for r in results["shap"])
                               for k in ("speedup_a", "speedup_b", "efficiency", "bound_a", "bound_b")}
    lime_1000 = SENTENCES[:2] if args.quick else SENTENCES[:3]
    results["lime"] = bench_lime(model, reps, 1000, lime_1000) + bench_lime(model, reps, 5000, SENTENCES[1:2])
    results["gradients"] = bench_gradients(model, reps)
    results["scorecard"] = bench_scorecard(model, reps)
    results["attention"] = bench_attention(model, reps)
    results["throughput"] = bench_throughput(model, 20 if args.quick else 100)
    results["app"] = None if args.quick else bench_app()
    save(args.out, device_kind(device), results, table(results))
    if args.device == "cuda":
        from bench.gpu import main as gpu_rows

        gpu_rows(["--device", "cuda", "--out", args.out] + (["--quick"] if args.quick else []))


if __name__ == "__main__":
    main()
