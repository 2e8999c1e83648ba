"""Words in every script: dictionary words in Chinese, Japanese, Thai, Lao, Khmer and Myanmar (ICU),
today's words everywhere else, and everything built on words following them."""
from __future__ import annotations

import re

import numpy as np
import pytest

from explain import explain
from explain.charts.whatif import changed_words
from explain.counterfactuals.search import counterfactuals
from explain.metrics.plausibility import rationale_spans
from explain.text.segment import candidate_spans, has_unspaced
from explain.text.sentences import sentence_spans
from explain.text.words import group_words
from model.errors import InputError
from tests.synthetic import AdditiveModel
from tests.tiny_multilingual import tokenizer as multilingual_tokenizer

# Held-out sentences (none of them was looked at while choosing the segmenter) and words a reader
# of each language finds in them.
HELD_OUT = {
    "zh": [("这家餐厅的服务很好，但是菜太咸了。", ["餐厅", "服务", "很好", "但是"]),
           ("我们明天去北京看朋友。", ["我们", "明天", "北京", "朋友"]),
           ("这部电影的音乐非常好听。", ["电影", "音乐", "非常", "好听"])],
    "ja": [("今日は天気がいいですね。", ["今日", "天気", "いい", "です"]),
           ("私は毎朝コーヒーを飲みます。", ["私", "毎朝", "コーヒー"]),
           ("この映画はとても面白かった。", ["映画", "とても"])],
    "th": [("ฉันชอบกินข้าวผัดมาก", ["ฉัน", "ชอบ", "กิน", "ข้าว", "มาก"]),
           ("วันนี้อากาศดีมาก", ["วัน", "อากาศ", "ดี", "มาก"])],
    "lo": [("ຂ້ອຍມັກກິນເຂົ້າ", ["ຂ້ອຍ", "ມັກ"])],
    "km": [("ខ្ញុំចូលចិត្តញ៉ាំបាយ", ["ខ្ញុំ", "ចូលចិត្ត"])],
    "my": [("ကျွန်တော်ထမင်းစားချင်တယ်", ["ကျွန်တော်", "ချင်"])],
}
CASES = [(lang, text, words) for lang, items in HELD_OUT.items() for text, words in items]
OLD_WORD = re.compile(r"\w+|[^\w\s]+")  # the words of a spaced script before this change
SPACED = ["The movie wasn't good, but the food was great!", "Élodie a aimé le café crème — très bien.",
          "Die Straße ist 12,5 km lang; schön.", "Это был очень хороший фильм.", "Η ταινία ήταν καλή.",
          "이 영화는 정말 좋았어요.", "مرحبا بالعالم، كيف حالك؟", "שלום עולם, מה שלומך?", "tabs\tand\nlines 😀🎉 ok",
          "snake_case and 3.14 and $100 and e-mail", "", "   ", "ﬁne ligatures ½ ²"]


def _words(text: str) -> list[str]:
    return [text[a:b] for a, b in candidate_spans(text)]


@pytest.mark.parametrize("lang,text,expected", CASES, ids=[f"{c[0]}{i}" for i, c in enumerate(CASES)])
def test_scripts_without_spaces_are_split_into_dictionary_words(lang, text, expected):
    words = _words(text)
    assert has_unspaced(text)
    for word in expected:
        assert word in words, (word, words)
    assert "".join(words) == re.sub(r"\s", "", text)  # every character in exactly one word, in order
    assert max(len(w) for w in words) <= 9  # never a clause


@pytest.mark.parametrize("text", SPACED)
def test_spaced_scripts_keep_todays_words(text):
    assert candidate_spans(text) == [m.span() for m in OLD_WORD.finditer(text)]


def test_mixed_scripts_split_only_where_a_script_writes_no_spaces():
    text = "I think 这家餐厅 is great, ทุกคน agree."
    assert _words(text) == ["I", "think", "这", "家", "餐厅", "is", "great", ",", "ทุก", "คน", "agree", "."]


def test_combining_marks_stay_in_their_word():
    # Devanagari vowel signs are combining marks, which \w alone cuts out of the word
    assert _words("नमस्ते दुनिया") == ["नमस्ते", "दुनिया"]


def test_a_token_straddling_two_dictionary_words_merges_them():
    text = "餐厅的服务"  # dictionary words 餐厅 | 的 | 服务; one token covers 厅的
    offsets = [(0, 1), (1, 3), (3, 4), (4, 5)]
    words = group_words(text, offsets, [False] * 4)
    assert [(w.text, w.tokens) for w in words] == [("餐厅的", (0, 1)), ("服务", (2, 3))]


