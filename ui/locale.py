"""The page in Simplified Chinese for a browser whose language is Chinese, in English otherwise.

The page is written in English; ``localize`` marks every static text of the built page that has a
translation (tab titles, labels, help texts, placeholders, buttons, Markdown notes) with Gradio's
``gr.I18n``, keyed by the English text itself, so the browser picks the language (Gradio's own
words, "Submit" or "Use via API", follow it too) and an untranslated text shows as written. What the
server says while answering follows the request's ``Accept-Language``: refusals and notes through ``say``
(sentence by sentence, part by part, their values kept), charts through ``localize_output`` (titles, axes,
legends, annotations, hover texts), and in every answer (``_answer_in_its_language``) each Markdown output, each
table's headers and the what-if categories; the tables' first headers are sent when the page loads. The Chinese
words are in ``ui/locales`` (``zh-CN.json`` for the browser, ``zh_cn.py`` for the server). Numbers, model
names, labels and user text are never translated; ``english_left`` finds any English word that was.
"""
from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import gradio as gr

from .locales.zh_cn import ATTENTION_NOTES, CATEGORIES, CHART, CHART_PATTERNS, HEADERS, HOVER, REPORT, SENTENCES, WHAT

LOCALES = Path(__file__).resolve().parent / "locales"
ZH_CN: dict[str, str] = json.loads((LOCALES / "zh-CN.json").read_text(encoding="utf-8"))


def _braced_key(text: str) -> str:
    """The key under which a text with braces goes to the browser (which cannot read a brace in a key)."""
    return "studio-braced-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


# A text with braces ("{text}") is given to the browser under a key of its own, in both languages (the browser
# reads a key up to its first closing brace).
_BRACED = {english: _braced_key(english) for english in ZH_CN if re.search(r"[{}]", english)}
I18N = gr.I18n(**{"zh-CN": {**ZH_CN, **{key: ZH_CN[english] for english, key in _BRACED.items()}},
                  "en": {key: english for english, key in _BRACED.items()}})
_ATTRIBUTES = ("label", "info", "placeholder")
_VALUED = ("Markdown", "Button", "DownloadButton", "UploadButton")

# A method's name as the page shows it (its chart titles, legends, hover texts).
_METHOD = {name: ZH_CN[name] for name in ("SHAP", "LIME", "Integrated Gradients", "Gradient × Input", "Occlusion",
                                          "Attention", "Rollout") if name in ZH_CN}

def hover_text(template: str, lang: str | None = None) -> str:
    """A chart's hover template in the request's language: its words translated, its ``%{…}`` values kept."""
    if not template or (lang or language()) != "zh-CN":
        return template
    for pattern, replacement in HOVER:
        template = pattern.sub(replacement, template)
    head, sep, rest = template.partition("<br>")  # a method's or a part's name first
    if sep and "%{" not in head:
        template = chart_text(head, lang) + sep + rest
    return template


def header_text(header: str, lang: str | None = None) -> str:
    """A table header in the request's language (a method's or a measure's name: as its chart part)."""
    if (lang or language()) != "zh-CN":
        return header
    return HEADERS.get(header) or chart_text(header, lang)


def chart_text(text: str, lang: str | None = None) -> str:
    """A chart's title, subtitle or axis title in the request's language, part by part (" · ")."""
    if not text or (lang or language()) != "zh-CN":
        return text
    parts = []
    for part in text.split(" · "):
        said = CHART.get(part) or _METHOD.get(part) or ZH_CN.get(part)
        if said is None:
            for pattern, template in CHART_PATTERNS:
                match = pattern.match(part)
                if match:
                    said = template.format(**{k: CHART.get(v) or _METHOD.get(v, v) for k, v in match.groupdict().items()})
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
        for name in list(value.layout.to_plotly_json()):  # every axis (xaxis, yaxis2, …) and 3-D scene's
            axes = [value.layout[name]] if name.startswith(("xaxis", "yaxis")) else \
                [value.layout[name][a] for a in ("xaxis", "yaxis", "zaxis")] if name.startswith("scene") else []
            for axis in axes:
                if axis.title and axis.title.text:
                    axis.title.text = chart_text(axis.title.text, lang)
        for annotation in value.layout.annotations or ():  # a subplot's title, a note inside the chart
            if annotation.text:
                annotation.text = chart_text(annotation.text, lang)
        for trace in value.data:  # a heatmap's colour bar, a legend's entry, the hover text
            bar = getattr(trace, "colorbar", None)
            if bar is not None and bar.title and bar.title.text:
                bar.title.text = chart_text(bar.title.text, lang)
            if getattr(trace, "name", None):
                trace.name = chart_text(trace.name, lang)
            if getattr(trace, "hovertemplate", None):
                trace.hovertemplate = hover_text(trace.hovertemplate, lang)
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
    if not getattr(demo, "_answers_localized", False):  # (once: a second pass only marks what is left)
        demo._answers_localized = True
        tables = [b for b in demo.blocks.values() if isinstance(b, (gr.Dataframe, gr.Dataset)) and _headers(b)
                  and any(h in HEADERS for h in _headers(b))]
        _answer_in_its_language(demo, {b._id for b in tables if isinstance(b, gr.Dataframe)})
        _translate_headers_on_load(demo, tables)  # (before marking: adding its event rebuilds the page's config)
    marked = 0
    for block in demo.blocks.values():
        for attribute in _ATTRIBUTES:
            value = getattr(block, attribute, None)
            if isinstance(value, str) and value in ZH_CN:
                setattr(block, attribute, I18N(_BRACED.get(value, value)))
                marked += 1
        if type(block).__name__ in _VALUED and isinstance(getattr(block, "value", None), str) \
                and block.value in ZH_CN:
            block.value = I18N(_BRACED.get(block.value, block.value))
            marked += 1
    return marked


