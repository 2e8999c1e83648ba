"""Tokenisation: char spans of the original text, truncation, special tokens as plain text."""
from __future__ import annotations

import unicodedata

import numpy as np
import pytest


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


@pytest.mark.parametrize("text", [
    "Héllo wörld, ça va?",
    "naïve café — déjà vu",
    "emoji 😀👍🏽 and 🇫🇷 flags",
    "日本語のテキストと中文",
    "مرحبا بالعالم",
    "e\u0301 combining accents",
    "zero\u200bwidth and\u202eRTL override",
    "one",
])
def test_offsets_slice_the_original_text(intent_model, text):
    tokenized = intent_model.tokenize(text)
    assert tokenized.text == text
    assert not tokenized.truncated
    assert tokenized.special[0] and tokenized.special[-1]
    for token, (start, end), special in zip(tokenized.tokens, tokenized.offsets, tokenized.special):
        if special:
            continue
        assert 0 <= start < end <= len(text)
        piece = text[start:end]
        assert piece.strip(), (token, piece)
        if token != "[UNK]":  # the uncased tokenizer lower-cases and strips accents
            assert token.removeprefix("##") == strip_accents(piece.lower())


def test_long_text_is_truncated_and_flagged(intent_model):
    text = "money " * 1000
    tokenized = intent_model.tokenize(text, long_text="truncate")
    assert tokenized.truncated
    assert len(tokenized) == intent_model.max_length == 256
    probabilities = intent_model.predict([text], long_text="truncate")
    assert probabilities.shape == (1, 157)
    np.testing.assert_allclose(probabilities, intent_model.predict_ids([tokenized.ids]), atol=1e-7)
    whole = intent_model.tokenize(text)  # the default reads every token, as windows
    assert not whole.truncated and len(whole) == 1002


def test_special_token_strings_in_user_text_stay_text(intent_model):
    tokenized = intent_model.tokenize("hi [SEP] [MASK] there")
    inner = tokenized.ids[1:-1]
    assert intent_model.tokenizer.sep_token_id not in inner
    assert intent_model.tokenizer.mask_token_id not in inner


def test_text_with_no_readable_tokens_is_refused(intent_model):
    with pytest.raises(ValueError, match="no tokens"):
        intent_model.tokenize("\u200b\u200b")
