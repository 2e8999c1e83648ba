"""The one-file HTML report: it renders its charts in Chromium with every network request blocked, stays
interactive, embeds the explanation's JSON, and shows user text as text."""
from __future__ import annotations

import json

import pytest

from explain import explain
from explain.io.report import html_report
from tests.browser import WAIT_MS, until

PAYLOAD = "transfer </script><script>alert(1)</script> <img src=x onerror=alert(2)> $200 to savings"


@pytest.fixture(scope="module")
def report(tmp_path_factory, intent_model):
    from explain.__main__ import main

    path = tmp_path_factory.mktemp("report") / "report.html"
    assert main(["--model", "intent-minilm", "--method", "occlusion", "--evaluate", "--text", PAYLOAD,
                 "--html", str(path)]) == 0
    return path


def test_the_report_is_one_file_with_plotly_inlined_and_the_json_embedded(report):
    page = report.read_text(encoding="utf-8")
    assert '<script src=' not in page and "<link" not in page  # nothing loaded from elsewhere (see the browser test)
    assert page.count("<script") == 4  # plotly.js, two figures, the JSON: the text's "</script>" opened none
    assert "&lt;img src=x onerror=alert(2)&gt;" in page and "<img src=x" not in page
    data = json.loads(page.split('id="explanation-json">')[1].split("</script>")[0])
    (record,) = data.values()
    assert record["text"] == PAYLOAD and record["method"] == "occlusion" and "scores" in record["meta"]


def test_the_report_renders_offline_and_stays_interactive(report, chromium):
    context = chromium.new_context()
    try:
        asked = []

        def route(request_route):
            url = request_route.request.url
            if url.startswith("file:"):
                request_route.continue_()
            else:
                asked.append(url)
                request_route.abort()

        context.route("**/*", route)
        page = context.new_page()
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(report.as_uri(), wait_until="load")
        page.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=WAIT_MS)
        until(page, lambda: page.locator(".js-plotly-plot").count() == 2)
        assert page.locator(".js-plotly-plot").count() == 2
        assert page.evaluate("() => typeof Plotly === 'object' && "
                             "document.querySelectorAll('.js-plotly-plot')[1]._fullLayout !== undefined")
        box = page.locator(".js-plotly-plot").nth(1).locator(".bars path").first.bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.locator(".hoverlayer .hovertext").first.wait_for(timeout=WAIT_MS)  # interactive: a hover label
        assert "<img src=x onerror=alert(2)>" in page.inner_text(".text")
        assert page.locator("img[src='x']").count() == 0 and not dialogs
        assert page.evaluate("() => JSON.parse(document.getElementById('explanation-json').textContent)"
                             "['occlusion'].text") == PAYLOAD
        assert not asked, asked
    finally:
        context.close()


def test_a_report_of_several_methods_has_a_section_each(intent_model):
    text = "transfer $200 from checking to savings"
    page = html_report({"SHAP": explain(intent_model, text, method="shap", max_evals=40),
                        "Occlusion": explain(intent_model, text, method="occlusion")})
    assert "<h2>SHAP</h2>" in page and "<h2>Occlusion</h2>" in page and page.count("<script") == 6
    with pytest.raises(ValueError, match="no explanation"):
        html_report({})


def test_html_is_refused_where_there_is_no_single_explanation(tmp_path, capsys):
    from explain.__main__ import main

    assert main(["--model", "intent-minilm", "--text", "hi", "--counterfactuals", "ablation_flip", "--html",
                 str(tmp_path / "r.html")]) == 2
    assert "--html writes the report of one explanation" in capsys.readouterr().err
