"""The page in a real headless Chromium (Debian's), driven by Playwright for Python: what every browser test shares.

One browser serves the whole run (``chromium`` in tests/conftest.py) and every test starts from a fresh page of
the running app (``page``). Every wait waits for the condition it checks (a chart with the expected title, a
message with the expected text) under one generous ceiling, ``WAIT_MS``: a busy machine makes a test slower,
never red. Messages (Gradio's toasts) are recorded as they appear (``messages``), so one that came and went
while the test looked elsewhere is still read.
"""
from __future__ import annotations

import os
import shutil
import time

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
WAIT_MS = 300_000  # the one ceiling: reached only when the condition never comes
POLL_MS = 200
VIEWPORT = {"width": 1280, "height": 900}

# Every toast's text, in the order they appeared, kept after the toast is gone (window.__messages); and how many
# times an output's progress tracker has shown and then gone (window.__finished): an event that ran and ended,
# however quickly.
RECORD_MESSAGES = """
window.__messages = [];
window.__finished = 0;
new MutationObserver(mutations => {
    document.querySelectorAll("[data-testid='toast-body']").forEach(toast => {
        if (!toast.__recorded) {
            toast.__recorded = true;
            window.__messages.push(toast.innerText);
        }
    });
    for (const m of mutations) {
        const e = m.target;
        if (m.type !== "attributes" || !e.matches || !e.matches("[data-testid=status-tracker]")) continue;
        const hidden = e.classList.contains("hide");
        if (!hidden) e.__shown = true;
        else if (e.__shown) { e.__shown = false; window.__finished += 1; }
    }
}).observe(document, {childList: true, subtree: true, attributes: true, attributeFilter: ["class"]});
"""


def until(page, condition, failure=None, timeout_ms: int = WAIT_MS):
    """``condition()``'s value as soon as it is truthy; else fail saying what was there instead (``failure()``)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while True:
        value = condition()
        if value or time.monotonic() > deadline:
            break
        page.wait_for_timeout(POLL_MS)
    if value:
        return value
    raise AssertionError(failure() if failure else f"still not so after {timeout_ms / 1000:.0f} s")


BUSY = """() => Array.from(document.querySelectorAll("[data-testid=status-tracker]"))
    .filter(e => !e.classList.contains("hide") && !e.innerText.trim().startsWith("Error")).length"""


def until_true(condition, failure: str, timeout_ms: int = WAIT_MS):
    """``condition()``'s value as soon as it is truthy (no page: a server-side condition); else fail with
    ``failure``."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(failure)
        time.sleep(POLL_MS / 1000)
    return value


def busy(page) -> int:
    """How many outputs show an event still running (a failed event leaves "Error" on its outputs)."""
    return page.evaluate(BUSY)


def idle(page) -> None:
    """Until no event is running, seen twice in a row (an event's chained follow-up starts just after it ends)."""
    quiet = [0]

    def settled() -> bool:
        quiet[0] = quiet[0] + 1 if not busy(page) else 0
        return quiet[0] >= 2

    until(page, settled, lambda: f"{busy(page)} outputs still busy")


def _short_request(request) -> bool:
    """A request of the app's that ends on its own (not the open streams of the queue's answers and heartbeat)."""
    url = request.url
    return "/gradio_api/" in url and "queue/data" not in url and "heartbeat" not in url


def settled(page) -> None:
    """Until the page has no request to the app in flight, seen twice in a row: what an edit set off (emptying
    the results it no longer matches) has reached the server, so a click now comes after it, as a person's does.
    (On a loaded machine an edit's requests reached the server after the result of a click made just after it,
    and emptied that result.)"""
    quiet = [0]

    def done() -> bool:
        quiet[0] = quiet[0] + 1 if not page.inflight else 0
        return quiet[0] >= 2

    until(page, done, lambda: f"requests still in flight: {sorted(r.url for r in page.inflight)}")


def click_and_wait(page, locator) -> None:
    """Click (once the page has settled) and wait until the event has answered and every output is drawn."""
    settled(page)
    done = finished(page)
    locator.click()
    until(page, lambda: finished(page) > done, lambda: "the click was never answered")
    idle(page)


def finished(page) -> int:
    """How many times an output's progress has shown and then gone on this page (tests/browser.py's recorder)."""
    return page.evaluate("() => window.__finished || 0")


