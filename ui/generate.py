"""The Generate tab: a decoder language model continues a prompt; the continuation is drawn token by token
with each token's probability; choosing a token explains why the model wrote it (any method), optionally
rather than another token at the same position, with the scorecard and the downloads. A continuation can
also be typed: then that text is explained, as the model would have written it."""
from __future__ import annotations

import gradio as gr
import numpy as np

from explain import evaluate_each
from explain.charts import explanation as charts
from explain.charts.generation import continuation_chart, continuation_compared, faithfulness_by_token
from explain.io.export import write_files
from explain.metrics import HEADLINE
from model.errors import InputError
from model.tasks import get_task
from model.tasks.generation import Generation, continuation_of, token_names

from . import explaining, gpu, report
from .handlers import handler
from .models import not_listed, resolve
from .page import Page
from .progress import reporter
from .safe import markdown
from .text import bullets, explanation_notes, faithfulness
from .widgets import Slider, clear_on_change, control, downloads, method_row, on_screen

TASK = Generation.NAME
SERVES = (TASK,)
TOP_WORDS = 40
TOKEN_SCORE_HEADERS = ("token", "p", *HEADLINE, *(f"{key} (random)" for key in HEADLINE))
EXAMPLES = ("The capital of France is", "Once upon a time, a little robot", "def fibonacci(n):", "中国的首都是", "日本の首都は")


@handler
@gpu.work
def generate(prompt: str, model_name: str, max_new_tokens: int, continuation: str = "", chat: bool = False,
             progress=gr.Progress()):
    """The model's greedy continuation (or the typed one) with each token's probability: the chart, the
    token choices, and what the explain step reads (the continuation's exact token ids; the chat setting)."""
    model = resolve(model_name, TASK, progress)
    task = Generation()
    options = task.options({"max_new_tokens": max_new_tokens, "continuation": (continuation or "") or None,
                            "chat": bool(chat)})
    options = task.for_text(model, prompt, options)
    ids = continuation_of(model, options)
    names = token_names(model, ids)
    logprobs = model.continuation_logprobs([task.tokenize(model, prompt, options).ids], ids)[0]
    state = {"continuation": model.decode(ids), "continuation_ids": ",".join(map(str, ids)), "names": list(names),
             "logprobs": logprobs.tolist(), "chat": bool(chat)}
    said = f"**Continuation** ({len(ids)} tokens, {'typed' if continuation else 'greedy'}): {markdown(state['continuation'])}"
    choices = [(f"{name}  (p={p:.3f})", name) for name, p in zip(names, np.exp(logprobs).tolist())]
    return (continuation_chart(names, logprobs), gr.Radio(choices=choices, value=names[0]), said, state)


@handler
@gpu.work
def explain_token(prompt: str, model_name: str, generated: dict | None, token: str | None, method: str, seed: int,
                  contrast: str = "", progress=gr.Progress(), **values):
    """Why the model wrote ``token`` (rather than ``contrast``, one token, when given): the chosen method on
    the prompt's words, the scorecard of that token, the downloads."""
    if not generated:
        raise InputError("Generate first: the continuation's tokens are what is explained.")
    token = token or generated["names"][0]  # (none chosen: the first token)
    if token not in generated["names"]:
        raise InputError("Choose one of the continuation's tokens to explain.")
    model = resolve(model_name, TASK, progress)
    values = {**values, "continuation_ids": generated["continuation_ids"], "chat": generated.get("chat", False)}
    e = explaining.run(model, prompt, method, progress, seed, values, target=token,
                       contrast=(contrast or None) if isinstance(contrast, str) else None)
    e, card = explaining.scored(model, e, progress)
    position = generated["names"].index(token)
    notes = bullets([*explanation_notes(e), faithfulness(card)])
    return (charts.attribution_bars(e, sort=True, top=TOP_WORDS), charts.text_heatmap(e), notes,
            write_files(e, "generate"), continuation_chart(generated["names"], generated["logprobs"], position),
            e.to_dict())


@handler
@gpu.work
def score_every_token(prompt: str, model_name: str, generated: dict | None, method: str, seed: int,
                      progress=gr.Progress(), **values):
    """Every continuation token explained at once with the chosen method, then each token's scorecard
    (comprehensiveness and sufficiency beside their random controls): the chart and the table."""
    if not generated:
        raise InputError("Generate first: the continuation's tokens are what is scored.")
    model = resolve(model_name, TASK, progress)
    values = {**values, "continuation_ids": generated["continuation_ids"], "chat": generated.get("chat", False)}
    e = explaining.run(model, prompt, method, progress, seed, values)
    cards = evaluate_each(e, list(HEADLINE), model=model, seed=0, seconds=explaining.SECONDS_PER_EXPLANATION,
                          progress=reporter(progress, "Scorecards"))
    rows = [[name, round(float(np.exp(output)), 4), *(round(card.values[key].value, 4) for key in HEADLINE),
             *(round(card.values[key].random, 4) for key in HEADLINE)] for name, output, card in
            zip(e.targets, e.outputs, cards)]
    return faithfulness_by_token(e.targets, cards), {"headers": list(TOKEN_SCORE_HEADERS), "data": rows}


