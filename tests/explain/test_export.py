"""Downloads: what every CSV row says it explains, a long text written once, repeated words told apart."""
from __future__ import annotations

import csv
import json
import os

import pytest

from explain import explain
from explain.io.export import TEXT_IN_ROWS, write_files


def rows(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_a_long_text_is_written_once_not_on_every_row(additive, tmp_path):
    text = " ".join(["the movie was very good and the food was awful"] * 60)  # 2,820 characters
    e = explain(additive, text, "occlusion", target="score", cache=None)
    files = write_files(e, "classify", folder=str(tmp_path))
    words, tokens = rows(files[1]), rows(files[2])
    side = next(f for f in files if f.endswith("-text.txt"))
    assert open(side, encoding="utf-8").read() == text  # the whole text, once
    assert {r["text"] for r in words} == {f"{text[:TEXT_IN_ROWS]}… ({len(text):,} characters; the whole text is in "
                                          f"{os.path.basename(side)})"}
    assert os.path.getsize(files[1]) < len(words) * (TEXT_IN_ROWS + 400)  # rows grow with words, not the text
    assert len(tokens) == len(e.tokens)
    assert json.load(open(files[0], encoding="utf-8"))["text"] == text
    short = write_files(explain(additive, "the movie was good", "occlusion", target="score", cache=None), "classify",
                        folder=str(tmp_path))
    assert len(short) == 3 and {r["text"] for r in rows(short[1])} == {"the movie was good"}


def test_repeated_words_carry_their_occurrence(additive, tmp_path):
    e = explain(additive, "the soup was cold but the waiter was lovely", "occlusion", target="score", cache=None)
    words = rows(write_files(e, "classify", folder=str(tmp_path))[1])
    assert [(r["word"], r["occurrence"]) for r in words if r["word"] in ("the", "was")] == [
        ("the", "1"), ("was", "1"), ("the", "2"), ("was", "2")]
    assert json.loads(words[0]["options"]) == {"output": "probability", "long_text": "window",
                                               "window_overlap": "auto"}
    assert json.loads(words[0]["parameters"]) == {"granularity": "auto"}


def test_a_text_of_several_sentences_gets_a_sentence_table(additive, tmp_path):
    text = "The movie was good. The food was awful!\n\nA new paragraph here."
    e = explain(additive, text, "occlusion", target="score", granularity="sentence", cache=None)
    files = write_files(e, "classify", folder=str(tmp_path))
    sentences = rows(next(f for f in files if f.endswith("-sentences.csv")))
    assert [(r["sentence"], r["paragraph"]) for r in sentences] == [
        ("The movie was good.", "0"), ("The food was awful!", "0"), ("A new paragraph here.", "1")]
    for r, value in zip(sentences, e.sentence_attributions[:, 0]):
        assert float(r["attribution"]) == pytest.approx(value, abs=1e-7)
        assert text[int(r["start"]):int(r["end"])] == r["sentence"]


def test_attention_downloads_describe_the_weights_and_write_them_only_when_asked(classifier, tmp_path):
    """The JSON of an attention explanation leaves the tensor out (its shape and size in meta; on a long text's
    window it was 108 MB and 13 s); the weights file, written when asked, holds every layer and head exactly."""
    import numpy as np

    from explain import Explanation
    from explain.io.export import without_weights, write_attention_weights

    e = explain(classifier, "the movie was very good", "attention", cache=None)
    layers, heads, n, _ = e.attention.shape
    files = write_files(without_weights(e), "attention", folder=str(tmp_path))
    data = json.load(open(files[0], encoding="utf-8"))
    assert data["attention"] is None
    assert data["meta"]["attention_weights"] == {
        "shape": [layers, heads, n, n], "layout": "layer, head, query token, key token (each row sums to 1)",
        "bytes_float32": layers * heads * n * n * 4}
    back = Explanation.from_dict(data)  # everything else as it was
    assert np.array_equal(back.attributions, e.attributions) and back.tokens == e.tokens
    assert np.array_equal(back.rollout, e.rollout) if e.rollout is not None else back.rollout is None
    saved = np.load(write_attention_weights(e, folder=str(tmp_path)))
    assert saved["attention"].dtype == np.float32 and np.array_equal(saved["attention"], e.attention)
    assert list(saved["tokens"]) == [t.text for t in e.tokens]
    summary = without_weights(e)
    assert without_weights(summary) is summary  # (already without: unchanged)
    with pytest.raises(ValueError, match="no attention weights"):
        write_attention_weights(summary, folder=str(tmp_path))
