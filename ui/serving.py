"""The page stays reachable while the server computes.

- ``StaticAnswers``: the page (``/``), its config (``/config``) and the API description (``/gradio_api/info``)
  are the same for every visitor of one address, but Gradio rebuilds each per request: a deep copy and a
  serialisation of a 0.9-1.3 MB document, 30-140 ms of Python a request on a quiet machine, in a worker thread
  that then competes for the interpreter with the explaining threads (60 visitors at once: seconds each, past a
  client's 5 s timeout). They are built once per address and served from memory, compressed where the visitor
  accepts gzip (1.3 MB -> about 0.1 MB).
- ``tell_when_full``: a visitor beyond the queue gets one sentence saying the studio is busy, how many are
  waiting and when to try again, in the visitor's language, instead of Gradio's "Queue is full. Max size is 32"
  (and the page shows it: ``BUSY_SHIM``).
- ``light_sessions``: Gradio gives every new visitor (browser tab or API client) a session that starts with its
  own copy of every component's config (569 components here: 65 ms of the event loop and 0.9 MB a session, kept
  for up to 10,000 sessions, so 60 visitors at once cost 4 s of the loop and 1,000 visitors 0.9 GB). A light
  session builds a component's config when something asks for it (a component a function updates, a deep link).
- ``launch_options``: what every ``demo.launch`` of the app passes (app.py, the tests, the benchmarks).
"""
from __future__ import annotations

import asyncio
import gzip
import math
import os
from collections.abc import Awaitable, Callable, Iterator
from copy import copy

import gradio as gr
import gradio.state_holder

from ui.locale import language_of, say

CACHED_PATHS = frozenset({"/", "/config", "/config/", "/gradio_api/info", "/gradio_api/info/"})
# (what decides an answer besides the path: the address the visitor used, as Gradio reads it for its root URL)
ADDRESS_HEADERS = (b"host", b"x-forwarded-host", b"x-forwarded-proto", b"x-forwarded-port")
MAX_ENTRIES = 64  # answers remembered (a server is reached under a few addresses; a flood of Host headers or
# queries stays bounded: the oldest is forgotten)
KEPT_HEADERS = (b"content-type",)


class StaticAnswers:
    """ASGI middleware: the answers to ``CACHED_PATHS`` (GET or HEAD, no login; a deep link's state excepted)
    built once per address and query (``gradio_client`` asks ``/gradio_api/info?serialize=False``) and served
    from memory; every other request passes through untouched."""

    def __init__(self, app: Callable[..., Awaitable[None]], demo: gr.Blocks | None = None) -> None:
        self.app = app
        self.demo = demo
        self.answers: dict[tuple, tuple[int, list, bytes, bytes]] = {}
        self.building: dict[tuple, asyncio.Lock] = {}

    def cacheable(self, scope: dict) -> bool:
        return (scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and scope["path"] in CACHED_PATHS
                and b"deep_link" not in scope.get("query_string", b"")
                and (self.demo is None or getattr(self.demo, "auth", None) is None))

    async def __call__(self, scope: dict, receive, send) -> None:
        if not self.cacheable(scope):
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        key = (scope["path"], scope.get("query_string", b""), scope.get("root_path", ""), scope.get("scheme"),
               *(headers.get(name, b"") for name in ADDRESS_HEADERS))
        answer = self.answers.get(key)
        if answer is None:
            lock = self.building.setdefault(key, asyncio.Lock())
            async with lock:  # (many visitors at once on a cold server: one builds, the others wait for it)
                answer = self.answers.get(key)
                if answer is None:
                    answer = await self.build(scope, receive)
                    if answer[0] == 200:
                        if len(self.answers) >= MAX_ENTRIES:
                            self.answers.pop(next(iter(self.answers)))
                        self.answers[key] = answer
            self.building.pop(key, None)
        status, kept, body, compressed = answer
        gzipped = b"gzip" in headers.get(b"accept-encoding", b"") and status == 200
        sent = compressed if gzipped else body
        response_headers = [*kept, (b"content-length", str(len(sent)).encode()), (b"vary", b"Accept-Encoding")]
        if gzipped:
            response_headers.append((b"content-encoding", b"gzip"))
        await send({"type": "http.response.start", "status": status, "headers": response_headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else sent})

    async def build(self, scope: dict, receive) -> tuple[int, list, bytes, bytes]:
        """Gradio's own answer to a GET of this path, with its status, content type, body and the body gzipped."""
        started: dict = {}
        parts: list[bytes] = []

        async def keep(message: dict) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                parts.append(message.get("body", b""))

        await self.app({**scope, "method": "GET"}, receive, keep)
        body = b"".join(parts)
        kept = [(k, v) for k, v in started.get("headers", []) if k.lower() in KEPT_HEADERS]
        compressed = await asyncio.to_thread(gzip.compress, body, 6) if started.get("status") == 200 else body
        return started.get("status", 500), kept, body, compressed


