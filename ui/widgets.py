"""Controls every tab shares: number inputs that answer bad values with one sentence, one control
per declared parameter (a method's ``PARAMS`` or a task's ``OPTIONS``), the method row, download
boxes, and clearing results whenever an input changes."""
from __future__ import annotations

import abc
import json

import gradio as gr

from explain import METHODS, Param
from explain.charts.style import method_label
from explain.registry import all_params
from model.validation import InputError, check_whole

from .locale import shown_label
from .safe import message

SEED_MAX = 2**32 - 1


def number_input(component):
    """A number control whose HTTP API answers a non-numeric value with one sentence of ours
    (Gradio's own check fails with a generic message and a traceback in the console). The
    instance's ``preprocess`` is wrapped rather than the class subclassed: Gradio writes a
    ``.pyi`` stub beside the source of every component subclass at import."""
    original = component.preprocess

    def preprocess(payload):
        try:
            if payload is None:
                raise ValueError("no value")
            return original(payload)
        except (TypeError, ValueError, gr.Error):  # (Gradio's own range refusal is a gr.Error without the range)
            shown = repr(payload) if len(repr(payload)) <= 60 else repr(payload)[:59] + "…"
            raise gr.Error(message(f"{shown_label(component.label) or 'This value'} must be {allowed(component)}; "
                                   f"got {shown}."), print_exception=False) from None

    component.preprocess = preprocess
    return component


def allowed(component) -> str:
    """The values a number control takes, in words ("a number from 0 to 4,294,967,295")."""
    low = getattr(component, "minimum", None)
    high = getattr(component, "maximum", None)
    whole = getattr(component, "whole", False) or getattr(component, "precision", None) == 0

    def shown(value) -> str:
        return f"{int(value):,}" if float(value).is_integer() and abs(value) < 1e15 else f"{value:g}"

    kind = "a whole number" if whole else "a number"
    if low is not None and high is not None:
        return f"{kind} from {shown(low)} to {shown(high)}"
    if low is not None:
        return f"{kind} of at least {shown(low)}"
    if high is not None:
        return f"{kind} of at most {shown(high)}"
    return kind


def Slider(*args, **kwargs) -> gr.Slider:  # noqa: N802 - a component constructor
    return number_input(gr.Slider(*args, **kwargs))


def Number(*args, **kwargs) -> gr.Number:  # noqa: N802 - a component constructor
    return number_input(gr.Number(*args, **kwargs))


NOT_GIVEN = "(the default)"  # an optional number left to the task's or model's own default (read back as None)


def control(param: Param, visible: bool = True):
    """One UI control for a declared parameter."""
    common = {"label": param.title, "info": param.help, "visible": visible}
    if param.kind == "choice":
        return gr.Radio(list(param.choices), value=param.default, **common)
    if param.kind == "bool":
        return gr.Checkbox(value=param.default, **common)
    if param.kind == "text":
        return gr.Textbox(value=param.default or "", max_length=int(param.high), placeholder="(the model's default)",
                          **common)
    if param.also:  # a number or a word ("auto"): presets to pick from, any value typed in
        base = param.default if isinstance(param.default, (int, float)) else (param.ui_high or param.high) / 2
        presets = [base * 2 ** k for k in range(-1, 5)]
        top = param.ui_high or param.high
        shown = [int(v) if param.kind == "int" else v for v in presets if param.low <= v <= top]
        return gr.Dropdown([*param.also, *(str(v) for v in shown)], value=str(param.default),
                           allow_custom_value=True, **common)
    if param.default is None:  # "not given" by default: a slider cannot be empty (it sent its minimum as if chosen)
        top = param.ui_high or param.high
        presets = [param.low + (top - param.low) * k / 4 for k in range(5)]
        shown = [str(int(v) if param.kind == "int" else round(v, 6)) for v in presets]
        return gr.Dropdown([(NOT_GIVEN, ""), *shown], value="", allow_custom_value=True, **common)
    step = param.step or (1 if param.kind == "int" else (param.high - param.low) / 100)
    slider = Slider(param.low, param.ui_high or param.high, value=param.default, step=step, **common)
    slider.whole = param.kind == "int"  # (what its refusal says: "a whole number from ...")
    return slider


def reading_controls(params) -> dict:
    """The task's long-text options (``model.windows.READING``) in a closed accordion, by name."""
    with gr.Accordion("Long texts: read whole as overlapping windows, or cut at the model's length", open=False):
        with gr.Row():
            return {p.name: control(p) for p in params}


def method_controls(default: str, methods: list[str] | None = None) -> dict:
    """The parameters of every method offered (default: all registered) as controls; those of ``default`` visible."""
    own = {p.name for p in METHODS[default].PARAMS}
    offered = {p.name for m in (methods or METHODS) for p in METHODS[m].PARAMS}
    return {name: control(param, name in own) for name, param in all_params().items() if name in offered}