@handler
@gpu.work
def what_if_prompt(prompt: str, edited: str, model_name: str, generated: dict | None, progress=gr.Progress()):
    """The same continuation read after the edited prompt: each token's probability before and after, and what
    the model would write after the edited prompt instead."""
    if not generated:
        raise InputError("Generate first: the edited prompt is compared on the continuation generated.")
    if not isinstance(edited, str) or not edited.strip() or edited == prompt:
        raise InputError("Edit the prompt first (the edited prompt is the same as the prompt).")
    model = resolve(model_name, TASK, progress)
    ids = [int(i) for i in generated["continuation_ids"].split(",")]
    read = model.prompt_tokens(edited, chat=bool(generated.get("chat"))).ids
    after = model.continuation_logprobs([read], ids)[0]
    instead = model.decode(model.generate_ids(read, len(ids)))
    change = float(np.sum(after) - np.sum(generated["logprobs"]))
    said = (f"After the edited prompt the continuation's log-probability changes by **{change:+.3f}** "
            f"(×{np.exp(change):.3g} as likely). The model itself would write: {markdown(instead)}")
    return continuation_compared(generated["names"], generated["logprobs"], after), said


def render(page: Page) -> None:
    gr.Markdown("**Generate** — a decoder language model (GPT-2, Llama, Qwen, Gemma, Mistral, Phi-3) continues your "
                "prompt; choose a token of the continuation to see which words of the prompt made the model write "
                "it, with any method, and why it wrote it *rather than* another token. Every token's explanation "
                "comes from the same masked prompts, so explaining one costs what explaining all of them does.")
    with gr.Row():
        with gr.Column(scale=3):
            prompt = gr.Textbox(label="Prompt", lines=3, max_length=20_000, value=EXAMPLES[0])
            gr.Examples([[e] for e in EXAMPLES], [prompt], label="Example prompts")
        with gr.Column(scale=2):
            model = page.models.dropdown(SERVES, info="a decoder (a causal language model); start the app with "
                                                      "--model PATH, or on a Space, for one to be listed")
            max_new = Slider(1, 64, value=20, step=1, label="Max new tokens")
            typed = gr.Textbox(label="Continuation (optional)", max_length=4_000,
                               info="empty: the model's own greedy continuation; or type one to explain it")
            chat = gr.Checkbox(label="Use the chat template", value=False,
                               info="the prompt as a user's message in the tokenizer's chat template (chat models)")
    if not model.choices and not model.allow_custom_value:  # (offline, no decoder ships: say how to get one)
        gr.Markdown(f"*{markdown(str(not_listed(TASK)))}*")
    write = gr.Button("Generate", variant="primary")
    strip = gr.Plot(label="Continuation")
    said = gr.Markdown()
    generated = gr.State(None)
    token = gr.Radio([], label="Explain the token", info="the continuation's tokens with their probability")
    method, params, seed = method_row()
    contrast = gr.Textbox(label="Rather than", max_length=200, info="another token at the same position (one token, "
                          "e.g. ' London' with its leading space); empty: none")
    output = control(next(p for p in get_task(TASK).OPTIONS if p.name == "output"))
    run = gr.Button("Explain this token", variant="primary")
    bars = gr.Plot(label="Prompt words")
    heat = gr.Plot(label="Prompt heatmap")
    notes = gr.Markdown()
    files = downloads()
    report_button = report.render()
    explained = on_screen()  # the explanation on screen: its report
    with gr.Accordion("Faithfulness of every token's explanation", open=False):
        gr.Markdown("Every continuation token explained at once with the method above (for SHAP, occlusion and LIME "
                    "the same masked prompts serve all tokens), then each token's scorecard: comprehensiveness and "
                    "sufficiency beside a random ranking of the prompt's words.")
        score_all = gr.Button("Score every token", variant="primary")
        by_token = gr.Plot(label="Faithfulness, token by token")
        by_token_table = gr.Dataframe(label="Scorecard of each token", interactive=False, wrap=True,
                                      headers=list(TOKEN_SCORE_HEADERS))
    with gr.Accordion("What if the prompt were different?", open=False):
        edited = gr.Textbox(label="Edited prompt", lines=2, max_length=20_000, value=EXAMPLES[0],
                            info="the same continuation is read after it: each token's probability before and after")
        compare = gr.Button("Compare the prompts", variant="primary")
        compared = gr.Plot(label="The continuation after each prompt")
        compared_note = gr.Markdown()
    shown = [bars, heat, notes, files]
    write.click(generate, [prompt, model, max_new, typed, chat], [strip, token, said, generated], api_name="generate")
    run.click(explain_token, [prompt, model, generated, token, method, seed, contrast],
              [*shown, strip, explained], inputs_kwargs={**params, "output": output}, api_name="explain_generation")
    report.wire(report_button, report.of_explanation, [explained])
    score_all.click(score_every_token, [prompt, model, generated, method, seed], [by_token, by_token_table],
                    inputs_kwargs=params, api_name="score_every_token")
    clear_on_change([method, seed, *params.values()], [by_token, by_token_table])
    compare.click(what_if_prompt, [prompt, edited, model, generated], [compared, compared_note], api_name="what_if_prompt")
    prompt.change(lambda text: text, prompt, edited, api_name=False, queue=False, show_progress="hidden")
    clear_on_change([prompt, model, max_new, typed, chat], [strip, said, generated, *shown, explained, compared,
                                                            compared_note, by_token, by_token_table])
    clear_on_change([edited], [compared, compared_note])
    clear_on_change([token, method, seed, contrast, output, *params.values()], [*shown, explained])