def _translate_headers_on_load(demo: gr.Blocks, tables: list) -> None:
    """Tables' headers, which the browser does not translate, are said in the request's language in every answer
    (``_answer_in_its_language``) and once more when the page loads (its first value is built before any request:
    one short request, outside the queue)."""
    if not tables:
        return

    def translated(request: gr.Request):
        if language_of(request) != "zh-CN":
            return [gr.skip() for _ in tables]
        return [gr.update(headers=[header_text(h, "zh-CN") for h in _headers(b)]) if isinstance(b, gr.Dataset)
                else gr.update(value=b.value) for b in tables]

    with demo:
        demo.load(translated, None, tables, api_name=False, queue=False, show_progress="hidden")


def _answer_in_its_language(demo: gr.Blocks, tables: set[int]) -> None:
    """Every answer in the request's language where the handler cannot say it: the headers of ``tables`` (Gradio
    prepares a table's value after the handler has returned, whatever gave it: a result, an emptying, an update),
    each Markdown output, the what-if categories."""
    process_api = demo.process_api

    async def answered(*args, **kwargs):
        answer = await process_api(*args, **kwargs)
        request = kwargs.get("request")
        if language_of(request[0] if isinstance(request, list) and request else request) != "zh-CN":
            return answer
        fn = kwargs.get("block_fn", args[0] if args else None)
        fn = demo.fns.get(fn) if isinstance(fn, int) else fn
        data = answer.get("data") or []
        for index, block in enumerate(getattr(fn, "outputs", ())):
            if index >= len(data):
                break
            value = data[index]
            inner = value.get("value") if isinstance(value, dict) and "value" in value else value
            if block._id in tables:
                _say_headers(inner)
            elif isinstance(block, gr.Markdown) and isinstance(inner, str) and inner:
                inner = say(inner, "zh-CN")
                data[index] = {**value, "value": inner} if isinstance(value, dict) else inner
            elif isinstance(block, gr.HighlightedText) and set(block.color_map or ()) & set(CATEGORIES) \
                    and isinstance(inner, list):
                data[index] = _categories_said(block, value, inner)
        return answer

    demo.process_api = answered


def _categories_said(block, value, spans: list) -> dict:
    """A marked text's categories (what an edit did to a word) and its colour legend, in Chinese."""
    said = [{**span, "class_or_confidence": CATEGORIES.get(span.get("class_or_confidence"),
                                                           span.get("class_or_confidence"))}
            if isinstance(span, dict) else span for span in spans]
    colours = {CATEGORIES.get(k, k): v for k, v in (block.color_map or {}).items()}
    return {**(value if isinstance(value, dict) else {}), "__type__": "update", "value": said, "color_map": colours}


def _say_headers(value) -> None:
    if isinstance(value, dict) and isinstance(value.get("headers"), list):
        value["headers"] = [header_text(h, "zh-CN") if isinstance(h, str) else h for h in value["headers"]]


def _headers(block) -> list[str]:
    headers = block.headers if isinstance(block, gr.Dataset) else (block.value or {}).get("headers")
    return [h for h in (headers or []) if isinstance(h, str)]


def shown_label(label) -> str | None:
    """A component's label as the request's language shows it (a label marked by ``localize`` is Gradio's
    ``I18nData``, keyed by its English)."""
    if label is None:
        return None
    key = getattr(label, "key", label) if not isinstance(label, str) else label
    key = next((english for english, braced in _BRACED.items() if braced == key), key)
    return ZH_CN.get(key, key) if language() == "zh-CN" else key


def language() -> str:
    """"zh-CN" when the request being answered prefers Chinese (its Accept-Language), else "en"."""
    from gradio.context import LocalContext

    return language_of(LocalContext.request.get(None))


def language_of(request) -> str:
    """"zh-CN" when ``request`` (None: none) prefers Chinese (its Accept-Language), else "en"."""
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
    said = _sentence(text)
    if said is not None:
        return said
    lines = []
    for line in text.split("\n"):  # a note of several lines ("- " items), each of parts joined by " · "
        bullet = re.match(r"^\s*(?:[-*] )?", line).group(0)
        parts = line[len(bullet):].split(" · ")
        lines.append(bullet + " · ".join(_part(part) for part in parts))
    return "\n".join(lines)


