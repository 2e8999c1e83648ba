"""The page in Simplified Chinese for a Chinese browser, in English for any other."""
from __future__ import annotations

import re

import pytest
from gradio_client import handle_file

from tests.browser import WAIT_MS, close_messages, messages, new_context, open_page, settled, until, wait_for_message
from ui.locale import _BRACED, ZH_CN, english_left, localize, preferred, say
from ui.page import EXAMPLE_FILE
from ui.pairs import PAIRS_FILE

ZH_TABS = [("Classify", "分类", "解释"), ("Zero-shot", "零样本", "分类并解释"),
           ("Embeddings & similarity", "嵌入与相似度", "比较文本"), ("Attention", "注意力", "显示注意力"),
           ("Inside the Transformer", "Transformer 内部", "显示计算过程"), ("Generate", "生成", None)]


def _texts(demo) -> tuple[set[str], set[str]]:
    """The static texts of the built page: (still plain English, marked for translation)."""
    from gradio.i18n import I18nData

    plain, marked = set(), set()
    for block in demo.blocks.values():
        values = [getattr(block, a, None) for a in ("label", "info", "placeholder")]
        if type(block).__name__ in ("Markdown", "Button", "DownloadButton", "UploadButton"):
            values.append(getattr(block, "value", None))
        for value in values:
            if isinstance(value, I18nData):
                marked.add(value.key)
            elif isinstance(value, str) and value.strip():
                plain.add(value)
    return plain, marked


def test_every_static_text_of_the_page_is_marked_for_translation():
    import app

    demo = app.build()
    plain, marked = _texts(demo)
    assert len(marked) > 200 and marked <= set(ZH_CN) | set(_BRACED.values())
    untranslated = sorted(t for t in plain if not _dynamic(t))
    assert not untranslated, untranslated[:10]
    assert localize(demo) == 0  # (marked once: a second pass finds nothing left)


def _dynamic(text: str) -> bool:
    """Texts built from what this machine offers (counts): English where not translated."""
    return bool(re.search(r"\d[\d,]* words", text))


def test_translations_keep_numbers_and_names():
    for english, chinese in ZH_CN.items():
        for number in re.findall(r"\d[\d,.]*\d|\d", english):
            assert number.rstrip(".,") in chinese, (english, chinese)
        for code in re.findall(r"`[^`]+`", english):
            assert code in chinese, (english, chinese, code)
        assert sorted(re.findall(r"[{]\w*[}]", chinese)) == sorted(re.findall(r"[{]\w*[}]", english)), chinese


@pytest.mark.parametrize("header, expected", [
    ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"), ("zh", "zh-CN"), ("zh-Hans-CN", "zh-CN"), ("en-US,en;q=0.9", "en"),
    ("en;q=0.5,zh-CN;q=0.9", "zh-CN"), ("fr-FR", "en"), ("", "en"), ("zh-TW", "en"), ("zh;q=bad,en", "en")])
def test_the_language_follows_accept_language(header, expected):
    assert preferred(header) == expected


def test_server_sentences_are_said_in_chinese_with_their_values_kept():
    assert say("The text is empty: give at least one word.", "zh-CN") == "文本为空：请至少输入一个词。"
    assert say("1,200 texts were given; the limit is 1,000 per call.", "zh-CN") == "给出了 1,200 段文本；每次调用最多 1,000 段。"
    assert say("The reason '餐' is not in the text as whole words.", "zh-CN") == "理由 '餐' 不是文本中的完整词语。"
    assert say("The text is empty: give at least one word.", "en") == "The text is empty: give at least one word."
    assert say("A sentence nobody translated.", "zh-CN") == "A sentence nobody translated."


