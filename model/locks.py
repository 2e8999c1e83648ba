"""A shared/exclusive lock: many forward passes at once, or one attention switch alone.

Reading attention weights needs the eager attention implementation; on GPUs models load with
SDPA, so ``TextModel.attentions`` switches the shared transformer to eager and back. Forward
passes hold the lock shared and the switch holds it exclusively, so no forward ever runs
half-switched (and forwards never wait for each other).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager


class SharedLock:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._readers = 0
        self._writer = False
        self._writers_waiting = 0

    @contextmanager
    def shared(self):
        with self._cond:
            # A waiting writer goes first, so a stream of forwards cannot starve an attention call.
            while self._writer or self._writers_waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    @contextmanager
    def exclusive(self):
        with self._cond:
            self._writers_waiting += 1
            while self._writer or self._readers:
                self._cond.wait()
            self._writers_waiting -= 1
            self._writer = True
        try:
            yield
        finally:
            with self._cond:
                self._writer = False
                self._cond.notify_all()
