"""Progress of long work in the page: model evaluations done out of planned (or rows), with the time
left at this run's own pace (``explain.progress.Rate``), never Gradio's average of earlier runs."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import gradio as gr

from explain.progress import Rate


def reporter(progress, label: str, unit: str = "evaluations") -> Callable[[int, int | None], None]:
    """``report(done, planned)`` for the library's progress callbacks."""
    rate = Rate()

    def report(done: int, planned: int | None) -> None:
        progress((done, planned), desc=f"{label}: {'model evaluations' if unit == 'evaluations' else unit}"
                                       f"{rate.left(done, planned)}", unit=unit)
    return report


def no_average_eta(demo: gr.Blocks) -> None:
    """Explanations vary a hundredfold in cost (text length x budget), so Gradio's ETA (the average
    of earlier runs) is wrong more often than not; report progress instead and no ETA. (Gradio
    sends an ETA only for functions it has timings for: ``fn in process_time_per_fn``.)"""
    class NoTimings(defaultdict):
        def __contains__(self, key) -> bool:
            return False

    queue = demo._queue
    queue.process_time_per_fn = NoTimings(queue.process_time_per_fn.default_factory, queue.process_time_per_fn)
