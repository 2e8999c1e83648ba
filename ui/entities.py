"""The Entities tab: a token classifier (named entities, PII, any ``...ForTokenClassification``) finds the text's
entities, highlighted one colour per label with each one's score; clicking one (or choosing it) explains why the
model found it, with any method, optionally rather than another entity type, with the scorecard, the downloads and
the report. What if: an edited text's entities beside the original's."""
from __future__ import annotations

import gradio as gr

from explain.charts import explanation as charts
from explain.io.export import write_files
from model.errors import InputError
from model.kinds.token_classification import AGGREGATIONS, entity_label, entity_type, entity_types
from model.tasks.token_classification import TokenClassification, entity_names

from . import explaining, gpu, report
from .handlers import handler
from .locale import say
from .models import not_listed, resolve
from .page import Page
from .safe import markdown
from .text import bullets, explanation_notes, faithfulness
from .widgets import clear_on_change, downloads, method_row, on_screen

TASK = TokenClassification.NAME
SERVES = (TASK,)
TOP_WORDS = 40
EXAMPLES = ("Call Sarah Johnson at 503-555-0142; she lives at 12 Oak Street, Portland, OR 97201 (sarah.j@gmail.com).",
            "Sarah Johnson flew from Paris to Berlin on Monday to meet the Siemens board.",
            "john smith works at acme in paris and alice visited london",
            "李明在北京的清华大学工作，他下周去上海。")
PALETTE = ("#ff0051", "#008bfb", "#00a86b", "#ff9f1c", "#7b3fe4", "#e5a000", "#00b3b3", "#d62728", "#8c564b",
           "#e377c2", "#17becf", "#bcbd22")
TABLE = ["#", "entity", "label", "score", "start", "end"]
WHAT_IF = ["entity", "label before", "score before", "label after", "score after", "change"]


def colours(model) -> dict[str, str]:
    """One colour per entity type (B-/I- of one type share it), in the model's label order."""
    return {kind: PALETTE[i % len(PALETTE)] for i, kind in enumerate(entity_types(model.labels))}


def found(model, text: str, aggregation: str) -> list[dict]:
    """The text's entities as the explanations read them (``TokenClassifier.entity_rules``: the text and the
    aggregation checked there)."""
    return [{**entity, "text": text[int(entity["start"]): int(entity["end"])]}  # (as written: "word" is decoded)
            for entity, _ in model.entity_rules(text, aggregation)]


def highlighted(model, text: str, entities: list[dict]) -> tuple[list, dict, list]:
    """The text as HighlightedText segments (an entity's category: its type and score), the colour of each
    category, and which entity each segment is (None: plain text)."""
    palette = colours(model)
    segments, colour_map, which, at = [], {}, [], 0
    for k, entity in enumerate(sorted(range(len(entities)), key=lambda i: entities[i]["start"])):
        e = entities[entity]
        start, end = int(e["start"]), int(e["end"])
        if start < at:  # (overlapping: shown once)
            continue
        if start > at:
            segments.append((text[at:start], None))
            which.append(None)
        kind = entity_label(e)
        category = f"{kind} {float(e['score']):.2f}"
        colour_map[category] = palette.get(entity_type(kind), PALETTE[k % len(PALETTE)])
        segments.append((text[start:end], category))
        which.append(entity)
        at = end
    if at < len(text):
        segments.append((text[at:], None))
        which.append(None)
    return segments, colour_map, which


