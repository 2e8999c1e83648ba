"""The page in a real headless Chromium (Debian's), driven by Playwright for Python. Each test starts from a fresh
page of the one running app (tests/conftest.py's ``page``) and waits for what it checks (tests/browser.py)."""
from __future__ import annotations

import re

import pytest

from tests.browser import (
    CHROMIUM,
    WAIT_MS,
    chart_titles,
    click_and_wait,
    idle,
    panel_text,
    settled,
    until,
    wait_for_title,
)

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")

TABS = [
    ("Classify", "Explain"),
    ("Zero-shot", "Classify and explain"),
    ("Embeddings & similarity", "Compare texts"),
    ("Attention", "Show attention"),
    ("Inside the Transformer", "Show the computation"),
]


def _plots(panel):
    return panel.locator(".js-plotly-plot")


@pytest.mark.parametrize("tab, button", TABS)
def test_each_tab_renders_a_plotly_chart(page, tab, button, tmp_path_factory):
    page.get_by_role("tab", name=tab).click()
    panel = page.locator("[role=tabpanel]:visible")
    before = _plots(panel).count()
    settled(page)  # (what an edit set off reaches the server before the click)
    panel.get_by_role("button", name=button, exact=True).first.click()
    _plots(panel).nth(before).wait_for(state="visible", timeout=WAIT_MS)
    assert _plots(panel).count() > before
    assert not page.dialogs
    shot = tmp_path_factory.mktemp("screens") / f"{tab.split()[0].lower()}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


PAYLOADS = ['<img src=x onerror=alert(1)>', "<script>alert(1)</script>", '<a href="javascript:alert(1)">x</a>',
            "&amp;", '"><svg onload=alert(1)>']


def _no_payload_elements(page) -> None:
    assert page.locator("img[src='x']").count() == 0
    assert page.locator("svg[onload]").count() == 0
    assert page.locator("a[href^='javascript']").count() == 0
    assert page.locator("script:text('alert(1)')").count() == 0
    assert not page.dialogs


def test_payloads_stay_literal_in_text_and_labels(page):
    panel = _classify_panel(page, "Occlusion")  # (the quickest method: the text's rendering is the point)
    panel.get_by_label("Text").first.fill("transfer " + " ".join(PAYLOADS))
    settled(page)
    panel.get_by_role("button", name="Explain", exact=True).click()
    # Plotly draws the escaped payload as literal SVG text: the chart shows the characters "<img ...".
    chart = panel.locator(".js-plotly-plot", has_text="onerror").first
    chart.wait_for(timeout=WAIT_MS)
    shown = chart.inner_text().split("\n")  # one tick label per word: "<", "img", "src", "=", ...
    assert {"<", "img", "onerror", "script"} <= set(shown)
    idle(page)  # (every output of the answer shown)
    _no_payload_elements(page)

    page.get_by_role("tab", name="Zero-shot").click()
    panel = page.locator("[role=tabpanel]:visible")
    panel.get_by_role("radio", name="Occlusion", exact=True).check()
    panel.get_by_label("Candidate labels", exact=False).fill(", ".join(["sports", *PAYLOADS[:2], PAYLOADS[4]]))
    settled(page)
    panel.get_by_role("button", name="Classify and explain", exact=True).click()
    panel.get_by_text("<script>alert(1)</script>", exact=False).first.wait_for(timeout=WAIT_MS)
    idle(page)
    _no_payload_elements(page)


def _classify_panel(page, method: str | None = None):
    """The Classify tab, with ``method`` chosen (the module's tests share one page: each says what it needs)."""
    page.get_by_role("tab", name="Classify").click()
    panel = page.locator("[role=tabpanel]:visible")
    if method:
        panel.get_by_role("radio", name=method, exact=True).check()
    return panel


def _run(page, panel, button: str) -> None:
    """Click ``button`` and wait until its event has answered and every output is drawn (a result of an earlier
    test may still be on the shared page until then)."""
    click_and_wait(page, panel.get_by_role("button", name=button, exact=True))