def follow_method(method: str, controls: dict):
    """Show the selected method's controls (for a method radio's change event)."""
    own = {p.name for p in METHODS[method].PARAMS} if method in METHODS else set()
    return [gr.update(visible=name in own) for name in controls]


def default_method(methods: list[str]) -> str:
    return "shap" if "shap" in methods else methods[0]


def method_row(label: str = "Method", methods: list[str] | None = None):
    """A method radio with its parameter controls and a seed, wired to show the right controls."""
    methods = methods or list(METHODS)
    radio = gr.Radio([(method_label(m), m) for m in methods], value=default_method(methods), label=label)
    with gr.Row():
        controls = method_controls(radio.value, methods)
        seed = Number(value=0, precision=0, minimum=0, maximum=SEED_MAX, label="Seed", info="for methods that sample (LIME)")
    radio.change(lambda m: follow_method(m, controls), radio, list(controls.values()), api_name=False)
    return radio, controls, seed


def long_example_button(text_box: gr.Textbox) -> gr.Button:
    """Fills the text box with the bundled long document (a customer complaint of about 1,600 words)."""
    from .page import LONG_EXAMPLE

    text = LONG_EXAMPLE.read_text(encoding="utf-8")
    button = gr.Button(f"📄 Use the long example document ({len(text.split()):,} words: read as windows, explained "
                       "by sentence)", size="md", elem_classes=["example-file"])
    button.click(lambda: text, None, text_box, api_name=False, queue=False)
    return button


EXPLANATION_FILES = ("Download: JSON, words CSV, tokens CSV; for a text of several sentences a sentences CSV, and for a "
                     "long text the text itself (.txt), which the CSVs refer to")


def downloads(label: str = EXPLANATION_FILES, height: int | None = None) -> gr.File:
    """A download box whose label names every file it can hold; it grows to show them all (no file is
    hidden below a scroll)."""
    return gr.File(label=label, file_count="multiple", height=height)


def empty_value(component):
    """What ``component`` shows when empty, as its postprocessing would send it (a State: None)."""
    if getattr(component, "stateful", False):
        return None
    value = component.postprocess(None)
    return value.model_dump() if hasattr(value, "model_dump") else value


def cleared(outputs: list):
    """A handler that empties ``outputs`` (their empty values made once, here): results never stay on screen for
    other inputs."""
    empty = [empty_value(component) for component in outputs]

    async def clear(*_):
        return empty[0] if len(empty) == 1 else list(empty)

    return clear


# An emptying event is answered on the server's event loop as its request arrives: a coroutine, with nothing to
# pre- or postprocess, hands no work to a thread. (Run in a worker thread, a busy server answered one 2.7 s late,
# after the result the user asked for just after the edit, and emptied that result.)
AT_ONCE = {"api_name": False, "queue": False, "show_progress": "hidden", "preprocess": False, "postprocess": False}


def clear_on_change(inputs: list, outputs: list) -> None:
    """Empty the outputs whenever an input changes, so no result stays beside inputs it does not match."""
    for component in inputs:
        component.change(cleared(outputs), None, outputs, **AT_ONCE)


def whole(value, name: str, low: int, high: int) -> int:
    """A whole number from a control or the HTTP API (2.0 is 2), else one sentence naming it."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return check_whole(name, value, low, high)


def _read_shown(self, payload):
    text = gr.Textbox.preprocess(self, payload)
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise InputError("The page sent back an explanation that is not JSON: explain again.") from None


def _write_shown(self, value):
    return None if value is None else json.dumps(value)


# The class is made with ABCMeta's own ``__new__``: gradio's ComponentMeta writes a ``.pyi`` stub beside the source
# of every component class at import (into the repository, or failing on a read-only Space). ``is_template``: the
# page draws it as a textbox; ``skip_api``: the HTTP API leaves it out, as it leaves out a State.
_Shown = abc.ABCMeta.__new__(type(gr.Textbox), "Shown", (gr.Textbox,), {
    "__module__": __name__, "__doc__": "A value (plain JSON) held by the page, hidden.", "is_template": True,
    "skip_api": property(lambda self: True), "preprocess": _read_shown, "postprocess": _write_shown})


def on_screen() -> gr.Textbox:
    """What a tab redraws from (the explanation on screen), held by the page beside what it draws rather than by
    the server (a ``gr.State``). The page applies an edit's emptying and a result in one order, to what it shows
    and to this alike, so a redraw or a report always matches the screen. (Held by the server, an edit's emptying
    that reached it after a result the page was already showing emptied the server's copy: the report button then
    greyed and the bars vanished on the next redraw.)"""
    return _Shown(visible="hidden", show_label=False, container=False, interactive=False)  # (no label to translate)
