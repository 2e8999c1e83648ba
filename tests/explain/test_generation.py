"""Decoders (task ``generation``): tiny random GPT-2, Llama (grouped-query attention) and Qwen2 folders,
each checked against transformers and captum: generation equal to ``generate(do_sample=False)``, outputs equal
to ``log_softmax`` of the model's own logits, occlusion equal to the explicit loop, SHAP additive per
continuation token, IG equal to captum's ``LayerIntegratedGradients``, contrast equal to the difference of
the two explanations, one forward per perturbation however many tokens are explained."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from explain import evaluate, explain
from explain.charts.explanation import notes as explanation_notes
from model import InputError, ModelUnavailable, load_model
from model.tiny.decoders import DECODERS, EVERY_DECODER, build

PROMPT = "the capital of france is"
CONTINUATION = " paris and london"


@pytest.fixture(scope="module", params=DECODERS)
def decoder(request, tmp_path_factory):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = build(tmp_path_factory.mktemp(request.param) / "lm", request.param)
    reference = AutoModelForCausalLM.from_pretrained(str(folder), attn_implementation="eager").eval()
    return load_model(folder), reference, AutoTokenizer.from_pretrained(str(folder)), request.param


def reference_logprobs(reference, ids: list[int], continuation: list[int]) -> np.ndarray:
    """log_softmax of the model's own logits at the position before each continuation token."""
    with torch.no_grad():
        logits = reference(input_ids=torch.tensor([ids + continuation])).logits[0]
    logp = torch.log_softmax(logits.double(), -1)
    start = len(ids) - 1
    return np.array([logp[start + j, t].item() for j, t in enumerate(continuation)])


def test_a_decoder_folder_loads_as_generation_and_generates_like_transformers(decoder):
    model, reference, tokenizer, kind = decoder
    assert model.task == "generation" and model.readout == "last"
    assert model.filler == ("pad" if kind == "qwen2" else "eos")
    assert model.tokenize(PROMPT).special[0] == (kind == "llama")  # (Llama's <s>, as its tokenizer adds it)
    for prompt, n in ((PROMPT, 8), ("a dog and a cat", 5)):
        encoded = tokenizer(prompt, return_tensors="pt")
        expected = reference.generate(**encoded, max_new_tokens=n, do_sample=False,
                                      pad_token_id=model.pad_token_id)[0, encoded.input_ids.shape[1]:].tolist()
        if tokenizer.eos_token_id in expected:
            expected = expected[: expected.index(tokenizer.eos_token_id)]
        assert model.generate_ids(model.tokenize(prompt).ids, n) == expected
        assert model.generate(prompt, n) == tokenizer.decode(expected, clean_up_tokenization_spaces=False)


def test_outputs_are_the_continuations_log_probabilities(decoder):
    model, reference, _, _ = decoder
    e = explain(model, PROMPT, "occlusion", continuation=CONTINUATION)
    ids, continuation = list(model.tokenize(PROMPT).ids), model.continuation_ids(CONTINUATION)
    assert e.task == "generation" and e.meta["output"] == "log-probability"
    assert e.targets == tuple(f"{j + 1}:{model.token_text(t).replace(' ', '␣')}" for j, t in enumerate(continuation))
    np.testing.assert_allclose(e.outputs, reference_logprobs(reference, ids, continuation), atol=1e-5)
    np.testing.assert_allclose(e.probabilities, np.exp(e.outputs), rtol=1e-5)
    # a batch of prompts of different lengths (left-padded inside) gives each prompt's own numbers
    shorter = ids[:-2]
    together = model.continuation_logprobs([ids, shorter], continuation)
    np.testing.assert_allclose(together[1], reference_logprobs(reference, shorter, continuation), atol=1e-5)