def test_results_are_cleared_when_the_input_changes(page):
    panel = _classify_panel(page, "SHAP")
    panel.get_by_label("Text").first.fill("set a timer for ten minutes")
    _run(page, panel, "Explain")
    until(page, lambda: _plots(panel).count() == 2, lambda: f"{_plots(panel).count()} charts, not 2")
    assert _plots(panel).count() == 2
    assert panel.get_by_text("timer", exact=True).count() >= 1  # the prediction and the chart titles
    panel.get_by_label("Text").first.fill("what is my account balance")
    until(page, lambda: _plots(panel).count() == 0, lambda: f"{_plots(panel).count()} charts left")
    assert _plots(panel).count() == 0
    assert panel.get_by_text("timer", exact=True).count() == 0  # nor the old prediction (the intent "timer")


def test_a_failed_compare_leaves_no_error_behind(page):
    panel = _classify_panel(page)
    panel.get_by_text("Compare methods on this text").click()
    from explain import METHODS

    for name in METHODS:  # tick nothing: the compare fails with a sentence
        panel.locator(f"input[type=checkbox][name={name}]").uncheck()
    settled(page)
    panel.get_by_role("button", name="Compare methods", exact=True).click()
    error = panel.get_by_text("Error", exact=True)
    error.first.wait_for(timeout=WAIT_MS)
    panel.get_by_label("Text").first.fill("book a flight to Rome")
    until(page, lambda: error.count() == 0, lambda: f"{error.count()} errors left after the text changed")
    assert error.count() == 0


def test_long_runs_count_evaluations_and_show_no_average_eta(page):
    panel = _classify_panel(page, "LIME")
    panel.get_by_label("Text").first.fill("my card was declined at the grocery store and I am really annoyed "
                                          "about it because this is the third time this week " * 3)
    settled(page)
    panel.get_by_role("button", name="Explain", exact=True).click()
    # (read in the page at the moment the count shows: on a busy machine the run can end before a second read)
    statuses = page.wait_for_function("""() => {
        const text = [...document.querySelectorAll('.progress-text, .meta-text, .meta-text-center')]
            .map(e => e.innerText).join(' ');
        return /\\d+\\/\\d+ evaluations/.test(text) ? text : null;
    }""", timeout=WAIT_MS, polling=50).json_value()
    assert "evaluations" in statuses and not re.search(r"\d+\.\d+/\d+\.\d+s", statuses)
    _plots(panel).first.wait_for(state="visible", timeout=WAIT_MS)


def test_dataset_tab_runs_the_example_file(page):
    page.get_by_role("tab", name="Dataset").click()
    panel = page.locator("[role=tabpanel]:visible")
    settled(page)
    panel.get_by_role("button", name="Use the example file").click()
    panel.get_by_text("intents_sample.csv").first.wait_for(state="visible", timeout=WAIT_MS)
    cap = panel.get_by_label("number input for Row cap")
    cap.fill("20")
    cap.press("Enter")
    panel.get_by_role("radio", name="Occlusion").check()
    settled(page)
    panel.get_by_role("button", name="Explain the file", exact=True).click()
    _plots(panel).nth(2).wait_for(state="visible", timeout=WAIT_MS)
    assert panel.get_by_text("20 rows").first.is_visible()
    assert panel.locator("select, .updatemenu-container").count() >= 1  # the class selector inside the chart
    assert not page.dialogs


def _type_number(page, panel, label: str, value: str, title: str) -> None:
    """Type ``value`` into the number box of the slider ``label`` and wait for the chart title it brings; a value
    the page did not take (the box shows another) is typed again, as a person would."""
    box = panel.get_by_label(f"number input for {label}")
    box.fill(value)
    box.press("Enter")

    def redrawn() -> bool:
        if title in chart_titles(panel):
            return True
        if box.input_value() != value:
            box.fill(value)
            box.press("Enter")
        return False

    until(page, redrawn, lambda: f"no chart title with {title!r} after typing {value}; titles: {chart_titles(panel)}")


def test_attention_follows_the_layer_typed_or_stepped_with_the_keys(page):
    page.get_by_role("tab", name="Attention").click()
    panel = page.locator("[role=tabpanel]:visible")
    settled(page)
    panel.get_by_role("button", name="Show attention", exact=True).click()
    wait_for_title(page, panel, "Attention · layer 6")
    _type_number(page, panel, "Layer", "2", "Attention · layer 2")  # typed: redrawn
    panel.get_by_label("number input for Layer").press("ArrowUp")
    wait_for_title(page, panel, "Attention · layer 3")  # the arrow keys: redrawn
    _type_number(page, panel, "Head (0 = mean of heads)", "4", "layer 3 · head 4")


