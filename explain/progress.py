"""How fast work goes and how long is left: the one estimate behind the app's progress bars
(model evaluations, rows) and the CLI's (rows). It is the rate since the start, not the average of
earlier runs: explanations differ a hundredfold in cost, so only this run's own pace says anything."""
from __future__ import annotations

import time
from collections.abc import Callable


class Rate:
    """Units done per second since ``start`` (made at creation), and the seconds left at that pace."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.started = clock()

    def per_second(self, done: int) -> float:
        return done / max(self.clock() - self.started, 1e-9)

    def seconds_left(self, done: int, total: int | None) -> float | None:
        """None until something is done, or when the total is unknown or reached."""
        if not done or not total or done >= total:
            return None
        return (total - done) / self.per_second(done)

    def left(self, done: int, total: int | None) -> str:
        """" · about 12 s left", or "" when nothing can be said yet."""
        seconds = self.seconds_left(done, total)
        return "" if seconds is None else f" · about {seconds:,.0f} s left"
