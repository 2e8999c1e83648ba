"""User text is data in every message: the payloads a new user found rendered as HTML (an image, bold text,
a link, a request to /x2) typed into every free-text field of every tab, in a real browser. Whatever
comes back, a result or an error toast, no element is made from them, no request leaves for an
address taken from them, and the text is shown literally."""
from __future__ import annotations

import re

import pytest

from tests.browser import (
    CHROMIUM,
    WAIT_MS,
    close_messages,
    finished,
    idle,
    messages,
    new_context,
    open_page,
    settled,
    until,
    wait_for_message,
)

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
    ("Embeddings & similarity", "Why are they similar?", [("Text A", PAYLOAD, "text"), ("Text B", URL_LABEL, "text")]),
    ("Attention", "Show attention", [("Text", PAYLOAD, "text")]),
    ("Inside the Transformer", "Show the computation", [("Text", PAYLOAD, "text")]),
    ("Dataset", "Explain the file", [("Text column", PAYLOAD, "dropdown")]),
    ("Dataset", "Explain the file", [("Text column", "text", "dropdown"), ("Gold label column", PAYLOAD, "dropdown")]),
    ("Train a classifier", "Train", [("Examples", f"one {PAYLOAD}, {PAYLOAD}\ntwo, {PAYLOAD}\nthree, {URL_LABEL}\n"
                                                  f"four, {URL_LABEL}", "text"),
                                     ("Name of the new model", "payload-model", "text")]),
    ("Train a classifier", "Train", [("Name of the new model", PAYLOAD, "text")]),
]


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


def wait_until_answered(page, before: int, done: int) -> None:
    """Until the event just started has answered: a message came (an error's toast, recorded even if it is gone
    again), or an output's progress showed and went (tests/browser.py records both, however quick); then until
    every event has finished."""
    until(page, lambda: len(messages(page)) > before or finished(page) > done,
          lambda: "neither a message nor an answer came")
    idle(page)  # (every output rendered, the chained events included)


@pytest.mark.parametrize("tab, button, fields", CASES, ids=[f"{c[0]}-{c[2][-1][0]}-{i}" for i, c in enumerate(CASES)])
def test_payloads_in_every_field_stay_text(page, tab, button, fields):
    page.get_by_role("tab", name=tab, exact=True).click()
    panel = page.locator("[role=tabpanel]:visible")
    if tab == "Dataset":
        panel.get_by_role("button", name="Use the example file").click()
        panel.get_by_text("intents_sample.csv").first.wait_for(state="visible", timeout=WAIT_MS)
        cap = panel.get_by_label("number input for Row cap")
        cap.fill("3")
        cap.press("Enter")
    occlusion = panel.get_by_role("radio", name="Occlusion", exact=True)
    if occlusion.count():  # (the quickest method: what the page does with the text is the point, not the method)
        occlusion.first.check()
    pair_occlusion = panel.get_by_role("radio", name="Pair occlusion", exact=True)
    if pair_occlusion.count():  # (likewise the quickest word-pair method)
        pair_occlusion.first.check()
    for label, value, kind in fields:
        _fill(page, panel, label, value, kind)
    settled(page)  # (what the edits set off has reached the server)
    before, done = len(messages(page)), finished(page)
    panel.get_by_role("button", name=button, exact=True).first.click()
    wait_until_answered(page, before, done)
    _no_markup_from_the_payloads(page)
    typed = [value for _, value, _ in fields]
    said = messages(page)[before:]
    if any("<img src=x onerror=alert(7)>" in v for v in typed) and said:
        message = " ".join(said)
        if "<img" in " ".join(typed) and "img" in message:
            assert "<img src=x" in message  # the text itself, shown literally

    def shown(needle: str) -> str:
        """What the page has said and shows, once ``needle`` is among it (an answer can come after the wait above
        ends on a busy machine, when the event waited in the queue before its tracker showed)."""
        def holding() -> str:
            text = " ".join(messages(page)[before:]) + " " + panel.inner_text()
            return text if needle in text else ""

        return until(page, holding, lambda: f"{needle!r} was never shown; messages: {messages(page)[before:]}")

    if DUPLICATE in typed:
        text = shown("twice")
        assert "<img src=x2>" in text and "twice" in text
    if URL_LABEL in typed and tab == "Zero-shot":
        assert URL_LABEL in shown(URL_LABEL)  # the label as text, not a link
        _no_markup_from_the_payloads(page)  # (and still no markup, the answer shown)


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
    context = None
    try:  # (the run's browser: a second sync Playwright cannot start beside it)
        context = new_context(chromium)
        page = open_page(context, url)
        panel = page.locator("[role=tabpanel]:visible")
        expected = {PAYLOAD: "neither a known model name nor a Hugging Face Hub id",
                    "./tiny/distilbert-sst": "Choose one of the listed models: ",  # (a path: the list, as any name)
                    URL_LABEL + "model": "neither a known model name nor a Hugging Face Hub id"}
        for typed, sentence in expected.items():
            before = len(messages(page))
            field = panel.get_by_label("Model").first
            field.click()
            field.fill(typed)
            field.press("Enter")
            page.keyboard.press("Escape")
            # the typed value is taken: the class list is asked for, and warns with the sentence
            wait_for_message(page, sentence, after=before)
            asked = len(messages(page))
            panel.get_by_role("button", name="Explain", exact=True).click()
            message = wait_for_message(page, "Error", after=asked)
            assert message.startswith("Error"), message
            assert sentence in message, message
            assert typed in message or sentence.startswith("Choose"), message  # quoted literally where quoted
            _no_markup_from_the_payloads(page)
            close_messages(page)  # (gone before the next value)
    finally:
        if context is not None:
            context.close()
        demo.close()
        models.allow_any_hub_model(None)