def messages(page) -> list[str]:
    """Every message (toast) the page has shown, gone ones included, oldest first."""
    return page.evaluate("() => window.__messages || []")


def wait_for_message(page, needle: str, after: int = 0) -> str:
    """The first message from number ``after`` on that holds ``needle``."""
    def found() -> str:
        return next((m for m in messages(page)[after:] if needle in m), "")

    return until(page, found, lambda: f"no message with {needle!r}; messages: {messages(page)[after:]}")


def close_messages(page) -> None:
    """Close the toasts on screen (they stay recorded) and wait until none is shown."""
    toasts = page.locator("[data-testid='toast-close']")
    # (clicked inside the page, all at once: a toast that times out on its own between a check and a click from
    # here left Playwright waiting for it to come back, and the wait failed on a loaded machine)
    page.evaluate("() => document.querySelectorAll(\"[data-testid='toast-close']\").forEach(b => b.click())")
    until(page, lambda: toasts.count() == 0, lambda: f"{toasts.count()} messages still shown")


def panel_text(panel, needle: str, page) -> str:
    """The panel's text once it holds ``needle`` (text split across bold and plain parts included)."""
    def holding() -> str:
        text = panel.inner_text()
        return text if needle in text else ""

    return until(page, holding, lambda: f"{needle!r} never appeared; the panel says: {panel.inner_text()[-600:]!r}")


def chart_titles(panel) -> str:
    return " ".join(panel.locator(".js-plotly-plot .gtitle").all_text_contents())


def wait_for_title(page, panel, needle: str) -> None:
    until(page, lambda: needle in chart_titles(panel),
          lambda: f"no chart title with {needle!r}; titles: {chart_titles(panel)}")


def ready(page) -> None:
    """A page shared by a module's tests, made ready for the next one: every event of the earlier tests finished,
    no message left on screen, its dialogs and requests recorded from now on."""
    idle(page)
    settled(page)
    close_messages(page)
    page.dialogs.clear()
    page.requests.clear()


def reload(page, tab: str = "Classify") -> None:
    """The page loaded afresh (a new session), after a failed test left it in a state nobody planned."""
    page.reload(wait_until="load")
    page.get_by_role("tab", name=tab, exact=True).wait_for(timeout=WAIT_MS)
    page.dialogs.clear()
    page.requests.clear()


def new_context(browser, locale: str = "en-US"):
    """A browser context whose pages record their messages."""
    context = browser.new_context(locale=locale, viewport=VIEWPORT)
    context.add_init_script(RECORD_MESSAGES)
    return context


def open_page(context, url: str, tab: str = "Classify"):
    """A fresh page of ``context`` on ``url``, its dialogs and requests recorded, ready when ``tab`` shows."""
    page = context.new_page()
    page.dialogs, page.requests = [], []
    page.on("dialog", lambda d: (page.dialogs.append(d.message), d.dismiss()))
    page.on("request", lambda request: page.requests.append(request.url))
    page.inflight = set()
    page.on("request", lambda request: page.inflight.add(request) if _short_request(request) else None)
    page.on("requestfinished", lambda request: page.inflight.discard(request))
    page.on("requestfailed", lambda request: page.inflight.discard(request))
    page.goto(url, wait_until="load")  # (a session heartbeat stays open: never "network idle")
    page.get_by_role("tab", name=tab, exact=True).wait_for(timeout=WAIT_MS)
    return page


def keep_evidence(page, name: str) -> None:
    """A failed test's page: a screenshot, its text and its messages in ``STUDIO_TEST_EVIDENCE`` (default
    /tmp/studio-test-evidence), named in the test's output."""
    import re
    import sys
    from pathlib import Path

    folder = Path(os.environ.get("STUDIO_TEST_EVIDENCE", "/tmp/studio-test-evidence"))
    folder.mkdir(parents=True, exist_ok=True)
    stem = folder / re.sub(r"[^\w.-]+", "_", name)[:120]
    try:
        page.screenshot(path=f"{stem}.png", full_page=True)
        Path(f"{stem}.txt").write_text(page.locator("body").inner_text() + "\n\nmessages: " + repr(messages(page)),
                                       encoding="utf-8")
        print(f"\nthe page of the failed test: {stem}.png and .txt", file=sys.stderr)
    except Exception as err:  # (a page that is gone cannot be kept: say so and go on)
        print(f"\nthe page of the failed test could not be kept: {err}", file=sys.stderr)
