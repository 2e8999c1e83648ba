"""The page's shared pieces, without a server: controls from declarations, safe text, small handlers."""
from __future__ import annotations

import gradio as gr
import pytest

from explain import METHODS
from ui import safe
from ui.widgets import control

PAYLOAD = "<img src=x onerror=alert(7)><b>bold</b> https://evil.example/"


def test_number_presets_are_whole_numbers_for_whole_parameters():
    steps = next(p for p in METHODS["ig"].PARAMS if p.name == "steps")
    dropdown = control(steps)
    values = [choice[1] for choice in dropdown.choices]
    assert "25" in values and "25.0" not in values and values[0] == "auto"


def test_user_text_in_markdown_and_messages_is_never_markup_or_a_link():
    shown = safe.markdown(PAYLOAD + " www.evil.example mail@evil.example [x](javascript:y)\n# heading")
    assert "<img" not in shown and "<b>" not in shown and "&lt;img src=x" in shown
    assert "https\\://evil.example" in shown and "www\\.evil" in shown and "mail\\@evil" in shown
    assert "\\[x\\]" in shown and "\n" not in shown  # no link syntax, no new line (so no heading or list)
    assert safe.message(PAYLOAD) == "&lt;img src=x onerror=alert(7)&gt;&lt;b&gt;bold&lt;/b&gt; https://evil.example/"


def test_a_rejected_value_is_an_escaped_sentence(caplog):
    from model.errors import InputError
    from ui.handlers import handler

    @handler
    def refuses(value):
        raise InputError(f"{value!r} is not one of this model's labels.")

    try:
        refuses(PAYLOAD)
    except gr.Error as err:
        assert err.message.startswith("'&lt;img src=x onerror=alert(7)&gt;&lt;b&gt;bold&lt;/b&gt;")
    else:
        raise AssertionError("no error")

    @handler
    def numpy_bug(value):  # a ValueError that is not the project's own: a bug, not bad input
        raise ValueError("operands could not be broadcast together with shapes (3,) (4,)")

    with pytest.raises(gr.Error, match="Something went wrong on the server; the error has been logged."):
        numpy_bug(PAYLOAD)
    assert any(record.exc_info for record in caplog.records if "numpy_bug failed" in record.getMessage())


def test_every_label_above_half_is_shown():
    from ui.zero_shot import labels_above_half

    several = {"label": "a", "confidences": [{"label": "a", "confidence": 0.9}, {"label": "b", "confidence": 0.7},
                                             {"label": "c", "confidence": 0.2}]}
    assert labels_above_half(several)["num_top_classes"] == 2
    assert labels_above_half({"confidences": [{"label": "a", "confidence": 0.4}]})["num_top_classes"] == 1
    assert labels_above_half(None)["num_top_classes"] == 1


def test_sorting_redraws_the_bars_from_the_explanation_on_screen(additive):
    from explain import explain
    from ui.classify import redraw_bars

    e = explain(additive, "the movie was very good and the food was awful", "occlusion", target="score", cache=None)
    unsorted, ranked = redraw_bars(e.to_dict(), False), redraw_bars(e.to_dict(), True)
    assert list(unsorted.data[0].y)[:3] == ["the", "movie", "was"]
    assert list(abs(v) for v in ranked.data[0].x) == sorted((abs(v) for v in ranked.data[0].x), reverse=True)
    assert redraw_bars(None, True) is None


def test_the_page_wiring_keeps_results_when_only_the_sort_changes():
    import app

    demo = app.build()
    config = demo.config
    by_id = {c["id"]: c for c in config["components"]}
    sort = next(c for c in config["components"] if c["type"] == "checkbox" and
                str(c["props"].get("label", "")).startswith("Sort words"))
    targets = [[by_id[t[0]]["type"] for t in d["targets"] if t[0] == sort["id"]] for d in config["dependencies"]]
    outputs = [d["outputs"] for d in config["dependencies"] if any(t[0] == sort["id"] for t in d["targets"])]
    assert targets and len(outputs) == 2  # the sort box redraws the bars and the comparison, and clears nothing
    assert sorted(by_id[o[0]]["props"].get("label") for o in outputs) == ["Methods compared", "Word contributions"]
    tables = [c for c in config["components"] if c["type"] == "dataframe"]
    assert all(c["props"]["value"]["headers"] and c["props"]["value"]["headers"] != ["1", "2", "3"] for c in tables)


@pytest.mark.parametrize("payload", [-1, 1e400, None, float("nan"), 2**40])
def test_a_number_out_of_range_gets_the_range(payload):
    """Seed -1, seed 1e400 (which arrives as infinity or None) and the like were "must be a number"."""
    from ui.widgets import SEED_MAX, Number

    seed = Number(value=0, precision=0, minimum=0, maximum=SEED_MAX, label="Seed")
    with pytest.raises(gr.Error) as refused:
        seed.preprocess(payload)
    assert refused.value.message.startswith("Seed must be a whole number from 0 to 4,294,967,295; got ")
    assert seed.preprocess(7) == 7


def test_what_the_page_redraws_from_is_held_by_the_page():
    """A redraw, a report and a chosen sentence read the explanation the page holds beside what it shows, never the
    server's copy (a State): an edit's emptying that reached the server after the result on screen emptied that
    copy, and the next redraw drew nothing. The held value stays out of the HTTP API."""
    import app
    from ui import classify, compare, document, report
    from ui.widgets import on_screen

    demo = app.build()
    readers = {classify.redraw_bars, compare.redraw_comparison, report.of_explanation, report.of_comparison,
               document.chosen, document.follow, document.follow_heatmap}
    reading = [f for f in demo.fns.values() if getattr(f.fn, "__wrapped__", f.fn) in readers or f.fn in readers]
    assert len(reading) >= 11  # (Classify, Zero-shot, Generate, Dataset: bars, comparison, reports, sentences)
    assert not [f.name for f in reading if any(isinstance(c, gr.State) for c in f.inputs)]
    held = on_screen()
    explained = {"words": ["a", "b"], "values": [0.5, float("nan")]}
    back = held.preprocess(held.postprocess(explained))
    assert back["words"] == ["a", "b"] and back["values"][0] == 0.5 and back["values"][1] != back["values"][1]
    assert held.preprocess(held.postprocess(None)) is None and held.skip_api
    with pytest.raises(ValueError, match="not JSON"):
        held.preprocess("{broken")
    returns = demo.get_api_info()["named_endpoints"]
    assert len(returns["/classify"]["returns"]) == 5 and len(returns["/zero_shot"]["returns"]) == 6
