"""``python -m bench.generation``: what explaining a decoder's continuation costs, 1 token against 20.

Two random decoders (no decoder weights ship offline): the tests' tiny GPT-2 and one shaped like GPT-2 small
(12 layers, 768 wide, a 50,257-token vocabulary: 124M parameters). For each, a 24-word prompt and the model's
greedy 20-token continuation, explained three ways per method (SHAP 500 evaluations, occlusion, IG 50 steps):
the first token alone; all 20 tokens in one explanation (one forward of each masked prompt gives every
token's log-probability); and 20 one-token explanations, token by token, each with the continuation before it
kept (what a step-by-step attribution such as inseq's runs). Median seconds of ``--repeats`` runs, model
evaluations (token by token: one run), the 20-token explanation equal to the token-by-token ones (max difference), and the process's
peak memory. Occlusion is also run by captum's ``LLMAttribution(FeatureAblation)`` in its one-forward mode on the
same model and budget (its values equal to the studio's: max difference). Writes
``bench/results/generation-<device>.{json,md}``.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import device_kind, machine_description, save  # noqa: E402

PROMPT = ("the dog and the cat went to the city to see a friend and then they went to the capital of france "
          "where the dog said")
METHODS = (("shap", {"max_evals": 500}), ("occlusion", {"granularity": "token"}), ("ig", {"steps": 50}))
# The GPT-2-small shape runs smaller budgets and no token-by-token run: one of its forwards is ~15 GFLOP, so on a
# 2-core CPU the token-by-token runs alone would take about an hour (the tiny model shows that ratio).
BIG_METHODS = (("shap", {"max_evals": 200}), ("occlusion", {"granularity": "token"}), ("ig", {"steps": 16}))
SHAPES = {"tiny (2 layers, 32 wide)": ({}, METHODS, True),
          "GPT-2 small shape (12 layers, 768 wide, 124M)": ({"layers": 12, "hidden": 768, "heads": 12, "inner": 3072,
                                                             "vocab_size": 50_257, "n_positions": 1024}, BIG_METHODS,
                                                            False)}


def build_decoder(folder: Path, shape: dict) -> Path:
    """A random GPT-2 of ``shape`` with the tests' trained byte-level tokenizer."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel

    from model.tiny.decoders import build, trained_tokenizer

    if not shape:
        return build(folder, "gpt2")
    tokenizer = trained_tokenizer("gpt2")
    tokenizer.model_max_length = shape["n_positions"]
    tokenizer.save_pretrained(str(folder))
    torch.manual_seed(0)
    config = GPT2Config(vocab_size=shape["vocab_size"], n_positions=shape["n_positions"], n_embd=shape["hidden"],
                        n_layer=shape["layers"], n_head=shape["heads"], n_inner=shape["inner"],
                        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    GPT2LMHeadModel(config).eval().save_pretrained(str(folder), safe_serialization=True)
    return folder


def timed(run, repeats: int):
    seconds, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = run()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), result


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def captum(model, ids: list[int], whole, repeats: int) -> dict:
    """captum's ``LLMAttribution`` with ``FeatureAblation`` over the prompt's tokens (each replaced by the token
    the studio's occlusion puts there), in its one-forward mode (``forward_in_tokens=False``: one forward of the
    ablated prompt and the whole continuation reads every token's log-probability): the same model, the same
    budget (one forward per prompt token). Seconds for the first token and for all, and the largest difference
    from the studio's values."""
    import warnings

    import torch
    from captum.attr import FeatureAblation, LLMAttribution, TextTokenInput

    attribution = LLMAttribution(FeatureAblation(model.network), model.tokenizer)
    prompt = TextTokenInput(PROMPT, model.tokenizer, baselines=int(model.adapter.pad_id))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (captum's notes on how it prints the target's tokens)
        one_s, _ = timed(lambda: attribution.attribute(prompt, target=torch.tensor(ids[:1]), forward_in_tokens=False),
                         repeats)
        every_s, result = timed(lambda: attribution.attribute(prompt, target=torch.tensor(ids),
                                                             forward_in_tokens=False), repeats)
    values = result.token_attr.detach().double().cpu().numpy().T  # (prompt tokens, continuation tokens)
    same = values.shape == whole.attributions.shape
    return {"captum_one_token_s": one_s, "captum_all_tokens_s": every_s,
            "captum_max_difference": float(np.abs(values - whole.attributions).max()) if same else None}