def test_inside_follows_the_layer_and_keeps_the_query_token(page):
    page.get_by_role("tab", name="Inside the Transformer").click()
    panel = page.locator("[role=tabpanel]:visible")
    settled(page)
    panel.get_by_role("button", name="Show the computation", exact=True).click()
    wait_for_title(page, panel, "Scores and attention weights · layer 2, head 1")
    query = panel.get_by_label("Query token (for the view below)")
    query.click()
    page.get_by_role("option", name="3: raised").click()
    wait_for_title(page, panel, "Query raised against every key")
    _type_number(page, panel, "Layer", "4", "Scores and attention weights · layer 4, head 1")
    wait_for_title(page, panel, "Query raised against every key")  # the chosen query stays
    assert "layer 4" in chart_titles(panel) and "Query raised" in chart_titles(panel)


def test_unticking_sort_keeps_the_prediction_and_redraws_in_text_order(page):
    panel = _classify_panel(page, "SHAP")
    panel.get_by_label("Text").first.fill("set a timer for ten minutes")
    _run(page, panel, "Explain")
    until(page, lambda: _plots(panel).count() == 2)  # the bars and the heatmap drawn
    sort = panel.get_by_label("Sort words by the size of their contribution (top 40)")
    sort.uncheck()

    def in_text_order() -> list[str]:
        ticks = _plots(panel).first.locator(".ytick text").all_text_contents()
        return ticks if ticks[:1] == ["set"] else ticks[::-1]  # (Plotly may write a reversed axis's ticks last-first)

    until(page, lambda: in_text_order()[:6] == ["set", "a", "timer", "for", "ten", "minutes"],
          lambda: f"the bars read {in_text_order()}")  # redrawn
    assert _plots(panel).count() == 2  # the bars (redrawn) and the heatmap stay
    assert panel.get_by_text("timer", exact=True).count() >= 1  # and so does the prediction
    sort.check()  # (the page is shared by the module's tests: left as it was found)


def test_the_report_is_written_when_asked_for_and_handed_over(page):
    """No report is written beside each result (4.9 MB each); the button writes the one of what is on screen and
    the browser downloads it."""
    panel = _classify_panel(page, "Occlusion")
    panel.get_by_label("Text").first.fill("what is my account balance")
    _run(page, panel, "Explain")
    until(page, lambda: _plots(panel).count() == 2, lambda: f"{_plots(panel).count()} charts, not 2")
    settled(page)
    with page.expect_download(timeout=WAIT_MS) as download:
        panel.get_by_role("button", name="📄 Download report (HTML)").first.click()
    assert download.value.suggested_filename.endswith("-report.html")
    page_html = open(download.value.path(), encoding="utf-8").read()
    assert page_html.startswith("<!DOCTYPE html>") and "what is my account balance" in page_html
    assert "Occlusion" in page_html and "balance" in page_html


