"""The page in a real headless Chromium (Debian's), driven by Playwright for Python."""
from __future__ import annotations

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if shutil.os.path.exists("/usr/bin/chromium") else None)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")

TABS = [
    ("Classify", "Explain"),
    ("Zero-shot", "Classify and explain"),
    ("Embeddings & similarity", "Compare texts"),
    ("Attention", "Show attention"),
]


@pytest.fixture(scope="module")
def page(launched):
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(launched[1], wait_until="networkidle")
        page.dialogs = dialogs
        yield page
        browser.close()


@pytest.mark.parametrize("tab, button", TABS)
def test_each_tab_renders_a_plotly_chart(page, tab, button, tmp_path_factory):
    page.get_by_role("tab", name=tab).click()
    panel = page.locator("[role=tabpanel]:visible")
    before = panel.locator(".js-plotly-plot").count()
    panel.get_by_role("button", name=button, exact=True).first.click()
    panel.locator(".js-plotly-plot").nth(before).wait_for(state="visible", timeout=120_000)
    assert panel.locator(".js-plotly-plot").count() > before
    assert not page.dialogs
    shot = tmp_path_factory.mktemp("screens") / f"{tab.split()[0].lower()}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