def test_a_chinese_browser_sees_the_page_in_chinese(launched, chromium, tmp_path_factory):
    context = new_context(chromium, locale="zh-CN")
    page = open_page(context, launched[1], tab="分类")
    try:
        assert page.get_by_role("tab", name="Classify", exact=True).count() == 0  # (every tab: the walk below)
        # an error sentence of the server, in Chinese
        page.get_by_role("tab", name="分类", exact=True).click()
        panel = page.locator("[role=tabpanel]:visible")
        panel.get_by_label("文本").first.fill(" ")
        before = len(messages(page))
        settled(page)  # (what an edit set off reaches the server before the click)
        panel.get_by_role("button", name="解释", exact=True).click()
        wait_for_message(page, "文本为空：请至少输入一个词。", after=before)
        # a chart of the answer, its title in Chinese (the label and numbers as they are), and the notes
        close_messages(page)
        panel.get_by_label("文本").first.fill("transfer $200 from checking to savings")
        panel.get_by_role("radio", name="遮挡 (Occlusion)").click()  # (the quickest method)
        settled(page)
        panel.get_by_role("button", name="解释", exact=True).click()
        page.locator("[role=tabpanel]:visible .js-plotly-plot text:has-text('概率')").first.wait_for(timeout=WAIT_MS)
        page.get_by_text("忠实度（ERASER").first.wait_for(timeout=WAIT_MS)  # the notes, in Chinese
        page.screenshot(path=str(tmp_path_factory.mktemp("zh") / "zh-CN.png"), full_page=True)
    finally:
        context.close()


def test_an_english_browser_sees_the_page_in_english(launched, chromium):
    context = new_context(chromium, locale="en-US")
    page = open_page(context, launched[1], tab="Classify")
    try:
        for tab, _, _ in ZH_TABS:
            assert page.get_by_role("tab", name=tab, exact=True).count() == 1
        assert page.get_by_role("tab", name="分类", exact=True).count() == 0
        panel = page.locator("[role=tabpanel]:visible")
        assert panel.get_by_role("button", name="Explain", exact=True).count() >= 1
    finally:
        context.close()


def test_chart_titles_are_said_in_chinese_part_by_part():
    from ui.locale import chart_text, localize_output

    assert chart_text("Attention · layer 3 · mean over heads", "zh-CN") == "注意力 · 第 3 层 · 各头平均"
    assert chart_text("SHAP · why positive rather than negative", "zh-CN") == "沙普利值 (SHAP) · 为什么是 positive 而不是 negative"
    assert chart_text("probability 0.934 · base 0.5", "zh-CN") == "概率 0.934 · 基线 0.5"
    assert chart_text("contribution to the probability", "zh-CN") == "对概率的贡献"
    assert chart_text("An untranslated part · layer 2", "zh-CN") == "An untranslated part · 第 2 层"
    assert chart_text("Attention · layer 3", "en") == "Attention · layer 3"
    import plotly.graph_objects as go

    fig = go.Figure(go.Heatmap(z=[[1]], colorbar={"title": {"text": "attention"}}),
                    layout={"title": {"text": "Global word importance", "subtitle": {"text": "top 5"}},
                            "xaxis": {"title": {"text": "contribution"}}})
    out = localize_output(("note", fig), "zh-CN")
    assert out[0] == "note" and out[1].layout.title.text == "全局词语重要性"
    assert out[1].layout.title.subtitle.text == "前 5 个" and out[1].layout.xaxis.title.text == "贡献"
    assert out[1].data[0].colorbar.title.text == "注意力"


# Opens the panel's closed accordions; true once none is left closed (an accordion inside another shows once its
# parent is open, so this runs until it says so).
OPEN_EVERY_ACCORDION = """e => { const closed = e.querySelectorAll('button.label-wrap:not(.open)');
    closed.forEach(b => b.click()); return closed.length === 0; }"""


def _users_and_models_words(demo) -> list[str]:
    """What may stay English on the Chinese page: the examples (user text), the choices (model names, columns), and
    the bundled models' names and labels."""
    import gradio as gr

    from model.registry import list_models

    allowed = []
    for block in demo.blocks.values():
        if isinstance(block, gr.Dataset):
            allowed += [str(x) for row in block.samples for x in row]
        if isinstance(block, gr.Dropdown):
            allowed += [str(x) for c in block.choices or [] for x in (c if isinstance(c, (list, tuple)) else [c])]
    allowed += [spec.name for spec in list_models()]
    return allowed


def test_english_left_finds_untranslated_words_and_keeps_names():
    assert english_left("积分梯度 (Integrated Gradients)：在嵌入空间中") == []
    assert english_left("使用 --model ./folder 启动；GPT-2、Llama、SHAP、JSON") == []
    assert english_left("X：层输入（token 数 × 隐藏维度）") == ["token"]
    assert english_left("the answer stays transfer", ["transfer"]) == ["the", "answer", "stays"]
    assert english_left("my card was declined and I am really an...", ["my card was declined and I am really angry"]) == []
    assert english_left("用 ablation\\_flip 做至多 2 处编辑", []) == []


