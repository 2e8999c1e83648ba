"""Call every api_name of a running app through gradio_client, with valid input and with bad input.

Usage: python scripts/space_endpoints.py URL [--log FILE]

Fails (exit 1) when an endpoint has no case here (a new endpoint must be added), a valid call errs
or runs past its bound, a bad call is not refused in one sentence (or, for the endpoints that answer
bad input with a default instead, errs), or the app's log holds a traceback. Prints one line per call.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path

from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError

ROOT = Path(__file__).resolve().parent.parent
CSV = str(ROOT / "assets" / "intents_rationales.csv")
TEXT = "transfer $200 from checking to savings"
SPORT = "The home team scored twice in extra time to win the cup final."
LABELS = "sports, politics, finance"
EXAMPLES = "\n".join(f"{t}, {label}" for label, texts in {
    "balance": ["how much money is in my account", "what is my balance", "show my current balance"],
    "timer": ["set a timer for ten minutes", "start a five minute timer", "timer for one hour please"],
}.items() for t in texts)
BOUND_S = 60.0  # a valid call on a 2-core CPU, the model already loaded
BOUNDS_S = {"/dataset": 180.0, "/train": 180.0, "/compare_methods": 120.0}
REFUSED, ANSWERED = "refused", "answered"  # what a bad input must get: one sentence, or a graceful default
# Gradio refuses a value outside a dropdown's or radio's choices itself, in one sentence, and prints that
# refusal's traceback; those (and only those) are not crashes, so the log check passes over them.
GRADIO_REFUSAL = re.compile(r'^gradio\.exceptions\.Error: "Value: .* is not in the list of choices: .*"$')

# api_name: (valid args, valid kwargs), (bad args, bad kwargs, expected: REFUSED with a pattern, or ANSWERED)
CASES = {
    "/classify": (((TEXT, "intent-minilm", "shap", "", 0, True), {"max_evals": 200}),
                  (("", "intent-minilm", "shap", "", 0, True), {}, (REFUSED, "text"))),
    "/compare_methods": (((TEXT, "intent-minilm", "", 0, ["occlusion", "lime"], True), {"num_samples": 100}),
                         ((TEXT, "intent-minilm", "", 0, [], True), {}, (REFUSED, "Tick at least one method"))),
    "/class_labels": ((("intent-minilm",), {}), (("no-such-model",), {}, (REFUSED, "not in the list of choices"))),
    "/counterfactuals": (((TEXT, "intent-minilm", "ablation_flip", 2, ""), {}),
                         ((TEXT, "intent-minilm", "word_replace", 2, ""), {"rules": "no arrow here"}, (REFUSED, "rule"))),
    "/what_if": (((TEXT, "transfer $300 from checking to savings", "intent-minilm", "occlusion", 0), {}),
                 ((TEXT, "", "intent-minilm", "occlusion", 0), {}, (REFUSED, "edited text"))),
    "/zero_shot": (((SPORT, LABELS, "", False, "minilm-zeroshot", "occlusion", 0), {}),
                   ((SPORT, "a, a", "", False, "minilm-zeroshot", "occlusion", 0), {}, (REFUSED, "label"))),
    "/zero_shot_counterfactuals": (((SPORT, LABELS, "minilm-zeroshot", "ablation_flip", 2), {}),
                                   ((SPORT, "", "minilm-zeroshot", "ablation_flip", 2), {}, (REFUSED, "label"))),
    "/zero_shot_what_if": (((SPORT, "The senate voted twice.", LABELS, "minilm-zeroshot", "occlusion", 0), {}),
                           ((SPORT, "", LABELS, "minilm-zeroshot", "occlusion", 0), {}, (REFUSED, "edited text"))),
    "/zero_shot_compare": (((SPORT, "minilm-zeroshot", 0, ["occlusion", "grad_input"]), {"labels": LABELS}),
                           ((SPORT, "minilm-zeroshot", 0, ["occlusion"]), {"labels": "a, a"}, (REFUSED, "label"))),
    "/embeddings": ((("A man plays a guitar.\nSomeone plays music.\nThe market fell.", "minilm-embed", "pca"), {}),
                    (("only one", "minilm-embed", "pca"), {}, (REFUSED, "at least 2 texts"))),
    "/explain_similarity": ((("A man plays a guitar.", "Someone plays music.", "minilm-embed", "occlusion", 0), {}),
                            (("", "Someone plays music.", "minilm-embed", "occlusion", 0), {}, (REFUSED, "text"))),
    "/explain_pairs": ((("A man plays a guitar.", "Someone plays music.", "minilm-embed", "integrated_jacobians",
                         "word"), {"steps": "auto"}),
                       (("A man plays a guitar.", "Someone plays music.", "minilm-embed", "integrated_jacobians",
                         "word"), {"steps": "1"}, (REFUSED, "steps must be"))),
    "/explain_pair_file": (((handle_file(str(ROOT / "assets" / "similar_pairs.csv")), "text_a", "text_b",
                             "minilm-embed", "pair_occlusion", "word", 12), {}),
                           ((handle_file(str(ROOT / "assets" / "similar_pairs.csv")), "left", "text_b", "minilm-embed",
                             "pair_occlusion", "word", 12), {}, (REFUSED, "left"))),
    "/compare_similarity": ((("A man plays a guitar.", "minilm-embed", 0, ["occlusion", "lime"]),
                             {"pair": "Someone plays music.", "num_samples": 100}),
                            (("A man plays a guitar.", "minilm-embed", 0, []), {"pair": "Someone plays music."},
                             (REFUSED, "Tick at least one method"))),
    "/similarity_counterfactuals": ((("A man plays a guitar.", "minilm-embed", "ablation_flip", 2),
                                     {"pair": "Someone plays music."}),
                                    (("A man plays a guitar.", "minilm-embed", "ablation_flip", 2), {"pair": ""},
                                     (REFUSED, "pair"))),
    "/similarity_what_if": ((("A man plays a guitar.", "A man plays a piano.", "minilm-embed", "occlusion", 0),
                             {"pair": "Someone plays music."}),
                            (("A man plays a guitar.", "", "minilm-embed", "occlusion", 0),
                             {"pair": "Someone plays music."}, (REFUSED, "edited text"))),
    "/attention": ((("transfer money to savings", "intent-minilm", 6, 0), {}),
                   (("", "intent-minilm", 6, 0), {}, (REFUSED, "text"))),
    "/attention_shape": ((("minilm-embed",), {}), (("no-such-model",), {}, (REFUSED, "not in the list of choices"))),
    "/dataset": (((handle_file(CSV), "text", "label", "intent-minilm", "occlusion", 0, 8, False),
                  {"rationale_column": "rationale"}),
                 ((None, "text", "label", "intent-minilm", "occlusion", 0, 8, False), {}, (REFUSED, "Upload a file"))),
    "/dataset_columns": (((handle_file(CSV),), {}), ((None,), {}, (ANSWERED, None))),
    "/dataset_cancel": (((), {}), ((), {}, (ANSWERED, None))),
    "/inside": (((TEXT, "intent-minilm", 2, 3, ""), {}),
                (("word " * 500, "intent-minilm", 2, 3, ""), {}, (REFUSED, "at most 2,000"))),
    "/inside_query": (((TEXT, "intent-minilm", 1, 1, 0), {}),
                      ((TEXT, "intent-minilm", 1, 1, 400), {}, (REFUSED, "tokens"))),
    "/inside_shape": ((("minilm-zeroshot",), {}), (("no-such-model",), {}, (REFUSED, "not in the list of choices"))),
    "/train": (((EXAMPLES, None, "text", "label", "space-check", "minilm-embed", "head", 0.001, "lbfgs", False, 0.0,
                 0, 0, 0, 0, 16, 2), {}),
               (("one, a\ntwo, a\n", None, "", "", "one-label", "minilm-embed", "head", 0.001, "lbfgs", False, 0.0,
                 0, 0, 0, 0, 16, 2), {}, (REFUSED, "at least 2 different labels"))),
    # (these four explain the model "/train" trained above, and "/check_against_retraining" checks the rows
    # "/training_examples" found in this session: those two run first, in this order)
    "/training_examples": ((("what is my balance now", "space-check", "influence"), {}),
                           (("what is my balance now", "intent-minilm", "influence"), {},
                            (REFUSED, "not in the list of choices"))),
    "/check_against_retraining": ((("what is my balance now", "space-check"), {}),
                                  (("what is my balance now", "no-such-model"), {},
                                   (REFUSED, "not in the list of choices"))),
    "/retrain_without_rows": ((("what is my balance now", "space-check", [0, 1]), {}),
                              (("what is my balance now", "space-check", []), {}, (REFUSED, "Choose the rows"))),
    "/likely_mislabelled": ((("space-check",), {}), ((None,), {}, (REFUSED, "model"))),
    # (the tiny decoder scripts/space_check.sh lists; "/explain_generation" explains what "/generate" wrote)
    "/generate": ((("the capital of france is", "tiny-gpt2", 8, "", False), {}),
                  (("the capital of france is", "tiny-gpt2", 8, "", True), {}, (REFUSED, "no chat template"))),
    "/explain_generation": ((("the capital of france is", "tiny-gpt2", None, "shap", 0, ""), {"max_evals": 200}),
                            (("the capital of france is", "tiny-gpt2", None, "occlusion", 0, " paris and"), {},
                             (REFUSED, "one token"))),
    "/score_every_token": ((("the capital of france is", "tiny-gpt2", "occlusion", 0), {}),
                           (("the capital of france is", "tiny-gpt2", "no-such-method", 0), {},
                            (REFUSED, "not in the list of choices"))),
    "/what_if_prompt": ((("the capital of france is", "the capital of spain is", "tiny-gpt2"), {}),
                        (("the capital of france is", "the capital of france is", "tiny-gpt2"), {},
                         (REFUSED, "Edit the prompt"))),
    # (the tiny tagger scripts/space_check.sh lists; "/explain_entity" explains an entity "/find_entities" found)
    "/find_entities": ((("john smith works at acme in paris", "tiny-tagger", "simple"), {}),
                       (("   ", "tiny-tagger", "simple"), {}, (REFUSED, "empty"))),
    "/explain_entity": ((("john smith works at acme in paris", "tiny-tagger", "simple", None, "occlusion", 0, ""), {}),
                        (("john smith works at acme in paris", "tiny-tagger", "simple", None, "occlusion", 0, "FOOD"),
                         {}, (REFUSED, "neither an entity type"))),
    "/what_if_entities": ((("john smith works at acme in paris", "alice works at acme in rome", "tiny-tagger",
                            "simple"), {}),
                          (("john smith", "john smith", "tiny-tagger", "simple"), {}, (REFUSED, "Edit the text"))),
}
# endpoints whose valid call others build on (a trained model, a generated continuation), called before the rest
FIRST = ["/train", "/training_examples", "/generate", "/find_entities"]


def check(client: Client, api_name: str) -> list[str]:
    """The endpoint's two calls; the problems found (none: [])."""
    (args, kwargs), (bad, bad_kwargs, (expected, pattern)) = CASES[api_name]
    problems = []
    start = time.perf_counter()
    try:
        client.predict(*args, api_name=api_name, **kwargs)
    except Exception as err:  # noqa: BLE001 - any failure of a valid call is the finding
        problems.append(f"{api_name}: valid input failed: {err}")
    took = time.perf_counter() - start
    bound = BOUNDS_S.get(api_name, BOUND_S)
    if took > bound:
        problems.append(f"{api_name}: valid input took {took:.1f} s, over its bound of {bound:.0f} s")
    print(f"{api_name:28} valid {took:6.1f} s (bound {bound:.0f} s)", flush=True)
    try:
        client.predict(*bad, api_name=api_name, **bad_kwargs)
        if expected == REFUSED:
            problems.append(f"{api_name}: bad input was not refused")
        print(f"{api_name:28} bad input answered", flush=True)
    except AppError as err:
        message = str(err).strip()
        print(f"{api_name:28} bad input refused: {message[:100]}", flush=True)
        if expected == ANSWERED:
            problems.append(f"{api_name}: bad input should get a default, not an error: {message}")
        elif "\n" in message or "Traceback" in message or not re.search(pattern, message, re.I):
            problems.append(f"{api_name}: bad input's message is not the one sentence expected: {message!r}")
    except Exception as err:  # noqa: BLE001
        problems.append(f"{api_name}: bad input broke the call: {err!r}")
    return problems


