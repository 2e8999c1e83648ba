"""The Generate tab's handlers, called as the page calls them, on a tiny GPT-2 listed as an operator's folder:
the continuation chart holds the model's own token probabilities, the token choices are the explained targets,
and explaining a token gives the library's explanation of it; bad input is one sentence."""
from __future__ import annotations

import gradio as gr
import numpy as np
import pytest

from explain import explain
from model import load_model, unregister_model
from model.loading.load import forget
from model.loading.operator import register_folder
from model.tiny.decoders import build
from ui.generate import explain_token, generate

PROMPT = "the capital of france is"


def quiet(*args, **kwargs):
    return None


@pytest.fixture(scope="module")
def decoder(tmp_path_factory):
    spec = register_folder(build(tmp_path_factory.mktemp("view") / "view-gpt2", "gpt2"))
    yield spec.name
    unregister_model(spec.name)
    forget(spec.name)


def test_generating_draws_each_token_with_its_probability(decoder):
    model = load_model(decoder)
    chart, tokens, said, state = generate(PROMPT, decoder, 6, "", progress=quiet)
    ids = model.generate_ids(model.tokenize(PROMPT).ids, 6)
    assert state["continuation_ids"] == ",".join(map(str, ids)) and state["continuation"] == model.decode(ids)
    expected = model.continuation_logprobs([model.tokenize(PROMPT).ids], ids)[0]
    np.testing.assert_allclose(chart.data[0].y, np.exp(expected), rtol=1e-6)
    e = explain(model, PROMPT, "occlusion", max_new_tokens=6)
    assert [value for _, value in tokens.choices] == list(e.targets) == state["names"] and tokens.value == e.targets[0]
    assert f"({len(ids)} tokens, greedy)" in said
    # a typed continuation is the one drawn
    _, tokens, said, state = generate(PROMPT, decoder, 6, " paris and london", progress=quiet)
    assert state["continuation_ids"] == ",".join(map(str, model.continuation_ids(" paris and london")))
    assert "typed" in said and len(tokens.choices) == 3


def test_explaining_a_token_is_the_librarys_explanation_of_it(decoder):
    model = load_model(decoder)
    *_, state = generate(PROMPT, decoder, 6, " paris and london", progress=quiet)
    bars, heat, notes, files, chart, explained = explain_token(PROMPT, decoder, state, state["names"][2], "occlusion",
                                                               0, "", progress=quiet)
    expected = explain(model, PROMPT, "occlusion", continuation=" paris and london", target=state["names"][2])
    assert explained["targets"] == [state["names"][2]]
    np.testing.assert_allclose(explained["word_attributions"], expected.word_attributions)
    assert sorted(bars.data[0].x) == sorted(expected.word_attributions[:, 0].tolist())
    assert chart.data[0].marker.line.width[2] == 3  # the explained token is outlined
    assert "Faithfulness" in notes and len(files) >= 2
    # rather than another token: log p(A) - log p(B) at that position
    *_, why = explain_token(PROMPT, decoder, state, state["names"][0], "occlusion", 0, " london", progress=quiet)
    a = explain(model, PROMPT, "occlusion", continuation=" paris").word_attributions
    b = explain(model, PROMPT, "occlusion", continuation=" london").word_attributions
    np.testing.assert_allclose(why["word_attributions"], a - b, atol=1e-5)


def test_bad_input_is_one_sentence(decoder):
    *_, state = generate(PROMPT, decoder, 4, " paris", progress=quiet)
    for call, words in (
            (lambda: explain_token(PROMPT, decoder, None, "", "occlusion", 0, "", progress=quiet), "Generate first"),
            (lambda: explain_token(PROMPT, decoder, state, "9:x", "occlusion", 0, "", progress=quiet), "Choose one"),
            (lambda: explain_token(PROMPT, decoder, state, "", "occlusion", 0, " paris and", progress=quiet),
             "must be one token"),
            (lambda: generate("", decoder, 4, "", progress=quiet), "text"),
            (lambda: generate(PROMPT, "intent-minilm", 4, "", progress=quiet), "not a generation model|generation"),
            (lambda: generate(PROMPT, decoder, 0, "", progress=quiet), "max_new_tokens"),
            (lambda: generate(PROMPT, decoder, 4, "", True, progress=quiet), "no chat template")):
        with pytest.raises(gr.Error, match=words) as err:
            call()
        assert "\n" not in str(err.value)


def test_the_what_if_editor_reads_the_same_continuation_after_the_edited_prompt(decoder):
    from ui.generate import what_if_prompt

    model = load_model(decoder)
    *_, state = generate(PROMPT, decoder, 6, " paris and london", progress=quiet)
    edited = "the capital of spain is"
    chart, said = what_if_prompt(PROMPT, edited, decoder, state, progress=quiet)
    ids = model.continuation_ids(" paris and london")
    after = model.continuation_logprobs([model.tokenize(edited).ids], ids)[0]
    np.testing.assert_allclose(chart.data[0].y, np.exp(state["logprobs"]), rtol=1e-6)
    np.testing.assert_allclose(chart.data[1].y, np.exp(after), rtol=1e-6)
    assert f"{float(after.sum() - sum(state['logprobs'])):+.3f}" in said
    assert "The model itself would write: " in said
    for args, words in (((PROMPT, PROMPT, decoder, state), "Edit the prompt"),
                        ((PROMPT, edited, decoder, None), "Generate first")):
        with pytest.raises(gr.Error, match=words):
            what_if_prompt(*args, progress=quiet)


def test_every_tokens_faithfulness_is_the_scorecard_of_each_token(decoder):
    from explain import evaluate
    from ui.generate import score_every_token

    model = load_model(decoder)
    *_, state = generate(PROMPT, decoder, 6, " paris and london", progress=quiet)
    chart, table = score_every_token(PROMPT, decoder, state, "occlusion", 0, progress=quiet)
    e = explain(model, PROMPT, "occlusion", continuation=" paris and london")
    assert [row[0] for row in table["data"]] == list(e.targets) and table["headers"][:4] == [
        "token", "p", "comprehensiveness", "sufficiency"]
    for j, row in enumerate(table["data"]):
        card = evaluate(e, ["comprehensiveness", "sufficiency"], target=j, model=model)
        assert row[2:] == [round(card.values["comprehensiveness"].value, 4), round(card.values["sufficiency"].value, 4),
                           round(card.values["comprehensiveness"].random, 4),
                           round(card.values["sufficiency"].random, 4)]
    np.testing.assert_allclose(chart.data[0].y, [row[2] for row in table["data"]], atol=1e-4)
    with pytest.raises(gr.Error, match="Generate first"):
        score_every_token(PROMPT, decoder, None, "occlusion", 0, progress=quiet)