@handler
@gpu.work
def find_entities(text: str, model_name: str, aggregation: str, progress=gr.Progress()):
    """The text's entities: highlighted, as a table, as the choices to explain, and what the explain step reads."""
    model = resolve(model_name, TASK, progress)
    entities = found(model, text, aggregation)
    names = entity_names(entities, text)
    segments, colour_map, which = highlighted(model, text, entities)
    rows = [[k, e["text"], entity_label(e), round(float(e["score"]), 4), int(e["start"]), int(e["end"])]
            for k, e in enumerate(entities)]
    choices = [(f"{name}  ({float(e['score']):.3f})", name) for name, e in zip(names, entities)]
    said = (f"**{len(entities)} entities** ({markdown(aggregation)} aggregation). Click one in the text, or choose "
            "it below, to see why the model found it." if entities else
            f"The model finds no entity in this text ({markdown(aggregation)} aggregation).")
    state = {"text": text, "model": model_name, "aggregation": aggregation, "names": names, "which": which}
    return (gr.HighlightedText(value=segments, color_map=colour_map),
            {"headers": TABLE, "data": rows}, gr.Radio(choices=choices, value=names[0] if names else None),
            gr.Dropdown(choices=["", *entity_types(model.labels)], value=""), said, state)


def clicked(state: dict | None, evt: gr.SelectData):
    """The entity a click on the highlighted text chose (a click on plain text keeps the choice)."""
    if not state or not isinstance(evt.index, int) or not 0 <= evt.index < len(state["which"]):
        return gr.Radio()
    entity = state["which"][evt.index]
    return gr.Radio() if entity is None else gr.Radio(value=state["names"][entity])


@handler
@gpu.work
def explain_entity(text: str, model_name: str, aggregation: str, state: dict | None, chosen: str | None, method: str,
                   seed: int, contrast: str = "", progress=gr.Progress(), **values):
    """Why the model found ``chosen`` (rather than the ``contrast`` type, when given): the method on the text's
    words, the scorecard, the downloads."""
    if not state or state.get("text") != text or state.get("model") != model_name \
            or state.get("aggregation") != aggregation:
        raise InputError("Find the entities first: the entity explained is one the model finds in this text.")
    if not state["names"]:
        raise InputError("The model finds no entity in this text to explain.")
    chosen = chosen or state["names"][0]
    if chosen not in state["names"]:
        raise InputError("Choose one of the text's entities to explain.")
    model = resolve(model_name, TASK, progress)
    values = {**values, "aggregation": aggregation, "entity": str(state["names"].index(chosen))}
    e = explaining.run(model, text, method, progress, seed, values,
                       contrast=(contrast or None) if isinstance(contrast, str) else None)
    e, card = explaining.scored(model, e, progress)
    notes = bullets([*explanation_notes(e), faithfulness(card)])
    return (charts.attribution_bars(e, sort=True, top=TOP_WORDS), charts.text_heatmap(e), notes,
            write_files(e, "entities"), e.to_dict())


@handler
@gpu.work
def what_if_text(text: str, edited: str, model_name: str, aggregation: str, progress=gr.Progress()):
    """Each entity before and after an edit of the text: kept (its score's change), relabelled, gone, or new."""
    if not isinstance(edited, str) or not edited.strip() or edited == text:
        raise InputError("Edit the text first (the edited text is the same as the text).")
    model = resolve(model_name, TASK, progress)
    before, after = found(model, text, aggregation), found(model, edited, aggregation)
    rows = compared_entities(before, after)
    changed = sum(row[-1] != "kept" for row in rows)
    rows = [[*row[:-1], say(row[-1])] for row in rows]  # (kept, relabelled, gone, new: in the request's language)
    said = f"**{changed}** of {len(rows)} entities changed ({len(before)} before the edit, {len(after)} after)."
    return {"headers": WHAT_IF, "data": rows}, said


def compared_entities(before: list[dict], after: list[dict]) -> list[list]:
    """Entities matched by their words (in order, ignoring case): kept, relabelled, gone or new, with both scores."""
    def words(e: dict) -> str:
        return str(e.get("text", e["word"])).strip()

    rows, left = [], list(range(len(after)))
    for e in before:
        match = next((j for j in left if words(after[j]).lower() == words(e).lower()), None)
        if match is None:
            rows.append([words(e), entity_label(e), round(float(e["score"]), 4), "", None, "gone"])
            continue
        left.remove(match)
        a = after[match]
        change = "kept" if entity_label(a) == entity_label(e) else "relabelled"
        rows.append([words(e), entity_label(e), round(float(e["score"]), 4), entity_label(a), round(float(a["score"]), 4), change])
    rows += [[words(after[j]), "", None, entity_label(after[j]), round(float(after[j]["score"]), 4), "new"] for j in left]
    return rows