def test_occlusion_is_the_explicit_loop_with_the_filler_token(decoder):
    model, reference, _, _ = decoder
    e = explain(model, PROMPT, "occlusion", continuation=CONTINUATION, granularity="token")
    tokens = model.tokenize(PROMPT)
    ids, continuation = list(tokens.ids), model.continuation_ids(CONTINUATION)
    full = reference_logprobs(reference, ids, continuation)
    for i in tokens.content_positions:
        removed = ids[:i] + [model.pad_token_id] + ids[i + 1:]
        np.testing.assert_allclose(e.attributions[i], full - reference_logprobs(reference, removed, continuation),
                                   atol=1e-5)
    assert all(e.attributions[i].tolist() == [0.0] * len(e.targets) for i in range(len(ids)) if tokens.special[i])
    filler = model.tokenizer.convert_ids_to_tokens(model.pad_token_id)
    said = "pad token" if model.filler == "pad" else "end-of-sequence token (the tokenizer has no pad token)"
    assert e.meta["removal"] == f"A removed prompt token becomes the {said} {filler!r}."
    assert e.meta["removal"] in explanation_notes(e)


def test_shap_adds_up_for_every_continuation_token(decoder):
    model, *_ = decoder
    e = explain(model, PROMPT, "shap", continuation=CONTINUATION)
    np.testing.assert_allclose(e.attributions.sum(0) + e.base_values, e.outputs, atol=1e-5)
    # the base value is the log-probability with every prompt token removed
    tokens = model.tokenize(PROMPT)
    empty = [i if special else model.pad_token_id for i, special in zip(tokens.ids, tokens.special)]
    np.testing.assert_allclose(e.base_values, model.continuation_logprobs(
        [empty], model.continuation_ids(CONTINUATION))[0], atol=1e-5)


def test_integrated_gradients_equal_captums_layer_integrated_gradients(decoder):
    from captum.attr import LayerIntegratedGradients

    model, reference, _, _ = decoder
    e = explain(model, PROMPT, "ig", continuation=CONTINUATION, steps=64)
    tokens = model.tokenize(PROMPT)
    continuation = model.continuation_ids(CONTINUATION)
    n = len(tokens)
    ids = torch.tensor([list(tokens.ids) + continuation])
    baseline = torch.tensor([[i if s else model.pad_token_id for i, s in zip(tokens.ids, tokens.special)]
                             + continuation])
    for j, token in enumerate(continuation):
        def logprob(input_ids, j=j, token=token):
            return torch.log_softmax(reference(input_ids=input_ids).logits, -1)[:, n - 1 + j, token]

        expected = LayerIntegratedGradients(logprob, reference.get_input_embeddings()).attribute(
            ids, baselines=baseline, n_steps=64, method="gausslegendre").sum(-1)[0].detach().numpy()
        np.testing.assert_allclose(e.attributions[:, j], expected[:n], atol=1e-5)
        assert np.abs(expected[n:]).max() == 0  # (the continuation is the same in the input and the baseline)
    assert max(e.meta["completeness_gap"]) < 0.05


def test_a_contrast_is_the_difference_of_the_two_explanations(decoder):
    model, reference, _, _ = decoder
    for method in ("occlusion", "shap", "ig"):
        why = explain(model, PROMPT, method, continuation=" paris", contrast=" london")
        a = explain(model, PROMPT, method, continuation=" paris")
        b = explain(model, PROMPT, method, continuation=" london")
        assert why.meta["output"] == "log-probability difference" and why.meta["contrast"] == " london"
        np.testing.assert_allclose(why.outputs, a.outputs - b.outputs, atol=1e-5)
        np.testing.assert_allclose(why.attributions, a.attributions - b.attributions, atol=1e-4)


def test_explaining_twenty_tokens_costs_the_forwards_of_one(decoder):
    model, *_ = decoder
    one = explain(model, PROMPT, "shap", continuation=" paris", max_evals=100, use_cache=False)
    many = explain(model, PROMPT, "shap", max_new_tokens=20, max_evals=100, use_cache=False)
    assert len(many.targets) == len(many.meta["options"]["continuation_ids"].split(",")) > 1
    assert many.meta["model_evaluations"] == one.meta["model_evaluations"]


def test_the_greedy_continuation_is_explained_and_recorded(decoder):
    model, *_ = decoder
    e = explain(model, PROMPT, "occlusion", max_new_tokens=6)
    ids = model.generate_ids(model.tokenize(PROMPT).ids, 6)
    assert e.meta["options"]["continuation_ids"] == ",".join(map(str, ids))
    assert e.meta["options"]["continuation"] == model.decode(ids) and len(e.targets) == len(ids)
    again = explain(model, PROMPT, "occlusion", continuation_ids=e.meta["options"]["continuation_ids"])
    np.testing.assert_allclose(again.attributions, e.attributions)


