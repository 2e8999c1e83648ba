"""User text is data in every message: the payloads a new user found rendered as HTML (an image, bold text,
a link, a request to /x2) typed into every free-text field of every tab, in a real browser. Whatever
comes back, a result or an error toast, no element is made from them, no request leaves for an
address taken from them, and the text is shown literally."""
from __future__ import annotations

import re

import pytest

from tests.ui.test_browser import ARGS, CHROMIUM

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")

PAYLOAD = "<img src=x onerror=alert(7)><b>bold</b> https://evil.example/"
DUPLICATE = "sports, <img src=x2>, <img src=x2>"
URL_LABEL = "https://evil.example/"
# tab, the button that runs it, [(field label, value, kind)], where kind says how to fill it
CASES = [
    ("Classify", "Explain", [("Text", "transfer money " + PAYLOAD, "text")]),
    ("Classify", "Explain", [("Explain class", PAYLOAD, "dropdown")]),
    ("Zero-shot", "Classify and explain", [("Text", PAYLOAD, "text")]),
    ("Zero-shot", "Classify and explain", [("Candidate labels", DUPLICATE, "text")]),
    ("Zero-shot", "Classify and explain", [("Candidate labels", URL_LABEL, "text")]),
    ("Zero-shot", "Classify and explain", [("Candidate labels", "sports, " + PAYLOAD, "text")]),
    ("Zero-shot", "Classify and explain", [("Candidate labels", "sports, finance", "text"),
                                           ("Hypothesis template", PAYLOAD, "text")]),
    ("Zero-shot", "Classify and explain", [("Hypothesis template", PAYLOAD + " {}", "text")]),
    ("Embeddings & similarity", "Compare texts", [("Texts, one per line", f"{PAYLOAD}\nsecond text\n{URL_LABEL}",
                                                   "text")]),
    ("Embeddings & similarity", "Explain the similarity", [("Text A", PAYLOAD, "text"), ("Text B", URL_LABEL, "text")]),
    ("Attention", "Show attention", [("Text", PAYLOAD, "text")]),
    ("Inside the Transformer", "Show the computation", [("Text", PAYLOAD, "text")]),
    ("Dataset", "Explain the file", [("Text column", PAYLOAD, "dropdown")]),
    ("Dataset", "Explain the file", [("Text column", "text", "dropdown"), ("Gold label column", PAYLOAD, "dropdown")]),
    ("Train a classifier", "Train", [("Examples", f"one {PAYLOAD}, {PAYLOAD}\ntwo, {PAYLOAD}\nthree, {URL_LABEL}\n"
                                                  f"four, {URL_LABEL}", "text"),
                                     ("Name of the new model", "payload-model", "text")]),
    ("Train a classifier", "Train", [("Name of the new model", PAYLOAD, "text")]),
]


@pytest.fixture(scope="module")
def chromium():
    """One browser for the module (Playwright's sync API allows one running instance per thread)."""
    playwright_api = pytest.importorskip("playwright.sync_api")
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def browser_page(launched, chromium):
    page = chromium.new_page(viewport={"width": 1280, "height": 900})
    page.requests = []
    page.dialogs = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(launched[1], wait_until="load")
    page.get_by_role("tab", name="Classify").wait_for(timeout=60_000)
    yield page
    page.close()


def _fill(page, panel, label: str, value: str, kind: str) -> None:
    field = panel.get_by_label(label, exact=False).first
    field.click()
    field.fill(value)
    if kind == "dropdown":
        field.press("Enter")
        page.keyboard.press("Escape")


def _no_markup_from_the_payloads(page) -> None:
    assert page.locator("img[src='x'], img[src='x2'], img[src$='/x'], img[src$='/x2']").count() == 0
    assert page.locator("a[href*='evil.example']").count() == 0
    assert page.locator("b", has_text=re.compile("^bold$")).count() == 0
    assert page.locator("svg[onload], script:text('alert')").count() == 0
    left = [url for url in page.requests if "evil.example" in url or re.search(r"/x2?($|\?)", url)]
    assert not left, left
    assert not page.dialogs


def wait_until_answered(page, toasts, before: int, timeout_s: float = 120.0) -> None:
    """Until the event that was just started has finished: a status tracker shows while it runs (Gradio
    drops its ``hide`` class), then none does, or a message came. (Counting plots raced with the results
    being cleared when an input changed, and could wait the whole timeout.)"""
    def busy() -> int:  # trackers shown and not showing an error (a failed event leaves "Error" on its outputs)
        return page.evaluate("""() => Array.from(document.querySelectorAll("[data-testid=status-tracker]"))
            .filter(e => !e.classList.contains("hide") && !e.innerText.trim().startsWith("Error")).length""")

    for _ in range(20):  # it shows within moments (a fast event may be done before it is seen)
        if busy() or toasts.count() > before:
            break
        page.wait_for_timeout(100)
    for _ in range(int(timeout_s * 4)):
        if not busy() or toasts.count() > before:
            break
        page.wait_for_timeout(250)
    page.wait_for_timeout(500)  # (let every output render)