def test_a_long_document_gets_the_document_view(page):
    """The long example: read as windows (said beside the prediction), each sentence shaded, the
    sentences ranked, a chosen sentence's words; the word bars and heatmap give way."""
    panel = _classify_panel(page, "Occlusion")
    settled(page)
    panel.get_by_role("button", name="Use the long example document").click()
    text = panel.get_by_label("Text").first
    until(page, lambda: len(text.input_value()) > 5_000, lambda: f"the text box holds {len(text.input_value())} characters")
    panel.get_by_role("radio", name="sentence", exact=True).first.check()
    settled(page)
    panel.get_by_role("button", name="Explain", exact=True).click()
    panel.get_by_text("Read as 10 windows of 256 tokens", exact=False).wait_for(state="visible", timeout=WAIT_MS)
    wait_for_title(page, panel, "Words of sentence")
    assert "softmax of the mean of the windows' logits" in panel.inner_text()
    assert "Sentences · Occlusion" in chart_titles(panel)
    shaded = panel.locator("[data-testid='highlighted-text:textfield'] .score-token.highlighted")
    assert shaded.count() == 77  # every sentence shaded (the gaps between them are not)
    assert "Fourth, I would like a written explanation" in panel.inner_text()
    chooser = panel.get_by_label("Choose a sentence to see its words")
    chooser.click()
    page.get_by_role("option").nth(1).click()
    panel_text(panel, "share its value evenly", page)  # occlusion by sentence: the words share it
    titles = chart_titles(panel)
    assert "Word contributions" not in titles and "Text heatmap" not in titles
    assert panel.get_by_text("Read as 10 windows", exact=False).count() >= 1
    # every download shown and named: JSON, words, tokens, sentences and the text itself (3 of 5 were shown)
    box = panel.evaluate_handle("""p => Array.from(p.querySelectorAll('.block')).filter(
        b => b.innerText.includes('Download: JSON') && b.innerText.includes('sentences CSV')).pop()""")
    shown = box.evaluate("b => b.innerText").replace("\n", "")  # (a name and its suffix sit on two lines)
    for suffix in (".json", "-words.csv", "-tokens.csv", "-sentences.csv", "-text.txt"):
        assert suffix in shown, (suffix, shown)
    assert box.evaluate("""b => Array.from(b.querySelectorAll('*')).every(x => x.scrollHeight <= x.clientHeight + 2
        || !['auto', 'scroll'].includes(getComputedStyle(x).overflowY))""")  # nothing hidden below a scroll
    # the shaded text wraps at spaces: no word broken at a line's end ("three mo|nths")
    breaks = panel.locator("[data-testid='highlighted-text:textfield']").first.evaluate(
        "e => getComputedStyle(e.querySelector('.textfield') || e).wordBreak")
    assert breaks == "normal"


def test_the_attention_tab_reads_a_long_text_window_by_window(page):
    """A text longer than one window crashed the tab ("Something went wrong"): it shows the first window,
    says where it is, and offers the others."""
    page.get_by_role("tab", name="Attention").click()
    panel = page.locator("[role=tabpanel]:visible")
    words = ("my card was declined at the store and I need to know why before my trip next week " * 40).split()[:600]
    panel.get_by_label("Text").first.fill(" ".join(words))
    settled(page)
    panel.get_by_role("button", name="Show attention", exact=True).click()
    panel.get_by_text("overlapping windows", exact=False).first.wait_for(state="visible", timeout=WAIT_MS)
    assert "Shown: window 1" in panel.inner_text() and "Something went wrong" not in page.content()
    wait_for_title(page, panel, "Attention · layer")  # (at whatever layer an earlier test left the control)
    chooser = panel.get_by_label("Window of the text shown")
    chooser.click()
    page.get_by_role("option", name="window 2 of", exact=False).click()
    panel_text(panel, "Shown: window 2", page)
    # every layer and head of the window shown: said how big, written only when asked
    panel_text(panel, "Every layer and head: 6 × 12 × 256 × 256 weights, 18.9 MB as a NumPy file", page)
    settled(page)
    panel.get_by_role("button", name="Download every layer and head (NumPy)").click()
    panel_text(panel, "-weights", page)  # (the file's name; its ".npz" on a line of its own)
    assert not page.dialogs


def test_typing_a_class_in_rather_than_is_that_class(page):
    """Typing in "Rather than" was appended to "nothing (why this class)" and then refused."""
    panel = _classify_panel(page)
    rather = panel.get_by_label("Rather than")
    rather.click()
    rather.fill("balance")
    rather.press("Enter")
    until(page, lambda: rather.input_value() == "balance", lambda: f"'Rather than' shows {rather.input_value()!r}")
    assert rather.input_value() == "balance"


def _table_rows(page, panel, label: str) -> list[list[str]]:
    """The rows of the table labelled ``label`` (its aria-label starts so) once it has some."""
    return until(page, lambda: panel.evaluate("""(p, label) => {
            const grid = Array.from(p.querySelectorAll('[role=grid][aria-label]')).find(
                e => e.getAttribute('aria-label').startsWith(label));
            return grid ? Array.from(grid.querySelectorAll('[role=row]')).map(
                r => Array.from(r.querySelectorAll('[role=gridcell]')).map(c => c.innerText.trim())).filter(
                cells => cells.length) : [];  // (the header row has column headers, not cells)
        }""", label), lambda: f"no rows in the table {label!r}")