def test_a_token_of_whitespace_alone_joins_the_next_word_never_a_blank_one():
    """A byte-level decoder writes a lone " " token (GPT-2 before a word that starts with a space): it joins the
    word after it, or the one before it at the end; no word is blank."""
    text = "The capital of France is  Paris "
    offsets = [(0, 3), (3, 11), (11, 14), (14, 21), (21, 24), (24, 25), (25, 31), (31, 32)]
    words = group_words(text, offsets, [False] * 8)
    assert [(w.text, w.start, w.end, w.tokens) for w in words] == [
        ("The", 0, 3, (0,)), ("capital", 4, 11, (1,)), ("of", 12, 14, (2,)), ("France", 15, 21, (3,)),
        ("is", 22, 24, (4,)), ("Paris", 26, 31, (5, 6, 7))]
    assert all(text[w.start:w.end] == w.text for w in words)


@pytest.fixture(scope="module")
def additive():
    return AdditiveModel(multilingual_tokenizer(), seed=7)


def _weight(model, tokenized, word) -> float:
    return float(sum(model.weights[tokenized.ids[t]] for t in word.tokens))


@pytest.mark.parametrize("method", ["shap", "occlusion", "lime"])
@pytest.mark.parametrize("text", ["这家餐厅的服务很好，但是菜太咸了。", "今日は天気がいいですね。", "ฉันชอบกินข้าวผัดมาก"])
def test_methods_explain_dictionary_words_with_their_exact_values(additive, method, text):
    """A token of the additive model is worth its weight, so a word is worth its tokens' weights: SHAP and
    occlusion give that exactly, LIME (a linear model fitted to a linear model) to its sampling error."""
    params = {"num_samples": 2000} if method == "lime" else {}
    e = explain(additive, text, method=method, target="score", **params)
    tokenized = additive.tokenize(text)
    words = [w.text for w in e.words]
    assert words == [text[a:b] for a, b in candidate_spans(text)]
    assert all(len(w) <= 4 for w in words)
    truth = np.array([_weight(additive, tokenized, w) for w in e.words])
    if method == "lime":
        content = [i for i, w in enumerate(e.words) if w.is_word]
        assert e.meta["features"] == len({e.words[i].text for i in content})
        np.testing.assert_allclose(e.word_attributions[content, 0], truth[content], atol=0.05)
    else:
        np.testing.assert_allclose(e.word_attributions[:, 0], truth, atol=1e-9)


def test_top_words_and_csv_hold_chinese_words(additive, tmp_path):
    from explain.io.export import write_files

    text = "这家餐厅的服务很好，但是菜太咸了。"
    e = explain(additive, text, method="occlusion", target="score")
    top = dict(e.top_words(20))
    assert {"餐厅", "服务", "但是"} <= set(top)
    paths = write_files(e, "classify", folder=str(tmp_path))
    words_csv = next(p for p in paths if "word" in p.rsplit("/", 1)[-1])
    body = open(words_csv, encoding="utf-8").read()
    assert "餐厅" in body and "这家餐厅的服务很好" not in body.replace(text, "")


def test_counterfactuals_delete_a_chinese_word_not_a_clause(additive):
    text = "这家餐厅的服务很好，但是菜太咸了。"
    tokenized = additive.tokenize(text)
    scores = additive.predict_ids([tokenized.ids])[0]
    answer = "score" if scores[0] >= scores[1] else "negated"
    found = counterfactuals(additive, text, max_edits=3, limit=5)
    assert found.original["prediction"] == answer
    assert len(found) >= 1
    dictionary = set(_words(text))
    for counterfactual in found:
        assert counterfactual.prediction != answer
        for edit in counterfactual.edits:
            assert edit.before in dictionary and edit.after == ""


def test_chinese_sentences_are_found_at_full_stops_and_marks():
    text = "这家餐厅很好。菜太咸了！你觉得呢？我们明天再来。"
    assert [text[a:b] for a, b, _ in sentence_spans(text)] == ["这家餐厅很好。", "菜太咸了！", "你觉得呢？", "我们明天再来。"]
    text = "今日は晴れです。明日は雨でしょう！本当？"
    assert [text[a:b] for a, b, _ in sentence_spans(text)] == ["今日は晴れです。", "明日は雨でしょう！", "本当？"]


def test_a_typed_reason_matches_chinese_words_only_whole():
    text = "这家餐厅的服务很好，但是菜太咸了。"
    assert rationale_spans(text, "服务 | 太咸") == [(5, 7), (13, 15)]
    with pytest.raises(InputError, match="whole words"):
        rationale_spans(text, "餐")  # half of 餐厅


def test_what_if_diff_marks_the_changed_chinese_word():
    before, after = changed_words("这家餐厅的服务很好", "这家餐厅的服务很差")
    assert before[-1] == ("很好", "replaced") and after[-1] == ("很差", "replaced")
    assert before[0] == ("这家餐厅的服务", None)


