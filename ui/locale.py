"""The page in Simplified Chinese for a browser whose language is Chinese, in English otherwise.

The page is written in English; ``localize`` marks every static text of the built page that has a
translation (tab titles, labels, help texts, placeholders, buttons, Markdown notes) with Gradio's
``gr.I18n``, keyed by the English text itself, so the browser picks the language (Gradio's own
words, "Submit" or "Use via API", follow it too) and an untranslated text shows as written. What the
server says while answering (error sentences, notes, chart titles) follows the request's
``Accept-Language`` through ``say``. Numbers, model names and user text are never translated.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import gradio as gr

LOCALES = Path(__file__).resolve().parent / "locales"
ZH_CN: dict[str, str] = json.loads((LOCALES / "zh-CN.json").read_text(encoding="utf-8"))
I18N = gr.I18n(**{"zh-CN": ZH_CN})
_ATTRIBUTES = ("label", "info", "placeholder")
_VALUED = ("Markdown", "Button", "DownloadButton", "UploadButton")
_BRACES = re.compile(r"[{}]")  # the browser reads a translation as ICU MessageFormat: a brace is a placeholder

# Sentences the server builds with values in them: (English pattern, Chinese with the same groups).
_WHAT = {"text": "文本", "second text": "第二段文本", "prompt": "提示词", "labels": "标签", "continuation": "续写",
         "reason": "理由", "texts": "文本"}
SENTENCES: list[tuple[re.Pattern, str]] = [(re.compile(p), t) for p, t in (
    (r"^The (?P<what>[\w ]+) is empty: give at least one word\.$", "{what}为空：请至少输入一个词。"),
    (r"^The (?P<what>[\w ]+) is missing: give a non-empty string\.$", "缺少{what}：请输入非空的文本。"),
    (r"^The list of texts is empty: give at least one text\.$", "文本列表为空：请至少给出一段文本。"),
    (r"^(?P<n>[\d,]+) texts were given; the limit is (?P<limit>[\d,]+) per call\.$",
     "给出了 {n} 段文本；每次调用最多 {limit} 段。"),
    (r"^The reason (?P<phrase>.+) is not in the text as whole words\.$", "理由 {phrase} 不是文本中的完整词语。"),
    (r"^The reason (?P<phrase>.+) has no word in it \(a letter or a digit\)\.$", "理由 {phrase} 中没有词（字母或数字）。"),
    (r"^Something went wrong on the server; the error has been logged\.$", "服务器出错了；错误已记录。"),
    (r"^The model (?P<name>.+) is still loading; try again in a moment\.$", "模型 {name} 仍在加载，请稍后再试。"),
)]


def localize(demo: gr.Blocks) -> int:
    """Mark every static text of ``demo`` that has a Chinese translation for the browser to translate
    (before launch); returns how many texts were marked."""
    marked = 0
    for block in demo.blocks.values():
        for attribute in _ATTRIBUTES:
            value = getattr(block, attribute, None)
            if isinstance(value, str) and value in ZH_CN and not _BRACES.search(value):
                setattr(block, attribute, I18N(value))
                marked += 1
        if type(block).__name__ in _VALUED and isinstance(getattr(block, "value", None), str) \
                and block.value in ZH_CN and not _BRACES.search(block.value):
            block.value = I18N(block.value)
            marked += 1
    return marked


def language() -> str:
    """"zh-CN" when the request being answered prefers Chinese (its Accept-Language), else "en"."""
    from gradio.context import LocalContext

    request = LocalContext.request.get(None)
    headers = getattr(request, "headers", None) or {}
    return "zh-CN" if preferred(str(headers.get("accept-language", ""))) == "zh-CN" else "en"


def preferred(accept_language: str) -> str:
    """The language an Accept-Language header asks for first, of those the page speaks ("zh-CN", "en")."""
    weighted = []
    for order, part in enumerate(accept_language.split(",")):
        tag, _, rest = part.strip().partition(";")
        quality = 1.0
        if rest.strip().startswith("q="):
            try:
                quality = float(rest.strip()[2:])
            except ValueError:
                quality = 0.0
        weighted.append((-quality, order, tag.strip().lower()))
    for _, _, tag in sorted(weighted):
        if tag in ("zh", "zh-cn", "zh-hans", "zh-sg") or tag.startswith("zh-hans"):
            return "zh-CN"
        if tag.startswith("en") or tag == "*":
            return "en"
    return "en"


def say(sentence: object, lang: str | None = None) -> str:
    """``sentence`` in the language of the request being answered (or ``lang``): its translation where
    there is one, else as it is. Values inside a sentence (numbers, names, quoted text) are kept."""
    text = str(sentence)
    if (lang or language()) != "zh-CN":
        return text
    if text in ZH_CN:
        return ZH_CN[text]
    for pattern, template in SENTENCES:
        match = pattern.match(text)
        if match:
            groups = {k: _WHAT.get(v, v) if k == "what" else v for k, v in match.groupdict().items()}
            return template.format(**groups)
    return text
