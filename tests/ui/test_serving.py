"""The page stays reachable while the server computes (ui/serving.py): the static answers built once and equal to
Gradio's, light sessions equal to Gradio's sessions, and a visitor beyond the queue told, in one sentence of their
language, that the studio is busy and when to try again (through the API and on the page)."""
from __future__ import annotations

import threading

import gradio as gr
import httpx
import pytest
from starlette.testclient import TestClient

from tests.browser import CHROMIUM, new_context, wait_for_message
from ui.serving import (
    MAX_ENTRIES,
    LightSession,
    StaticAnswers,
    busy_sentence,
    launch_options,
    tell_when_full,
    waiting_time,
)


class Counting:
    """An ASGI app that counts the requests reaching it (what the cache let through)."""

    def __init__(self, app) -> None:
        self.app, self.paths = app, []

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            self.paths.append(scope["path"] + "?" + scope.get("query_string", b"").decode())
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def small_app():
    """A page of a few components and events, Gradio's own app for it (launched without the cache)."""
    with gr.Blocks() as demo:
        text = gr.Textbox(label="Text")
        out = gr.Textbox(label="Out")
        gr.Button("Go").click(lambda t: t.upper(), text, out, api_name="upper")
    demo.queue()
    demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", server_port=None)
    yield demo, demo.server_app
    demo.close()


PATHS = ["/", "/config", "/gradio_api/info", "/gradio_api/info?serialize=False", "/gradio_api/info?all_endpoints=True"]