def test_every_method_explains_a_continuation_and_the_scorecard_scores_each_token(decoder):
    model, reference, _, _ = decoder
    for method in ("lime", "grad_input", "hierarchical", "attention", "rollout"):
        e = explain(model, PROMPT, method, continuation=CONTINUATION)
        assert e.attributions.shape == (len(model.tokenize(PROMPT)), 3), method
        assert np.isfinite(e.attributions).all(), method
    attention = explain(model, PROMPT, "attention", continuation=CONTINUATION)
    with torch.no_grad():
        own = reference(input_ids=torch.tensor([list(model.tokenize(PROMPT).ids)]), output_attentions=True).attentions
    np.testing.assert_allclose(attention.attention, torch.stack([a[0] for a in own]).numpy(), atol=1e-6)
    e = explain(model, PROMPT, "occlusion", continuation=CONTINUATION)
    for j in range(3):
        card = evaluate(e, target=j, model=model).to_dict()
        assert card["target"] == e.targets[j] and card["output"] == "log-probability"
        assert np.isfinite(card["comprehensiveness"]) and np.isfinite(card["sufficiency"])


def test_bad_requests_get_one_sentence(decoder):
    model, *_ = decoder
    for kwargs, words in ((dict(contrast=" paris and"), "must be one token"),
                          (dict(continuation="", continuation_ids="x,1"), "token ids separated by commas"),
                          (dict(continuation=CONTINUATION, target="9:nothing"), "not a continuation token"),
                          (dict(continuation=CONTINUATION, labels=["a"]), "takes no labels"),
                          (dict(continuation=" paris" * 200), "reads at most"),
                          (dict(continuation_ids="999999"), "outside this model's vocabulary"),
                          (dict(max_new_tokens=0), "max_new_tokens must be")):
        with pytest.raises(InputError, match=words):
            explain(model, PROMPT, "occlusion", **kwargs)
    with pytest.raises(InputError, match="more than this model reads"):
        model.generate_ids(model.tokenize(PROMPT).ids * 20, 20)


def test_a_decoder_without_a_language_model_head_is_refused(tmp_path):
    from transformers import AutoModel

    from model.tiny.decoders import config, trained_tokenizer

    tokenizer = trained_tokenizer("llama")
    tokenizer.save_pretrained(str(tmp_path))
    AutoModel.from_config(config("llama", tokenizer)).save_pretrained(str(tmp_path), safe_serialization=True)
    with pytest.raises(ModelUnavailable, match="without a language-model head"):
        load_model(tmp_path)


@pytest.mark.parametrize("kind", [k for k in EVERY_DECODER if k not in DECODERS])
def test_every_listed_decoder_loads_generates_and_scores_like_transformers(kind, tmp_path):
    from transformers import AutoModelForCausalLM

    folder = build(tmp_path / kind, kind)
    model = load_model(folder)
    reference = AutoModelForCausalLM.from_pretrained(str(folder), attn_implementation="eager").eval()
    ids = list(model.tokenize(PROMPT).ids)
    with torch.no_grad():
        expected = reference.generate(input_ids=torch.tensor([ids]), max_new_tokens=5, do_sample=False,
                                      pad_token_id=model.pad_token_id)[0, len(ids):].tolist()
    if model.eos_id in expected:
        expected = expected[: expected.index(model.eos_id)]
    assert model.task == "generation" and model.generate_ids(ids, 5) == expected
    continuation = model.continuation_ids(CONTINUATION)
    np.testing.assert_allclose(model.continuation_logprobs([ids, ids[:-1]], continuation),
                               [reference_logprobs(reference, ids, continuation),
                                reference_logprobs(reference, ids[:-1], continuation)], atol=1e-5)
    e = explain(model, PROMPT, "shap", continuation=CONTINUATION)
    np.testing.assert_allclose(e.attributions.sum(0) + e.base_values, e.outputs, atol=1e-5)
    from model import internals

    if kind in ("gemma2", "gemma3_text"):  # (local and global layers alternate: not covered, in one sentence)
        with pytest.raises(InputError, match=f"is a {kind} model; Inside the Transformer covers"):
            internals.attention_steps(model, PROMPT, 0, 0)
        return
    for layer in range(2):  # Qwen3's per-head query/key norms, Phi-3's fused projection, Gemma's (1 + w) norms
        for head in range(4):
            steps = internals.attention_steps(model, PROMPT, layer, head)
            assert steps.p_difference <= steps.p_bound and steps.a_difference <= steps.a_bound, (layer, head)