# ----------------------------------------------------------------------------- multilingual Hub models
@pytest.fixture(scope="module")
def multilingual_cache(tmp_path_factory):
    from tests.tiny_multilingual import build_hub_cache

    return str(build_hub_cache(tmp_path_factory.mktemp("multilingual")))


def _snapshot(cache: str, repo: str) -> str:
    from pathlib import Path

    from tests.tiny_models import snapshot_dir

    return str(snapshot_dir(Path(cache), repo))


def test_a_multilingual_nli_model_scores_chinese_labels_as_transformers_does(multilingual_cache):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, ZeroShotClassificationPipeline

    from model import load_model

    model = load_model("tiny/multilingual-nli", task="zero-shot", cache_dir=multilingual_cache)
    folder = _snapshot(multilingual_cache, "tiny/multilingual-nli")
    reference = ZeroShotClassificationPipeline(model=AutoModelForSequenceClassification.from_pretrained(folder),
                                               tokenizer=AutoTokenizer.from_pretrained(folder), device=-1)
    labels = ["美食", "体育", "政治"]
    for text in ("这家餐厅的服务很好，但是菜太咸了。", "今日は天気がいいですね。"):
        ours = model.predict([text], labels=labels)[0]
        theirs = reference(text, candidate_labels=labels, hypothesis_template="This example is {}.")
        np.testing.assert_allclose([ours[labels.index(lab)] for lab in theirs["labels"]], theirs["scores"], atol=1e-5)
    e = explain(model, "这家餐厅的服务很好，但是菜太咸了。", method="occlusion", labels=labels)
    assert {"餐厅", "服务"} <= {w.text for w in e.words}


def test_a_multilingual_encoder_embeds_as_sentence_transformers_does(multilingual_cache):
    from sentence_transformers import SentenceTransformer

    from model import load_model

    model = load_model("tiny/multilingual-embed", task="embedding", cache_dir=multilingual_cache)
    reference = SentenceTransformer(_snapshot(multilingual_cache, "tiny/multilingual-embed"), device="cpu")
    texts = ["私は毎朝コーヒーを飲みます。", "ฉันชอบกินข้าวผัดมาก"]
    np.testing.assert_allclose(model.predict(texts), reference.encode(texts), atol=1e-5)
    e = explain(model, texts[0], method="occlusion", pair=texts[1])
    assert {"毎朝", "コーヒー"} <= {w.text for w in e.words}


def test_a_chinese_classifier_equals_the_text_classification_pipeline(multilingual_cache):
    from transformers import pipeline

    from model import load_model

    model = load_model("tiny/chinese-sentiment", task="classification", cache_dir=multilingual_cache)
    folder = _snapshot(multilingual_cache, "tiny/chinese-sentiment")
    reference = pipeline("text-classification", model=folder, tokenizer=folder, device=-1, top_k=None)
    for text in ("这部电影的音乐非常好听。", "我们明天去北京看朋友。"):
        ours = dict(zip(model.labels, model.predict([text])[0]))
        for row in reference([text])[0]:
            assert abs(ours[row["label"]] - row["score"]) < 1e-5


def test_the_notes_say_when_most_of_a_text_is_unknown_to_the_model(intent_model):
    from explain.charts.explanation import notes

    text = "我想把两百元从支票账户转到储蓄账户"  # the Classify tab's Chinese example
    tokenized = intent_model.tokenize(text)
    content = [t for t, special in zip(tokenized.tokens, tokenized.special) if not special]
    unknown = sum(t == "[UNK]" for t in content)
    assert unknown / len(content) > 0.5
    said = [n for n in notes(explain(intent_model, text, method="occlusion")) if "unknown to the model" in n]
    assert said == [f"Most of this text is unknown to the model: {unknown} of its {len(content)} tokens "
                    f"({unknown / len(content):.0%}) read as the unknown token, so the explanation says little about "
                    "the text itself; a model that reads its language (a multilingual one) would."]
    english = explain(intent_model, "transfer $200 from checking to savings", method="occlusion")
    assert not [n for n in notes(english) if "unknown to the model" in n]


def test_every_tab_has_a_chinese_and_a_japanese_example():
    from ui.generate import EXAMPLES as PROMPTS
    from ui.page import EXAMPLES

    def scripts(texts):
        joined = " ".join(texts)
        return bool(re.search(r"[\u4e00-\u9fff]", joined)), bool(re.search(r"[\u3040-\u30ff]", joined))

    for tab in ("classify", "zero_shot", "similarity", "attention"):
        rows = EXAMPLES[tab]
        assert any(scripts(r[:1]) == (True, False) for r in rows), tab  # Chinese (Han, no kana)
        assert any(scripts(r[:1])[1] for r in rows), tab  # Japanese (kana)
    assert any(scripts([p]) == (True, False) for p in PROMPTS) and any(scripts([p])[1] for p in PROMPTS)