def bench_model(model, repeats: int, tokens: int, methods, token_by_token: bool) -> list[dict]:
    from explain import explain
    from model.tasks.generation import token_names

    ids = model.generate_ids(model.tokenize(PROMPT).ids, tokens)
    if len(ids) < tokens:
        raise SystemExit(f"the model stopped after {len(ids)} tokens; choose another prompt")
    all_ids = ",".join(map(str, ids))
    rows = []
    for method, params in methods:
        def one():
            return explain(model, PROMPT, method, continuation_ids=str(ids[0]), cache=None, seconds=None, **params)

        def every():
            return explain(model, PROMPT, method, continuation_ids=all_ids, cache=None, seconds=None, **params)

        def step_by_step():
            return [explain(model, PROMPT, method, continuation_ids=",".join(map(str, ids[: j + 1])),
                            target=token_names(model, ids[: j + 1])[j], cache=None, seconds=None, **params)
                    for j in range(tokens)]
        one_s, first = timed(one, repeats)
        every_s, whole = timed(every, repeats)
        row = {"method": method, "params": params, "one_token_s": one_s, "all_tokens_s": every_s,
               "evaluations_one": first.meta["model_evaluations"], "evaluations_all": whole.meta["model_evaluations"],
               "token_by_token_s": None, "evaluations_token_by_token": None, "max_difference": None}
        if token_by_token:
            steps_s, steps = timed(step_by_step, 1)
            stepped = np.stack([e.attributions[:, 0] for e in steps], axis=1)
            row.update(token_by_token_s=steps_s, evaluations_token_by_token=sum(e.meta["model_evaluations"]
                                                                                for e in steps),
                       max_difference=float(np.abs(whole.attributions - stepped).max()))
        if method == "occlusion":  # the same budget in captum: FeatureAblation over the prompt's tokens
            row.update(captum(model, ids, whole, repeats))
        row["peak_mb"] = peak_mb()
        print(f"  {method}: {row}", flush=True)
        rows.append(row)
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.generation", description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=20)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results"))
    args = parser.parse_args(argv)

    from model import load_model, quiet_logging

    quiet_logging()
    machine = machine_description()
    results, lines = [], []
    with tempfile.TemporaryDirectory() as folder:
        for name, (shape, methods, token_by_token) in SHAPES.items():
            model = load_model(build_decoder(Path(folder) / f"decoder-{len(results)}", shape))
            params = sum(p.numel() for p in model.network.parameters())
            prompt_tokens = len(model.tokenize(PROMPT))
            print(f"bench.generation on {machine}: {name}, {params / 1e6:.2f}M parameters, {prompt_tokens} prompt "
                  f"tokens", flush=True)
            rows = bench_model(model, args.repeats if token_by_token else 1, args.tokens, methods, token_by_token)
            results.append({"model": name, "parameters": params, "prompt_tokens": prompt_tokens, "rows": rows})
            device = model.device
    n = args.tokens
    lines += [f"Machine: {machine}; a {results[0]['prompt_tokens']}-token prompt and the model's greedy {n}-token "
              f"continuation; tiny: median of {args.repeats} runs (token by token: one run); GPT-2-small shape: "
              "one run, smaller budgets, no token-by-token run.", "",
              f"| model | method | 1 token | all {n} tokens at once | ratio | {n} tokens one by one | ratio | "
              "evaluations (1 / all / one by one) | max difference | peak memory |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for result in results:
        for r in result["rows"]:
            stepped = r["token_by_token_s"] is not None
            lines.append(f"| {result['model']} | {r['method']} ({', '.join(f'{k} {v}' for k, v in r['params'].items())})"
                         f" | {r['one_token_s']:.2f} s | {r['all_tokens_s']:.2f} s | "
                         f"{r['all_tokens_s'] / r['one_token_s']:.1f}x | "
                         + (f"{r['token_by_token_s']:.2f} s | {r['token_by_token_s'] / r['one_token_s']:.1f}x | "
                            if stepped else "not run | – | ")
                         + f"{r['evaluations_one']:,} / {r['evaluations_all']:,} / "
                         + (f"{r['evaluations_token_by_token']:,} | {r['max_difference']:.1g}" if stepped else "– | –")
                         + f" | {r['peak_mb']:,.0f} MB |")
    lines += ["", "Occlusion against captum's `LLMAttribution(FeatureAblation)` in its one-forward mode "
              "(`forward_in_tokens=False`), the same model and budget (one forward per prompt token):", "",
              f"| model | captum, 1 token | captum, all {n} | ratio | the studio, all {n} | captum ÷ studio (1 token / "
              f"all {n}) | max difference |", "|---|---|---|---|---|---|---|"]
    for result in results:
        for r in result["rows"]:
            if "captum_all_tokens_s" in r:
                lines.append(f"| {result['model']} | {r['captum_one_token_s']:.2f} s | {r['captum_all_tokens_s']:.2f} s | "
                             f"{r['captum_all_tokens_s'] / r['captum_one_token_s']:.2f}x | {r['all_tokens_s']:.2f} s | "
                             f"{r['captum_one_token_s'] / r['one_token_s']:.1f}x / "
                             f"{r['captum_all_tokens_s'] / r['all_tokens_s']:.1f}x | "
                             + (f"{r['captum_max_difference']:.1g}" if r["captum_max_difference"] is not None else "–")
                             + " |")
    save(args.out, f"generation-{device_kind(device)}", {"machine": machine, "tokens": n, "results": results},
         "\n".join(lines))


if __name__ == "__main__":
    main()
