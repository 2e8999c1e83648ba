"""``python -m bench.segmenters``: which word segmenter the studio uses for scripts written without spaces.

Hand-segmented sentences (10 Chinese, 10 Japanese, 10 Thai, written for this benchmark and segmented by
hand: Chinese after the PKU convention, Japanese in UniDic short units, Thai in BEST-style words) are
split by ICU's word break iterator (``icu4py``, the studio's choice) and, where installed, by the
per-language alternatives: jieba (Chinese), SudachiPy with sudachidict_core in its shortest mode
(Japanese) and PyThaiNLP's newmm (Thai). Scores: word F1 (a predicted word counts where both its ends
are gold boundaries) and boundary F1 (the places between characters), with each package's installed size.
The alternatives are not requirements: ``pip install jieba sudachipy sudachidict_core pythainlp`` first to
compare them. Writes ``bench/results/segmenters.{json,md}``.
"""
from __future__ import annotations

import importlib.metadata
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.common import save  # noqa: E402

GOLD = {
    "zh": ["我|喜欢|在|周末|去|公园|跑步|。", "他|昨天|买|了|一|本|新|书|。", "这个|手机|的|电池|用|不|了|一|天|。",
           "天气|预报|说|明天|会|下雨|。", "我们|公司|今年|招聘|了|很多|新|员工|。", "这|部|电影|的|故事|非常|感人|。",
           "请|把|窗户|关|上|，|外面|太|冷|了|。", "学生|们|正在|图书馆|复习|考试|。", "她|的|中文|说|得|很|流利|。",
           "这|道|菜|的|味道|有点|奇怪|。"],
    "ja": ["私|は|毎日|電車|で|会社|に|行き|ます|。", "昨日|友達|と|映画|を|見|まし|た|。",
           "この|レストラン|の|料理|は|とても|美味しい|。", "明日|は|雨|が|降る|でしょ|う|。", "日本|の|夏|は|暑い|です|ね|。",
           "彼女|は|新しい|車|を|買い|まし|た|。", "駅|まで|歩い|て|五|分|です|。", "週末|に|京都|へ|旅行|し|ます|。",
           "猫|が|窓|の|外|を|見|て|いる|。", "宿題|を|忘れ|て|先生|に|怒ら|れ|た|。"],
    "th": ["ฉัน|ไป|ทำงาน|ทุก|วัน", "เขา|ชอบ|อ่าน|หนังสือ|มาก", "อาหาร|ร้าน|นี้|อร่อย|มาก", "พรุ่งนี้|ฝน|จะ|ตก",
           "แมว|นอน|อยู่|บน|โต๊ะ", "เรา|จะ|ไป|เที่ยว|ทะเล|กัน", "คุณ|พูด|ภาษา|ไทย|ได้|ไหม", "น้ำ|ใน|แม่น้ำ|สะอาด|มาก",
           "พ่อ|ของ|ฉัน|เป็น|ครู", "เด็ก|เล่น|ฟุตบอล|ใน|สนาม"],
}
PACKAGES = {"icu": ["icu4py"], "jieba": ["jieba"], "sudachipy": ["SudachiPy", "SudachiDict-core"],
            "pythainlp": ["pythainlp"]}


def icu(text: str, lang: str) -> list[str]:
    from explain.text.segment import candidate_spans

    return [text[a:b] for a, b in candidate_spans(text)]


def jieba_words(text: str, lang: str) -> list[str]:
    import jieba

    return [w for w in jieba.lcut(text) if w.strip()]


def sudachi_words(text: str, lang: str) -> list[str]:
    from sudachipy import dictionary, tokenizer

    return [m.surface() for m in dictionary.Dictionary().tokenizer().tokenize(text, tokenizer.Tokenizer.SplitMode.A)]


def thai_words(text: str, lang: str) -> list[str]:
    from pythainlp.tokenize import word_tokenize

    return [w for w in word_tokenize(text, engine="newmm") if w.strip()]


SEGMENTERS = {"icu": (icu, ("zh", "ja", "th")), "jieba": (jieba_words, ("zh",)),
              "sudachipy": (sudachi_words, ("ja",)), "pythainlp": (thai_words, ("th",))}


def spans(words: list[str]) -> list[tuple[int, int]]:
    out, at = [], 0
    for word in words:
        out.append((at, at + len(word)))
        at += len(word)
    return out


def f1(predicted: set, gold: set) -> float:
    hit = len(predicted & gold)
    return 0.0 if not hit else 2 * hit / (len(predicted) + len(gold))


def score(segment, lang: str) -> dict:
    words_p = words_g = words_hit = bounds_p = bounds_g = bounds_hit = 0
    for line in GOLD[lang]:
        gold = line.split("|")
        text = "".join(gold)
        predicted = segment(text, lang)
        assert "".join(predicted) == text, (predicted, text)
        g, p = set(spans(gold)), set(spans(predicted))
        words_p, words_g, words_hit = words_p + len(p), words_g + len(g), words_hit + len(p & g)
        gb, pb = {b for _, b in g} - {len(text)}, {b for _, b in p} - {len(text)}
        bounds_p, bounds_g, bounds_hit = bounds_p + len(pb), bounds_g + len(gb), bounds_hit + len(pb & gb)
    return {"word_f1": 2 * words_hit / (words_p + words_g), "boundary_f1": 2 * bounds_hit / (bounds_p + bounds_g)}


def installed_mb(distributions: list[str]) -> float | None:
    total = 0
    for name in distributions:
        try:
            files = importlib.metadata.distribution(name).files or []
        except importlib.metadata.PackageNotFoundError:
            return None
        for file in files:
            path = Path(file.locate())
            if path.is_file():
                total += path.stat().st_size
    return total / 1e6


def main() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    rows = []
    for name, (segment, languages) in SEGMENTERS.items():
        size = installed_mb(PACKAGES[name])
        for lang in languages:
            try:
                result = score(segment, lang)
            except ImportError:
                result = None
            rows.append({"segmenter": name, "language": lang, "installed_mb": size,
                         **(result or {"word_f1": None, "boundary_f1": None})})
    lines = ["| language | segmenter | word F1 | boundary F1 | installed |", "|---|---|---:|---:|---:|"]
    for row in sorted(rows, key=lambda r: (r["language"], r["segmenter"] != "icu")):
        if row["word_f1"] is None:
            lines.append(f"| {row['language']} | {row['segmenter']} | not installed | | |")
            continue
        lines.append(f"| {row['language']} | {row['segmenter']} | {row['word_f1']:.3f} | {row['boundary_f1']:.3f} | "
                     f"{row['installed_mb']:.1f} MB |")
    save(str(ROOT / "bench" / "results"), "segmenters", {"rows": rows}, "\n".join(lines))


if __name__ == "__main__":
    main()