def test_no_english_word_is_left_on_the_chinese_page(launched, chromium):
    """Every tab, every accordion open: each word a person reads is Chinese, or a name (a model's, a library's,
    a measure's acronym), or the user's own text (the examples)."""
    demo, url = launched
    allowed = _users_and_models_words(demo)
    context = new_context(chromium, locale="zh-CN")
    page = open_page(context, url, tab="分类")
    try:  # (the tables' headers come in the page's language with the page's load events)
        until(page, lambda: any("/run/predict" in u for u in page.requests))
        settled(page)
        left = {}
        intro = page.locator("body").inner_text().split("\n分类\n")[0]
        left["(intro)"] = english_left(intro, allowed + page.locator("code").all_inner_texts())  # (code: names)
        buttons = dict((tab, button) for _, tab, button in ZH_TABS)
        for index, name in enumerate(page.get_by_role("tab").all_inner_texts()):
            # (clicked and read inside the page: Playwright's checks before a click, and its queries by role, cost
            # seconds a tab on this large page)
            tab = f"document.querySelectorAll('button[role=tab]')[{index}]"
            page.evaluate(f"() => {tab}.click()")
            panel = page.locator("[role=tabpanel]:visible").first
            until(page, lambda: page.evaluate(f"() => {tab}.getAttribute('aria-selected')") == "true"  # noqa: B023
                  and len(panel.inner_text()) > 100)  # noqa: B023 (this tab, drawn)
            if buttons.get(name):
                panel.locator("button", has_text=buttons[name]).first.wait_for(timeout=WAIT_MS)
            until(page, lambda: panel.evaluate(OPEN_EVERY_ACCORDION))  # noqa: B023 (nested ones show once opened)
            left[name] = english_left(panel.inner_text(), allowed + panel.locator("code").all_inner_texts())
        assert set(buttons) <= set(left)  # (every tab, its title in Chinese)
        assert len(left) >= 9
        assert not any(left.values()), {k: v for k, v in left.items() if v}
    finally:
        context.close()


def _texts_of(value):
    """Every text an answer shows a person: strings, a chart's titles, axes, notes, legend and hover texts, a table's
    headers (files, JSON held for the page and update markers are not read)."""
    import json

    if isinstance(value, str):
        if value.startswith(("/", "{", "[")):  # (a file's path; the explanation on screen, held as JSON)
            return
        yield value
    elif isinstance(value, dict):
        if isinstance(value.get("plot"), str):
            fig = json.loads(value["plot"])
            layout = fig.get("layout", {})
            title = layout.get("title") or {}
            yield title.get("text", "")
            yield (title.get("subtitle") or {}).get("text", "")
            for name, axis in layout.items():
                if name.startswith(("xaxis", "yaxis")):
                    yield (axis.get("title") or {}).get("text", "")
            for annotation in layout.get("annotations", []):
                yield annotation.get("text", "")
            for trace in fig.get("data", []):
                yield trace.get("name", "")
                yield re.sub(r"%\{[^}]*\}|<[^>]+>", " ", trace.get("hovertemplate", ""))
                yield ((trace.get("colorbar") or {}).get("title") or {}).get("text", "")
            return
        if "headers" in value:
            yield from (str(h) for h in value["headers"])
            return
        for key, inner in value.items():
            if key not in ("path", "url", "orig_name", "mime_type", "meta", "__type__", "color_map", "choices"):
                yield from _texts_of(inner)
    elif isinstance(value, (list, tuple)):
        for inner in value:
            yield from _texts_of(inner)