def test_inside_applies_mistrals_sliding_window(tmp_path):
    from model import internals

    model = load_model(build(tmp_path / "mistral", "mistral", sliding_window=3))
    for layer in range(2):
        for head in range(4):
            steps = internals.attention_steps(model, PROMPT, layer, head)
            assert steps.p_difference <= steps.p_bound and steps.a_difference <= steps.a_bound, (layer, head)
    assert ((steps.P > 0).sum(1) == np.minimum(np.arange(1, len(steps.tokens) + 1), 3)).all()
    assert "a sliding window: each token reads at most the 3 tokens up to itself" in steps.notes


@pytest.mark.parametrize("kind", DECODERS)
def test_a_decoder_classifier_predicts_like_the_pipeline_and_is_explained(kind, tmp_path):
    from transformers import pipeline

    folder = build(tmp_path / kind, kind, head="classifier")
    model = load_model(folder)
    assert model.task == "classification" and model.readout == "last" and model.labels == ["NEGATIVE", "POSITIVE"]
    texts = ["the dog is very good", "a bad cat", "the capital of france is a city of the world and more"]
    reference = pipeline("text-classification", model=str(folder), top_k=None)
    for text, row in zip(texts, model.predict(texts)):  # (one batch: the shorter texts padded)
        expected = {r["label"]: r["score"] for r in reference([text])[0]}
        np.testing.assert_allclose(row, [expected["NEGATIVE"], expected["POSITIVE"]], atol=1e-5)
    e = explain(model, texts[2], "shap")
    np.testing.assert_allclose(e.attributions.sum(0) + e.base_values, e.outputs, atol=1e-5)
    ig = explain(model, texts[2], "ig", steps=64)
    assert max(ig.meta["completeness_gap"]) < 0.05
    # the differentiable path reads the same last token as the forward, padded rows included
    ids, mask = model.id_tensors([model.tokenize(t).ids for t in texts])
    with torch.no_grad():
        embedded = model.predict_embeds(model.input_embeddings()(ids), mask, ids).numpy()
    np.testing.assert_allclose(embedded, model.predict(texts), atol=1e-5)


