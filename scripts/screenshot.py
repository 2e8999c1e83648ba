"""Take the README's screenshots: launch the app, run each tab's example in headless Chromium.

Usage: python scripts/screenshot.py [output folder, default assets/] [tab name ...: only these tabs]
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
TABS = [("Classify", "Explain"), ("Zero-shot", "Classify and explain"),
        ("Embeddings & similarity", "Compare texts"), ("Attention", "Show attention"),
        ("Dataset", "Explain the file"), ("Inside the Transformer", "Show the computation"),
        ("Train a classifier", "Train")]


def main() -> None:
    from playwright.sync_api import sync_playwright

    import app

    out = Path(sys.argv[1] if len(sys.argv) > 1 else app.ASSETS)
    out.mkdir(parents=True, exist_ok=True)
    demo = app.build()
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, css=app.CSS, i18n=app.I18N, **app.launch_options(demo))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(url, wait_until="load")  # (a session heartbeat stays open: never "network idle")
            page.get_by_role("tab", name="Classify").wait_for(timeout=60_000)
            only = sys.argv[2:]
            for tab, button in TABS:
                if only and tab not in only:
                    continue
                page.get_by_role("tab", name=tab).click()
                panel = page.locator("[role=tabpanel]:visible")
                if tab == "Dataset":  # the bundled example file, its columns chosen from its header
                    panel.get_by_role("button", name="Use the example file").click()
                    panel.get_by_text("intents_sample.csv").first.wait_for(state="visible", timeout=30_000)
                    page.wait_for_timeout(2000)
                panel.get_by_role("button", name=button, exact=True).first.click()
                panel.locator(".js-plotly-plot").first.wait_for(state="visible", timeout=120_000)
                if tab == "Classify":  # the Compare view too, with the default methods
                    page.wait_for_timeout(1000)
                    panel.get_by_text("Compare methods on this text").click()
                    panel.get_by_role("button", name="Compare methods", exact=True).click()
                    panel.locator(".js-plotly-plot").nth(2).wait_for(state="visible", timeout=120_000)
                if tab.startswith("Embeddings"):  # and why two texts are similar
                    page.wait_for_timeout(1000)
                    panel.get_by_role("button", name="Explain the similarity", exact=True).click()
                    panel.locator(".js-plotly-plot").nth(4).wait_for(state="visible", timeout=120_000)
                page.wait_for_timeout(1500)
                name = "screenshot-" + tab.split()[0].lower().replace("-", "") + ".png"
                page.screenshot(path=str(out / name), full_page=True)
                print(out / name)
            browser.close()
    finally:
        demo.close()


if __name__ == "__main__":
    main()
