"""The web app: arguments, warm-up, the tabs composed, launch. Wiring only; each tab lives in
``ui/`` (one module per tab), predictions in ``model/``, explanations and charts in ``explain/``.

Methods, metrics and models come from their registries when the page is built, so what a plugin
registers at start-up (``STUDIO_PLUGINS``) appears in every tab."""
from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
import time

from ui import gpu

gpu.spaces_module()  # first: on a Space, ``spaces`` must be imported before anything initialises CUDA

import gradio as gr  # noqa: E402

from explain import METHODS, explain, load_plugins  # noqa: E402
from explain.charts import embedding as embedding_charts  # noqa: E402
from model import TASKS, get_task, list_models, load_model, quiet_logging  # noqa: E402
from model.loading.hub import hub_reachable, limit_hub_waits  # noqa: E402
from model.loading.hub_models import HubModels  # noqa: E402
from model.loading.operator import parse_folder_argument, register_folder  # noqa: E402
from ui import attention, classify, dataset, embeddings, inside, train, zero_shot  # noqa: E402
from ui.models import ModelLists, allow_any_hub_model  # noqa: E402
from ui.page import ASSETS, MAX_UPLOAD_BYTES, Page  # noqa: E402
from ui.progress import no_average_eta  # noqa: E402

TABS = (("Classify", classify), ("Zero-shot", zero_shot), ("Embeddings & similarity", embeddings),
        ("Attention", attention), ("Dataset", dataset), ("Inside the Transformer", inside),
        ("Train a classifier", train))
WARM_UP_ARGUMENTS = {"labels": ["a", "b"], "pair": "warm up"}  # what each task's explanation may need
CSS = """.example-file { background: var(--background-fill-primary) !important;
  border: 1px solid var(--button-primary-background-fill) !important;
  color: var(--button-primary-background-fill) !important; }"""  # (a secondary button looked disabled)
log = logging.getLogger("studio")


def intro() -> str:
    methods = "\n".join(f"- `{cls.NAME}` — {cls.DESCRIPTION}" for cls in METHODS.values())
    return f"""# Transformer explainability studio
Run real pretrained Transformers and see **why** they answered: every chart is interactive (hover for
exact values) and every result downloads as JSON and CSV. The bundled models run fully offline.

{methods}

Beyond one sentence: **Dataset** explains a whole file and shows what the model relies on across it, **Inside the
Transformer** recomputes self-attention step by step on the real model, and **Train a classifier** makes a model
of your own labels to explain like the others.
"""


class WarmUp:
    """Loads the bundled models and runs each method once in the background, so the page is served
    at once and the first user rarely waits; a request that comes first waits for its model. On
    ZeroGPU the main process may not run CUDA work: there it only loads the models."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="warm-up", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        try:
            for spec in list_models(bundled_only=True):
                model = load_model(spec.name)
                if gpu.zerogpu():
                    continue
                task = get_task(model.task)
                needs = {k: v for k, v in WARM_UP_ARGUMENTS.items() if k in task.TAKES}
                for method, cls in list(METHODS.items()):
                    small = {p.name: p.low if p.budget else p.default for p in cls.PARAMS}
                    explain(model, "warm up the model", method, **needs, **small)
            if not gpu.zerogpu():
                embedding_charts.warm_up()  # UMAP compiles itself on first use (tens of seconds)
        except Exception:  # noqa: BLE001 - a failed warm-up only means the first request loads instead
            log.exception("Warm-up failed; models will load on first use.")
        finally:
            self.done.set()


WARM = WarmUp()


def build() -> gr.Blocks:
    online = hub_reachable()
    with gr.Blocks(title="Transformer explainability studio", analytics_enabled=False) as demo:
        gr.Markdown(intro())
        if not online:
            gr.Markdown("*The Hugging Face Hub is not reachable from this server: only the bundled models are offered.*")
        page = Page(demo=demo, models=ModelLists(online), online=online)
        for title, room in TABS:
            with gr.Tab(title):
                room.render(page)
    demo.queue(default_concurrency_limit=2, max_size=32)
    no_average_eta(demo)
    return demo


def register_folders(arguments: list[str]) -> list:
    """The operator's folders (``--model PATH[:task]``, ``STUDIO_MODELS``) as registry models; a refused
    folder stops the start with its one sentence."""
    specs = []
    for argument in arguments:
        path, task = parse_folder_argument(argument.strip())
        try:
            specs.append(register_folder(path, task))
        except ValueError as err:
            raise SystemExit(f"--model {argument}: {err}") from None
    return specs


def quiet_closed_event_loops() -> None:
    """On a Space, Gradio's reloader (with the ``spaces`` package) leaves event loops whose pipes are
    already closed; their garbage collection prints "Exception ignored in BaseEventLoop.__del__ ...
    ValueError: Invalid file descriptor: -1" (gradio-app/gradio#12699; a four-line Gradio app shows it
    too). Exactly that is dropped from the log; every other unraisable exception is reported as before."""
    default = sys.unraisablehook

    def hook(unraisable) -> None:
        owner = getattr(unraisable.object, "__qualname__", "")
        if isinstance(unraisable.exc_value, ValueError) and owner == "BaseEventLoop.__del__" \
                and str(unraisable.exc_value) == "Invalid file descriptor: -1":
            return
        default(unraisable)

    sys.unraisablehook = hook


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the Transformer explainability studio.")
    parser.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")))
    parser.add_argument("--no-warm-up", action="store_true", help="load models on first use instead of at start")
    parser.add_argument("--model", action="append", default=[], metavar="PATH[:task]",
                        help="a local model folder (save_pretrained or sentence-transformers) offered in every tab of "
                             "its task under the folder's name; repeatable; also STUDIO_MODELS=PATH[:task],... "
                             "(safetensors only, never remote code; the page never takes a path from its users)")
    parser.add_argument("--hub-models", choices=["listed", "any"], default="listed",
                        help="any: users may type a Hugging Face Hub id in the model pickers, where the Hub answers "
                             "(checked before download: safetensors, size cap, task; kept in a bounded LRU)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    quiet_closed_event_loops()
    quiet_logging()
    limit_hub_waits()
    load_plugins()
    for spec in register_folders([*args.model, *filter(None, os.environ.get("STUDIO_MODELS", "").split(","))]):
        log.info("local model %s (%s): %s", spec.name, spec.task, spec.description)
    if args.hub_models == "any":
        allow_any_hub_model(HubModels())
    started = time.perf_counter()
    demo = build()
    if not args.no_warm_up:
        WARM.start()  # in the background: the page is served while the models load
    log.info("page built in %.1f s (Hub %s; tasks: %s); serving", time.perf_counter() - started,
             "reachable" if hub_reachable() else "not reachable: bundled models only", ", ".join(TASKS))
    demo.launch(server_name=args.host, server_port=args.port, allowed_paths=[str(ASSETS)], show_error=False,
                max_file_size=MAX_UPLOAD_BYTES, css=CSS)


if __name__ == "__main__":
    main()