def _part(part: str) -> str:
    """One part of a note: a sentence, sentences one after another, or either after whose it is ("Text A: …")."""
    said = _sentences(part)
    if said is not None:
        return said
    who, sep, rest = part.partition(": ")
    said = _sentences(rest) if sep and len(who) <= 60 else None
    if said is None and sep and who in HEADERS:  # (whose, before a sentence said already)
        said = rest
    return f"{HEADERS.get(who, who)}：{said}" if said is not None else part


def _sentences(text: str) -> str | None:
    said = _sentence(text)
    if said is None:
        pieces = _SENTENCE_END.split(text)
        if len(pieces) > 1:
            said = [_sentence(p) for p in pieces]
            said = "".join(said) if all(p is not None for p in said) else None
    return said


_SENTENCE_END = re.compile(r"(?<=[.)])\s+(?=[A-Z*(])")


def _attention_notes(notes: str) -> str:
    said = []
    for note in filter(None, (n.strip() for n in notes.strip().rstrip(".").split(". ") for n in n.split("; "))):
        for pattern, template in ATTENTION_NOTES:
            match = pattern.match(note)
            if match:
                note = template.format(**match.groupdict())
                break
        said.append(note)
    return "；".join(said) + "。" if said else ""


def _sentence(text: str) -> str | None:
    if text in ZH_CN:
        return ZH_CN[text]
    if text in REPORT or text in HEADERS or text in CHART:
        return REPORT.get(text) or HEADERS.get(text) or CHART[text]
    for pattern, template in SENTENCES:
        match = pattern.match(text)
        if match:
            groups = {k: WHAT.get(v, v) if k in ("what", "how", "u", "more", "d", "kind") else _METHOD.get(v, v)
                      for k, v in match.groupdict(default="").items()}
            if "steps" in groups:
                groups["steps"] = re.sub(r"\b(token|position|type)\b", lambda m: WHAT[m.group(1)], groups["steps"])
            if "notes" in groups:
                groups["notes"] = _attention_notes(groups["notes"])
            return template.format(**groups)
    return None


# What may stay in Latin letters on the Chinese page: names (of models, architectures, libraries, file formats,
# measures known by their acronym), units and mathematical functions. Anything else in English is untranslated.
NAMES = frozenset("""
SHAP LIME JSON CSV HTML Lines UTF-8 MB GB KB CPU GPU CUDA PCA UMAP 2-D 3-D Ray Gradio Plotly NumPy numpy.load
scikit-learn captum transformers sentence-transformers safetensors save_pretrained python zip txt
Transformer Hugging Face Hub Space Spaces GPT-2 Llama Qwen Qwen2 Qwen3 Gemma Mistral Phi-3 BERT RoBERTa XLM-RoBERTa
ForTokenClassification ELECTRA DistilBERT ALBERT DeBERTa DeBERTa-v2 DeBERTa-v3 v3 MPNet BART ModernBERT MiniLM all-MiniLM-L6-v2 ERASER
NLI AOPC IOU-F1 F1 AUPRC Kendall Spearman tau Koh Liang Rad Maleki Newton Owen TracIn Adam L-BFGS Hessian RoPE
softmax logit log cos exp
ceil QKᵀ PV QK LayerNorm PE sin pos
""".split())
_LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9.'’_-]*[A-Za-z0-9]")
_BRACKETED = re.compile(r"[(（]\s*([A-Za-z][^()（）\u3400-\u9fff]{0,60})[)）]")


def _truncated(allowed):
    """A word cut short where a long text is shown shortened ("…"): kept when an allowed text's word begins so."""
    words = {w for a in allowed for w in _LATIN_WORD.findall(str(a))}
    return lambda m: " " if any(w.startswith(m.group(1)) for w in words) else m.group(1)


def english_left(text: str, allowed=()) -> list[str]:
    """The English words of ``text`` (as shown on the Chinese page) that are not names: not in ``NAMES`` or
    ``allowed`` (the user's own text, the model's labels), not an English name in brackets after its Chinese one
    ("积分梯度 (Integrated Gradients)"), not an identifier (``log_probability``, ``--model``)."""
    text = text.replace("\\_", "_")  # (Markdown's escaped underscore: an identifier)
    text = re.sub(r"\[[A-Z]{2,5}\]|&lt;\\?\|[^|]*\\?\|&gt;|<\|[^|]*\|>|</?s>", " ", text)  # a model's special tokens
    text = re.sub(r"(?<!\w)--[\w-]+|\./[\w/.-]*|“[^”]*”|「[^」]*」|[{]\w*[}]", " ", text)  # options, paths, examples
    text = _BRACKETED.sub(" ", re.sub(r"(\w+)(?:\.\.\.|…)", _truncated(allowed), text))
    allowed = set(NAMES) | {w for a in allowed for w in _LATIN_WORD.findall(str(a))}
    left = []
    for word in _LATIN_WORD.findall(text):
        if word in allowed or word.rstrip(".") in allowed or "_" in word or any(c.isdigit() for c in word):
            continue
        if word.startswith(("-", "http")) or "." in word.strip("."):
            continue
        left.append(word)
    return left