def waiting_time(queue, waiting: int) -> int:
    """Seconds until the ``waiting`` explanations have started (the queue has room again): their runs at this
    server's pace so far (the mean of its runs, 20 s before the first) shared among its workers; in steps of 5."""
    timings = [t for t in dict.values(queue.process_time_per_fn) if getattr(t, "count", 0)]
    seconds = sum(t.avg_time * t.count for t in timings) / sum(t.count for t in timings) if timings else 20.0
    workers = max(1, int(getattr(queue, "default_concurrency_limit", None) or 1))
    return max(5, int(math.ceil(waiting / workers * seconds / 5.0)) * 5)


def busy_sentence(waiting: int, seconds: int) -> str:
    return (f"The studio is busy: {waiting} explanations are waiting for their turn, the most it queues. "
            f"Try again in about {seconds} s.")


def tell_when_full(demo: gr.Blocks) -> None:
    """Gradio's refusal of a visitor beyond ``max_size`` replaced by ``busy_sentence``, in the visitor's language."""
    queue = demo._queue
    if getattr(queue.push, "tells_when_full", False):
        return
    push = queue.push

    async def push_or_say_busy(body, request, username):
        success, said, state = await push(body, request, username)
        if state == "queue_full":
            waiting = len(queue)
            said = say(busy_sentence(waiting, waiting_time(queue, waiting)), language_of(request))
        return success, said, state

    push_or_say_busy.tells_when_full = True
    queue.push = push_or_say_busy


class LightSession(gradio.state_holder.SessionState):
    """Gradio's session state (gradio 6.31), each component's config built when first asked for rather than
    all of them when the session starts. What it holds and answers is the same (``components`` lists every
    component's config, built then)."""

    def __init__(self, blocks: gr.Blocks) -> None:  # (Gradio's __init__ without the eager loop over every block)
        self.blocks_config = copy(blocks.default_config)
        self.page = blocks  # (its components: read when every config is asked for, not copied per session)
        self.config_values: dict[int, dict] = {}
        self.state_data: dict = {}
        self._state_ttl: dict = {}
        self.is_closed = False
        self.STATE_TTL_WHEN_CLOSED = 1 if os.getenv("GRADIO_IS_E2E_TEST", None) else 3600

    @property
    def components(self) -> Iterator[dict]:
        for key in [k for k in self.blocks_config.blocks if k in self.page.blocks]:
            if key not in self.config_values:
                self.config_values[key] = self.blocks_config.config_for_block(key, [], self.blocks_config.blocks[key])
        for config in self.config_values.values():
            if config:
                yield config


def light_sessions() -> None:
    """New sessions are ``LightSession`` (Gradio's state holder makes them by this module-level name)."""
    gradio.state_holder.SessionState = LightSession


# Gradio's page answers a refusal to queue (503) with a fixed English line and never reads the server's sentence;
# it shows the server's sentence for a 422. The page's fetch hands it a refusal to queue as that, sentence kept.
# (Only the page: API clients still get the 503, the sentence in its "detail".)
BUSY_SHIM = """<script>
(() => {
  const fetched = window.fetch.bind(window);
  window.fetch = async (...args) => {
    const response = await fetched(...args);
    const url = String((args[0] && args[0].url) || args[0]);
    if (response.status === 503 && url.includes("/queue/join")) {
      try {
        const said = await response.clone().json();
        if (typeof said.detail === "string") {
          return new Response(JSON.stringify({detail: said.detail}),
                              {status: 422, headers: {"content-type": "application/json"}});
        }
      } catch (err) { /* not the server's sentence: the page says its own */ }
    }
    return response;
  };
})();
</script>"""


def launch_options(demo: gr.Blocks) -> dict:
    """Keyword arguments every launch of the page passes to ``demo.launch``."""
    from starlette.middleware import Middleware

    light_sessions()
    return {"app_kwargs": {"middleware": [Middleware(StaticAnswers, demo=demo)]}, "head": BUSY_SHIM}
