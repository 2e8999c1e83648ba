"""The page in Simplified Chinese for a Chinese browser, in English for any other."""
from __future__ import annotations

import re

import pytest

from tests.browser import WAIT_MS, close_messages, messages, new_context, open_page, settled, wait_for_message
from ui.locale import ZH_CN, localize, preferred, say

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
    assert len(marked) > 200 and marked <= set(ZH_CN)
    untranslated = sorted(t for t in plain if not re.search(r"[{}]", t) and not _dynamic(t))
    assert not untranslated, untranslated[:10]
    assert localize(demo) == 0  # (marked once: a second pass finds nothing left)


def _dynamic(text: str) -> bool:
    """Texts built from what this machine offers (model names, counts): English where not translated."""
    return bool(re.search(r"Hugging Face Hub is not reachable|\d[\d,]* words", text))


def test_translations_keep_numbers_and_names():
    for english, chinese in ZH_CN.items():
        for number in re.findall(r"\d[\d,.]*\d|\d", english):
            assert number.rstrip(".,") in chinese, (english, chinese)
        for code in re.findall(r"`[^`]+`", english):
            assert code in chinese, (english, chinese, code)
        assert not re.search(r"[{}]", chinese), chinese


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
        for _, tab, button in ZH_TABS:
            page.get_by_role("tab", name=tab, exact=True).click()
            if button:
                page.locator("[role=tabpanel]:visible").get_by_role("button", name=button, exact=True).first.wait_for(
                    timeout=WAIT_MS)
        assert page.get_by_role("tab", name="Classify", exact=True).count() == 0
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
    assert chart_text("SHAP · why positive rather than negative", "zh-CN") == "SHAP · 为什么是 positive 而不是 negative"
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
