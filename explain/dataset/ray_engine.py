"""The Ray engine: the same per-batch function (``explain_rows``) on a Ray Data pipeline.

Rows are read on the driver by the local reader (so row numbers, line numbers and the sentences
for malformed lines are identical to the local engine; reading costs microseconds a row against
tens of milliseconds to explain it) and shipped in chunks of ``CHUNK_ROWS`` as Ray Datasets
(``ray.data.from_items``) through ``map_batches`` with one model actor per worker (a GPU each
when the cluster has GPUs). Results stream back in row order (``preserve_order``), so the caller
writes them and totals them exactly as the local engine's. ``RAY_ADDRESS`` points at a cluster
(this code is shipped to it as ``py_modules``; its workers need ``requirements.txt``); without it Ray
starts locally with ``workers`` CPUs. Ray is optional (``requirements-scale.txt``).
"""
from __future__ import annotations

import json
import logging
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

from model.errors import InputError
from model.rows import Row
from model.validation import check_whole

from .stream import RowResult, explain_rows

CHUNK_ROWS = 4_096
INSTALL = "pip install -r requirements-scale.txt"


def require_ray():
    try:
        import ray
        import ray.data  # noqa: F401 - Ray Data is the part used
    except ImportError:
        raise InputError(f"The Ray engine needs Ray, an optional dependency: {INSTALL}") from None
    return ray


class RowExplainer:
    """One per Ray worker: loads the plugins the driver loaded (a plugin's task, model or method may be
    the one asked for), then the model once, then explains every batch sent to it."""

    def __init__(self, model_name: str, task: str | None, method: str, settings: dict,
                 plugins: tuple[str, ...] = ()) -> None:
        from model import load_model, quiet_logging

        from ..plugins import load_plugins

        quiet_logging()
        load_plugins(",".join(plugins))
        self.model = load_model(model_name, task=task)
        self.method, self.settings = method, settings

    def __call__(self, batch: dict) -> dict:
        import numpy as np

        rows = [Row(**json.loads(raw)) for raw in batch["row"]]
        results = explain_rows(self.model, rows, self.method, self.settings)
        return {"record": np.array([json.dumps(r.to_record(), ensure_ascii=False) for r in results], dtype=object)}


def start_ray(ray, workers: int, plugins: tuple[str, ...]) -> None:
    """Ray started here (``workers`` CPUs) or joined at ``RAY_ADDRESS``; a cluster's workers are sent
    this code and the plugin modules, local workers find them where the driver does."""
    from ..plugins import plugin_folders

    if ray.is_initialized():
        return
    address = os.environ.get("RAY_ADDRESS")
    for name in ("ray", "ray.data"):  # the run reports its own progress; Ray's notices would bury it
        logging.getLogger(name).setLevel(logging.ERROR)
    options = dict(include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
    if address:  # a cluster: ship this code to its workers (their Python needs requirements.txt installed)
        root = Path(__file__).resolve().parents[2]
        shipped = [str(root / "explain"), str(root / "model"), *plugin_folders(plugins)]
        ray.init(address=address, runtime_env={"py_modules": shipped}, **options)
    else:
        import sys

        path = os.pathsep.join(p for p in sys.path if p and Path(p).is_dir())
        ray.init(num_cpus=workers, runtime_env={"env_vars": {"PYTHONPATH": path}}, **options)


def run_on_ray(rows: Iterator[Row], model_name: str, method: str, settings: dict, *, task: str | None = None,
               workers: int = 2, batch_size: int = 16, plugins=None) -> Iterator[RowResult]:
    """Explain ``rows`` on Ray; yields ``RowResult``s (without the explanation object) in row order.
    ``plugins``: the plugin modules every worker imports first (default: those this process loaded)."""
    from ..plugins import LOADED

    ray = require_ray()
    check_whole("workers", workers, 1, 1024)
    plugins = tuple(LOADED if plugins is None else plugins)
    start_ray(ray, workers, plugins)
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True
    context.enable_progress_bars = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    gpus = int(ray.cluster_resources().get("GPU", 0))
    actors = min(workers, gpus) if gpus else workers
    chunk: list[dict] = []

    class bound(RowExplainer):  # settings in the class, not as constructor arguments in the object store
        def __init__(self) -> None:
            super().__init__(model_name, task, method, settings, plugins)

    def flush(chunk: list[dict]) -> Iterator[RowResult]:
        dataset = ray.data.from_items([{"row": json.dumps(r, ensure_ascii=False)} for r in chunk])
        with warnings.catch_warnings():  # (deprecated for 2.64; requirements-scale.txt pins 2.60, where it is the
            warnings.simplefilter("ignore")  # one way to stop Ray Data restarting a failed actor and warning so)
            explained = dataset.map_batches(
                bound, batch_size=batch_size, concurrency=actors, num_gpus=1 if gpus else 0,
                num_cpus=0 if gpus else 1, batch_format="numpy",
                ray_remote_args_fn=lambda: {"max_restarts": 0})  # a worker that dies fails the run, with its error
        for batch in explained.iter_batches(batch_size=batch_size, batch_format="numpy"):
            for raw in batch["record"]:
                yield RowResult.from_record(json.loads(raw))

    for row in rows:
        chunk.append({"index": row.index, "line": row.line, "text": row.text, "label": row.label,
                      "clipped": row.clipped, "error": row.error})
        if len(chunk) >= CHUNK_ROWS:
            yield from flush(chunk)
            chunk = []
    if chunk:
        yield from flush(chunk)
