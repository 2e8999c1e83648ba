"""The warm-up: the bundled models loaded and each method run once in the background, so the page is
served at once and the first user rarely waits; a request that comes first waits for its model. On
ZeroGPU the main process may not run CUDA work: there it only loads the models."""
from __future__ import annotations

import logging
import threading
import time

from explain import METHODS, explain
from explain.charts import embedding as embedding_charts
from model import TASKS, get_task, list_models, load_model
from model.errors import STUDIO_ERRORS

from . import gpu

WARM_UP_ARGUMENTS = {"labels": ["a", "b"], "pair": "warm up"}  # what each task's explanation may need
WARM_UP_TEXT = "Warm up the model for Sarah Johnson in Paris."  # (a name and a place: entities for a tagger)
log = logging.getLogger("studio")


class WarmUp:
    def __init__(self) -> None:
        self.done = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        self.thread = threading.Thread(target=self._run, name="warm-up", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        started = time.perf_counter()
        try:
            order = list(TASKS)  # (the first tabs' models first: the task registry's order)
            for spec in sorted(list_models(bundled_only=True), key=lambda s: order.index(s.task) if s.task in order
                               else len(order)):
                model = load_model(spec.name)
                if gpu.zerogpu():
                    continue
                task = get_task(model.task)
                needs = {k: v for k, v in WARM_UP_ARGUMENTS.items() if k in task.TAKES}
                for method, cls in list(METHODS.items()):
                    small = {p.name: p.low if p.budget else p.default for p in cls.PARAMS}
                    try:
                        explain(model, WARM_UP_TEXT, method, **needs, **small)
                    except STUDIO_ERRORS as err:  # (the model is loaded: a refusal only leaves a method cold)
                        log.info("warm-up of %s with %s: %s", spec.name, method, err)
            if not gpu.zerogpu():
                embedding_charts.warm_up()  # UMAP compiles itself on first use (tens of seconds)
        except Exception:  # noqa: BLE001 - a failed warm-up only means the first request loads instead
            log.exception("Warm-up failed; models will load on first use.")
        finally:
            self.done.set()
            log.info("warm-up done in %.0f s", time.perf_counter() - started)


WARM = WarmUp()