def test_static_answers_are_gradios_and_built_once(small_app):
    demo, app = small_app
    inner = Counting(app)
    cached = TestClient(StaticAnswers(inner, demo=demo))
    plain = TestClient(app)
    for path in PATHS:
        own = plain.get(path, headers={"accept-encoding": "identity"})
        for _ in range(3):
            answer = cached.get(path, headers={"accept-encoding": "identity"})
            assert answer.status_code == own.status_code == 200
            assert answer.content == own.content, path
            assert answer.headers["content-type"] == own.headers["content-type"]
            zipped = cached.get(path, headers={"accept-encoding": "gzip"}, )
            assert zipped.headers["content-encoding"] == "gzip"
            assert zipped.content == own.content  # (httpx undoes the gzip)
        assert int(zipped.headers["content-length"]) < len(own.content) / 2
    assert sorted(inner.paths) == sorted(p if "?" in p else p + "?" for p in PATHS)  # each built once
    head = cached.head("/config", headers={"accept-encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(plain.get("/config").content)


def test_static_answers_follow_the_address_and_pass_the_rest_through(small_app):
    demo, app = small_app
    inner = Counting(app)
    cached = TestClient(StaticAnswers(inner, demo=demo))
    for host in ("one.example", "two.example"):
        config = cached.get("/config", headers={"host": host}).json()
        assert config["root"] == f"http://{host}"
    raw = cached.get("/config", headers={"host": "one.example", "accept-encoding": "gzip"}, extensions={})
    assert raw.json()["root"] == "http://one.example"
    assert len(inner.paths) == 2  # (one build per address)
    proxied = cached.get("/config", headers={"host": "one.example", "x-forwarded-proto": "https"}).json()
    assert proxied["root"] == "https://one.example" and len(inner.paths) == 3
    for _ in range(2):  # a deep link's state and every other path or method reach Gradio each time
        cached.get("/config?deep_link=abc")
        cached.post("/gradio_api/upload", files={"files": ("a.txt", b"x")})
        cached.get("/gradio_api/startup-events")
    assert len(inner.paths) == 3 + 6
    middleware = StaticAnswers(app, demo=demo)
    flooded = TestClient(middleware)
    for n in range(MAX_ENTRIES + 10):  # a flood of addresses or queries: the remembered answers stay bounded
        flooded.get(f"/gradio_api/info?n={n}")
    assert len(middleware.answers) == MAX_ENTRIES


def test_light_sessions_hold_what_gradios_sessions_hold(launched):
    demo, _ = launched
    theirs, ours = LightSession.__mro__[1](demo), LightSession(demo)  # (Gradio's own SessionState is its base)
    assert ours.config_values == {}  # nothing built when the session starts
    assert list(ours.components) == list(theirs.components)  # every component's config when asked for
    textbox = next(k for k, b in demo.blocks.items() if isinstance(b, gr.Textbox))
    for session in (theirs, ours):  # a function's update of a component, remembered alike
        session[textbox] = gr.Textbox(value="changed", label="Changed")
        session._update_value_in_config(textbox, "changed again")
    assert ours.config_values[textbox] == theirs.config_values[textbox]
    assert ours.config_values[textbox]["props"]["value"] == "changed again"
    assert list(ours.components) == list(theirs.components)


def test_waiting_time_is_the_servers_own_pace():
    class Timing:
        def __init__(self, avg_time, count):
            self.avg_time, self.count = avg_time, count

    class Queue:
        default_concurrency_limit = 2
        process_time_per_fn = {"a": Timing(10.0, 2), "b": Timing(4.0, 1), "c": Timing(0.0, 0)}

    # (10*2 + 4*1) / 3 = 8 s an explanation; 3 waiting, 2 at a time: the queue drained in 12 s, said as 15
    assert waiting_time(Queue(), 3) == 15
    Queue.process_time_per_fn = {}
    assert waiting_time(Queue(), 4) == 40  # (20 s a run before the first has run)
    assert waiting_time(Queue(), 0) == 5
    assert busy_sentence(32, 45) == ("The studio is busy: 32 explanations are waiting for their turn, the most it "
                                     "queues. Try again in about 45 s.")


@pytest.fixture(scope="module")
def full_queue():
    """A page whose queue takes one at a time and keeps one waiting; ``fill()`` makes it full (one running, one
    waiting) until ``release()``."""
    gate = {}

    def slow(text):
        started, release = gate["now"]  # (this run's gate: an earlier run finishes on its own, released)
        started.set()
        release.wait(120)
        return text

    with gr.Blocks() as demo:
        text = gr.Textbox(label="Text", value="hello")
        out = gr.Textbox(label="Out")
        gr.Button("Go").click(slow, text, out, api_name="slow")
    demo.queue(default_concurrency_limit=1, max_size=1)
    tell_when_full(demo)
    _, url, _ = demo.launch(prevent_thread_lock=True, quiet=True, server_name="127.0.0.1", server_port=None,
                            **launch_options(demo))

    def join(session: str, language: str = "en-US") -> httpx.Response:
        return httpx.post(f"{url}gradio_api/queue/join", json={"data": ["hi"], "fn_index": 0, "session_hash": session,
                                                               "event_data": None, "trigger_id": None},
                          headers={"accept-language": language}, timeout=60)

    def fill() -> None:
        started, _ = gate["now"] = threading.Event(), threading.Event()
        assert join("running").status_code == 200
        assert started.wait(60)
        assert join("waiting").status_code == 200

    def release() -> None:
        if "now" in gate:
            gate["now"][1].set()

    yield url, join, fill, release
    release()
    demo.close()


def test_a_visitor_beyond_the_queue_is_told_when_to_come_back(full_queue):
    url, join, fill, release = full_queue
    fill()
    try:
        refused = join("third")
        assert refused.status_code == 503
        assert refused.json()["detail"] == busy_sentence(1, 20)  # (no run has ended yet: 20 s a run, one worker)
        chinese = join("fourth", "zh-CN,zh;q=0.9")
        assert chinese.json()["detail"] == "工作室正忙：已有 1 个解释在排队，已达上限。请约 20 秒后再试。"
        assert httpx.get(f"{url}config", timeout=60).status_code == 200  # the page itself still answers
    finally:
        release()


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)")
def test_the_page_shows_the_sentence_when_the_queue_is_full(full_queue, chromium):
    url, _, fill, release = full_queue
    context = new_context(chromium, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto(url, wait_until="load")
        button = page.locator("button", has_text="Go")
        button.wait_for()
        fill()
        button.click()
        said = wait_for_message(page, "工作室正忙")
        assert "请约" in said and "秒后再试" in said
    finally:
        release()
        context.close()
