""""Your reason": the words a user types or marks as what justifies the label, and how plausible
each explanation is against them (ERASER's measures, ``explain.plausibility``).

The reason is typed (phrases separated by ``|``, each matched as whole words wherever it occurs)
or marked (words of the text picked by position, so a repeated word is told apart). Both are only
data: character spans of the text, never rendered as HTML."""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

import gradio as gr

from explain import Explanation, plausibility, rationale_spans
from explain.metrics.plausibility import MEASURES, TITLES, random_baseline
from explain.text.segment import word_spans
from model.errors import InputError

from .handlers import handler
from .safe import markdown

WORD = re.compile(r"\w+(?:['’-]\w+)*")  # (dictionary words where a script writes no spaces: explain.text.segment)
MAX_MARKABLE = 2_000  # words offered for marking (a longer text: type the reason)


@dataclass
class Reason:
    typed: gr.Textbox
    marked: gr.Dropdown


def render() -> Reason:
    """The reason box: typed phrases and marked words, side by side."""
    with gr.Accordion("Your reason: the words that justify the label (adds plausibility)", open=False):
        with gr.Row():
            typed = gr.Textbox(label="Type the words", max_length=2_000, placeholder="e.g. transfer | savings account",
                               info="phrases separated by |, each matched as whole words wherever it occurs")
            # (any value reaches the handler, which keeps only words of the text: the choices follow the text)
            marked = gr.Dropdown([], value=[], multiselect=True, label="…or mark them in the text",
                                 info="a repeated word is numbered in text order; words marked side by side are one "
                                      "span, as a typed phrase is", allow_custom_value=True)
    return Reason(typed, marked)


def word_choices(text: str | None) -> list[tuple[str, str]]:
    """The text's words to mark: "was", "was (2)", … in text order, each valued by its character span."""
    seen: dict[str, int] = {}
    out = []
    text = text or ""
    for start, end in word_spans(text, WORD):
        word = text[start:end]
        seen[word.lower()] = seen.get(word.lower(), 0) + 1
        count = seen[word.lower()]
        out.append((word if count == 1 else f"{word} ({count})", f"{start}:{end}"))
        if len(out) >= MAX_MARKABLE:
            break
    return out


@handler
def follow_text(text: str | None):
    """The words offered for marking follow the text (what was marked is cleared)."""
    return gr.Dropdown(choices=word_choices(text), value=[])


def spans(text: str, typed: str | None, marked) -> list[tuple[int, int]]:
    """The reason as character spans of ``text`` (typed phrases and marked words together)."""
    out = set(rationale_spans(text, typed or ""))
    words = set(word_spans(text, WORD)) if marked else set()
    for value in marked or []:
        try:
            start, end = (int(part) for part in str(value).split(":"))
        except ValueError:
            raise InputError(f"{str(value)[:40]!r} is not a word of the text; mark words from the list.") from None
        if (start, end) not in words:
            raise InputError("A marked word is no longer a word of the text; mark the words again.")
        out.add((start, end))
    return joined(text, out)


def joined(text: str, spans) -> list[tuple[int, int]]:
    """Spans that touch, overlap or are apart only by whitespace made one: words marked side by side are
    one span, as the same words typed as a phrase are (ERASER's IOU-F1 counts spans, so it must not matter
    how the same reason was entered)."""
    out: list[list[int]] = []
    for start, end in sorted(spans):
        if out and not text[out[-1][1]:start].strip():
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def measured(e: Explanation, rationale: list[tuple[int, int]], target: int = 0) -> Explanation:
    """The explanation with its plausibility against the reason in meta (the downloads carry it)."""
    if not rationale or not e.targets:
        return e
    found = plausibility(e, rationale, target=target)
    return dataclasses.replace(e, meta={**e.meta, "plausibility": {**found.to_dict(),
                                                                   "rationale": [list(s) for s in rationale]}})


def line(e: Explanation, prefix: str = "") -> str:
    """The plausibility in one sentence beside a random ranking (safe Markdown), '' without a reason."""
    found = e.meta.get("plausibility")
    if not found:
        return ""
    rationale = [tuple(s) for s in found["rationale"]]
    control = random_baseline(e, rationale, target=e.targets.index(found["target"]))
    auprc = "undefined" if found["auprc"] is None else f"{found['auprc']:.3f}"
    random_auprc = "–" if control["auprc"] is None else f"{control['auprc']:.3f}"
    note = f" {markdown(found['note'])}" if found.get("note") else ""
    return (f"{markdown(prefix)}Plausibility against your reason ({found['k']} of {found['words']} words marked; "
            f"ERASER): token F1 {found['token_f1']:.3f} against {control['token_f1']:.3f} for a random ranking, "
            f"IOU-F1 {found['iou_f1']:.3f} against {control['iou_f1']:.3f}, AUPRC {auprc} against {random_auprc} "
            f"(higher is better).{note}")


def compared(explanations: list[Explanation], rationale, target: int = 0) -> tuple[list[dict], dict]:
    """Each method's five measures (None for one without an output) and the random ranking's."""
    per = [{"method": e.method, **plausibility(e, rationale, target=target).scores()} if e.targets
           else {"method": e.method, **{m: None for m in MEASURES}} for e in explanations]
    first = next((e for e in explanations if e.targets), None)
    control = random_baseline(first, rationale, target=target) if first is not None else {m: None for m in MEASURES}
    return per, control


SHOWN = ("token_f1", "iou_f1", "auprc")  # the Compare table's plausibility columns (precision = recall at k)


def table_columns(per: list[dict], control: dict) -> tuple[list[str], list[list]]:
    """Plausibility columns for the Compare table: a row per method, then the random ranking's."""
    def cells(scores: dict) -> list:
        return [None if scores[m] is None else round(scores[m], 4) for m in SHOWN]

    return [f"{TITLES[m]} ↑" for m in SHOWN], [*(cells(p) for p in per), cells(control)]