@pytest.mark.parametrize("tab, button, fields", CASES, ids=[f"{c[0]}-{c[2][-1][0]}-{i}" for i, c in enumerate(CASES)])
def test_payloads_in_every_field_stay_text(browser_page, tab, button, fields):
    page = browser_page
    page.get_by_role("tab", name=tab, exact=True).click()
    panel = page.locator("[role=tabpanel]:visible")
    if tab == "Dataset":
        panel.get_by_role("button", name="Use the example file").click()
        panel.get_by_text("intents_sample.csv").first.wait_for(state="visible", timeout=30_000)
        cap = panel.get_by_label("number input for Row cap")
        cap.fill("3")
        cap.press("Enter")
    for label, value, kind in fields:
        _fill(page, panel, label, value, kind)
    toasts = page.locator("[data-testid='toast-body']")
    before = toasts.count()
    panel.get_by_role("button", name=button, exact=True).first.click()
    wait_until_answered(page, toasts, before)
    _no_markup_from_the_payloads(page)
    shown = " ".join(toasts.all_inner_texts()) + " " + panel.inner_text()
    typed = [value for _, value, _ in fields]
    if any("<img src=x onerror=alert(7)>" in v for v in typed) and toasts.count() > before:
        message = " ".join(toasts.all_inner_texts())
        if "<img" in " ".join(typed) and "img" in message:
            assert "<img src=x" in message  # the text itself, shown literally
    def shown_once(needle: str) -> str:
        """What the page shows once ``needle`` is in it (an answer can come after the wait above ends on a busy
        machine, when the event waited in the queue before its tracker showed: it is waited for, 60 s at most)."""
        text = shown
        for attempt in range(240):
            if needle in text:
                break
            if attempt == 60 and toasts.count() == before:  # nothing came in 15 s: the click may have been lost to
                panel.get_by_role("button", name=button, exact=True).first.click()  # a busy page; click once more
            page.wait_for_timeout(250)
            text = " ".join(toasts.all_inner_texts()) + " " + panel.inner_text()
        return text

    if DUPLICATE in typed:
        shown = shown_once("twice")
        assert "<img src=x2>" in shown and "twice" in shown
    if URL_LABEL in typed and tab == "Zero-shot":
        assert URL_LABEL in shown_once(URL_LABEL)  # the label as text, not a link
        _no_markup_from_the_payloads(page)  # (and still no markup, the answer shown)
    for close in page.locator("[data-testid='toast-close']").all():
        close.click()


def test_a_model_name_typed_where_any_hub_model_is_allowed_stays_text(hub_cache, monkeypatch, chromium):
    """With --hub-models any the model pickers take typed text: a payload there is one literal sentence, an
    address is never fetched, a path is never read."""
    import app
    from model.loading.hub_models import HubModels
    from tests.model.test_hub_models import local_facts
    from ui import models

    models.allow_any_hub_model(HubModels(cache_dir=hub_cache, facts=local_facts(hub_cache)))
    monkeypatch.setattr(app, "hub_reachable", lambda: True)  # (offered where the Hub answers: the cache stands in)
    demo = app.build()
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", server_port=None)
    try:  # (the module's browser: a second sync Playwright cannot start beside it)
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.requests, page.dialogs = [], []
        page.on("request", lambda request: page.requests.append(request.url))
        page.goto(url, wait_until="load")
        page.get_by_role("tab", name="Classify").wait_for(timeout=60_000)
        panel = page.locator("[role=tabpanel]:visible")
        expected = {PAYLOAD: "neither a known model name nor a Hugging Face Hub id",
                    "./tiny/distilbert-sst": "Choose one of the listed models: a path is not a model name here",
                    URL_LABEL + "model": "neither a known model name nor a Hugging Face Hub id"}
        toasts = page.locator("[data-testid='toast-body']")
        for typed, sentence in expected.items():
            field = panel.get_by_label("Model").first
            field.click()
            field.fill(typed)
            field.press("Enter")
            page.keyboard.press("Escape")
            page.wait_for_timeout(1000)  # (the typed value is committed, and its class list asked for)
            panel.get_by_role("button", name="Explain", exact=True).click()
            for _ in range(120):  # the class list's warning, then the Explain button's error
                if any(text.startswith("Error") for text in toasts.all_inner_texts()):
                    break
                page.wait_for_timeout(250)
            page.wait_for_timeout(800)
            message = " ".join(toasts.all_inner_texts())
            assert sentence in message, message
            assert typed in message or sentence.startswith("Choose"), message  # quoted literally where quoted
            _no_markup_from_the_payloads(page)
            for close in toasts.locator("[data-testid='toast-close']").all():
                close.click()
            for _ in range(40):  # (gone before the next value)
                if toasts.count() == 0:
                    break
                page.wait_for_timeout(250)
        page.close()
    finally:
        demo.close()
        models.allow_any_hub_model(None)
