"""The web app: arguments, the tabs composed, launch. Wiring only; each tab lives in ``ui/`` (one
module per tab), predictions in ``model/``, explanations and charts in ``explain/``.

Methods, metrics, tasks, generators and models come from their registries when the page is built, so
what a plugin registers at start-up (``STUDIO_PLUGINS``) appears in every tab, and a task no built-in
tab serves gets a tab of its own."""
from __future__ import annotations

import argparse
import functools
import importlib
import logging
import os
import time

from ui import gpu

gpu.spaces_module()  # first: on a Space, ``spaces`` must be imported before anything initialises CUDA

import gradio as gr  # noqa: E402

from explain import METHODS, load_plugins  # noqa: E402
from model import TASKS, quiet_logging  # noqa: E402
from model.loading.hub import hub_reachable, limit_hub_waits  # noqa: E402
from model.loading.hub_models import HubModels  # noqa: E402
from model.loading.operator import register_folders  # noqa: E402
from ui import attention, classify, cleanup, dataset, embeddings, generate, inside, task_page, train, zero_shot  # noqa: E402
from ui.locale import I18N, localize  # noqa: E402
from ui.models import ModelLists, allow_any_hub_model, offline_models  # noqa: E402
from ui.page import ASSETS, MAX_UPLOAD_BYTES, Page  # noqa: E402
from ui.progress import no_average_eta  # noqa: E402
from ui.serving import launch_options, tell_when_full  # noqa: E402
from ui.space import quiet_closed_event_loops  # noqa: E402
from ui.warm_up import WARM, WarmUp  # noqa: E402, F401 - (WarmUp: the tests start their own)

TASK_TABS = (("Classify", classify), ("Zero-shot", zero_shot), ("Embeddings & similarity", embeddings),
             ("Generate", generate))
TOOL_TABS = (("Attention", attention), ("Dataset", dataset), ("Inside the Transformer", inside),
             ("Train a classifier", train))
CSS = """.example-file { background: var(--background-fill-primary) !important;
  border: 1px solid var(--button-primary-background-fill) !important;
  color: var(--button-primary-background-fill) !important; }
.textfield { word-break: normal !important; overflow-wrap: break-word !important; }"""
# (a secondary button looked disabled; highlighted text broke words anywhere at line ends: "three mo|nths")
log = logging.getLogger("studio")


def intro() -> str:
    methods = "\n".join(f"- `{cls.NAME}` — {cls.DESCRIPTION}" for cls in METHODS.values())
    return f"""# Transformer explainability studio
Run real pretrained Transformers and see **why** they answered: every chart is interactive (hover for
exact values) and every result downloads as JSON and CSV. The bundled models run fully offline.

{methods}

**Generate** shows why a decoder language model (GPT-2, Llama, Qwen, Gemma...) wrote each token of its
continuation, and **Entities** why a token classifier found each named entity (or piece of personal data) of a
text. Beyond one sentence: **Dataset** explains a whole file and shows what the model relies on across it,
**Inside the Transformer** recomputes self-attention step by step on the real model, and **Train a classifier**
makes a model of your own labels to explain like the others.
"""


def tabs() -> list:
    """(title, render) of every tab: the built-in task tabs, a tab for each registered task none of them
    serves (the task's own ``TAB`` module, else the generic task tab), then the tool tabs."""
    served = {task for _, room in TASK_TABS for task in room.SERVES}
    extra = []
    for task in TASKS.values():
        if task.NAME not in served:
            render = importlib.import_module(task.TAB).render if task.TAB else \
                functools.partial(task_page.render, task=task)
            extra.append((task_page.title(task), render))
    return [(title, room.render) for title, room in TASK_TABS] + extra + \
        [(title, room.render) for title, room in TOOL_TABS]


def mcp_enabled() -> bool:
    """Whether the app serves its MCP tools: ``GRADIO_MCP_SERVER=True`` (``--mcp`` sets it)."""
    return os.environ.get("GRADIO_MCP_SERVER", "").strip().lower() == "true"


def build(mcp: bool | None = None) -> gr.Blocks:
    """The page; with ``mcp`` (default: ``mcp_enabled()``) also the agents' tools (``ui.mcp_tools``), the page's
    own events then left out of the tool list."""
    online = hub_reachable()
    cleanup.start()  # every download into one folder of this server's, swept (its disk stays bounded)
    with gr.Blocks(title="Transformer explainability studio", analytics_enabled=False,
                   delete_cache=(600, cleanup.MAX_AGE_S)) as demo:  # (Gradio's copies of them: swept by Gradio)
        gr.Markdown(intro())
        if not online:
            gr.Markdown(f"*The Hugging Face Hub is not reachable from this server: only the {offline_models()} are "
                        "offered.*")
        page = Page(demo=demo, models=ModelLists(online), online=online)
        for title, render in tabs():
            with gr.Tab(title):
                render(page)
        if mcp_enabled() if mcp is None else mcp:
            from ui import mcp_tools

            mcp_tools.register(demo)
        cleanup.forget_visitors_on_leave(demo)  # a visitor's downloads removed when they leave
    demo.queue(default_concurrency_limit=2, max_size=32)
    no_average_eta(demo)
    tell_when_full(demo)  # beyond the queue: "busy, try again in about N s"
    localize(demo)  # Simplified Chinese for a Chinese browser (launch with i18n=I18N)
    return demo


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Transformer explainability studio.")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument("--no-warm-up", action="store_true", help="load models on first use instead of at start")
    parser.add_argument("--model", action="append", default=[], metavar="PATH[:task]",
                        help="a local model folder (save_pretrained or sentence-transformers) offered in every tab of "
                             "its task under the folder's name; repeatable; also STUDIO_MODELS=PATH[:task],... "
                             "(safetensors only, never remote code; the page never takes a path from its users)")
    parser.add_argument("--mcp", action="store_true", help="also serve the studio's tools to AI agents over the Model "
                        "Context Protocol at /gradio_api/mcp/ (as GRADIO_MCP_SERVER=True does)")
    parser.add_argument("--hub-models", choices=["listed", "any"], default="listed",
                        help="any: users may type a Hugging Face Hub id in the model pickers, where the Hub answers "
                             "(checked before download: safetensors, size cap, task; kept in a bounded LRU)")
    args = parser.parse_args()
    if args.mcp:
        os.environ["GRADIO_MCP_SERVER"] = "True"
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_closed_event_loops()
    quiet_logging()
    limit_hub_waits()
    try:
        load_plugins()
        folders = [*args.model, *filter(None, os.environ.get("STUDIO_MODELS", "").split(","))]
        for spec in register_folders(folders):
            log.info("local model %s (%s): %s", spec.name, spec.task, spec.description)
    except ValueError as err:
        raise SystemExit(str(err)) from None
    if args.hub_models == "any":
        allow_any_hub_model(HubModels())
    started = time.perf_counter()
    demo = build()
    if not args.no_warm_up:
        WARM.start()  # in the background: the page is served while the models load
    log.info("page built in %.1f s (Hub %s; tasks: %s); serving", time.perf_counter() - started,
             "reachable" if hub_reachable() else "not reachable: bundled models only", ", ".join(TASKS))
    demo.launch(server_name=args.host, server_port=args.port, allowed_paths=[str(ASSETS)], show_error=False,
                max_file_size=MAX_UPLOAD_BYTES, css=CSS, i18n=I18N, mcp_server=mcp_enabled(),
                **launch_options(demo))  # (the page, its config and API description served from memory)


if __name__ == "__main__":
    main()