def test_the_train_tab_says_which_training_rows_made_a_prediction(page, tmp_path_factory):
    """Train, then: the rows that supported the prediction (its own class first), the estimates against
    really retraining, retraining without the chosen rows, and the likely mislabelled rows."""
    page.get_by_role("tab", name="Train a classifier").click()
    panel = page.locator("[role=tabpanel]:visible")
    panel.get_by_label("Name of the new model", exact=False).fill("rows-check")
    settled(page)
    panel.get_by_role("button", name="Train", exact=True).click()
    panel_text(panel, "rows-check is trained", page)
    chosen = panel.get_by_label("Trained model")
    until(page, lambda: chosen.input_value() == "rows-check (trained here)")  # the view follows the model trained
    assert chosen.input_value() == "rows-check (trained here)"
    settled(page)
    panel.get_by_role("button", name="Find the training examples").click()
    text = panel_text(panel, "training rows scored for ", page)
    assert "Leave-one-out: the head refitted without each row" in text  # (the default estimate: its true size)
    target = text.split("training rows scored for ")[1].split(" in ")[0].strip()
    rows = _table_rows(page, panel, "Supporting rows")
    # (at most 10 each way: with the size of real retraining, few rows lower the prediction when left out, as
    # every row left out gives the others more weight against the same regularisation)
    assert 2 <= len(rows) <= 20 and rows[0][2] == target  # the most supporting row is one of the predicted class
    assert float(rows[0][3]) > 0 > float(rows[-1][3])
    wait_for_title(page, panel, f"Training rows for {target}")
    settled(page)
    panel.get_by_role("button", name="Check the top", exact=False).click()
    wait_for_title(page, panel, "against retraining without each row")
    subtitle = " ".join(panel.locator(".js-plotly-plot .infolayer").all_text_contents())
    assert "Spearman" in subtitle
    slope = float(re.search(r"retraining = ([\d.]+) × the estimate", subtitle).group(1))
    assert 0.8 < slope < 1.25, subtitle  # (leave-one-out: the size of real retraining, not only its ranking)
    settled(page)
    panel.get_by_role("button", name="Retrain without these rows").click()
    assert "The model itself is unchanged" in panel_text(panel, "Without rows #", page)
    settled(page)
    panel.get_by_role("button", name="List the likely mislabelled rows").click()
    panel_text(panel, "rows-check-likely-mislabelled", page)
    ranked = _table_rows(page, panel, "Likely mislabelled")
    shots = tmp_path_factory.mktemp("screens")
    assert len(ranked) == 20 and all(r[0].isdigit() for r in ranked)
    page.screenshot(path=str(shots / "train-influence.png"), full_page=True)
    assert not page.dialogs and "Something went wrong" not in page.content()


def test_the_generate_tab_explains_a_chosen_token_of_the_continuation(page, tmp_path_factory):
    """Generate with the tiny decoder the app lists, choose the third token, explain it, then rather than
    another token: each chart's title names the token explained."""
    from tests.conftest import TINY_DECODER

    page.get_by_role("tab", name="Generate").click()
    panel = page.locator("[role=tabpanel]:visible")
    assert TINY_DECODER in panel.get_by_role("combobox", name="Model").input_value()
    panel.get_by_label("Prompt").fill("the capital of france is")
    panel.get_by_label("Continuation (optional)").fill(" paris and london")
    settled(page)
    panel.get_by_role("button", name="Generate", exact=True).click()
    wait_for_title(page, panel, "The continuation, token by token")
    assert "(3 tokens, typed)" in panel_text(panel, "Continuation", page)
    tokens = panel.get_by_role("radio", name=re.compile(r"^\d+:.*\(p=[0-9.]+\)$"))
    until(page, lambda: tokens.count() == 3, lambda: f"{tokens.count()} token choices, not 3")
    panel.get_by_role("radio", name=re.compile("^3:␣london")).check()
    settled(page)
    panel.get_by_role("button", name="Explain this token").click()
    wait_for_title(page, panel, "3:␣london")
    panel_text(panel, "Faithfulness", page)
    panel.get_by_label("Rather than").fill(" paris")
    settled(page)
    panel.get_by_role("button", name="Explain this token").click()
    wait_for_title(page, panel, "rather than")
    page.screenshot(path=str(tmp_path_factory.mktemp("screens") / "generate.png"), full_page=True)
    assert not page.dialogs and "Something went wrong" not in page.content()