def render(page: Page) -> None:
    gr.Markdown("**Entities** — a token classifier (named entities, personal data, any ...ForTokenClassification) "
                "finds the entities of your text, grouped as transformers' pipeline groups them. Click an entity to "
                "see which words made the model find it, with any method, and why it is this type *rather than* "
                "another. Every entity's explanation comes from the same masked texts, so explaining one costs what "
                "explaining all of them does.")
    with gr.Row():
        with gr.Column(scale=3):
            text = gr.Textbox(label="Text", lines=3, max_length=20_000, value=EXAMPLES[0])
            gr.Examples([[e] for e in EXAMPLES], [text], label="Example texts")
        with gr.Column(scale=2):
            model = page.models.dropdown(SERVES, info="a token classifier; start the app with --model PATH (a "
                                                      "...ForTokenClassification folder), or on a Space, for one "
                                                      "to be listed")
            aggregation = gr.Dropdown(list(AGGREGATIONS), value="first", label="Aggregation",
                                   info="how token labels become entities (transformers' aggregation_strategy): "
                                        "first/average/max label whole words, simple B-/I- runs of tokens")
    if not model.choices and not model.allow_custom_value:  # (offline, none listed: say how to get one)
        gr.Markdown(f"*{markdown(str(not_listed(TASK)))}*")
    find = gr.Button("Find entities", variant="primary")
    shown_text = gr.HighlightedText(label="Entities (click one to explain it)", show_legend=False,
                                    show_inline_category=True, combine_adjacent=False, interactive=False)
    said = gr.Markdown()
    table = gr.Dataframe(label="Entities", headers=TABLE, interactive=False, wrap=True)
    state = gr.State(None)
    chosen = gr.Radio([], label="Explain the entity", info="the entities with their scores")
    method, params, seed = method_row()
    contrast = gr.Dropdown([""], value="", label="Rather than", allow_custom_value=True,
                           info="another entity type: why this type and not that one (log score − log score of the "
                                "same tokens as that type); empty: none")
    run = gr.Button("Explain this entity", variant="primary")
    bars = gr.Plot(label="Words")
    heat = gr.Plot(label="Text heatmap")
    notes = gr.Markdown()
    files = downloads()
    report_button = report.render()
    explained = on_screen()
    with gr.Accordion("What if the text were different?", open=False):
        edited = gr.Textbox(label="Edited text", lines=2, max_length=20_000, value=EXAMPLES[0],
                            info="its entities beside the text's: kept, relabelled, gone or new")
        compare = gr.Button("Compare the entities", variant="primary")
        compared = gr.Dataframe(label="Each entity before and after the edit", headers=WHAT_IF, interactive=False)
        compared_note = gr.Markdown()
    shown = [bars, heat, notes, files, explained]
    find.click(find_entities, [text, model, aggregation], [shown_text, table, chosen, contrast, said, state],
               api_name="find_entities")
    shown_text.select(clicked, [state], [chosen], api_name=False, queue=False, show_progress="hidden")
    run.click(explain_entity, [text, model, aggregation, state, chosen, method, seed, contrast], shown,
              inputs_kwargs=params, api_name="explain_entity")
    report.wire(report_button, report.of_explanation, [explained])
    compare.click(what_if_text, [text, edited, model, aggregation], [compared, compared_note], api_name="what_if_entities")
    text.change(lambda value: value, text, edited, api_name=False, queue=False, show_progress="hidden")
    clear_on_change([text, model, aggregation], [shown_text, table, said, state, *shown, compared, compared_note])
    clear_on_change([edited], [compared, compared_note])
    clear_on_change([chosen, method, seed, contrast, *params.values()], shown)
