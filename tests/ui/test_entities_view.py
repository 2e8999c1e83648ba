"""The Entities tab's handlers, called as the page calls them, on a tiny BERT tagger listed as an operator's folder:
the highlighted text is the text cut at the entities the library finds (each coloured by its type, its score
shown), the choices are the explained targets, a click on an entity chooses it, explaining one gives the library's
explanation of it, the what-if table matches entities before and after; bad input is one sentence."""
from __future__ import annotations

import gradio as gr
import numpy as np
import pytest

from explain import explain
from model import load_model, unregister_model
from model.loading.load import forget
from model.loading.operator import register_folder
from model.tiny.architectures import build
from ui.entities import clicked, compared_entities, explain_entity, find_entities, what_if_text

TEXT = "john smith works at acme in paris and alice visited london"


def quiet(*args, **kwargs):
    return None


class Click:
    def __init__(self, index):
        self.index = index


@pytest.fixture(scope="module")
def tagger(tmp_path_factory):
    spec = register_folder(build(tmp_path_factory.mktemp("view") / "view-tagger", "bert", head="tokens", seed=3))
    yield spec.name
    unregister_model(spec.name)
    forget(spec.name)


def test_the_entities_are_highlighted_listed_and_chosen_by_a_click(tagger):
    model = load_model(tagger)
    shown, table, choices, contrast, said, state = find_entities(TEXT, tagger, "first", progress=quiet)
    segments = [(part["token"], part["class_or_confidence"]) for part in shown.value]
    expected = [entity for entity, _ in model.entity_rules(TEXT, "first")]
    assert "".join(part for part, _ in segments) == TEXT  # (nothing lost, nothing added)
    highlighted = [(part, category) for part, category in segments if category is not None]
    assert [part for part, _ in highlighted] == [TEXT[e["start"]:e["end"]] for e in expected]
    assert [category for _, category in highlighted] == [f"{e['entity_group']} {e['score']:.2f}" for e in expected]
    kinds = {category.split()[0]: shown.color_map[category] for _, category in highlighted}
    assert all(shown.color_map[c] == kinds[c.split()[0]] for _, c in highlighted)  # one colour per type
    assert [row[3] for row in table["data"]] == [round(e["score"], 4) for e in expected]
    e = explain(model, TEXT, "occlusion", aggregation="first")
    assert [value for _, value in choices.choices] == list(e.targets) == state["names"]
    assert set(contrast.choices) >= {("PER", "PER"), ("ORG", "ORG"), ("LOC", "LOC")}
    assert f"**{len(expected)} entities**" in said
    segment = next(i for i, (_, category) in enumerate(segments) if category is not None and i > 0)
    entity = state["which"][segment]
    assert clicked(state, Click(segment)).value == state["names"][entity]
    plain = state["which"].index(None)
    assert clicked(state, Click(plain)).value is None  # (a click on plain text keeps the choice)


def test_explaining_an_entity_is_the_librarys_explanation_of_it(tagger):
    model = load_model(tagger)
    *_, state = find_entities(TEXT, tagger, "first", progress=quiet)
    chosen = state["names"][1]
    bars, heat, notes, files, explained = explain_entity(TEXT, tagger, "first", state, chosen, "occlusion", 0, "",
                                                         progress=quiet)
    expected = explain(model, TEXT, "occlusion", aggregation="first", entity=1)
    assert explained["targets"] == [chosen]
    np.testing.assert_allclose(explained["word_attributions"], expected.word_attributions)
    assert sorted(bars.data[0].x) == sorted(expected.word_attributions[:, 0].tolist())
    assert chosen in bars.layout.title.text and "Faithfulness" in notes and len(files) >= 2
    rival = next(t for t in ("ORG", "PER") if f"({t})" not in chosen)
    *_, why = explain_entity(TEXT, tagger, "first", state, chosen, "occlusion", 0, rival, progress=quiet)
    assert why["meta"]["contrast"] == rival and why["meta"]["output"] == "log-score difference"
    for bad, said in ((None, "Find the entities first"), ({**state, "text": "other"}, "Find the entities first")):
        with pytest.raises(gr.Error, match=said):
            explain_entity(TEXT, tagger, "first", bad, chosen, "occlusion", 0, "", progress=quiet)
    with pytest.raises(gr.Error, match="Choose one of the text's entities"):
        explain_entity(TEXT, tagger, "first", state, "nobody (PER)", "occlusion", 0, "", progress=quiet)


def test_what_if_matches_the_entities_before_and_after(tagger):
    before = [{"word": "paris", "entity_group": "LOC", "score": 0.9}, {"word": "acme", "entity_group": "ORG", "score": 0.8}]
    after = [{"word": "Paris", "entity_group": "PER", "score": 0.7}, {"word": "rome", "entity_group": "LOC", "score": 0.6}]
    assert compared_entities(before, after) == [["paris", "LOC", 0.9, "PER", 0.7, "relabelled"],
                                                ["acme", "ORG", 0.8, "", None, "gone"],
                                                ["rome", "", None, "LOC", 0.6, "new"]]
    table, said = what_if_text(TEXT, TEXT.replace("paris", "rome"), tagger, "first", progress=quiet)
    assert table["headers"][-1] == "change" and len(table["data"]) >= 1 and "entities changed" in said
    with pytest.raises(gr.Error, match="Edit the text first"):
        what_if_text(TEXT, TEXT, tagger, "first", progress=quiet)