HOVER_CELL = """([plot, i, j]) => {  // the page position of the heatmap's cell (row i, column j)
    const gd = plot, xa = gd._fullLayout.xaxis3, ya = gd._fullLayout.yaxis3, box = gd.getBoundingClientRect();
    return [box.left + xa._offset + xa.l2p(j), box.top + ya._offset + ya.l2p(i)];
}"""


def test_word_pairs_draw_a_heatmap_whose_hover_reads_the_pair(page, embed_model):
    """The Embeddings tab's "Why are they similar?": pair occlusion chosen, the word x word heatmap drawn, and the
    mouse on the strongest pair's cell reads both words and the library's value for it."""
    from explain import explain_pair

    page.get_by_role("tab", name="Embeddings & similarity").click()
    panel = page.locator("[role=tabpanel]:visible")
    text_a = panel.get_by_label("Text A").input_value()
    text_b = panel.get_by_label("Text B").input_value()
    panel.get_by_role("radio", name="Pair occlusion", exact=True).check()
    expected = explain_pair(embed_model, text_a, text_b, "pair_occlusion")
    best = expected.strongest(1)[0]
    _run(page, panel, "Why are they similar?")
    wait_for_title(page, panel, "Why they are similar · Pair occlusion")
    plot = panel.locator(".js-plotly-plot", has_text="Why they are similar").first
    plot.scroll_into_view_if_needed()
    x, y = page.evaluate(HOVER_CELL, [plot.element_handle(), best.a, best.b])
    page.mouse.move(x, y)
    hover = until(page, lambda: " ".join(page.locator(".hovertext").all_text_contents()),
                  lambda: "no hover label under the mouse")
    assert f"A: {best.unit_a}" in hover and f"B: {best.unit_b}" in hover and f"pair: {best.value:.4f}" in hover
    lines = panel_text(panel.locator("ul", has_text="Strongest matches").first, "Strongest matches", page)
    assert f"“{best.unit_a}” ↔ “{best.unit_b}” {best.value:+.4f}" in lines
    assert not page.dialogs


def test_clicking_an_entity_explains_it(page, tmp_path_factory):
    """The Entities tab: find the example text's entities, click the second one in the highlighted text, and the
    explanation drawn is of that entity (its name in the charts' titles, its score the library's)."""
    from explain import explain
    from model import load_model

    page.get_by_role("tab", name="Entities").click()
    panel = page.locator("[role=tabpanel]:visible")
    name = panel.get_by_role("combobox", name="Model").input_value().split(" (")[0]
    text = panel.get_by_label("Text", exact=True).input_value()
    _run(page, panel, "Find entities")
    spans = panel.locator(".token.highlighted")
    until(page, lambda: spans.count() >= 2, lambda: f"{spans.count()} entities highlighted")
    expected = explain(load_model(name), text, "occlusion", aggregation="first")
    spans.nth(1).click()
    chosen = panel.get_by_role("radio", name=re.compile(re.escape(expected.targets[1])))
    until(page, lambda: chosen.is_checked(), lambda: f"{expected.targets[1]} not chosen by the click")
    panel.get_by_role("radio", name="Occlusion", exact=True).check()
    _run(page, panel, "Explain this entity")
    wait_for_title(page, panel, expected.targets[1])
    subtitles = panel.locator(".js-plotly-plot").evaluate_all(
        "plots => plots.map(gd => ((gd.layout.title || {}).subtitle || {}).text || '')")
    assert any(f"entity score {expected.outputs[1]:.3f}" in subtitle for subtitle in subtitles), subtitles
    page.screenshot(path=str(tmp_path_factory.mktemp("screens") / "entities.png"), full_page=True)
    assert not page.dialogs and "Something went wrong" not in page.content()