@pytest.mark.parametrize("kind", DECODERS)
def test_zero_shot_by_prompting_scores_each_label_by_its_tokens_log_probability(kind, tmp_path):
    """Each label's share: softmax across labels of the total log-probability of " label." after the text and
    "\\nThis text is about", computed here on the model itself; explained like any zero-shot model."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = build(tmp_path / kind, kind)
    model = load_model(folder, task="zero-shot")
    assert model.task == "zero-shot" and load_model(folder).task == "generation"
    reference = AutoModelForCausalLM.from_pretrained(str(folder), attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    labels = ["dog", "city", "capital"]
    texts = [PROMPT, "a dog and a cat"]
    for template in (None, "The topic: {}!"):
        before, after = (template or "This text is about {}.").split("{}")
        bridge = tokenizer("\n" + before.rstrip(), add_special_tokens=False).input_ids
        for text, row in zip(texts, model.predict(texts, labels=labels, hypothesis_template=template)):
            ids = tokenizer(text).input_ids
            totals = []
            for label in labels:
                piece = tokenizer(" " + label + after, add_special_tokens=False).input_ids
                totals.append(reference_logprobs(reference, ids, bridge + piece)[len(bridge):].sum())
            np.testing.assert_allclose(row, np.exp(totals) / np.exp(totals).sum(), atol=1e-5)
    e = explain(model, PROMPT, "shap", labels=labels)
    np.testing.assert_allclose(e.attributions.sum(0) + e.base_values, e.outputs, atol=1e-5)
    ig = explain(model, PROMPT, "ig", labels=labels, target="city", steps=64)
    assert ig.targets == ("city",) and max(ig.meta["completeness_gap"]) < 0.05
    why = explain(model, PROMPT, "occlusion", labels=labels, target="city", contrast="dog")
    assert why.meta["output"] == "log-score difference"
    for bad, words in (({"labels": ["dog"]}, "at least two"), ({"labels": labels, "multi_label": True}, "on its own")):
        with pytest.raises(InputError, match=words):
            explain(model, PROMPT, "occlusion", **bad)


@pytest.mark.parametrize("kind", DECODERS)
def test_a_prompt_template_puts_instructions_before_the_text(kind, tmp_path):
    """'{text}' in the template says where the text goes: the instructions before it (after any start token), what
    follows it leads to the label; computed here on the model itself; only the text's tokens are explained."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = build(tmp_path / kind, kind)
    model = load_model(folder, task="zero-shot")
    reference = AutoModelForCausalLM.from_pretrained(str(folder), attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    labels, template = ["dog", "city", "capital"], "Classify the topic.\nText: {text}\nTopic: {}"
    instructions = tokenizer("Classify the topic.\nText: ", add_special_tokens=False).input_ids
    bridge = tokenizer("\nTopic:", add_special_tokens=False).input_ids
    texts = [PROMPT, "a dog and a cat"]
    for text, row in zip(texts, model.predict(texts, labels=labels, hypothesis_template=template)):
        ids = tokenizer(text).input_ids
        at = len(ids) - len(tokenizer(text, add_special_tokens=False).input_ids)  # (the start token, where one is)
        ids = ids[:at] + instructions + ids[at:]
        totals = [reference_logprobs(reference, ids, bridge + tokenizer(" " + label, add_special_tokens=False)
                                     .input_ids)[len(bridge):].sum() for label in labels]
        np.testing.assert_allclose(row, np.exp(totals) / np.exp(totals).sum(), atol=1e-5)
    ids, mask = model.id_tensors([model.tokenize(t).ids for t in texts])  # the differentiable path: the same shares
    with torch.no_grad():
        embedded = model.predict_embeds(model.input_embeddings()(ids), mask, ids, labels=labels,
                                        hypothesis_template=template).numpy()
    np.testing.assert_allclose(embedded, model.predict(texts, labels=labels, hypothesis_template=template), atol=1e-5)
    e = explain(model, PROMPT, "shap", labels=labels, hypothesis_template=template)
    assert [w.text for w in e.words] == PROMPT.split()  # the text's words alone
    np.testing.assert_allclose(e.attributions.sum(0) + e.base_values, e.outputs, atol=1e-5)
    ig = explain(model, PROMPT, "ig", labels=labels, target="city", steps=64, hypothesis_template=template)
    assert max(ig.meta["completeness_gap"]) < 0.05
    with pytest.raises(InputError, match="before '{}'"):
        model.predict([PROMPT], labels=labels, hypothesis_template="Topic: {}. Text: {text}")


def test_a_text_slot_is_refused_by_an_nli_model(zeroshot_model):
    with pytest.raises(InputError, match="for a decoder prompted to classify"):
        explain(zeroshot_model, "the home team won", "occlusion", labels=["sports", "politics"],
                hypothesis_template="{text} This is about {}.")


def test_inside_recomputes_every_decoder_head_equal_to_the_models_own_attention(decoder):
    """P and A of every layer and head, recomputed from the weights with the causal mask (and for Llama and Qwen2
    RMSNorm, rotary positions and grouped-query heads), equal the model's eager attention within float32's bound."""
    from model import internals

    model, _, _, kind = decoder
    text = "the capital of france is a city"
    layers, heads = model.attention_shape
    for layer in range(layers):
        for head in range(heads):
            steps = internals.attention_steps(model, text, layer, head)
            assert steps.p_difference <= steps.p_bound and steps.a_difference <= steps.a_bound, (layer, head)
            assert np.isneginf(steps.mask[0, 1:]).all() and (steps.P[np.triu_indices(len(steps.tokens), 1)] == 0).all()
    if kind == "gpt2":
        assert steps.key_head is None and internals.anatomy(model).position_kind == "learned"
    else:  # 4 query heads over 2 key/value heads: heads 3 and 4 read key/value head 2
        assert (steps.key_head, steps.sharing) == (1, (2, 3)) and "grouped-query" in " ".join(steps.notes)
        assert internals.position_view(model, 16).angles["full_attention"].shape == (16, model.transformer.config
                                                                                   .hidden_size // 8)
    summed = internals.embedding_sum(model, text)
    assert summed.difference < 1e-6
    lens = internals.layer_lens(model, text, continuation=" paris and london")
    assert lens.labels == ("1:␣paris", "2:␣and", "3:␣london") and lens.values.shape == (layers + 1, 3)
    np.testing.assert_allclose(lens.values[-1], explain(model, text, "occlusion", continuation=" paris and london")
                               .outputs, atol=1e-5)


def test_every_token_at_once_equals_each_token_alone(decoder):
    """One explanation of the whole continuation gives each token's own explanation (SHAP with a budget that
    exhausts its tree, occlusion, IG), where token j is explained with the continuation before it kept."""
    from model.tasks.generation import token_names

    model, *_ = decoder
    ids = model.continuation_ids(CONTINUATION)
    for method, params in (("shap", {"max_evals": 2000}), ("occlusion", {}), ("ig", {"steps": 32})):
        whole = explain(model, PROMPT, method, continuation=CONTINUATION, **params)
        for j in range(len(ids)):
            alone = explain(model, PROMPT, method, continuation_ids=",".join(map(str, ids[: j + 1])),
                            target=token_names(model, ids[: j + 1])[j], **params)
            np.testing.assert_allclose(whole.attributions[:, j], alone.attributions[:, 0], atol=1e-5)
            assert whole.outputs[j] == pytest.approx(alone.outputs[0], abs=1e-5)


def test_a_chat_template_wraps_the_prompt_and_only_the_prompt_is_explained(tmp_path):
    """Qwen2's tiny tokenizer has a chat template: the prompt becomes the user's message with the assistant's turn
    opened, token for token as transformers' apply_chat_template writes it; the template's tokens are never
    perturbed; the greedy continuation is generate's on those ids; a tokenizer without a template says so."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = build(tmp_path / "qwen2", "qwen2")
    model, tokenizer = load_model(folder), AutoTokenizer.from_pretrained(str(folder))
    reference = AutoModelForCausalLM.from_pretrained(str(folder), attn_implementation="eager").eval()
    expected = tokenizer.apply_chat_template([{"role": "user", "content": PROMPT}], add_generation_prompt=True,
                                             tokenize=True)["input_ids"]
    tokens = model.prompt_tokens(PROMPT, chat=True)
    assert list(tokens.ids) == expected
    assert [t for t, special in zip(tokens.tokens, tokens.special) if not special] == list(model.tokenize(PROMPT).tokens)
    e = explain(model, PROMPT, "occlusion", continuation=CONTINUATION, chat=True)
    ids = model.continuation_ids(CONTINUATION)
    np.testing.assert_allclose(e.outputs, reference_logprobs(reference, expected, ids), atol=1e-5)
    assert [w["text"] for w in e.to_dict()["words"]] == PROMPT.split()
    assert all(not e.attributions[i].any() for i, special in enumerate(tokens.special) if special)
    greedy = explain(model, PROMPT, "occlusion", max_new_tokens=5, chat=True)
    assert greedy.meta["options"]["continuation_ids"] == ",".join(map(str, model.generate_ids(expected, 5)))
    card = evaluate(e, target=0, model=model).to_dict()  # (the scorecard reads the same template)
    assert np.isfinite(card["comprehensiveness"])
    gpt2 = load_model(build(tmp_path / "gpt2", "gpt2"))
    with pytest.raises(InputError, match="no chat template"):
        explain(gpt2, PROMPT, "occlusion", continuation=CONTINUATION, chat=True)
