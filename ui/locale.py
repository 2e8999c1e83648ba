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
    # the notes beside the charts (explain.charts.explanation.notes and each method's own note)
    (r"^Faithfulness \(ERASER, removing or keeping only the top 1–50% of the words\): comprehensiveness (?P<c>\S+) "
     r"against (?P<cr>\S+) for a random ranking \(higher is better\); sufficiency (?P<s>\S+) against (?P<sr>\S+) "
     r"\(lower is better\)\.$",
     "忠实度（ERASER，删除或只保留得分最高的 1–50% 的词）：全面性 (comprehensiveness) {c}，随机排序为 {cr}（越高越好）；"
     "充分性 (sufficiency) {s}，随机排序为 {sr}（越低越好）。"),
    (r"^(?P<m>SHAP[^:]*): base \(every token hidden\) (?P<b>\S+); the contributions add up to (?P<s>\S+) "
     r"\(completeness gap (?P<g>\S+)\)\.$", "{m}：基线（遮盖全部词元）{b}；各贡献之和为 {s}（完备性差距 {g}）。"),
    (r"^(?P<m>SHAP[^:]*): base \(every token hidden\) (?P<b>\S+); the contributions add up to (?P<s>\S+)\.$",
     "{m}：基线（遮盖全部词元）{b}；各贡献之和为 {s}。"),
    (r"^(?P<m>.+)'s values should add up to the output minus the base, but they miss it by (?P<g>\S+) of that change "
     r"\(more than (?P<t>\S+)\): no base is drawn, and the values are not additive here\.$",
     "{m} 的值本应加总为输出减去基线，但与之相差该变化的 {g}（超过 {t}）：不绘制基线，这里的值不具可加性。"),
    (r"^LIME: the local linear surrogate fits with R² (?P<r>\S+) \(1 = exactly\)\.$",
     "LIME：局部线性代理模型的拟合 R² 为 {r}（1 = 完全拟合）。"),
    (r"^(?P<m>Integrated Gradients[^:]*): completeness gap (?P<g>\S+) of the output change from the baseline "
     r"\((?P<base>\S+) baseline, output (?P<o>\S+)\) with (?P<n>\d+) steps\.$",
     "{m}：完备性差距为相对基线输出变化的 {g}（{base} 基线，输出 {o}），共 {n} 步。"),
    (r"^Attention weights show what the model reads, not what caused its answer: they are the same for every label "
     r"and are not attributions\.$", "注意力权重显示模型读取了什么，而不是什么导致了它的回答：它们对每个标签都相同，并不是归因。"),
    (r"^Every layer and head: (?P<shape>[\d × ]+) weights, (?P<mb>\S+) MB as a NumPy file \(numpy\.load gives "
     r"attention and tokens\)\.$", "所有层和头：{shape} 个权重，NumPy 文件 {mb} MB（numpy.load 得到 attention 和 tokens）。"),
    (r"^The text was cut to the model's (?P<n>\d+) tokens; the rest was not read\.$",
     "文本被截断为模型的 {n} 个词元；其余部分未被读取。"),
    (r"^Most of this text is unknown to the model: (?P<c>\d+) of its (?P<t>\d+) tokens \((?P<p>\d+%)\) read as the "
     r"unknown token, so the explanation says little about the text itself; a model that reads its language \(a "
     r"multilingual one\) would\.$",
     "这段文本的大部分对模型来说是未知的：{t} 个词元中有 {c} 个（{p}）被读作未知词元，因此该解释对文本本身说明甚少；"
     "请换用能读懂这种语言的模型（例如多语言模型）。"),
)]