def test_every_answer_is_said_in_chinese_to_a_chinese_browser(launched):
    """Through the API with a Chinese browser's Accept-Language, as the page asks: notes, chart texts (titles,
    axes, legends, hover), table headers and refusals of each tab's main answers hold no English word but names,
    the model's labels and the user's own text; the same answers to an English browser stay English."""
    from gradio_client import Client

    from model import load_model
    from tests.conftest import TINY_DECODER, TINY_TAGGER

    demo, url = launched
    zh = Client(url, verbose=False, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    text, name = "transfer $200 from checking to savings", f"zhtiny{id(zh) % 10_000}"
    rows = "\n".join(f"{t}\t{lab}" for t, lab in [("pay my bill", "pay"), ("send money", "pay"), ("transfer cash", "pay"),
                                                  ("wire funds", "pay"), ("what is the weather", "weather"),
                                                  ("will it rain", "weather"), ("is it sunny", "weather"),
                                                  ("forecast please", "weather")])
    calls = [
        ("/classify", dict(text=text, method="occlusion")),
        ("/compare_methods", dict(text=text, methods=["occlusion", "grad_input"])),
        ("/counterfactuals", dict(text=text, max_edits=1)),
        ("/what_if", dict(text=text, edited="transfer $200 from savings", method="occlusion")),
        ("/zero_shot", dict(text="The central bank raised interest rates.", labels="economy, sports", method="occlusion")),
        ("/embeddings", dict(texts="a cat\na dog\nthe stock market")),
        ("/explain_similarity", dict(text="a man plays guitar", pair="someone performs music", method="occlusion")),
        ("/explain_pairs", dict(text="a man plays guitar", pair="someone performs music", method="integrated_jacobians",
                                granularity="word", steps="8")),
        ("/explain_pairs", dict(text="a man plays guitar", pair="someone performs music", method="pair_occlusion",
                                granularity="word")),
        ("/explain_pair_file", dict(path=handle_file(str(PAIRS_FILE)), model_name="minilm-embed",
                                    method="pair_occlusion", granularity="word", limit=3)),
        ("/attention", dict(text=text)),
        ("/inside", dict(text="transfer $200 from checking")),
        ("/dataset", dict(path=handle_file(str(EXAMPLE_FILE)), text_column="text", label_column="label",
                          model_name="intent-minilm", method="occlusion", limit=6)),
        ("/train", dict(paste=rows, path=None, text_column="text", label_column="label", name=name, mode="head")),
        ("/training_examples", dict(text="send the money", model_name=name, method="influence")),
        ("/generate", dict(prompt="The capital of France is", model_name=TINY_DECODER, continuation="")),
        ("/score_every_token", dict(prompt="The capital of France is", model_name=TINY_DECODER, method="occlusion")),
        ("/what_if_prompt", dict(prompt="The capital of France is", edited="The capital of Spain is",
                                 model_name=TINY_DECODER)),
        ("/find_entities", dict(text="john smith works at acme in paris", model_name=TINY_TAGGER, aggregation="first")),
        ("/explain_entity", dict(text="john smith works at acme in paris", model_name=TINY_TAGGER, aggregation="first",
                                 chosen=None, method="occlusion")),
        ("/what_if_entities", dict(text="john smith works at acme in paris", edited="alice works at acme in rome",
                                   model_name=TINY_TAGGER, aggregation="first")),
    ]
    allowed = _users_and_models_words(demo) + [name, "pay", "weather", *load_model("intent-minilm").labels]
    left = {}
    for api_name, kwargs in calls:
        answer = zh.predict(api_name=api_name, **kwargs)
        allowed += [str(v) for v in kwargs.values()]
        texts = list(_texts_of(answer))
        texts = [re.sub(r"<[^>]+>", " ", t) for t in texts]  # (a chart's line breaks)
        if api_name == "/find_entities":  # the entities the model found (the text's own words) and its tags
            allowed += [str(c) for c in answer[2]["choices"]] + ["PER", "ORG", "LOC"]
        if api_name in ("/generate", "/what_if_prompt"):  # what the model wrote (after its Chinese introduction)
            allowed += [t.rsplit("：", 1)[-1] for t in texts if "：" in t]
            allowed += [str(c) for c in answer[1]["choices"]] if api_name == "/generate" else []
        left[api_name] = sorted({w for t in texts for w in english_left(t, allowed)})
    with pytest.raises(Exception) as refused:  # a refusal, in Chinese
        zh.predict(api_name="/classify", text=" ", method="occlusion")
    assert "文本为空" in str(refused.value)
    assert not any(left.values()), {k: v for k, v in left.items() if v}
    # the same answer to an English browser: in English
    en = Client(url, verbose=False, headers={"Accept-Language": "en-US,en;q=0.9"})
    notes = en.predict(api_name="/counterfactuals", text=text, max_edits=1)[1]
    assert "texts tried in" in notes and not re.search(r"[\u4e00-\u9fff]", notes)


def _refusals() -> list[str]:
    """Every fixed sentence the page can refuse or warn with (a literal given to InputError, gr.Error, warn, info in
    ui/, and the input checks of model/validation.py)."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    said = set()
    for path in [*sorted((root / "ui").glob("*.py")), root / "model" / "validation.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                    and isinstance(node.args[0].value, str) and \
                    getattr(node.func, "id", getattr(node.func, "attr", "")) in ("InputError", "Error", "warn", "info") \
                    and getattr(getattr(node.func, "value", None), "id", None) != "log":  # (not a log line)
                said.add(node.args[0].value)
    return sorted(said)


def test_every_fixed_refusal_is_said_in_chinese():
    refusals = _refusals()
    assert len(refusals) > 25 and "Tick at least one method to compare." in refusals
    untranslated = {r: english_left(say(r, "zh-CN")) for r in refusals}
    assert not {r[:60]: w for r, w in untranslated.items() if w}


@pytest.mark.parametrize("english, chinese", [
    ("This text is read as 4 windows: choose one from 0 to 3, not 7.", "这段文本按 4 个窗口读取：请从 0 到 3 中选择一个，而不是 7。"),
    ("- **20 of 20 rows** explained with Occlusion on `intent-minilm` · accuracy **95.0%** on 20 labelled rows",
     "- 用 遮挡 (Occlusion) 在 `intent-minilm` 上解释了 **20 行中的 20 行** · 20 条已标注行上的准确率 **95.0%**"),
    ("Text A: The text was cut to the model's 256 tokens; the rest was not read.",
     "文本 A：文本被截断为模型的 256 个词元；其余部分未被读取。"),
    ("A removed prompt token becomes the pad token '<pad>'.", "被删除的提示词词元替换为填充词元 '<pad>'。"),
])
def test_composed_notes_are_said_part_by_part_with_their_values(english, chinese):
    assert say(english, "zh-CN") == chinese
    assert say(english, "en") == english


def test_the_html_report_is_written_in_the_pages_language():
    """The report a Chinese page downloads: its headings, notes, parameters' names, scorecard and charts in Chinese;
    the text, labels, values and the embedded JSON as they are; an English page's report in English."""
    import functools
    import html
    import json

    from explain import explain
    from explain.io.report import html_report
    from model import load_model
    from ui.explaining import scored
    from ui.locale import localize_output

    model = load_model("intent-minilm")
    text = "transfer $200 from checking to savings"
    e = explain(model, text, "occlusion")
    e, _ = scored(model, e, lambda *a, **k: None)  # (with its scorecard, as the page shows it)
    assert e.meta.get("scores")
    report = html_report(e, say=functools.partial(say, lang="zh-CN"),
                         figure=functools.partial(localize_output, lang="zh-CN"), lang="zh-CN")
    assert "<html lang='zh-CN'>" in report and "参数" in report and "遮挡 (Occlusion)" in report
    data = json.loads(html.unescape(re.search(r'id="explanation-json">(.*?)</script>', report, re.S).group(1))
                      .replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&"))
    assert data["occlusion"]["text"] == text  # (the data: as it is)
    body = report.split("</head>", 1)[1]
    shown = re.sub(r"<script.*?</script>|<code>.*?</code>", " ", body, flags=re.S)
    rows = dict(re.findall(r"<tr><th>(.*?)</th><td>(.*?)</td></tr>", shown))
    values = [html.unescape(v) for k, v in rows.items() if k in ("参数", "选项", "版本", "设备", "模型", "任务", "方法")]
    shown = html.unescape(re.sub(r"<[^>]+>", "\n", shown))
    assert english_left(shown, [text, *model.labels, *values]) == []
    titles = re.findall(r'"title":\{"text":"([^"]*)"', body)
    assert titles and all(not english_left(t, [*model.labels]) for t in titles), titles
    english = html_report(e)
    assert "<html lang='en'>" in english and "<h3>Parameters</h3>" in english and "参数" not in english


def test_the_report_button_writes_the_report_in_the_requests_language():
    from types import SimpleNamespace

    from gradio.context import LocalContext

    from explain import explain
    from model import load_model
    from ui.report import of_explanation

    e = explain(load_model("intent-minilm"), "transfer $200 from checking to savings", "occlusion")
    token = LocalContext.request.set(SimpleNamespace(headers={"accept-language": "zh-CN,zh;q=0.9"}))
    try:
        chinese = open(of_explanation(e.to_dict()), encoding="utf-8").read()
    finally:
        LocalContext.request.reset(token)
    english = open(of_explanation(e.to_dict()), encoding="utf-8").read()
    assert "<html lang='zh-CN'>" in chinese and "<h3>参数</h3>" in chinese and "<h3>Parameters</h3>" not in chinese
    assert "<html lang='en'>" in english and "<h3>Parameters</h3>" in english
