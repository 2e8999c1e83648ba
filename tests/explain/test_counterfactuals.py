"""Counterfactuals: every returned text was run and changes the answer; ablation_flip and word_replace
return minimal edit sets (brute force over every subset); hotflip's substitute equals a loop over the
vocabulary; rules with odd input are one sentence or plain text."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from explain import counterfactuals
from explain.counterfactuals import Edit, apply_edits, exact, hotflip_scores, parse_rules, whole_word_vocabulary
from explain.text.features import words_of
from model.errors import InputError

SENTENCES = ["the movie was very good and the music was great", "the food was awful and the service was bad",
             "i love this film", "it is not a good example"]


def _answer(model, text, **kwargs) -> str:
    scores = model.predict([text], **({"labels": kwargs["labels"]} if "labels" in kwargs else {}))[0]
    names = kwargs.get("labels") or model.labels
    return names[int(np.argmax(scores))]


@pytest.mark.parametrize("text", SENTENCES)
def test_ablation_flips_are_verified_and_minimal_by_brute_force(classifier, text):
    found = counterfactuals(classifier, text, generator="ablation_flip", max_edits=3, limit=50)
    original = _answer(classifier, text)
    assert found.original["prediction"] == original
    words = [w for w in words_of(classifier.tokenize(text)) if w.is_word]
    every = {}  # every subset of words (up to 3) deleted: does it change the answer?
    for size in range(1, 4):
        for subset in itertools.combinations(range(len(words)), size):
            edited = apply_edits(text, exact(text, [Edit(words[i].start, words[i].end, words[i].text, "")
                                                    for i in subset]))
            every[frozenset(words[i].start for i in subset)] = _answer(classifier, edited) != original
    for c in found:
        assert _answer(classifier, c.text) == c.prediction != original  # run again here: it changes the answer
        assert apply_edits(text, c.edits) == c.text  # the edits cover exactly what changed
        starts = frozenset(e.start + len(e.before) - len(e.before.lstrip()) for e in c.edits)  # each word's start
        assert every[starts] and all(e.after == "" for e in c.edits)
        for size in range(1, len(starts)):  # no strict subset changes it
            assert not any(every[frozenset(sub)] for sub in itertools.combinations(starts, size))
        p = classifier.predict([c.text])[0]
        assert c.target_change == pytest.approx(p[classifier.labels.index(original)] - max(found.original["scores"]),
                                                abs=1e-6)
    sizes = [len(c.edits) for c in found]
    assert sizes == sorted(sizes)  # fewest edits first
    assert found.model_calls >= 1 and found.tried >= len(found)
    if text == SENTENCES[0]:
        assert len(found) >= 3  # (this sentence has several: the checks above are not vacuous)


def test_word_replace_keeps_case_and_returns_minimal_rules(classifier):
    text = "Good movie, GOOD music and a good film"
    rules = "good -> awful | bad | the | dog\nmovie -> cat | money\nmusic -> sport | weather\nfilm -> bank"
    found = counterfactuals(classifier, text, generator="word_replace", rules=rules, max_edits=3, limit=50)
    original = _answer(classifier, text)
    assert len(found) >= 1
    flips = {frozenset((e.start, e.after) for e in c.edits) for c in found}
    for c in found:
        assert _answer(classifier, c.text) != original
        for size in range(1, len(c.edits)):  # no strict subset of its replacements changes the answer
            for sub in itertools.combinations(c.edits, size):
                assert _answer(classifier, apply_edits(text, sub)) == original
        assert frozenset((e.start, e.after) for e in c.edits) in flips
        for edit in c.edits:
            assert text[edit.start:edit.end] == edit.before
            if edit.before == "Good":
                assert edit.after in ("Awful", "Bad", "The", "Dog")
            if edit.before == "GOOD":
                assert edit.after in ("AWFUL", "BAD", "THE", "DOG")
    assert parse_rules(["great -> terrible | bad", "", "x->y"]) == [("great", ["terrible", "bad"]), ("x", ["y"])]


def test_rules_with_odd_input(classifier):
    for bad in ("", "   \n  ", "great", "-> bad", "great -> ", "great -> bad |", 12):
        with pytest.raises(InputError):
            counterfactuals(classifier, "a great film", generator="word_replace", rules=bad)
    none = counterfactuals(classifier, "a great film", generator="word_replace", rules="sport -> music")
    assert len(none) == 0 and "No text" in none.note
    html = '<img src=x onerror=alert(1)>'
    found = counterfactuals(classifier, "good good good", generator="word_replace", rules=f"good -> {html}",
                            max_edits=3, limit=10)
    for c in found:  # the replacement stays text: it is in the new text literally, and was run as text
        assert html in c.text and _answer(classifier, c.text) == c.prediction
    with pytest.raises(InputError, match="rules are for the word_replace generator"):
        counterfactuals(classifier, "a film", rules="a -> b")
    with pytest.raises(InputError, match="is not a generator; use one of"):
        counterfactuals(classifier, "a film", generator="gpt")


def test_hotflip_substitute_equals_a_loop_over_the_vocabulary(classifier):
    text = "the movie was very good"
    tokenized = classifier.tokenize(text)
    layer = classifier.input_embeddings()
    ids, mask = classifier.id_tensors([tokenized.ids])
    embeds = layer(ids).detach().requires_grad_(True)
    column = int(classifier.predict([text])[0].argmax())
    from model.tasks import get_task

    spec = get_task("classification").spec(classifier, target=[classifier.labels[column]])
    spec.score(embeds, mask, ids)[0, column].backward()
    gradient = embeds.grad[0].double().numpy()
    table = layer.weight.detach().double().numpy()
    vocab_ids, vocab_words = whole_word_vocabulary(classifier.tokenizer)
    assert all(not w.startswith("##") and w.isalpha() for w in vocab_words)
    assert not set(vocab_ids.tolist()) & set(classifier.tokenizer.all_special_ids)
    position = 5  # "good"
    current = tokenized.ids[position]
    loop = {}
    for index in vocab_ids:  # the plain loop: (e_w - e_t) . grad for every whole word
        loop[int(index)] = float(np.dot(table[index] - table[current], gradient[position]))
    ours = hotflip_scores(table, gradient[position], current, vocab_ids)
    np.testing.assert_allclose(ours, [loop[int(i)] for i in vocab_ids], atol=1e-12)
    found = counterfactuals(classifier, text, generator="hotflip", max_edits=2, limit=20)
    assert len(found) >= 1
    for c in found:
        assert _answer(classifier, c.text) != found.original["prediction"]
        for edit in c.edits:  # each substitute is the loop's first-order best whole word at its position
            at = next(i for i, (a, b) in enumerate(tokenized.offsets) if a == edit.start and b == edit.end)
            scores = {int(i): float(np.dot(table[i] - table[tokenized.ids[at]], gradient[at])) for i in vocab_ids
                      if vocab_words[list(vocab_ids).index(i)] != edit.before.lower()}
            best = min(scores, key=scores.get)
            assert edit.after.lower() == vocab_words[list(vocab_ids).index(best)]


def test_zero_shot_and_similarity(nli, encoder):
    labels = ["money", "sport", "music"]
    text = "i love this film and the music was great"
    found = counterfactuals(nli, text, labels=labels, generator="ablation_flip", max_edits=3)
    for c in found:
        assert _answer(nli, c.text, labels=labels) == c.prediction != found.original["prediction"]
    similarity = float(encoder.predict([text])[0] @ encoder.predict(["a great film"])[0]
                       / np.linalg.norm(encoder.predict([text])[0]) / np.linalg.norm(encoder.predict(["a great film"])[0]))
    threshold = round(similarity - 0.01, 4)  # just below: a small change can cross it
    crossed = counterfactuals(encoder, text, pair="a great film", threshold=threshold, generator="ablation_flip")
    assert crossed.original["prediction"] == "similar"
    for c in crossed:
        new = encoder.predict([c.text, "a great film"])
        cos = float(new[0] @ new[1] / np.linalg.norm(new[0]) / np.linalg.norm(new[1]))
        assert cos < threshold and c.prediction == "not similar"
    with pytest.raises(InputError, match="need the candidate labels"):
        counterfactuals(nli, text)
    with pytest.raises(InputError, match="need the second text"):
        counterfactuals(encoder, text)


@pytest.mark.parametrize("generator, settings", [("ablation_flip", {}), ("hotflip", {}),
                                                 ("word_replace", {"rules": "good -> bad | awful\nnow -> never\n"
                                                                            "movie -> food"})])
def test_every_generators_edits_rebuild_its_text(classifier, generator, settings):
    """Each edit's span covers exactly what changed: the edits applied to the original give the text (ablation
    removed a word and a space while its edit covered the word only), and deleting the last words leaves no
    trailing space ("please set a timer now" -> "please set a ")."""
    checked = 0
    for text in ["the movie was very good now", "please set a timer now", "good, good movie."]:
        found = counterfactuals(classifier, text, generator=generator, max_edits=3, limit=20, **settings)
        checked += len(found)
        for c in found:
            assert apply_edits(text, c.edits) == c.text
            assert c.text == c.text.strip() and "  " not in c.text
            assert all(text[e.start:e.end] == e.before for e in c.edits)
    assert checked  # (some were found: the checks are not vacuous)
