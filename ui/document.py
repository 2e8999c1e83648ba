"""The document view, shared by Classify, Zero-shot and Dataset: a long text (or one explained by
sentence) shown whole with each sentence shaded by its value, the sentences ranked, and the words
of the sentence the user chooses. Hidden for a short text explained word by word."""
from __future__ import annotations

from dataclasses import dataclass

import gradio as gr

from explain import Explanation
from explain.charts import document as charts
from model.tasks import TASKS
from model.tasks.base import Words
from model.validation import counted

from .widgets import AT_ONCE

BY_SENTENCE = ("sentence", "paragraph")


@dataclass
class DocumentView:
    group: gr.Column
    summary: gr.Markdown
    shaded: gr.HighlightedText
    ranked: gr.Plot
    choose: gr.Dropdown
    words: gr.Plot
    words_note: gr.Markdown

    @property
    def outputs(self) -> list:
        return [self.group, self.summary, self.shaded, self.ranked, self.choose, self.words, self.words_note]


def wanted(e: Explanation | None) -> bool:
    """A document view for a text read as windows, or explained by sentence or paragraph."""
    if e is None or not e.targets or not e.sentences:
        return False
    return bool(e.meta.get("windows")) or e.meta.get("granularity") in BY_SENTENCE or e.method == "hierarchical"


def reading(e: Explanation) -> str:
    """How the text was read, in one safe Markdown paragraph."""
    windows = e.meta.get("windows")
    paragraphs = len({s.paragraph for s in e.sentences})
    size = f"{counted(len(e.words), 'word')}, {counted(len(e.sentences), 'sentence')} in {counted(paragraphs, 'paragraph')}"
    if not windows:
        return f"The model read the whole text at once ({size})."
    rule = TASKS[e.task].WORDS.window_rule if e.task in TASKS else Words().window_rule  # (the task's own words)
    line = (f"**Read as {windows['count']} windows of {windows['window_tokens']} tokens** ({windows['overlap']} "
            f"tokens shared with the next): {rule}. {size}.")
    if windows.get("forwards_without_reuse"):
        line += (f" The explanation ran {windows['forwards']:,} window forwards "
                 f"({windows['forwards_without_reuse']:,} without reusing the windows its evaluations left unchanged).")
    return line  # (numbers and fixed words only: no user text to escape)


def render(label: str = "The text by sentence") -> DocumentView:
    with gr.Column(visible=False) as group:
        summary = gr.Markdown()
        shaded = gr.HighlightedText(label=f"{label} (red raises the explained output, blue lowers it)",
                                    show_legend=False, show_inline_category=False, combine_adjacent=False)
        with gr.Row():
            ranked = gr.Plot(label="Sentences ranked")
            with gr.Column():
                choose = gr.Dropdown([], label="Choose a sentence to see its words", interactive=True)
                words = gr.Plot(label="Its words")
                words_note = gr.Markdown()
    return DocumentView(group, summary, shaded, ranked, choose, words, words_note)


def _choices(e: Explanation, target: int) -> list[tuple[str, int]]:
    """The sentences, largest |value| first, as dropdown choices (the label is plain text)."""
    values = e.sentence_attributions[:, target]
    order = sorted(range(len(values)), key=lambda i: -abs(values[i]))
    return [(f"S{i + 1} ({values[i]:+.3g}): {_start(e.sentences[i].text)}", i) for i in order]


def _start(text: str, width: int = 90) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def words_of(e: Explanation, index: int, target: int = 0):
    """The chosen sentence's word chart and a note when its words only share its value."""
    if not 0 <= index < len(e.sentences):
        return None, ""
    note = ""
    if charts.words_shared_evenly(e, index, target):
        note = ("This sentence was explained as a whole, so its words share its value evenly; explain it word by word "
                "with the method **Sentences, then words** or a word granularity.")
    return charts.sentence_words(e, index, target), note


def show(e: Explanation | None, target: int = 0, force: bool = False) -> list:
    """Updates for ``DocumentView.outputs``: filled and shown when ``wanted`` (or ``force``d, for any
    explanation with sentences), else hidden and empty."""
    if not (wanted(e) or (force and e is not None and e.targets and e.sentences)):
        return [gr.Column(visible=False), "", None, None, gr.Dropdown(choices=[], value=None), None, ""]
    choices = _choices(e, target)
    first = choices[0][1] if choices else None
    words, note = words_of(e, first, target) if first is not None else (None, "")
    return [gr.Column(visible=True), reading(e), charts.sentence_shades(e, target), charts.ranked_sentences(e, target),
            gr.Dropdown(choices=choices, value=first), words, note]


def follow(explained: dict | None, target: int | None = 0) -> list:
    """After a tab's result (chained, so its API outputs stay what they were): whether the word
    bars and the word heatmap are shown (not for a text explained by sentence, nor the heatmap of a
    text read as windows: the document view takes their place), then the document view."""
    e = Explanation.from_dict(explained) if explained else None
    by_word = e is None or e.meta.get("granularity") not in BY_SENTENCE
    read_at_once = e is None or not e.meta.get("windows")
    return [gr.update(visible=by_word), gr.update(visible=read_at_once), *show(e, int(target or 0))]


def follow_heatmap(explained: dict | None, target: int | None = 0) -> list:
    """``follow`` for a tab without word bars to hide (Zero-shot's per-label bars draw sentences)."""
    return follow(explained, target)[1:]


async def _hidden(*_) -> list:
    return show(None)


def hide_on_change(inputs: list, view: DocumentView) -> None:
    """Hide (and empty) the view whenever an input changes, like every other result (at once: ``AT_ONCE``)."""
    for component in inputs:
        component.change(_hidden, None, view.outputs, **AT_ONCE)


def wire(view: DocumentView, shown: gr.Component, target=None) -> None:
    """Choosing a sentence draws its words from the explanation on screen (``shown``)."""
    inputs = [shown, view.choose] + ([target] if target is not None else [])
    view.choose.input(chosen, inputs, [view.words, view.words_note], api_name=False, queue=False,
                      show_progress="hidden")


def chosen(explained: dict | None, index, target: int = 0):
    """The words of the sentence picked in the dropdown, from the explanation on screen."""
    if not explained or index is None:
        return None, ""
    e = Explanation.from_dict(explained)
    try:
        index = int(index)
    except (TypeError, ValueError):
        return None, ""
    return words_of(e, index, target)