# Chart titles, subtitles and axis titles: a title is read as parts separated by " · ", each part
# translated where it is one of these (or matches a pattern below); a part with none stays English.
CHART: dict[str, str] = {
    "Global word importance": "全局词语重要性", "Rows embedded": "各行的嵌入", "Cosine similarity": "余弦相似度",
    "The continuation, token by token": "逐词元的续写", "What if the prompt were different?": "如果提示词不同会怎样？",
    "Faithfulness, token by token": "逐词元的忠实度", "Sinusoidal position encoding": "正弦位置编码",
    "Learned position embeddings": "学习得到的位置嵌入", "Relative positions: buckets and a bias per head":
    "相对位置：分桶与每个头的偏置", "Disentangled relative positions (DeBERTa)": "解耦的相对位置 (DeBERTa)",
    "Rotary positions": "旋转位置编码", "Rotary positions and local windows (ModernBERT)": "旋转位置与局部窗口 (ModernBERT)",
    "Attention and feed-forward, layer by layer": "逐层的注意力与前馈", "Layer lens": "层透镜",
    "Faithfulness per bin (ERASER)": "各分箱的忠实度 (ERASER)", "Do the methods agree?": "各方法是否一致？",
    "Precision and recall per label": "各标签的精确率与召回率", "Attention rollout": "注意力展开 (rollout)",
    "all layers": "所有层", "Scores of every candidate label": "每个候选标签的得分", "by sentence": "按句子",
    "Sentences": "句子", "mean over heads": "各头平均", "each row sums to 1": "每行之和为 1",
    "hover a cell for the tokens": "悬停单元格查看词元", "hover for the text": "悬停查看文本",
    "probability": "概率", "continuation token": "续写词元", "token": "词元", "score": "得分",
    "scaled contribution": "缩放后的贡献", "retrained without the row": "去掉该行后重新训练", "predicted": "预测",
    "hidden dimension": "隐藏维度", "gold": "标准答案", "dimension": "维度", "contribution": "贡献",
    "continuation token (position:text, ␣ = space)": "续写词元（位置:文本，␣ = 空格）",
    "change in log-probability": "对数概率的变化", "attention": "注意力", "attends to": "关注的词元",
    "Confusion matrix": "混淆矩阵", "attention received": "收到的注意力", "output": "输出", "logit": "logit",
    "log-probability": "对数概率", "cosine similarity": "余弦相似度", "margin": "边际", "entropy": "熵",
}
CHART_PATTERNS: list[tuple[re.Pattern, str]] = [(re.compile(p), t) for p, t in (
    (r"^layer (?P<n>\d+)$", "第 {n} 层"), (r"^head (?P<n>\d+)$", "第 {n} 个头"),
    (r"^layer (?P<n>\d+), head (?P<h>\d+)$", "第 {n} 层，第 {h} 个头"),
    (r"^Attention received$", "收到的注意力"), (r"^Attention$", "注意力"),
    (r"^All heads of layer (?P<n>\d+)$", "第 {n} 层的所有头"), (r"^Words of sentence (?P<n>\d+)$", "第 {n} 句的词"),
    (r"^(?P<method>.+) per label$", "{method}：各标签"), (r"^Methods compared$", "方法比较"),
    (r"^Change in each label's (?P<output>.+)$", "各标签{output}的变化"),
    (r"^edit minus original \((?P<output>.+)\)$", "编辑后减原文（{output}）"),
    (r"^Embeddings$", "嵌入"), (r"^Q, K, V$", "Q、K、V"), (r"^Scores and attention weights$", "得分与注意力权重"),
    (r"^(?P<n>[\d,]+) rows$", "{n} 行"), (r"^top (?P<n>\d+)$", "前 {n} 个"),
    (r"^why (?P<a>.+) rather than (?P<b>.+)$", "为什么是 {a} 而不是 {b}"),
    (r"^probability (?P<v>\S+)$", "概率 {v}"), (r"^logit (?P<v>\S+)$", "logit {v}"),
    (r"^base (?P<v>\S+)$", "基线 {v}"), (r"^cosine similarity (?P<v>\S+)$", "余弦相似度 {v}"),
    (r"^contribution to the (?P<output>.+)$", "对{output}的贡献"),
    (r"^contribution to each label's (?P<output>.+)$", "对各标签{output}的贡献"),
)]


def chart_text(text: str, lang: str | None = None) -> str:
    """A chart's title, subtitle or axis title in the request's language, part by part (" · ")."""
    if not text or (lang or language()) != "zh-CN":
        return text
    parts = []
    for part in text.split(" · "):
        said = CHART.get(part) or ZH_CN.get(part)
        if said is None:
            for pattern, template in CHART_PATTERNS:
                match = pattern.match(part)
                if match:
                    said = template.format(**{k: CHART.get(v, v) for k, v in match.groupdict().items()})
                    break
        parts.append(said or part)
    return " · ".join(parts)


def localize_output(value, lang: str | None = None):
    """A handler's return value with the titles of its Plotly charts in the request's language."""
    lang = lang or language()
    if lang != "zh-CN":
        return value
    import plotly.graph_objects as go

    if isinstance(value, go.Figure):
        title = value.layout.title
        if title.text:
            title.text = chart_text(title.text, lang)
        if title.subtitle and title.subtitle.text:
            title.subtitle.text = chart_text(title.subtitle.text, lang)
        for axis in (value.layout.xaxis, value.layout.yaxis):
            if axis.title and axis.title.text:
                axis.title.text = chart_text(axis.title.text, lang)
        for trace in value.data:  # a heatmap's colour bar
            bar = getattr(trace, "colorbar", None)
            if bar is not None and bar.title and bar.title.text:
                bar.title.text = chart_text(bar.title.text, lang)
        return value
    if isinstance(value, tuple):
        return tuple(localize_output(v, lang) for v in value)
    if isinstance(value, list):
        return [localize_output(v, lang) for v in value]
    if isinstance(value, dict) and value.get("__type__") == "update" and "value" in value:
        return {**value, "value": localize_output(value["value"], lang)}
    return value


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


def shown_label(label) -> str | None:
    """A component's label as the request's language shows it (a label marked by ``localize`` is Gradio's
    ``I18nData``, keyed by its English)."""
    if label is None:
        return None
    key = getattr(label, "key", label) if not isinstance(label, str) else label
    return ZH_CN.get(key, key) if language() == "zh-CN" else key


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