def tracebacks(log: str) -> list[str]:
    """Every traceback in the app's log, except Gradio's own refusals of a value outside the choices."""
    found = []
    lines = log.splitlines()
    for at, line in enumerate(lines):
        if line.startswith("Traceback"):
            end = next((j for j in range(at + 1, len(lines)) if lines[j] and not lines[j].startswith(" ")), at)
            if not GRADIO_REFUSAL.match(lines[end]):
                found.append("the app's log holds a traceback:\n" + "\n".join(lines[at:end + 1]))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--log", default=None, help="the app's log: any traceback in it fails the check")
    args = parser.parse_args()
    client = Client(args.url, verbose=False)
    endpoints = sorted(client.view_api(return_format="dict", print_info=False)["named_endpoints"])
    problems = [f"{name}: no case in scripts/space_endpoints.py" for name in endpoints if name not in CASES]
    problems += [f"{name}: a case for an endpoint the app does not have" for name in CASES if name not in endpoints]
    for name in sorted(endpoints, key=lambda name: FIRST.index(name) if name in FIRST else len(FIRST)):
        if name in CASES:
            problems += check(client, name)
    if args.log:
        problems += tracebacks(Path(args.log).read_text(encoding="utf-8", errors="replace"))
    for problem in problems:
        print("FAIL", problem, file=sys.stderr)
    print(f"{len(endpoints)} endpoints, {len(problems)} problems", flush=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
